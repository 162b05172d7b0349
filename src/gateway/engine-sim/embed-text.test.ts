import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embedText } from './embed-text.ts';

function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += (a[index] as number) * (b[index] as number);
  return sum;
}

test('unit length, deterministic, case-insensitive, dimension as asked', () => {
  const vector = embedText('The pump needs a new seal.', 384);
  assert.equal(vector.length, 384);
  assert.ok(Math.abs(cosine(vector, vector) - 1) < 1e-5);
  assert.deepEqual(embedText('The pump needs a new seal.', 384), vector);
  assert.deepEqual(embedText('the PUMP needs a new seal', 384), vector, 'case and punctuation do not matter');
  assert.equal(embedText('x', 7).length, 7);
});

test('texts sharing words are closer than unrelated texts', () => {
  const query = embedText('maintenance interval of the centrifugal pump', 384);
  const related = embedText('the centrifugal pump needs maintenance every 2000 hours', 384);
  const unrelated = embedText('invoice totals for the third quarter', 384);
  assert.ok(cosine(query, related) > 0.4);
  assert.ok(cosine(query, related) > cosine(query, unrelated) + 0.2);
});

test('input without words still gets a stable unit vector', () => {
  for (const text of ['', '...', '   ']) {
    const vector = embedText(text, 32);
    assert.ok(Math.abs(cosine(vector, vector) - 1) < 1e-5, JSON.stringify(text));
    assert.deepEqual(embedText(text, 32), vector);
  }
  assert.notDeepEqual(embedText('', 32), embedText('...', 32));
});
