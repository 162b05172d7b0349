import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { HttpResponseParser } from '../src/gateway/upstreams/http-response-parser.ts';
import { startServer } from '../src/server/start-server.ts';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A raw TCP client: writes bytes as given and reads back every response, in order, until `count` have come or the server closes. */
async function exchange(t: TestContext, url: string, writes: Array<string | Buffer>, count: number, options: { gapMs?: number } = {}): Promise<{ responses: RawResponse[]; closed: boolean; socket: Socket }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  t.after(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const responses: RawResponse[] = [];
  let current: RawResponse = { status: 0, headers: {}, body: '' };
  const parser = new HttpResponseParser({
    onHead: (status, headers) => Object.assign(current, { status, headers }),
    onBody: (chunk) => void (current.body += chunk.toString()),
    onComplete: () => {
      responses.push(current);
      current = { status: 0, headers: {}, body: '' };
    },
  });
  let closed = false;
  const done = new Promise<void>((resolve) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Several responses may come in one read: feed the bytes after each complete one again.
      while (pending.length > 0) {
        parser.reset(false);
        parser.push(pending);
        if (!parser.complete) {
          pending = Buffer.alloc(0);
          break;
        }
        pending = parser.surplus > 0 ? pending.subarray(pending.length - parser.surplus) : Buffer.alloc(0);
      }
      if (responses.length >= count) resolve();
    });
    socket.on('close', () => {
      closed = true;
      // A body delimited by the close (node:http's bare 400) ends here.
      if (current.status !== 0) {
        try {
          parser.end();
        } catch {
          // cut short: not a response
        }
      }
      resolve();
    });
  });
  for (const bytes of writes) {
    socket.write(bytes);
    if (options.gapMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
  }
  await done;
  // A close that follows at once (Connection: close) is seen too.
  await new Promise((resolve) => setTimeout(resolve, 30));
  return { responses, closed, socket };
}

function post(path: string, body: string, key: string, extra: string[] = []): string {
  return [`POST ${path} HTTP/1.1`, 'host: fabrik', 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, `authorization: Bearer ${key}`, ...extra, '', body].join('\r\n');
}

const CHAT = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });

test('pipelined requests are answered in order; a GET on the same connection hands it to node:http, which answers the rest', async (t) => {
  const harness = await startGatewayHarness(t);
  const key = await harness.key('pipeline');
  const stream = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, stream: true });
  const bytes = post('/v1/chat/completions', CHAT, key) + post('/v1/chat/completions', stream, key) + `GET /v1/models HTTP/1.1\r\nhost: fabrik\r\nauthorization: Bearer ${key}\r\n\r\n` + post('/v1/chat/completions', CHAT, key);
  const { responses, closed } = await exchange(t, harness.url, [bytes], 4);
  assert.equal(closed, false);
  assert.deepEqual(responses.map((response) => response.status), [200, 200, 200, 200]);
  assert.equal((JSON.parse(responses[0]?.body ?? '') as { object: string }).object, 'chat.completion');
  assert.match(responses[1]?.headers['content-type'] ?? '', /text\/event-stream/);
  assert.equal(responses[1]?.headers['transfer-encoding'], 'chunked');
  assert.match(responses[1]?.body ?? '', /data: \[DONE\]\n\n$/);
  assert.equal((JSON.parse(responses[2]?.body ?? '') as { object: string }).object, 'list');
  assert.equal((JSON.parse(responses[3]?.body ?? '') as { object: string }).object, 'chat.completion');
  // Heads from the fast path carry what node:http's carry.
  assert.ok(responses[0]?.headers.date !== undefined && responses[0]?.headers['x-request-id'] !== undefined);
  assert.equal(responses[0]?.headers['content-length'], String(Buffer.byteLength(responses[0]?.body ?? '')));
});

test('a request split across many small writes is read whole', async (t) => {
  const harness = await startGatewayHarness(t);
  const bytes = Buffer.from(post('/v1/chat/completions', CHAT, await harness.key('split')));
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 7) pieces.push(bytes.subarray(offset, offset + 7));
  const { responses } = await exchange(t, harness.url, pieces, 1, { gapMs: 1 });
  assert.equal(responses[0]?.status, 200, responses[0]?.body);
});

