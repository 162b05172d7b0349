import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCsv } from './to-csv.ts';

test('toCsv quotes only the fields that need it, doubling quotes, and ends every record with CRLF', () => {
  const csv = toCsv([
    ['customer', 'qty'],
    ['Chemiepark Ostmark GmbH, Werk 2', 3],
    ['Brauerei "Zum Anker" KG', 1],
    ['two\nlines', 0],
    ['plain', 12.5],
  ]);
  assert.equal(
    csv,
    'customer,qty\r\n"Chemiepark Ostmark GmbH, Werk 2",3\r\n"Brauerei ""Zum Anker"" KG",1\r\n"two\nlines",0\r\nplain,12.5\r\n',
  );
});
