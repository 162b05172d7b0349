import { FabrikError } from '../../shared/errors.ts';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const END_RECORD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/**
 * Sets the modification time of every entry in a zip file to `date`, in place of the clock time
 * the zip writer stamped on it, so the same content always gives the same bytes. Only the
 * MS-DOS time fields change: the CRCs and compressed data cover the content, not the time.
 */
export function fixZipTimestamps(zip: Uint8Array, date: Date): Uint8Array {
  // A copy even for a Buffer, whose slice() would share memory with the input.
  const bytes = new Uint8Array(zip);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfCentralDirectory(view);
  const entryCount = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  const dosTime = (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1);
  const dosDate = ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();

  for (let entry = 0; entry < entryCount; entry += 1) {
    expectRecord(view, offset, CENTRAL_HEADER, 46, 'central directory entry');
    view.setUint16(offset + 12, dosTime, true);
    view.setUint16(offset + 14, dosDate, true);
    const localOffset = view.getUint32(offset + 42, true);
    expectRecord(view, localOffset, LOCAL_HEADER, 30, 'local file header');
    view.setUint16(localOffset + 10, dosTime, true);
    view.setUint16(localOffset + 12, dosDate, true);
    offset += 46 + view.getUint16(offset + 28, true) + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true);
  }
  return bytes;
}

function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - END_RECORD_SIZE;
  for (let offset = last; offset >= 0 && offset >= last - MAX_COMMENT; offset -= 1) {
    if (view.getUint32(offset, true) === END_OF_CENTRAL_DIRECTORY) return offset;
  }
  throw new FabrikError('parse_failed', 'zip: no end-of-central-directory record (not a zip file, or truncated)', { param: 'zip' });
}

function expectRecord(view: DataView, offset: number, signature: number, size: number, what: string): void {
  if (offset + size > view.byteLength || view.getUint32(offset, true) !== signature) {
    throw new FabrikError('parse_failed', `zip: expected a ${what} at byte ${offset}`, { param: 'zip' });
  }
}
