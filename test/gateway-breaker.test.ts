import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';

async function chat(url: string, secret: string, body: Record<string, unknown>): Promise<{ status: number; code: string | null }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 4, ...body }),
  });
  const parsed = (await response.json()) as { error?: { code: unknown } };
  return { status: response.status, code: parsed.error === undefined ? null : String(parsed.error.code) };
}

test('one team sending poison bodies cannot open the circuit for another team (issue 7, item 19)', async (t) => {
  const harness = await startGatewayHarness(t, { engines: 2, settings: { circuit: { failureThreshold: 3, cooldownMs: 60_000 }, retries: 2, healthCheck: { intervalMs: 60_000 } } });
  const mallory = await harness.key('mallory');
  const alice = await harness.key('alice');
  const engineRequests = (): number => harness.engines.reduce((sum, engine) => sum + engine.stats().requests, 0);
  const circuits = (): string[] => harness.gateway.registry.replicas().map((replica) => replica.circuit);

  // max_tokens: 1e15 is the request's fault: the engine answers 400, passed through, tried once, not counted.
  let before = engineRequests();
  for (let index = 0; index < 6; index += 1) {
    const result = await chat(harness.url, mallory, { max_tokens: 1e15 });
    assert.equal(result.status, 400);
  }
  assert.equal(engineRequests() - before, 6, 'a 400 is not retried on another replica');
  assert.deepEqual(circuits(), ['closed', 'closed']);

  // An input that makes every engine fail with 500: the same 500 from two replicas is the body's
  // doing. Each poison request is tried on two replicas, no more, and counts against neither.
  for (const engine of harness.engines) engine.setFault({ mode: 'fail', status: 500, match: 'POISON' });
  before = engineRequests();
  for (let index = 0; index < 6; index += 1) {
    const result = await chat(harness.url, mallory, { messages: [{ role: 'user', content: `POISON ${index}` }] });
    assert.equal(result.status, 500);
  }
  assert.equal(engineRequests() - before, 12, 'two replicas per poison request');
  assert.deepEqual(circuits(), ['closed', 'closed']);
  assert.deepEqual(harness.gateway.registry.replicas().map((replica) => replica.failures), [0, 0]);

  // Alice's good requests all go through.
  for (let index = 0; index < 6; index += 1) assert.equal((await chat(harness.url, alice, {})).status, 200);

  // A replica that really fails is still found out: its 500s count once another replica answers.
  const [broken, healthy] = harness.engines;
  assert.ok(broken !== undefined && healthy !== undefined);
  broken.setFault({ mode: 'fail', status: 500, count: 1000 });
  healthy.setFault({ mode: 'none' });
  for (let index = 0; index < 6; index += 1) assert.equal((await chat(harness.url, alice, {})).status, 200, 'failed over to the healthy replica');
  const brokenReplica = harness.gateway.registry.replicas().find((replica) => replica.url === broken.url);
  assert.equal(brokenReplica?.circuit, 'open', 'three failures of the broken replica opened its circuit');
  assert.equal(harness.gateway.registry.replicas().find((replica) => replica.url === healthy.url)?.circuit, 'closed');
});
