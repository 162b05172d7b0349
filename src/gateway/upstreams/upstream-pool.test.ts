import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { requestStatus, UpstreamPool, type UpstreamRequest } from './upstream-pool.ts';
import type { UpstreamFailure } from '../core/upstream.ts';

interface Outcome {
  status: number;
  headers: Record<string, string>;
  body: string;
  error: UpstreamFailure | null;
}

const POST = (path: string, body = '{}'): UpstreamRequest => ({ method: 'POST', path, headers: [['content-type', 'application/json']], body: Buffer.from(body), headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 });

function send(pool: UpstreamPool, request: UpstreamRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { status: 0, headers: {}, body: '', error: null };
    pool.dispatch(request, {
      onResponseStart: (status, headers) => Object.assign(outcome, { status, headers }),
      onResponseData: (chunk) => void (outcome.body += chunk.toString()),
      onResponseEnd: () => resolve(outcome),
      onResponseError: (error) => resolve({ ...outcome, error }),
    });
  });
}

async function listen(t: TestContext, server: Server | ReturnType<typeof createTcpServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

test('requests go out with host and content-length, and one kept-alive connection carries them all', async (t) => {
  const seen: Array<{ method: string; url: string; host: string; length: string; body: string; port: number }> = [];
  const server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => void (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', host: request.headers.host ?? '', length: request.headers['content-length'] ?? '', body, port: request.socket.remotePort ?? 0 });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ echo: body }));
    });
  });
  const origin = await listen(t, server);
  const pool = new UpstreamPool(origin, { connectTimeoutMs: 1_000 });
  t.after(() => pool.destroy());
  for (let index = 0; index < 3; index += 1) {
    const outcome = await send(pool, POST('/v1/chat/completions?x=1', `{"n":${index}}`));
    assert.equal(outcome.error, null);
    assert.equal(outcome.status, 200);
    assert.deepEqual(JSON.parse(outcome.body), { echo: `{"n":${index}}` });
  }
  assert.equal(new Set(seen.map((request) => request.port)).size, 1);
  assert.deepEqual(seen[0], { method: 'POST', url: '/v1/chat/completions?x=1', host: new URL(origin).host, length: '7', body: '{"n":0}', port: seen[0]?.port });
  assert.equal(pool.size, 1);
  assert.equal(await requestStatus(pool, '/health', [], 1_000), 200);
});

test('a chunked stream arrives in order, with pause and resume', async (t) => {
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let index = 0;
    const timer = setInterval(() => {
      response.write(`data: ${index}\n\n`);
      index += 1;
      if (index === 5) {
        clearInterval(timer);
        response.end('data: [DONE]\n\n');
      }
    }, 5);
  });
  const pool = new UpstreamPool(await listen(t, server), { connectTimeoutMs: 1_000 });
  t.after(() => pool.destroy());
  const body = await new Promise<string>((resolve, reject) => {
    let text = '';
    const controller = pool.dispatch(POST('/stream'), {
      onResponseStart: (status, headers) => assert.equal(headers['content-type'], 'text/event-stream'),
      onResponseData: (chunk) => {
        text += chunk.toString();
        controller.pause();
        setTimeout(() => controller.resume(), 10);
      },
      onResponseEnd: () => resolve(text),
      onResponseError: reject,
    });
  });
  assert.equal(body, 'data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: [DONE]\n\n');
  // The connection went back to the pool resumed: the next response is heard.
  assert.equal((await send(pool, POST('/stream'))).status, 200);
});

/** A TCP server that answers each request with what `reply` says for the connection's nth request. */
async function rawEngine(t: TestContext, reply: (socket: Socket, index: number) => void): Promise<{ origin: string; connections: () => number }> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections += 1;
    let index = 0;
    let buffered = '';
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        reply(socket, index);
        index += 1;
      }
    });
  });
  return { origin: await listen(t, server), connections: () => connections };
}

test('an engine that closes a kept-alive connection before answering: "closed", marked as reused', async (t) => {
  const engine = await rawEngine(t, (socket, index) => {
    if (index === 0) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    else socket.destroy();
  });
  const pool = new UpstreamPool(engine.origin, { connectTimeoutMs: 1_000 });
  t.after(() => pool.destroy());
  assert.equal((await send(pool, POST('/a'))).body, 'ok');
  const second = await send(pool, POST('/a'));
  assert.equal(second.error?.code, 'closed');
  assert.equal(second.error?.reused, true);
  // A fresh connection is opened for the next request.
  assert.equal((await send(pool, POST('/a'))).body, 'ok');
  assert.equal(engine.connections(), 2);
});

