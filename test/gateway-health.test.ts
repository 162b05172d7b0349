// Active health checks against an engine that is busy, not gone: a probe that times out while the
// engine is answering our requests must not take the only replica out of rotation.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startGatewayHarness, MODEL } from './helpers/gateway-harness.ts';

/** An engine whose /health never answers and whose completions take `ms`. */
async function slowEngine(t: { after: (fn: () => Promise<void>) => void }, ms: number): Promise<string> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/health') return; // hangs: the probe times out
    request.resume();
    request.on('end', () => {
      setTimeout(() => {
        const body = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: MODEL, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } });
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      }, ms);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function chat(url: string, secret: string): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }) });
  await response.arrayBuffer();
  return response.status;
}

test('a health probe that times out while the replica has requests in flight leaves it in rotation; an idle silent one is taken out', async (t) => {
  const engine = await slowEngine(t, 1_500);
  const harness = await startGatewayHarness(t, { engines: 0, model: { replicas: [{ url: engine, weight: 1, maxConcurrent: null }] }, settings: { healthCheck: { intervalMs: 100, timeoutMs: 200 } } });
  const secret = await harness.key('busy');
  // Two requests 600 ms apart: several probes time out in between, all while the first is in flight.
  const first = chat(harness.url, secret);
  await new Promise((resolve) => setTimeout(resolve, 600));
  const second = chat(harness.url, secret);
  assert.deepEqual(await Promise.all([first, second]), [200, 200]);
  // Idle now: the next timed-out probes take it out.
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(await chat(harness.url, secret), 503);
});
