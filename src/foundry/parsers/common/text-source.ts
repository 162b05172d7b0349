import chardet from 'chardet';

/** Decoded text plus the way back from any position in it to the byte offset in the source file. */
export interface TextSource {
  readonly text: string;
  /** Encoding the bytes were decoded with: a WHATWG name ('utf-8', 'utf-16le', 'windows-1252', 'shift_jis', …) or 'utf-32le' / 'utf-32be'. */
  readonly encoding: string;
  /** Whether the bytes started with a byte order mark (skipped, not part of `text`). */
  readonly bom: boolean;
  /** How the encoding was chosen: 'bom', 'utf-16-pattern', 'valid-utf-8', 'detected' (chardet) or 'fallback'. */
  readonly encodingSource: 'bom' | 'utf-16-pattern' | 'valid-utf-8' | 'detected' | 'fallback';
  /** Byte offset in the source of the UTF-16 position `index` of `text` (0 ≤ index ≤ text.length). */
  byteOffset(index: number): number;
}

// Encodings whose every byte decodes to exactly one UTF-16 code unit.
const SINGLE_BYTE = /^(windows-125\d|iso-8859-\d+|koi8-[ru]|ibm866|macintosh|x-mac-cyrillic|windows-874)$/;
// chardet names → WHATWG labels TextDecoder knows; anything unknown falls back to windows-1252.
const CHARDET_LABELS: Record<string, string> = {
  'ISO-8859-1': 'windows-1252',
  'ISO-8859-2': 'iso-8859-2',
  'ISO-8859-5': 'iso-8859-5',
  'ISO-8859-6': 'iso-8859-6',
  'ISO-8859-7': 'iso-8859-7',
  'ISO-8859-8': 'iso-8859-8',
  'ISO-8859-9': 'windows-1254',
  'windows-1250': 'windows-1250',
  'windows-1251': 'windows-1251',
  'windows-1252': 'windows-1252',
  'windows-1253': 'windows-1253',
  'windows-1254': 'windows-1254',
  'windows-1255': 'windows-1255',
  'windows-1256': 'windows-1256',
  'KOI8-R': 'koi8-r',
  'Shift_JIS': 'shift_jis',
  'EUC-JP': 'euc-jp',
  'ISO-2022-JP': 'iso-2022-jp',
  'GB18030': 'gb18030',
  'Big5': 'big5',
  'EUC-KR': 'euc-kr',
  'UTF-8': 'utf-8',
  'UTF-16LE': 'utf-16le',
  'UTF-16BE': 'utf-16be',
};
const FALLBACK_ENCODING = 'windows-1252';
// chardet scores a handful of bytes 10 for every CJK encoding alike; real text in a legacy
// encoding scores 35 and up.
const MIN_CONFIDENCE = 20;

/**
 * Decodes bytes of unknown encoding: a BOM (UTF-8, UTF-16, UTF-32) wins, then a clear UTF-16
 * pattern, then valid or damaged UTF-8, then chardet's guess, then windows-1252. Never throws:
 * undecodable bytes become U+FFFD.
 */
export function decodeText(bytes: Uint8Array): TextSource {
  const bomEncoding = encodingFromBom(bytes);
  if (bomEncoding !== null) return createSource(bytes, bomEncoding.encoding, bomEncoding.length, 'bom');
  const utf16 = guessUtf16(bytes);
  if (utf16 !== null) return createSource(bytes, utf16, 0, 'utf-16-pattern');
  if (isValidUtf8(bytes)) return createSource(bytes, 'utf-8', 0, 'valid-utf-8');
  const evidence = utf8Evidence(bytes);
  if (isMostlyUtf8(evidence)) return createSource(bytes, 'utf-8', 0, 'detected');
  const [best] = chardet.analyse(bytes.subarray(0, 64 * 1024));
  const sure = best !== undefined && best.confidence >= SURE_CONFIDENCE && !WESTERN.has(best.name);
  if (!sure && isDamagedUtf8(evidence)) return createSource(bytes, 'utf-8', 0, 'detected');
  const label = best === undefined || best.confidence < MIN_CONFIDENCE ? undefined : CHARDET_LABELS[best.name];
  if (label !== undefined && isSupported(label)) return createSource(bytes, label, 0, 'detected');
  return createSource(bytes, FALLBACK_ENCODING, 0, 'fallback');
}

/** The encoding a byte order mark announces, and the mark's length; null without one. */
export function encodingFromBom(bytes: Uint8Array): { encoding: string; length: number } | null {
  // UTF-32 first: its little-endian mark starts with the UTF-16 one (FF FE 00 00).
  if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0x00 && bytes[3] === 0x00) return { encoding: 'utf-32le', length: 4 };
  if (bytes[0] === 0x00 && bytes[1] === 0x00 && bytes[2] === 0xfe && bytes[3] === 0xff) return { encoding: 'utf-32be', length: 4 };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/**
 * 'utf-16le' / 'utf-16be' when the first bytes look like BOM-less UTF-16 of mostly Latin text
 * (NULs on one parity only), else null.
 */
