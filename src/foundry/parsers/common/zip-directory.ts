import { inflateRawSync } from 'node:zlib';
import { FabrikError } from '../../../shared/errors.ts';

/** One entry of a zip archive's central directory, as declared (nothing is decompressed to list it). */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate; anything else we cannot read. */
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
// The end record sits in the last 22 bytes plus an optional comment of at most 65535 bytes.
const MAX_END_SEARCH = 22 + 0xffff;

/** True when the bytes start like a zip archive (a local file header, or the end record of an empty one). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) return false;
  return (bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[2] === 0x05 && bytes[3] === 0x06);
}

/**
 * Reads the central directory of a zip archive; null when there is none (not a zip, or truncated).
 * Stops after `maxEntries + 1` entries so a hostile directory cannot make us loop for long.
 */
export function readZipDirectory(bytes: Uint8Array, maxEntries = Number.MAX_SAFE_INTEGER): ZipEntry[] | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const endOffset = findEndOfDirectory(view);
  if (endOffset < 0) return null;
  let entryCount = view.getUint16(endOffset + 10, true);
  let directorySize = view.getUint32(endOffset + 12, true);
  let directoryOffset = view.getUint32(endOffset + 16, true);
  const locator = endOffset - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR) {
    const zip64End = Number(view.getBigUint64(locator + 8, true));
    if (zip64End + 56 <= view.byteLength && view.getUint32(zip64End, true) === ZIP64_END_OF_DIRECTORY) {
      entryCount = Number(view.getBigUint64(zip64End + 32, true));
      directorySize = Number(view.getBigUint64(zip64End + 40, true));
      directoryOffset = Number(view.getBigUint64(zip64End + 48, true));
    }
  }
  if (directoryOffset + directorySize > view.byteLength) return null;
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder('utf-8');
  let offset = directoryOffset;
  const limit = Math.min(entryCount, maxEntries + 1);
  for (let index = 0; index < limit; index++) {
    if (offset + 46 > view.byteLength || view.getUint32(offset, true) !== CENTRAL_HEADER) return null;
    const flags = view.getUint16(offset + 8, true);
    const method = view.getUint16(offset + 10, true);
    let compressedSize = view.getUint32(offset + 20, true);
    let uncompressedSize = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    let localHeaderOffset = view.getUint32(offset + 42, true);
    const nameStart = offset + 46;
    const extraStart = nameStart + nameLength;
    if (extraStart + extraLength > view.byteLength) return null;
    const name = decoder.decode(bytes.subarray(nameStart, extraStart));
    if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      // ZIP64: the real values follow, in this order, for each field that holds the sentinel.
      let extra = extraStart;
      while (extra + 4 <= extraStart + extraLength) {
        const id = view.getUint16(extra, true);
        const size = view.getUint16(extra + 2, true);
        if (id === ZIP64_EXTRA) {
          let field = extra + 4;
          const fieldEnd = Math.min(field + size, extraStart + extraLength);
          if (uncompressedSize === 0xffffffff && field + 8 <= fieldEnd) { uncompressedSize = Number(view.getBigUint64(field, true)); field += 8; }
          if (compressedSize === 0xffffffff && field + 8 <= fieldEnd) { compressedSize = Number(view.getBigUint64(field, true)); field += 8; }
          if (localHeaderOffset === 0xffffffff && field + 8 <= fieldEnd) { localHeaderOffset = Number(view.getBigUint64(field, true)); }
          break;
        }
        extra += 4 + size;
      }
    }
    entries.push({ name, method, flags, compressedSize, uncompressedSize, localHeaderOffset });
    offset = extraStart + extraLength + commentLength;
  }
  return entries;
}

/** Decompresses one entry, refusing to produce more than `maxBytes`; a damaged, encrypted or unknown entry is a FabrikError. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = entry.localHeaderOffset;
  if (header + 30 > view.byteLength || view.getUint32(header, true) !== LOCAL_HEADER) {
    throw new FabrikError('parse_failed', `zip entry ${entry.name} has no local header at offset ${header}`);
  }
  if ((entry.flags & 0x1) !== 0) throw new FabrikError('encrypted_file', `zip entry ${entry.name} is encrypted`);
  const dataStart = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > view.byteLength) throw new FabrikError('parse_failed', `zip entry ${entry.name} is truncated`);
  const data = bytes.subarray(dataStart, dataEnd);
  if (entry.method === 0) {
    if (data.length > maxBytes) throw new FabrikError('archive_limit', `zip entry ${entry.name} is larger than ${maxBytes} bytes`);
    return data;
  }
  if (entry.method === 8) {
    try {
      return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new FabrikError('archive_limit', `zip entry ${entry.name} inflates to more than ${maxBytes} bytes`, { cause: error });
      throw new FabrikError('parse_failed', `zip entry ${entry.name} cannot be inflated: ${(error as Error).message}`, { cause: error });
    }
  }
  throw new FabrikError('unsupported_format', `zip entry ${entry.name} uses compression method ${entry.method}, which fabrik does not read (only stored and deflate)`);
}

function findEndOfDirectory(view: DataView): number {
  const stop = Math.max(0, view.byteLength - MAX_END_SEARCH);
  for (let offset = view.byteLength - 22; offset >= stop; offset--) {
    if (view.getUint32(offset, true) === END_OF_DIRECTORY) return offset;
  }
  return -1;
}
