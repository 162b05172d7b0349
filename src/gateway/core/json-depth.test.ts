import assert from 'node:assert/strict';
import test from 'node:test';
import { exceedsJsonDepth } from './json-depth.ts';

const depth = (text: string, limit: number): boolean => exceedsJsonDepth(Buffer.from(text), limit);

test('nesting is counted across objects and arrays, up to and past the limit', () => {
  assert.equal(depth('{"a":[{"b":1}]}', 3), false);
  assert.equal(depth('{"a":[{"b":[1]}]}', 3), true);
  assert.equal(depth(`${'['.repeat(5000)}${']'.repeat(5000)}`, 64), true);
  assert.equal(depth('{"model":"m","messages":[{"role":"user","content":"hi"}]}', 3), false);
  assert.equal(depth('{"model":"m","messages":[{"role":"user","content":"hi"}]}', 2), true);
});

test('brackets inside strings, escaped quotes included, do not count', () => {
  assert.equal(depth('{"a":"[[[[{{{{"}', 1), false);
  assert.equal(depth('{"a":"\\"[[[[","b":1}', 1), false);
  assert.equal(depth('{"a":"\\\\","b":[[1]]}', 2), true);
});
