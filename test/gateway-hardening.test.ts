import assert from 'node:assert/strict';
import { test } from 'node:test';
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
  const secret = harness.key('alpha', { teamLimits: { tokensPerMinute: 500 } });
  const outcomes = await Promise.all(Array.from({ length: 50 }, (_, index) => chat(harness.url, secret, {
    model: MODEL, messages: [{ role: 'user', content: `hello ${index}` }], max_completion_tokens: 1, max_tokens: 1000,
  })));
  const tokens = outcomes.reduce((sum, outcome) => sum + (outcome.status === 200 ? outcome.body.usage?.total_tokens ?? 0 : 0), 0);
  assert.ok(outcomes.every((outcome) => outcome.status === 200 || outcome.status === 429), outcomes.map((outcome) => outcome.status).join());
  assert.ok(tokens <= 500, `admitted ${tokens} tokens against tokens/min 500`);
});

test('a body nested deeper than maxJsonDepth is refused with 400 before admission and holds no slot (item 15)', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = harness.key('alpha', { teamLimits: { concurrentRequests: 3 } });
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
  const secret = harness.key('alpha', { teamLimits: { concurrentRequests: 3 } });
  for (let index = 0; index < 4; index += 1) {
    const deep = await chat(harness.url, secret, deepBody('default', 100_000));
    assert.equal(deep.status, 500);
  }
  const after = await chat(harness.url, secret, { model: 'default', messages: [{ role: 'user', content: 'still served?' }], max_tokens: 4 });
  assert.equal(after.status, 200);
});
