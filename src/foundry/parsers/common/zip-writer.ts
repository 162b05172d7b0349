import { crc32, deflateRawSync } from 'node:zlib';

/** One file to put in a zip archive; `declaredSize` lets a test lie about the uncompressed size like a zip bomb does. */
export interface ZipWriterEntry {
  name: string;
  data: Uint8Array | string;
  /** 'deflate' (default) or 'store'. */
  method?: 'deflate' | 'store';
  declaredSize?: number;
  /** Encrypts the entry with traditional PKWARE (ZipCrypto) encryption, as `zip -P` does. */
  password?: string;
}

/** Writes a minimal zip archive (no ZIP64; ZipCrypto on request); used by tests to build archives, hostile ones included. */
export function writeZip(entries: readonly ZipWriterEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const raw = typeof entry.data === 'string' ? encoder.encode(entry.data) : entry.data;
    const stored = entry.method === 'store';
    const checksum = crc32(raw);
    const packed = stored ? raw : new Uint8Array(deflateRawSync(raw));
    const body = entry.password === undefined ? packed : zipCrypto(packed, entry.password, checksum);
    const flags = entry.password === undefined ? 0 : 0x1;
    const size = entry.declaredSize ?? raw.length;
    const local = new Uint8Array(30 + name.length);
    const localView = new DataView(local.buffer);
    localView.setUint32(0, 0x04034b50, true);
    localView.setUint16(4, 20, true);
    localView.setUint16(6, flags, true);
    localView.setUint16(8, stored ? 0 : 8, true);
    localView.setUint32(14, checksum, true);
    localView.setUint32(18, body.length, true);
    localView.setUint32(22, size, true);
    localView.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const centralView = new DataView(central.buffer);
    centralView.setUint32(0, 0x02014b50, true);
    centralView.setUint16(4, 20, true);
    centralView.setUint16(6, 20, true);
    centralView.setUint16(8, flags, true);
    centralView.setUint16(10, stored ? 0 : 8, true);
    centralView.setUint32(16, checksum, true);
    centralView.setUint32(20, body.length, true);
    centralView.setUint32(24, size, true);
    centralView.setUint16(28, name.length, true);
    centralView.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, body);
    centrals.push(central);
    offset += local.length + body.length;
  }
  const directorySize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = new Uint8Array(22);
  const endView = new DataView(end.buffer);
  endView.setUint32(0, 0x06054b50, true);
  endView.setUint16(8, entries.length, true);
  endView.setUint16(10, entries.length, true);
  endView.setUint32(12, directorySize, true);
  endView.setUint32(16, offset, true);
  return concat([...locals, ...centrals, end]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, index) => {
  let value = index;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  return value >>> 0;
});
const crcByte = (crc: number, byte: number): number => ((CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8)) >>> 0;

/** Traditional PKWARE encryption (APPNOTE 6.1): a 12-byte header ending in the CRC's high byte, then the data. */
function zipCrypto(data: Uint8Array, password: string, checksum: number): Uint8Array {
  let key0 = 0x12345678;
  let key1 = 0x23456789;
  let key2 = 0x34567890;
  const update = (byte: number): void => {
    key0 = crcByte(key0, byte);
    key1 = (Math.imul((key1 + (key0 & 0xff)) >>> 0, 134775813) + 1) >>> 0;
    key2 = crcByte(key2, key1 >>> 24);
  };
  for (const byte of new TextEncoder().encode(password)) update(byte);
  const plain = new Uint8Array(12 + data.length);
  for (let index = 0; index < 11; index++) plain[index] = (index * 37 + 5) & 0xff;
  plain[11] = checksum >>> 24;
  plain.set(data, 12);
  const result = new Uint8Array(plain.length);
  for (const [index, byte] of plain.entries()) {
    const temp = (key2 | 2) & 0xffff;
    result[index] = byte ^ ((Math.imul(temp, temp ^ 1) >>> 8) & 0xff);
    update(byte);
  }
  return result;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}
