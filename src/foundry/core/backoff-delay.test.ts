import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from './backoff-delay.ts';

test('backoff doubles per attempt up to the cap, with half of it jittered', () => {
  const options = { baseMs: 1000, maxMs: 10_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 50].map((attempt) => backoffDelay(attempt, options, () => 1)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
  assert.deepEqual([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, options, () => 0)), [500, 1000, 2000, 4000, 5000]);
  for (let n = 0; n < 100; n += 1) {
    const delay = backoffDelay(3, options);
    assert.ok(delay >= 2000 && delay <= 4000, `${delay} within [2000, 4000]`);
  }
});
