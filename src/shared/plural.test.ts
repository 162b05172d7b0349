import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plural } from './plural.ts';

test('plural agrees with the count', () => {
  assert.equal(plural(0, 'entry', 'entries'), '0 entries');
  assert.equal(plural(1, 'entry', 'entries'), '1 entry');
  assert.equal(plural(2, 'entry', 'entries'), '2 entries');
  assert.equal(plural(1, 'checkpoint'), '1 checkpoint');
  assert.equal(plural(4, 'checkpoint'), '4 checkpoints');
});
