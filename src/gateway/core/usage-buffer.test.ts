import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UsageRecord } from '../../store/core/control-store.ts';
import { UsageBuffer } from './usage-buffer.ts';

function record(index: number): UsageRecord {
  return {
    requestId: `req_${index}`, time: 1_700_000_000_000 + index, teamId: index % 2 === 0 ? 'team_a' : null, keyId: 'key_a', model: 'm', replica: index % 3 === 0 ? null : 'http://x:1',
    endpoint: 'chat', status: 200, errorCode: index % 5 === 0 ? 'rate_limited' : null, promptTokens: index, completionTokens: 2 * index, tokensSource: 'engine',
    ttftMs: index % 4 === 0 ? null : index / 10, itlMs: null, durationMs: index + 0.5, costMicros: 3 * index, stream: index % 2 === 1,
  };
}

test('records go in as objects and come out the same, across growth and partial writes', () => {
  const buffer = new UsageBuffer(4);
  const all = Array.from({ length: 11 }, (_, index) => record(index));
  for (const item of all) buffer.push(item);
  assert.equal(buffer.size, 11);
  assert.deepEqual(buffer.records(0, 100), all);
  buffer.shift(3);
  assert.deepEqual(buffer.records(0, 2), all.slice(3, 5));
  buffer.push(record(11));
  assert.deepEqual(buffer.records(0, 100), [...all.slice(3), record(11)]);
  assert.equal(buffer.truncateTo(5), 4);
  assert.deepEqual(buffer.records(0, 100), [...all.slice(7), record(11)]);
  buffer.shift(buffer.size);
  assert.equal(buffer.size, 0);
  assert.deepEqual(buffer.records(0, 10), []);
});
