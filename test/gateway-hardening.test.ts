import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { gatewayRequestChannel } from '../src/gateway/core/gateway-channels.ts';
import { startServer } from '../src/server/start-server.ts';
import type { UsageRecord } from '../src/store/core/control-store.ts';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';

async function chat(url: string, secret: string, body: Record<string, unknown> | string): Promise<{ status: number; body: { usage?: { total_tokens: number }; error?: { param: string | null; message: string } } }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as never };
}

const deepBody = (model: string, depth: number): string => `{"model":"${model}","messages":[{"role":"user","content":"x"}],"extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;

test('max_completion_tokens: 1 beside max_tokens: 1000 reserves the larger and caps both (item 14)', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('alpha', { teamLimits: { tokensPerMinute: 500 } });
  const outcomes = await Promise.all(Array.from({ length: 50 }, (_, index) => chat(harness.url, secret, {
    model: MODEL, messages: [{ role: 'user', content: `hello ${index}` }], max_completion_tokens: 1, max_tokens: 1000,
  })));
  const tokens = outcomes.reduce((sum, outcome) => sum + (outcome.status === 200 ? outcome.body.usage?.total_tokens ?? 0 : 0), 0);
  assert.ok(outcomes.every((outcome) => outcome.status === 200 || outcome.status === 429), outcomes.map((outcome) => outcome.status).join());
  assert.ok(tokens <= 500, `admitted ${tokens} tokens against tokens/min 500`);
});

test('a body nested deeper than maxJsonDepth is refused with 400 before admission and holds no slot (item 15)', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('alpha', { teamLimits: { concurrentRequests: 3 } });
  for (let index = 0; index < 3; index += 1) {
    const deep = await chat(harness.url, secret, deepBody('default', 5000));
    assert.equal(deep.status, 400);
    assert.equal(deep.body.error?.param, 'body');
    assert.match(deep.body.error?.message ?? '', /deeper than the limit of 64/);
  }
  const after = await chat(harness.url, secret, { model: 'default', messages: [{ role: 'user', content: 'still served?' }], max_tokens: 4 });
  assert.equal(after.status, 200);
});

test('an admitted request that fails before reaching the engine still settles its reservation (item 15)', async (t) => {
  // The depth limit lifted: re-serialising the aliased body throws after admission.
  const harness = await startGatewayHarness(t, { settings: { maxJsonDepth: 1_000_000 } });
  const secret = await harness.key('alpha', { teamLimits: { concurrentRequests: 3 } });
  for (let index = 0; index < 4; index += 1) {
    const deep = await chat(harness.url, secret, deepBody('default', 100_000));
    assert.equal(deep.status, 500);
  }
  const after = await chat(harness.url, secret, { model: 'default', messages: [{ role: 'user', content: 'still served?' }], max_tokens: 4 });
  assert.equal(after.status, 200);
});

/** A raw client connection: what it has received so far, and whether the server ended it. */
function rawClient(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      let text = '';
      socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
      const closed = new Promise<void>((done) => socket.once('close', () => done()));
      socket.on('error', () => {});
      resolve({ socket, received: () => text, closed });
    });
    socket.once('error', reject);
  });
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const head = (secret: string, length: number): string => `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${secret}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;

test('a bad key is refused from the head, before a large body is read or allocated (item 16)', async (t) => {
  const harness = await startGatewayHarness(t);
  const client = await rawClient(harness.url);
  client.socket.write(`${head('fk_not_a_key', 16 * 1024 * 1024)}{"model":`);
  await eventually(() => client.received().startsWith('HTTP/1.1 401'), 'a 401 without the body');
  assert.match(client.received(), /connection: close/);
  client.socket.destroy();
});