test('a large body arriving over many reads is gathered whole, and the next request on the connection follows', async (t) => {
  const harness = await startGatewayHarness(t);
  const key = await harness.key('large');
  const content = 'factory '.repeat(256 * 1024);
  const large = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 2 });
  const bytes = Buffer.from(post('/v1/chat/completions', large, key) + post('/v1/chat/completions', CHAT, key));
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 65_536) pieces.push(bytes.subarray(offset, offset + 65_536));
  const { responses } = await exchange(t, harness.url, pieces, 2);
  assert.deepEqual(responses.map((response) => response.status), [200, 200], responses[0]?.body.slice(0, 300));
  const usage = (JSON.parse(responses[0]?.body ?? '') as { usage: { prompt_tokens: number } }).usage;
  assert.ok(usage.prompt_tokens > 200_000, `the engine saw the whole prompt (${usage.prompt_tokens} tokens)`);
});

test('chunked request bodies and Expect: 100-continue are served by node:http', async (t) => {
  const harness = await startGatewayHarness(t);
  const key = await harness.key('chunked');
  const chunked = ['POST /v1/chat/completions HTTP/1.1', 'host: fabrik', 'content-type: application/json', 'transfer-encoding: chunked', `authorization: Bearer ${key}`, '', `${Buffer.byteLength(CHAT).toString(16)}`, CHAT, '0', '', ''].join('\r\n');
  const first = await exchange(t, harness.url, [chunked], 1);
  assert.equal(first.responses[0]?.status, 200, first.responses[0]?.body);
  const expecting = post('/v1/chat/completions', CHAT, key, ['expect: 100-continue']);
  const second = await exchange(t, harness.url, [expecting], 1);
  assert.equal(second.responses[0]?.status, 200, second.responses[0]?.body);
});

test('malformed heads get node:http\'s 400; a declared body over the limit gets 413 and a close', async (t) => {
  const harness = await startGatewayHarness(t, { settings: { maxBodyBytes: 1000 } });
  const key = await harness.key('bad');
  const malformed = await exchange(t, harness.url, ['POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 2\nx: y\r\n\r\n{}'], 1);
  assert.equal(malformed.responses[0]?.status, 400);
  const big = await exchange(t, harness.url, [post('/v1/chat/completions', 'x'.repeat(2000), key)], 1);
  assert.equal(big.responses[0]?.status, 413);
  assert.equal((JSON.parse(big.responses[0]?.body ?? '') as { error: { code: string } }).error.code, 'payload_too_large');
  assert.equal(big.closed, true);
});

test('fast-path errors are JSON in the OpenAI shape; Connection: close closes after the answer', async (t) => {
  const harness = await startGatewayHarness(t);
  const { responses, closed } = await exchange(t, harness.url, [post('/v1/chat/completions', CHAT, 'sk-wrong', ['connection: close'])], 1);
  assert.equal(responses[0]?.status, 401);
  assert.equal(responses[0]?.headers.connection, 'close');
  assert.equal((JSON.parse(responses[0]?.body ?? '') as { error: { type: string } }).error.type, 'authentication_error');
  assert.equal(closed, true);
});

test('a request that does not arrive in time gets 408; an idle connection is closed', async (t) => {
  const harness = await startGatewayHarness(t);
  const server = await startServer({ host: '127.0.0.1', port: 0, gateway: harness.gateway, requestTimeoutMs: 150, keepAliveTimeoutMs: 150 });
  t.after(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
  const partial = await exchange(t, server.url, ['POST /v1/chat/completions HTTP/1.1\r\ncontent-le'], 1);
  assert.equal(partial.responses[0]?.status, 408);
  assert.equal(partial.closed, true);
  const started = Date.now();
  const idle = await exchange(t, server.url, [], 1);
  assert.equal(idle.responses.length, 0);
  assert.equal(idle.closed, true);
  assert.ok(Date.now() - started < 2_000);
});
