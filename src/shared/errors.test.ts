import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, FabrikError, serializeError, toFabrikError } from './errors.ts';

test('docs/errors.md lists exactly the codes in the registry, with their status and type', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d+) \| `([a-z_]+)` \|/gm)].map((match) => [match[1], Number(match[2]), match[3]]);
  const registry = Object.entries(ERROR_CODES).map(([code, definition]) => [code, definition.status, definition.type]);
  assert.deepEqual(rows, registry);
});

test('FabrikError has the OpenAI wire shape and survives a worker boundary', () => {
  const error = new FabrikError('invalid_option', '--overlap must be a whole number', { param: 'overlap' });
  assert.deepEqual(error.toJSON(), { error: { message: '--overlap must be a whole number', type: 'invalid_request_error', param: 'overlap', code: 'invalid_option' } });
  const copy = toFabrikError(structuredClone(serializeError(error)));
  assert.ok(copy instanceof FabrikError);
  assert.equal(copy.code, 'invalid_option');
  assert.equal(copy.param, 'overlap');
  assert.equal(toFabrikError(new Error('boom'), 'parse_failed').code, 'parse_failed');
});
