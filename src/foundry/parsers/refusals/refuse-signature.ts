import type { Refusal } from '../format-detector.ts';
import { ascii, startsWith } from './starts-with.ts';

const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const SEVEN_ZIP_MAGIC = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];

const unsupported = (what: string): Refusal => ({ code: 'unsupported_format', what });
const magicTest = (signature: readonly number[], offset = 0) => (bytes: Uint8Array): boolean => startsWith(bytes, signature, offset);

/**
 * Binary formats refused by their magic number before any text sniffing, because a short or
 * sparse file of them can pass for text (a 4-byte .Z file has one control byte). Each signature is
 * long or unusual enough not to start a real text file.
 */
const KNOWN_MAGIC: [(bytes: Uint8Array) => boolean, string][] = [
  [magicTest([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'a PNG image'],
  [magicTest([0xff, 0xd8, 0xff]), 'a JPEG image'],
  [(bytes) => startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a')), 'a GIF image'],
  [(bytes) => startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]), 'a TIFF image'],
  [(bytes) => startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8), 'a WebP image'],
  [magicTest([0x1f, 0x8b]), 'gzip-compressed data'],
  [magicTest([0x1f, 0x9d]), 'compress (.Z) data'],
  [magicTest([0x1f, 0xa0]), 'LZH-compressed (.Z) data'],
  // "BZh" and a block size, then a block or the end-of-stream marker: both binary.
  [(bytes) => startsWith(bytes, ascii('BZh')) && (bytes[3] ?? 0) >= 0x31 && (bytes[3] ?? 0) <= 0x39 && (startsWith(bytes, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) || startsWith(bytes, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4)), 'bzip2-compressed data'],
  [magicTest([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), 'xz-compressed data'],
  [magicTest([0x28, 0xb5, 0x2f, 0xfd]), 'zstd-compressed data'],
  [magicTest([0x04, 0x22, 0x4d, 0x18]), 'LZ4-compressed data'],
  [magicTest([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]), 'a RAR archive'],
  // POSIX "ustar\0" or GNU "ustar  \0" at 257: the NUL keeps a text with "custard" there out.
  [(bytes) => startsWith(bytes, ascii('ustar\0'), 257) || startsWith(bytes, ascii('ustar  \0'), 257), 'a tar archive'],
  [magicTest([0x7f, 0x45, 0x4c, 0x46]), 'an ELF executable'],
  [magicTest([0x00, 0x61, 0x73, 0x6d]), 'a WebAssembly module'],
  [magicTest(ascii('SQLite format 3\0')), 'an SQLite database'],
  [magicTest([0xc5, 0xd0, 0xd3, 0xc6]), 'an encapsulated PostScript file (binary header)'],
];

/**
 * Why bytes with a known binary signature are refused, or null: OLE2 compound files (legacy Office,
 * Outlook, password-protected OOXML), 7-Zip archives (encrypted ones named), then images,
 * compressed data, archives, executables and databases.
 */
export function refuseSignature(bytes: Uint8Array): Refusal | null {
  if (startsWith(bytes, OLE2_MAGIC)) return refuseOle2(bytes);
  if (startsWith(bytes, SEVEN_ZIP_MAGIC)) return refuseSevenZip(bytes);
  const magic = KNOWN_MAGIC.find(([test]) => test(bytes));
  return magic === undefined ? null : unsupported(magic[1]);
}

/**
 * An OLE2 compound file, named by its streams: a password-protected DOCX/XLSX/PPTX is an OLE2 file
 * holding EncryptionInfo and EncryptedPackage (MS-OFFCRYPTO), the legacy formats hold WordDocument,
 * Workbook, "PowerPoint Document" or Outlook's __substg1.0_ streams.
 */
function refuseOle2(bytes: Uint8Array): Refusal {
  const names = ole2EntryNames(bytes);
  if (names.has('EncryptedPackage') && names.has('EncryptionInfo')) {
    return { code: 'encrypted_file', what: 'a password-protected Office document (DOCX, XLSX or PPTX: an OLE2 file with EncryptionInfo and EncryptedPackage streams)' };
  }
  if (names.has('WordDocument')) return unsupported('a legacy Word document (.doc, an OLE2 compound file)');
  if (names.has('Workbook') || names.has('Book')) return unsupported('a legacy Excel workbook (.xls, an OLE2 compound file)');
  if (names.has('PowerPoint Document')) return unsupported('a legacy PowerPoint presentation (.ppt, an OLE2 compound file)');
  if ([...names].some((name) => name.startsWith('__substg1.0_'))) return unsupported('an Outlook message (.msg, an OLE2 compound file)');
  return unsupported('an OLE2 compound file (legacy .doc/.xls/.ppt or .msg)');
}

// Directory entries are 128 bytes and sectors (512 or 4096 bytes, after a 512-byte header) hold a
// whole number of them, so every entry starts at a multiple of 128: no need to walk the FAT.
const OLE2_ENTRY = 128;
const MAX_OLE2_NAMES = 10_000;

/** Names of the storages and streams in an OLE2 file's directory (a UTF-16 name, its length and a type that agree). */
function ole2EntryNames(bytes: Uint8Array): Set<string> {
  const names = new Set<string>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 512; offset + OLE2_ENTRY <= bytes.length && names.size < MAX_OLE2_NAMES; offset += OLE2_ENTRY) {
    const nameBytes = view.getUint16(offset + 64, true);
    const type = bytes[offset + 66];
    if (nameBytes < 4 || nameBytes > 64 || nameBytes % 2 !== 0 || (type !== 1 && type !== 2 && type !== 5)) continue;
    if (view.getUint16(offset + nameBytes - 2, true) !== 0) continue;
    let name = '';
    for (let index = 0; index < nameBytes - 2; index += 2) name += String.fromCharCode(view.getUint16(offset + index, true));
    if (!name.includes('\0')) names.add(name);
  }
  return names;
}

// 7-Zip's AES-256 + SHA-256 coder id, as it appears in an archive's (encoded) header.
const SEVEN_ZIP_AES = [0x06, 0xf1, 0x07, 0x01];

/**
 * A 7-Zip archive is not a format we parse; when its header names the AES coder (header encryption,
 * or an uncompressed header) it is reported as encrypted. A compressed header hides the coders.
 */
function refuseSevenZip(bytes: Uint8Array): Refusal {
  if (bytes.length >= 32) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const start = 32 + Number(view.getBigUint64(12, true));
    const end = start + Number(view.getBigUint64(20, true));
    if (start < end && end <= bytes.length) {
      const header = bytes.subarray(start, end);
      for (let index = 0; index + SEVEN_ZIP_AES.length <= header.length; index++) {
        if (startsWith(header, SEVEN_ZIP_AES, index)) return { code: 'encrypted_file', what: 'an encrypted 7-Zip archive (AES-256)' };
      }
    }
  }
  return unsupported('a 7-Zip archive');
}
