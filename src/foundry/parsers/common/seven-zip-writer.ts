import { crc32 } from 'node:zlib';

const SIGNATURE = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04];
const AES_256_SHA_256 = [0x06, 0xf1, 0x07, 0x01];
const LZMA = [0x03, 0x01, 0x01];

/**
 * Writes the frame of a 7-Zip archive (7zFormat.txt): the signature header, one packed stream and
 * an encoded next header whose single folder names the coder that packed it. With 'aes' that is
 * 7-Zip's AES-256 coder, as in an archive made with header encryption (7z a -p -mhe=on); the packed
 * bytes stand for ciphertext and are not decodable. Used by tests of format detection.
 */
export function writeSevenZip(coder: 'aes' | 'lzma', packed: Uint8Array): Uint8Array {
  if (packed.length >= 0x80) throw new RangeError('writeSevenZip encodes sizes as one-byte NUMBERs (< 128)');
  const coderBytes = coder === 'aes'
    // Attributes: 2^19 key-derivation cycles and a 16-byte IV, then the IV.
    ? [0x20 | AES_256_SHA_256.length, ...AES_256_SHA_256, 18, 0x53, 0x0f, ...Array.from({ length: 16 }, (_, index) => index * 11 + 3)]
    : [0x20 | LZMA.length, ...LZMA, 5, 0x5d, 0x00, 0x00, 0x10, 0x00];
  const header = new Uint8Array([
    0x17, // kEncodedHeader: StreamsInfo follows
    0x06, 0x00, 0x01, 0x09, packed.length, 0x00, // kPackInfo: pack position 0, one stream of packed.length bytes, kEnd
    0x07, 0x0b, 0x01, 0x00, 0x01, ...coderBytes, // kUnPackInfo, kFolder: one folder, not external, one coder
    0x0c, packed.length, 0x00, // kCodersUnPackSize, kEnd
    0x00, // kEnd of StreamsInfo
  ]);
  const bytes = new Uint8Array(32 + packed.length + header.length);
  const view = new DataView(bytes.buffer);
  bytes.set(SIGNATURE);
  bytes.set(packed, 32);
  bytes.set(header, 32 + packed.length);
  view.setBigUint64(12, BigInt(packed.length), true);
  view.setBigUint64(20, BigInt(header.length), true);
  view.setUint32(28, crc32(header), true);
  view.setUint32(8, crc32(bytes.subarray(12, 32)), true);
  return bytes;
}