test('an idle connection the engine closed is not reused', async (t) => {
  const engine = await rawEngine(t, (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
  const pool = new UpstreamPool(engine.origin, { connectTimeoutMs: 1_000 });
  t.after(() => pool.destroy());
  assert.equal((await send(pool, POST('/a'))).body, 'ok');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(pool.size, 0);
  assert.equal((await send(pool, POST('/a'))).error, null);
});

test('Connection: close, a keep-alive hint of 1 s, and bytes after the response all retire the connection', async (t) => {
  const replies = [
    'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\na',
    'HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 1\r\n\r\nb',
    'HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\ncEXTRA',
  ];
  for (const raw of replies) {
    const engine = await rawEngine(t, (socket) => socket.write(raw));
    const pool = new UpstreamPool(engine.origin, { connectTimeoutMs: 1_000 });
    t.after(() => pool.destroy());
    assert.equal((await send(pool, POST('/a'))).error, null);
    assert.equal((await send(pool, POST('/a'))).error, null);
    assert.equal(engine.connections(), 2, raw);
  }
});

test('no head in time: headers_timeout; silence mid-body: body_timeout; a garbled answer: protocol', async (t) => {
  const stalls = await rawEngine(t, () => {});
  const pool = new UpstreamPool(stalls.origin, { connectTimeoutMs: 1_000 });
  t.after(() => pool.destroy());
  const noHead = await send(pool, { ...POST('/a'), headersTimeoutMs: 100 });
  assert.equal(noHead.error?.code, 'headers_timeout');

  const half = await rawEngine(t, (socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'));
  const halfPool = new UpstreamPool(half.origin, { connectTimeoutMs: 1_000 });
  t.after(() => halfPool.destroy());
  const silent = await send(halfPool, { ...POST('/a'), bodyTimeoutMs: 100 });
  assert.equal(silent.status, 200);
  assert.equal(silent.body, 'abc');
  assert.equal(silent.error?.code, 'body_timeout');

  const garbled = await rawEngine(t, (socket) => socket.write('SMTP ready\r\n\r\n'));
  const garbledPool = new UpstreamPool(garbled.origin, { connectTimeoutMs: 1_000 });
  t.after(() => garbledPool.destroy());
  const bad = await send(garbledPool, POST('/a'));
  assert.equal(bad.error?.code, 'protocol');
  assert.match(bad.error?.message ?? '', /bad status line/);
});

test('a refused connection: connect_failed; a closed pool refuses to dispatch', async (t) => {
  const server = createTcpServer();
  const origin = await listen(t, server);
  await new Promise((resolve) => server.close(resolve));
  const pool = new UpstreamPool(origin, { connectTimeoutMs: 1_000 });
  const outcome = await send(pool, POST('/a'));
  assert.equal(outcome.error?.code, 'connect_failed');
  assert.match(outcome.error?.message ?? '', /ECONNREFUSED/);
  assert.equal(await requestStatus(pool, '/health', [], 500), 0);
  pool.close();
  assert.throws(() => pool.dispatch(POST('/a'), { onResponseStart() {}, onResponseData() {}, onResponseEnd() {}, onResponseError() {} }), /closed/);
});

test('abort mid-stream closes the connection to the engine', async (t) => {
  let engineSawClose: () => void = () => {};
  const closed = new Promise<void>((resolve) => (engineSawClose = resolve));
  const server = createHttpServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: 1\n\n');
    request.socket.on('close', () => engineSawClose());
  });
  const pool = new UpstreamPool(await listen(t, server), { connectTimeoutMs: 1_000 });
  t.after(() => pool.destroy());
  let calls = 0;
  const controller = pool.dispatch(POST('/a'), {
    onResponseStart: () => {},
    onResponseData: () => {
      calls += 1;
      controller.abort();
    },
    onResponseEnd: () => assert.fail('no end after abort'),
    onResponseError: () => assert.fail('no error after abort'),
  });
  await closed;
  assert.equal(calls, 1);
  assert.equal(pool.size, 0);
});

test('header values with line breaks are refused before anything is sent', () => {
  const pool = new UpstreamPool('http://127.0.0.1:9', { connectTimeoutMs: 100 });
  assert.throws(() => pool.dispatch({ ...POST('/a'), headers: [['authorization', 'Bearer x\r\nx-evil: 1']] }, { onResponseStart() {}, onResponseData() {}, onResponseEnd() {}, onResponseError() {} }), /line break/);
  assert.equal(pool.size, 0);
  assert.throws(() => new UpstreamPool('ftp://127.0.0.1', { connectTimeoutMs: 100 }), /http or https/);
});

test('https engines, with the CA given to the pool', { skip: spawnSync('openssl', ['version']).status === 0 ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-upstream-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']);
  assert.equal(made.status, 0, made.stderr.toString());
  const cert = readFileSync(join(dir, 'cert.pem'));
  const server = createHttpsServer({ cert, key: readFileSync(join(dir, 'key.pem')) }, (_request, response) => response.end('secure'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  const trusting = new UpstreamPool(origin, { connectTimeoutMs: 1_000, ca: cert });
  t.after(() => trusting.destroy());
  assert.equal((await send(trusting, POST('/a'))).body, 'secure');
  assert.equal((await send(trusting, POST('/a'))).body, 'secure');
  assert.equal(trusting.size, 1);
  const untrusting = new UpstreamPool(origin, { connectTimeoutMs: 1_000 });
  t.after(() => untrusting.destroy());
  const refused = await send(untrusting, POST('/a'));
  assert.equal(refused.error?.code, 'connect_failed');
  assert.match(refused.error?.message ?? '', /SELF_SIGNED|self-signed|certificate/i);
});
