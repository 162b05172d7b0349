import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeFromBase64, safeFromHex, toBase64, toHex } from './strict-encoding.ts';

test('hex: lower case only, even length', () => {
  assert.equal(toHex(new Uint8Array([0, 171, 255])), '00abff');
  assert.deepEqual(safeFromHex('00abff'), new Uint8Array([0, 171, 255]));
  for (const bad of ['00ABFF', '0ab', 'zz', ' 00', '00\n']) assert.equal(safeFromHex(bad), null, bad);
});

test('base64: padded standard alphabet with zero trailing bits only', () => {
  assert.equal(toBase64(new Uint8Array([1, 2, 3, 4])), 'AQIDBA==');
  assert.deepEqual(safeFromBase64('AQIDBA=='), new Uint8Array([1, 2, 3, 4]));
  for (const bad of ['AQIDBA', 'AQIDBB==', 'AQIDBA=', 'AQ-DBA==', 'AQ_DBA==', 'AQID BA==', 'AQIDBA==\n']) assert.equal(safeFromBase64(bad), null, bad);
  assert.deepEqual(safeFromBase64(''), new Uint8Array(0));
});