test('bodies gathered across connections are capped by maxBufferedBodyBytes (item 16)', async (t) => {
  const harness = await startGatewayHarness(t, { settings: { maxBufferedBodyBytes: 100_000 } });
  const secret = await harness.key('alpha');
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(60_000) }], max_tokens: 2 });
  const first = await rawClient(harness.url);
  first.socket.write(head(secret, Buffer.byteLength(body)) + body.slice(0, 10));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = await rawClient(harness.url);
  second.socket.write(head(secret, Buffer.byteLength(body)) + body.slice(0, 10));
  await eventually(() => second.received().startsWith('HTTP/1.1 413'), 'the second body refused');
  assert.match(second.received(), /retry-after: 1/);
  assert.match(second.received(), /maxBufferedBodyBytes/);
  second.socket.destroy();
  first.socket.write(body.slice(10));
  await eventually(() => first.received().startsWith('HTTP/1.1 200'), 'the first answered');
  // Its answer released the room: another body may be gathered.
  const third = await rawClient(harness.url);
  third.socket.write(head(secret, Buffer.byteLength(body)) + body.slice(0, 10));
  await new Promise((resolve) => setTimeout(resolve, 50));
  third.socket.write(body.slice(10));
  await eventually(() => third.received().startsWith('HTTP/1.1 200'), 'the third answered');
  first.socket.destroy();
  third.socket.destroy();
});

test('a client that half-closes during a non-streamed request stops the engine and is metered 499 (item 17)', async (t) => {
  const harness = await startGatewayHarness(t, { engine: { tokensPerSecond: 20 } });
  const seen: UsageRecord[] = [];
  const subscriber = (message: unknown): void => void seen.push(message as UsageRecord);
  gatewayRequestChannel.subscribe(subscriber);
  t.after(() => gatewayRequestChannel.unsubscribe(subscriber));
  const secret = await harness.key('alpha', { teamLimits: { concurrentRequests: 1 } });
  const engine = harness.engines[0];
  assert.ok(engine !== undefined);
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'a long answer' }], max_tokens: 200 });
  const client = await rawClient(harness.url);
  client.socket.write(head(secret, Buffer.byteLength(body)) + body);
  await new Promise((resolve) => setTimeout(resolve, 300));
  client.socket.end(); // what curl -m does when its time is up
  await eventually(() => engine.stats().aborted === 1 && engine.stats().inFlight === 0, 'the engine to see the abort');
  await eventually(() => seen.length === 1, 'the usage record');
  assert.equal(seen[0]?.status, 499);
  const after = await chat(harness.url, secret, { model: MODEL, messages: [{ role: 'user', content: 'next' }], max_tokens: 2 });
  assert.equal(after.status, 200, 'the concurrency slot was given back');
});

test('connections are capped and an incomplete head times out in the head timeout (item 20)', async (t) => {
  const harness = await startGatewayHarness(t);
  const server = await startServer({ host: '127.0.0.1', port: 0, gateway: harness.gateway, headTimeoutMs: 300, maxConnections: 3 });
  t.after(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
  const started = Date.now();
  const slow = await rawClient(server.url);
  slow.socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n');
  await slow.closed;
  assert.match(slow.received(), /^HTTP\/1\.1 408/);
  assert.ok(Date.now() - started < 3000, `closed after ${Date.now() - started} ms`);
  const idle = await Promise.all([rawClient(server.url), rawClient(server.url), rawClient(server.url)]);
  const over = await rawClient(server.url);
  await over.closed;
  assert.equal(over.received(), '');
  // Idle connections that never send a head are closed within the head timeout too.
  await Promise.all(idle.map((client) => client.closed));
  const again = await rawClient(server.url);
  again.socket.write(head(await harness.key('alpha'), 2) + '{}');
  await eventually(() => again.received().startsWith('HTTP/1.1 400'), 'a connection accepted again');
  again.socket.destroy();
});

test('an engine answer with both content-length and transfer-encoding is refused as upstream_error (item 21)', async (t) => {
  const engine = createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'));
  });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => engine.close(() => resolve())));
  const port = (engine.address() as AddressInfo).port;
  const harness = await startGatewayHarness(t, { engines: 0, model: { replicas: [{ url: `http://127.0.0.1:${port}`, weight: 1, maxConcurrent: null }] }, settings: { retries: 0, healthCheck: { intervalMs: 60_000 } } });
  const answer = await chat(harness.url, await harness.key('alpha'), { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
  assert.equal(answer.status, 502);
  assert.match(answer.body.error?.message ?? '', /both content-length and transfer-encoding/);
});