export function guessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const length = Math.min(bytes.length, 4096) & ~1;
  if (length < 4) return null;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let index = 0; index < length; index += 2) {
    if (bytes[index] === 0) evenNuls++;
    if (bytes[index + 1] === 0) oddNuls++;
  }
  const pairs = length / 2;
  // Tuned on ASCII-heavy UTF-16: well over a third of one parity is NUL and almost none of the other.
  if (oddNuls >= pairs * 0.35 && evenNuls <= pairs * 0.02) return 'utf-16le';
  if (evenNuls >= pairs * 0.35 && oddNuls <= pairs * 0.02) return 'utf-16be';
  return null;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True when the bytes are well-formed UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    fatalUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Counts of strictly well-formed multi-byte UTF-8 sequences (all, and 3- or 4-byte ones) and of broken ones. */
interface Utf8Evidence {
  valid: number;
  long: number;
  invalid: number;
  sampled: number;
}

function utf8Evidence(bytes: Uint8Array): Utf8Evidence {
  let valid = 0;
  let long = 0;
  let invalid = 0;
  const length = Math.min(bytes.length, 256 * 1024);
  for (let index = 0; index < length; index++) {
    const byte = bytes[index] as number;
    if (byte < 0x80) continue;
    const needed = byte >= 0xc2 && byte <= 0xdf ? 1 : byte >= 0xe0 && byte <= 0xef ? 2 : byte >= 0xf0 && byte <= 0xf4 ? 3 : -1;
    let ok = needed > 0 && index + needed < bytes.length;
    // The second byte's range is narrower after E0, ED, F0 and F4 (no overlongs, surrogates or code points past U+10FFFF).
    const second = bytes[index + 1] ?? 0;
    const low = byte === 0xe0 ? 0xa0 : byte === 0xf0 ? 0x90 : 0x80;
    const high = byte === 0xed ? 0x9f : byte === 0xf4 ? 0x8f : 0xbf;
    if (ok) ok = second >= low && second <= high;
    for (let offset = 2; ok && offset <= needed; offset++) ok = ((bytes[index + offset] ?? 0) & 0xc0) === 0x80;
    if (ok) {
      valid++;
      if (needed >= 2) long++;
      index += needed;
    } else {
      invalid++;
    }
  }
  return { valid, long, invalid, sampled: length };
}

/**
 * UTF-8 with a few damaged bytes: many well-formed multi-byte sequences and few broken ones
 * (at most one in five), as in a UTF-8 file cut mid-character or with one stray Latin-1 byte.
 */
function isMostlyUtf8(evidence: Utf8Evidence): boolean {
  return evidence.valid >= 2 && evidence.invalid * 4 <= evidence.valid;
}

/**
 * UTF-8 text with deliberately or badly broken sequences (a decoder stress test, a file spliced from
 * two sources): at least three well-formed 3- or 4-byte sequences, which 8-bit Western text all but
 * never forms by chance ("à" followed by two C1/punctuation bytes), and broken sequences in at most
 * one byte in ten, which keeps out dense legacy CJK or Cyrillic text (chardet is asked first for those).
 */
function isDamagedUtf8(evidence: Utf8Evidence): boolean {
  return evidence.long >= 3 && evidence.invalid * 10 <= evidence.sampled;
}

// chardet's guesses that name a Western 8-bit encoding: a stray-byte UTF-8 file looks like one of these to it.
const WESTERN = new Set(['ISO-8859-1', 'windows-1252', 'UTF-8']);
// A guess this sure of a non-Western legacy encoding outweighs a few well-formed UTF-8 sequences.
const SURE_CONFIDENCE = 50;

function isSupported(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

function createSource(bytes: Uint8Array, encoding: string, bomLength: number, encodingSource: TextSource['encodingSource']): TextSource {
  const body = bytes.subarray(bomLength);
  const bom = bomLength > 0;
  if (encoding === 'utf-32le' || encoding === 'utf-32be') {
    const text = decodeUtf32(body, encoding === 'utf-32le');
    return { text, encoding, bom, encodingSource, byteOffset: utf32Offsets(text, bomLength, body.length) };
  }
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    const text = new TextDecoder(encoding, { ignoreBOM: true }).decode(body);
    return { text, encoding, bom, encodingSource, byteOffset: (index) => bomLength + Math.min(index * 2, body.length) };
  }
  if (SINGLE_BYTE.test(encoding)) {
    const text = new TextDecoder(encoding).decode(body);
    return { text, encoding, bom, encodingSource, byteOffset: (index) => index };
  }
  if (encoding === 'utf-8' && isValidUtf8(body)) {
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
    return { text, encoding, bom, encodingSource, byteOffset: utf8Offsets(text, bomLength) };
  }
  return lineDecodedSource(body, encoding, bomLength, encodingSource);
}

