import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FabrikError } from '../../shared/errors.ts';
import { TRAVEL_AND_EXPENSE_POLICY } from './content/travel-and-expense-policy.ts';
import { createDocx } from './create-docx.ts';
import { fixZipTimestamps } from './fix-zip-timestamps.ts';

/** [time, date] of every local header and central directory entry, read straight from the bytes. */
function dosStamps(zip: Uint8Array): [number, number][] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const stamps: [number, number][] = [];
  for (let offset = 0; offset + 4 <= zip.length; offset += 1) {
    const signature = view.getUint32(offset, true);
    if (signature === 0x04034b50) stamps.push([view.getUint16(offset + 10, true), view.getUint16(offset + 12, true)]);
    if (signature === 0x02014b50) stamps.push([view.getUint16(offset + 12, true), view.getUint16(offset + 14, true)]);
  }
  return stamps;
}

test('fixZipTimestamps stamps every entry, local and central, with the given time in MS-DOS form', async () => {
  const docx = await createDocx(TRAVEL_AND_EXPENSE_POLICY);
  const fixed = fixZipTimestamps(docx, new Date('2024-02-29T13:45:58Z'));
  const stamps = dosStamps(fixed);
  assert.ok(stamps.length >= 20, `${stamps.length} headers found`);
  const time = (13 << 11) | (45 << 5) | (58 >> 1);
  const date = ((2024 - 1980) << 9) | (2 << 5) | 29;
  for (const stamp of stamps) assert.deepEqual(stamp, [time, date]);
  assert.equal(fixed.length, docx.length);
  const issued = TRAVEL_AND_EXPENSE_POLICY.issued;
  const issuedDate = ((issued.getUTCFullYear() - 1980) << 9) | ((issued.getUTCMonth() + 1) << 5) | issued.getUTCDate();
  assert.ok(dosStamps(docx).every(([, stampDate]) => stampDate === issuedDate), 'the input is left as it was');
});

test('fixZipTimestamps rejects bytes that are not a zip file', () => {
  assert.throws(
    () => fixZipTimestamps(new TextEncoder().encode('%PDF-1.7 not a zip at all, just some bytes'), new Date(0)),
    (error) => error instanceof FabrikError && error.code === 'parse_failed' && error.param === 'zip',
  );
});
