import type { ZipEntry } from './common/zip-directory.ts';

/**
 * A detector's claim that bytes are its parser's format: the media type and how sure it is, from 0
 * to 1. At each step of detection the surest claim wins, ties going to the parser listed first in
 * the registry; a claim of 1 is certain and ends the step.
 */
export interface FormatClaim {
  mediaType: string;
  confidence: number;
}

/** The start of a file that decoded as text, as the text sniffers see it. */
export interface TextSample {
  /** The first 64 KiB, decoded with an ASCII-compatible decoding (sniffers look at ASCII structure only). */
  head: string;
  /** Its first 50 lines, less a last line the 64 KiB cut short. */
  lines: readonly string[];
  /** The file name's extension, lower case and without the dot; '' when it has none. */
  extension: string;
}

/**
 * What one parser recognises of its format, kept next to the parser. Each hook is optional and is
 * asked at its own step of detectFormat (detect-media-type.ts): `sniffBytes` first, on the raw bytes;
 * `sniffZip` inside a readable, unencrypted zip archive; `sniffText` last, once the bytes have
 * passed every shared refusal and decoded as document text.
 *
 * Text claims share one scale, so formats that look alike settle by evidence rather than by order:
 * 1 an HTML page or fragment · 0.9 clear Markdown structure · 0.8 a CSV delimiter steady over three
 * or more rows · 0.6 some Markdown structure in a Markdown-named file · 0.55 a plain-text name
 * (.txt, .text, .log) · 0.5 a CSV delimiter steady over two rows · 0.1 any text at all.
 */
export interface FormatDetector {
  /** Claims bytes by a signature no text, container or other format starts with (PDF's `%PDF-`). */
  sniffBytes?(bytes: Uint8Array): FormatClaim | null;
  /** Claims a zip archive by its entries; `what` names the format in the message about an encrypted one. */
  sniffZip?(entries: readonly ZipEntry[]): (FormatClaim & { what: string }) | null;
  /** Claims decoded text by its structure, the extension breaking ties (see the scale above). */
  sniffText?(sample: TextSample): FormatClaim | null;
}

/** Why bytes are refused: the error to raise and what the bytes are, as a noun phrase for the message. */
export interface Refusal {
  code: 'unsupported_format' | 'encrypted_file' | 'parse_failed';
  what: string;
}

/** A parseable media type, or the reason there is none. */
export type Detection = { mediaType: string; refusal: null } | { mediaType: null; refusal: Refusal };