/**
 * Decodes UTF-32, which TextDecoder does not know: code points above U+10FFFF, surrogates and a
 * trailing partial unit become U+FFFD.
 */
export function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  let codes: number[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) {
    const code = view.getUint32(offset, littleEndian);
    codes.push(code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? 0xfffd : code);
    // fromCodePoint takes its arguments on the stack: convert in bounded runs.
    if (codes.length === 8192) {
      parts.push(String.fromCodePoint(...codes));
      codes = [];
    }
  }
  if (codes.length > 0) parts.push(String.fromCodePoint(...codes));
  if (bytes.length % 4 !== 0) parts.push('\ufffd');
  return parts.join('');
}

/** Every character of UTF-32 is 4 bytes; one outside the BMP is two UTF-16 units, so count those before the position. */
function utf32Offsets(text: string, base: number, bodyLength: number): (index: number) => number {
  const astral: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) astral.push(index++);
  }
  return (index) => {
    const clamped = Math.max(0, Math.min(index, text.length));
    // Pairs that start before the position: a position inside a pair maps to the pair's start.
    let low = 0;
    let high = astral.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((astral[middle] ?? 0) < clamped) low = middle + 1;
      else high = middle;
    }
    return base + Math.min((clamped - low) * 4, bodyLength);
  };
}

/** Maps positions of valid UTF-8 text to bytes by counting, from checkpoints laid every 4096 code units. */
function utf8Offsets(text: string, base: number): (index: number) => number {
  const step = 4096;
  let checkpoints: number[] | null = null;
  const countBytes = (from: number, to: number): number => {
    let bytes = 0;
    for (let index = from; index < to; index++) {
      const unit = text.charCodeAt(index);
      // A surrogate pair is 4 bytes: 2 counted for each half.
      bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : unit >= 0xd800 && unit <= 0xdfff ? 2 : 3;
    }
    return bytes;
  };
  return (index) => {
    if (checkpoints === null) {
      checkpoints = [0];
      for (let start = 0; start + step <= text.length; start += step) {
        checkpoints.push((checkpoints.at(-1) ?? 0) + countBytes(start, start + step));
      }
    }
    const clamped = Math.max(0, Math.min(index, text.length));
    const slot = Math.floor(clamped / step);
    return base + (checkpoints[slot] ?? 0) + countBytes(slot * step, clamped);
  };
}

/**
 * For multi-byte legacy encodings (and damaged UTF-8) a character's byte length is not known without
 * decoding, so each line is decoded on its own: line starts map exactly, positions inside a line by
 * searching the decoded length of growing prefixes. Newline bytes never occur inside a character in
 * these ASCII-compatible encodings, so splitting at 0x0A is safe.
 */
function lineDecodedSource(body: Uint8Array, encoding: string, base: number, encodingSource: TextSource['encodingSource']): TextSource {
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  const lineChars: number[] = [];
  const lineBytes: number[] = [];
  const parts: string[] = [];
  let chars = 0;
  let lineStart = 0;
  while (lineStart <= body.length) {
    let lineEnd = body.indexOf(0x0a, lineStart);
    lineEnd = lineEnd < 0 ? body.length : lineEnd + 1;
    const part = decoder.decode(body.subarray(lineStart, lineEnd));
    lineChars.push(chars);
    lineBytes.push(lineStart);
    parts.push(part);
    chars += part.length;
    if (lineEnd === body.length) break;
    lineStart = lineEnd;
  }
  const text = parts.join('');
  const byteOffset = (index: number): number => {
    const clamped = Math.max(0, Math.min(index, text.length));
    let low = 0;
    let high = lineChars.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineChars[middle] ?? 0) <= clamped) low = middle;
      else high = middle - 1;
    }
    const lineCharStart = lineChars[low] ?? 0;
    const lineByteStart = lineBytes[low] ?? 0;
    const wanted = clamped - lineCharStart;
    if (wanted === 0) return base + lineByteStart;
    const lineByteEnd = lineBytes[low + 1] ?? body.length;
    // Smallest prefix whose streamed decoding is at least `wanted` units long.
    let lo = 1;
    let hi = lineByteEnd - lineByteStart;
    while (lo < hi) {
      const middle = (lo + hi) >> 1;
      const decoded = new TextDecoder(encoding, { ignoreBOM: true }).decode(body.subarray(lineByteStart, lineByteStart + middle), { stream: true });
      if (decoded.length >= wanted) hi = middle;
      else lo = middle + 1;
    }
    return base + lineByteStart + lo;
  };
  return { text, encoding, bom: base > 0, encodingSource, byteOffset };
}
