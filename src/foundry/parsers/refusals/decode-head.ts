import type { Refusal } from '../format-detector.ts';
import { decodeUtf32, encodingFromBom, guessUtf16 } from '../common/text-source.ts';
import { startsWith } from './starts-with.ts';

/** How much of a file the text sniffers look at. */
export const SNIFF_BYTES = 64 * 1024;

// Named only when the bytes are already binary: too short to refuse text on their own.
const WEAK_MAGIC: [number[], string][] = [
  [[0x4d, 0x5a], 'a Windows executable'],
  [[0x42, 0x4d], 'a BMP image'],
];

/**
 * The first bytes decoded as text, or why they are binary: NUL or other control bytes (not tab,
 * newline, vertical tab, form feed, carriage return or escape) in more than 1 in 100 of them. A
 * stray NUL in a text file, such as a UTF-8 decoder test, is no evidence.
 */
export function decodeHead(bytes: Uint8Array): string | Refusal {
  const sample = bytes.subarray(0, SNIFF_BYTES);
  const bom = encodingFromBom(sample);
  const utf16 = bom === null ? guessUtf16(sample) : null;
  const encoding = bom?.encoding ?? utf16;
  if (encoding === 'utf-32le' || encoding === 'utf-32be') {
    const length = (sample.length - 4) & ~3;
    return decodeUtf32(sample.subarray(4, 4 + length), encoding === 'utf-32le');
  }
  if (encoding !== undefined && encoding !== null) {
    return new TextDecoder(encoding).decode(sample.subarray(bom?.length ?? 0, (bom?.length ?? 0) + (sample.length & ~1)));
  }
  let nuls = 0;
  let controls = 0;
  for (const byte of sample) {
    if (byte === 0) nuls++;
    else if (byte < 0x20 && (byte < 0x09 || byte > 0x0d) && byte !== 0x1b) controls++;
  }
  if (nuls + controls > Math.max(2, sample.length / 100)) {
    const weak = WEAK_MAGIC.find(([signature]) => startsWith(bytes, signature));
    const hex = Array.from(bytes.subarray(0, 8), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    const evidence = `${nuls} NUL and ${controls} other control bytes in the first ${sample.length} bytes, more than 1 in 100 of text; starts with ${hex}${bytes.length > 8 ? ' …' : ''}`;
    return { code: 'unsupported_format', what: `${weak?.[1] ?? 'binary data'} (${evidence})` };
  }
  // The sniffers only look at ASCII structure, so any ASCII-compatible decoding will do.
  return new TextDecoder('utf-8').decode(sample);
}
