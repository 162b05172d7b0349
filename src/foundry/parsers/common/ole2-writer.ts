/** One stream at the top level of an OLE2 compound file. */
export interface Ole2Stream {
  name: string;
  data: Uint8Array;
}

const SECTOR = 512;
const END_OF_CHAIN = 0xfffffffe;
const FREE = 0xffffffff;
const FAT_SECTOR = 0xfffffffd;
const NO_STREAM = 0xffffffff;
// Streams shorter than this live in the mini stream; padding every stream to it keeps them in sectors.
const MINI_STREAM_CUTOFF = 4096;

/**
 * Writes a minimal OLE2 compound file (MS-CFB version 3: 512-byte sectors, one FAT sector, no mini
 * stream) holding the given streams under the root storage. Used by tests to build legacy Office
 * files and password-protected OOXML (EncryptionInfo + EncryptedPackage) without a real Office.
 */
export function writeOle2(streams: readonly Ole2Stream[]): Uint8Array {
  const padded = streams.map((stream) => {
    const data = new Uint8Array(Math.max(stream.data.length, MINI_STREAM_CUTOFF));
    data.set(stream.data);
    return data;
  });
  const entries = 1 + streams.length;
  const directorySectors = Math.ceil(entries / (SECTOR / 128));
  const streamSectors = padded.map((data) => Math.ceil(data.length / SECTOR));
  const totalSectors = 1 + directorySectors + streamSectors.reduce((sum, count) => sum + count, 0);
  if (totalSectors > SECTOR / 4) throw new RangeError(`writeOle2 writes one FAT sector (${SECTOR / 4} sectors); these streams need ${totalSectors}`);
  const bytes = new Uint8Array(SECTOR * (1 + totalSectors));
  const view = new DataView(bytes.buffer);
  bytes.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  view.setUint16(0x18, 0x3e, true);
  view.setUint16(0x1a, 3, true);
  view.setUint16(0x1c, 0xfffe, true);
  view.setUint16(0x1e, 9, true);
  view.setUint16(0x20, 6, true);
  view.setUint32(0x2c, 1, true);
  view.setUint32(0x30, 1, true);
  view.setUint32(0x38, MINI_STREAM_CUTOFF, true);
  view.setUint32(0x3c, END_OF_CHAIN, true);
  view.setUint32(0x44, END_OF_CHAIN, true);
  for (let index = 0; index < 109; index++) view.setUint32(0x4c + index * 4, index === 0 ? 0 : FREE, true);
  // Sector n starts at byte 512 * (n + 1). Sector 0 is the FAT, then the directory, then the streams.
  const fat = (sector: number, next: number): void => view.setUint32(SECTOR + sector * 4, next, true);
  for (let sector = 0; sector < SECTOR / 4; sector++) fat(sector, FREE);
  fat(0, FAT_SECTOR);
  const chain = (start: number, count: number): void => {
    for (let index = 0; index < count; index++) fat(start + index, index === count - 1 ? END_OF_CHAIN : start + index + 1);
  };
  chain(1, directorySectors);
  const directory = SECTOR * 2;
  const writeEntry = (index: number, name: string, type: number, child: number, right: number, start: number, size: number): void => {
    const offset = directory + index * 128;
    for (let position = 0; position < name.length; position++) view.setUint16(offset + position * 2, name.charCodeAt(position), true);
    view.setUint16(offset + 64, (name.length + 1) * 2, true);
    bytes[offset + 66] = type;
    bytes[offset + 67] = 1;
    view.setUint32(offset + 68, NO_STREAM, true);
    view.setUint32(offset + 72, right, true);
    view.setUint32(offset + 76, child, true);
    view.setUint32(offset + 116, start, true);
    view.setBigUint64(offset + 120, BigInt(size), true);
  };
  for (let index = entries; index < directorySectors * 4; index++) {
    const offset = directory + index * 128;
    view.setUint32(offset + 68, NO_STREAM, true);
    view.setUint32(offset + 72, NO_STREAM, true);
    view.setUint32(offset + 76, NO_STREAM, true);
  }
  writeEntry(0, 'Root Entry', 5, streams.length > 0 ? 1 : NO_STREAM, NO_STREAM, END_OF_CHAIN, 0);
  let sector = 1 + directorySectors;
  for (const [index, stream] of streams.entries()) {
    const data = padded[index] as Uint8Array;
    const count = streamSectors[index] as number;
    // Siblings as a chain of right links: a valid (if unbalanced) directory tree.
    writeEntry(index + 1, stream.name, 2, NO_STREAM, index + 1 < streams.length ? index + 2 : NO_STREAM, sector, data.length);
    chain(sector, count);
    bytes.set(data, SECTOR * (1 + sector));
    sector += count;
  }
  return bytes;
}
