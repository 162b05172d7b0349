import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startEngineSim, type EngineSim } from '../src/gateway/engine-sim/start-engine-sim.ts';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';

const ask = { model: MODEL, messages: [{ role: 'user' as const, content: 'hello' }], max_tokens: 1 };

/** Engines that take `firstTokenMs` before answering, so concurrent requests are all in flight together. */
async function slowEngines(t: { after: (fn: () => Promise<void>) => void }, count: number, firstTokenMs: number): Promise<EngineSim[]> {
  const engines: EngineSim[] = [];
  for (let index = 0; index < count; index += 1) engines.push(await startEngineSim({ models: [MODEL], timeToFirstTokenMs: firstTokenMs, tokensPerSecond: 0 }));
  t.after(async () => {
    await Promise.all(engines.map((engine) => engine.close()));
  });
  return engines;
}

test('weighted least outstanding requests: 40 requests in flight split 3:1 between replicas of weight 3 and 1', async (t) => {
  const [heavy, light] = await slowEngines(t, 2, 1000) as [EngineSim, EngineSim];
  const harness = await startGatewayHarness(t, {
    engines: 0,
    model: { replicas: [{ url: heavy.url, weight: 3, maxConcurrent: null }, { url: light.url, weight: 1, maxConcurrent: null }] },
  });
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha'), maxRetries: 0 });
  const answers = await Promise.all(Array.from({ length: 40 }, () => client.chat.completions.create(ask)));
  assert.equal(answers.length, 40);
  assert.deepEqual([heavy.stats().requests, light.stats().requests], [30, 10]);

  // Once they are done, the next request goes to the replica with the better score again.
  await client.chat.completions.create(ask);
  assert.equal(heavy.stats().requests, 31);
});

test('a replica at its max concurrent requests takes no more: the next request goes elsewhere, or gets a 503 with retry-after', async (t) => {
  const [capped, other] = await slowEngines(t, 2, 1000) as [EngineSim, EngineSim];
  const harness = await startGatewayHarness(t, {
    engines: 0,
    // The capped replica has the larger weight, so without its cap it would take most of the traffic.
    model: { replicas: [{ url: capped.url, weight: 10, maxConcurrent: 2 }, { url: other.url, weight: 1, maxConcurrent: 3 }] },
  });
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha'), maxRetries: 0 });
  const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.chat.completions.create(ask)));
  const served = results.filter((result) => result.status === 'fulfilled').length;
  const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  assert.equal(served, 5, 'two on the capped replica, three on the other');
  assert.deepEqual([capped.stats().requests, other.stats().requests], [2, 3]);
  assert.equal(refused.length, 3);
  for (const error of refused) {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.code, 'no_healthy_upstream');
    assert.match(error.message, /every replica of model "sim-llama-3-8b" is at its concurrency limit/);
    assert.equal(error.headers.get('retry-after'), '1');
  }
  // The slots come back when the requests finish.
  await client.chat.completions.create(ask);
  assert.equal(capped.stats().requests, 3);
});
