import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startEngineSim } from '../src/gateway/engine-sim/start-engine-sim.ts';
import { gatewayRequestChannel } from '../src/gateway/core/gateway-channels.ts';
import type { UsageRecord } from '../src/store/core/control-store.ts';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';

const ask = { model: MODEL, messages: [{ role: 'user' as const, content: 'hello' }], max_tokens: 4 };

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Rejects when `promise` takes longer than `ms`: the test for "no hang". */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} hung for ${ms} ms`)), ms))]);
}

test('an engine killed mid-stream: a clean error, no hang; traffic moves to the healthy replica; the dead one comes back', async (t) => {
  const harness = await startGatewayHarness(t, { engines: 2, engine: { tokensPerSecond: 40 } });
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha'), maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'a long story' }], max_tokens: 200, stream: true });
  let chunks = 0;
  const consumed = within((async () => {
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) chunks += 1;
      if (chunks === 3) {
        const serving = harness.engines.find((engine) => engine.stats().inFlight > 0);
        assert.ok(serving !== undefined);
        void serving.close();
      }
    }
  })(), 5000, 'the stream');
  await assert.rejects(consumed, (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.code, 'upstream_error');
    assert.match(error.message, /closed the connection mid-response/);
    return true;
  });
  assert.ok(chunks >= 3);

  const deadIndex = harness.engines.findIndex((engine) => engine.stats().requests === 1 && engine.stats().inFlight === 0);
  const dead = harness.engines[deadIndex];
  const alive = harness.engines[1 - deadIndex];
  assert.ok(dead !== undefined && alive !== undefined);
  const before = alive.stats().requests;
  for (let index = 0; index < 6; index += 1) await within(client.chat.completions.create(ask), 3000, 'a request after the failure');
  assert.equal(alive.stats().requests - before, 6, 'every new request went to the healthy replica');

  // The engine comes back on the same port; the health check notices and traffic returns.
  const port = Number(new URL(dead.url).port);
  await eventually(() => harness.gateway.registry.replicas().some((replica) => replica.url === dead.url && !replica.healthy), 'the health check to mark it down');
  const revived = await startEngineSim({ port, models: [MODEL], tokensPerSecond: 0, timeToFirstTokenMs: 0 });
  t.after(() => revived.close());
  await eventually(() => harness.gateway.registry.replicas().every((replica) => replica.healthy), 'the health check to mark it up');
  await eventually(async () => {
    await client.chat.completions.create(ask);
    return revived.stats().requests > 0;
  }, 'traffic to reach the revived replica');
});

test('5xx and refused connections fail over before the first byte; the circuit opens and closes again', async (t) => {
  const harness = await startGatewayHarness(t, { engines: 2, settings: { circuit: { failureThreshold: 2, cooldownMs: 60_000 }, healthCheck: { intervalMs: 60_000 } } });
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha'), maxRetries: 0 });
  const [sick, well] = harness.engines;
  assert.ok(sick !== undefined && well !== undefined);
  sick.setFault({ mode: 'fail', status: 500 });
  for (let index = 0; index < 8; index += 1) await client.chat.completions.create(ask);
  const sickReplica = harness.gateway.registry.replicas().find((replica) => replica.url === sick.url);
  assert.equal(sickReplica?.circuit, 'open');
  assert.equal(sick.stats().requests, 2, 'after two failures the open circuit keeps requests away');
  const metrics = await (await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${await harness.adminKey()}` } })).text();
  assert.match(metrics, /fabrik_gateway_retries_total\{model="sim-llama-3-8b"\} 2/);

  // Healthy again: an active check turns the circuit half-open, one probe closes it.
  sick.setFault({ mode: 'none' });
  await harness.gateway.checkHealth();
  assert.equal(sickReplica?.circuit, 'half-open');
  for (let index = 0; index < 4; index += 1) await client.chat.completions.create(ask);
  assert.equal(sickReplica?.circuit, 'closed');
  assert.ok(sick.stats().requests > 2);

  // A connection dropped before the headers is retried on the other replica too.
  well.setFault({ mode: 'drop' });
  for (let index = 0; index < 4; index += 1) await client.chat.completions.create(ask);
  well.setFault({ mode: 'none' });

  // Nothing left to try: the engine's own error comes back, in the OpenAI shape.
  sick.setFault({ mode: 'fail', status: 503 });
  well.setFault({ mode: 'fail', status: 503 });
  for (let index = 0; index < 2; index += 1) {
    await assert.rejects(client.chat.completions.create(ask), (error: unknown) => error instanceof OpenAI.APIError && error.status === 503 && /injected failure/.test(error.message));
  }
  // Two failures each: both circuits are open, and the gateway says so without trying.
  await assert.rejects(client.chat.completions.create(ask), (error: unknown) => error instanceof OpenAI.APIError && error.status === 503 && error.code === 'no_healthy_upstream');
});

test('timeouts: a stalled stream ends with an error event; a silent engine is a 504', async (t) => {
  const harness = await startGatewayHarness(t, { settings: { timeouts: { idleMs: 300, firstByteMs: 300 }, retries: 0 } });
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha'), maxRetries: 0 });
  const engine = harness.engines[0];
  assert.ok(engine !== undefined);
  engine.setFault({ mode: 'stall', afterTokens: 3 });
  const started = Date.now();
  const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 50, stream: true });
  let text = '';
  await assert.rejects(within((async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  })(), 3000, 'the stalled stream'), (error: unknown) => error instanceof OpenAI.APIError && error.code === 'upstream_timeout' && /sent nothing for 300 ms/.test(error.message));
  assert.ok(text.length > 0);
  assert.ok(Date.now() - started < 2000);

  engine.setFault({ mode: 'stall' });
  await assert.rejects(within(client.chat.completions.create(ask), 3000, 'the silent engine'), (error: unknown) => error instanceof OpenAI.APIError && error.status === 504 && error.code === 'upstream_timeout');
  engine.setFault({ mode: 'none' });
});

test('a client that disconnects aborts the engine\'s request; usage records what was delivered', async (t) => {
  const harness = await startGatewayHarness(t, { engine: { tokensPerSecond: 50 } });
  const seen: UsageRecord[] = [];
  const subscriber = (message: unknown): void => void seen.push(message as UsageRecord);
  gatewayRequestChannel.subscribe(subscriber);
  t.after(() => gatewayRequestChannel.unsubscribe(subscriber));
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha'), maxRetries: 0 });
  const engine = harness.engines[0];
  assert.ok(engine !== undefined);
  const controller = new AbortController();
  const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 500, stream: true }, { signal: controller.signal });
  let chunks = 0;
  try {
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) chunks += 1;
      if (chunks === 5) controller.abort();
    }
  } catch {
    // The SDK reports the abort.
  }
  await eventually(() => engine.stats().aborted === 1 && engine.stats().inFlight === 0, 'the engine to see the abort', 3000);
  await eventually(() => seen.length === 1, 'the usage record');
  assert.equal(seen[0]?.status, 499);
  assert.ok((seen[0]?.completionTokens ?? 0) >= 5 && (seen[0]?.completionTokens ?? 0) < 100, `counted ${seen[0]?.completionTokens}`);
  assert.equal(seen[0]?.tokensSource, 'gateway');
  assert.equal(harness.gateway.registry.replicas()[0]?.inFlight, 0);
  assert.equal(harness.gateway.registry.replicas()[0]?.circuit, 'closed', 'a client leaving is not the engine\'s fault');
});
