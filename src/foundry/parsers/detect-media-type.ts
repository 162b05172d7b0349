import { looksLikeZip, readZipDirectory } from './common/zip-directory.ts';
import { encodingFromBom, guessUtf16 } from './common/text-source.ts';

export const PDF_MEDIA_TYPE = 'application/pdf';
export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const HTML_MEDIA_TYPE = 'text/html';
export const CSV_MEDIA_TYPE = 'text/csv';
export const MARKDOWN_MEDIA_TYPE = 'text/markdown';
export const TEXT_MEDIA_TYPE = 'text/plain';

// How much of a file the text sniffers look at.
const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 50;

/**
 * The media type the bytes are, or null when they are no format we parse. Decided from the bytes;
 * the file name's extension only breaks ties between text formats (CSV, Markdown, plain text).
 */
export function detectMediaType(bytes: Uint8Array, fileName: string): string | null {
  if (bytes.length === 0) return null;
  if (hasPdfHeader(bytes)) return PDF_MEDIA_TYPE;
  if (looksLikeZip(bytes)) return isDocx(bytes) ? DOCX_MEDIA_TYPE : null;
  const head = decodeHead(bytes);
  if (head === null) return null;
  if (sniffHtml(head)) return HTML_MEDIA_TYPE;
  return classifyText(head, extensionOf(fileName));
}

/** A few words on what unsupported bytes look like, for error messages. */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty file';
  if (looksLikeZip(bytes)) {
    const entries = safeZipDirectory(bytes);
    if (entries === null) return 'a damaged zip archive (no readable central directory)';
    if (entries.length === 0) return 'an empty zip archive';
    const names = entries.slice(0, 3).map((entry) => entry.name).join(', ');
    return `a zip archive of ${entries.length} entries (${names}${entries.length > 3 ? ', …' : ''}) without word/document.xml`;
  }
  const magic = KNOWN_MAGIC.find(([signature]) => signature.every((byte, index) => bytes[index] === byte));
  if (magic !== undefined) return magic[1];
  const hex = Array.from(bytes.subarray(0, 8), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return `binary data (starts with ${hex})`;
}

const KNOWN_MAGIC: [number[], string][] = [
  [[0xd0, 0xcf, 0x11, 0xe0], 'an OLE2 compound file (legacy .doc/.xls/.ppt or .msg)'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'gzip-compressed data'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an ELF executable'],
  [[0x4d, 0x5a], 'a Windows executable'],
  [[0x49, 0x49, 0x2a, 0x00], 'a TIFF image'],
  [[0x4d, 0x4d, 0x00, 0x2a], 'a TIFF image'],
  [[0x25, 0x21, 0x50, 0x53], 'a PostScript file'],
  [[0x7b, 0x5c, 0x72, 0x74, 0x66], 'an RTF document'],
];

function hasPdfHeader(bytes: Uint8Array): boolean {
  const limit = Math.min(bytes.length, 1024) - 5;
  for (let index = 0; index <= limit; index++) {
    if (bytes[index] === 0x25 && bytes[index + 1] === 0x50 && bytes[index + 2] === 0x44 && bytes[index + 3] === 0x46 && bytes[index + 4] === 0x2d) return true;
  }
  return false;
}

function safeZipDirectory(bytes: Uint8Array): ReturnType<typeof readZipDirectory> {
  try {
    return readZipDirectory(bytes, 100_000);
  } catch {
    return null;
  }
}

function isDocx(bytes: Uint8Array): boolean {
  const entries = safeZipDirectory(bytes);
  return entries !== null && entries.some((entry) => entry.name === 'word/document.xml');
}

/** The first bytes decoded as text, or null when they are binary (NULs outside UTF-16, many control bytes). */
function decodeHead(bytes: Uint8Array): string | null {
  const sample = bytes.subarray(0, SNIFF_BYTES);
  const bom = encodingFromBom(sample);
  const utf16 = bom === null ? guessUtf16(sample) : null;
  const encoding = bom?.encoding ?? utf16;
  if (encoding !== undefined && encoding !== null) {
    return new TextDecoder(encoding).decode(sample.subarray(bom?.length ?? 0, (bom?.length ?? 0) + (sample.length & ~1)));
  }
  let controls = 0;
  for (const byte of sample) {
    if (byte === 0) return null;
    // Tab, newline, vertical tab, form feed, carriage return and escape occur in real text files.
    if (byte < 0x20 && (byte < 0x09 || byte > 0x0d) && byte !== 0x1b) controls++;
  }
  if (controls > Math.max(2, sample.length * 0.01)) return null;
  // The sniffers below only look at ASCII structure, so any ASCII-compatible decoding will do.
  return new TextDecoder('utf-8').decode(sample);
}

const HTML_START = /^<(?:!doctype\s+html|html|head|body|script|iframe|h[1-6]|div|font|table|a|style|title|b|br|p|meta|link|section|article|main|header|nav|ul|ol|span|form|img)(?=[\s>/])/i;

/** WHATWG-style sniff: the first tag, after BOM, whitespace, comments and an XML declaration, is an HTML one. */
export function sniffHtml(head: string): boolean {
  let rest = head.replace(/^\ufeff/, '');
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      if (end < 0) return false;
      rest = rest.slice(end + 3);
    } else if (rest.startsWith('<?xml')) {
      const end = rest.indexOf('?>');
      if (end < 0) return false;
      rest = rest.slice(end + 2);
    } else {
      break;
    }
  }
  if (HTML_START.test(rest)) return true;
  // XHTML served as XML: <!DOCTYPE html PUBLIC …> or <html xmlns=…> after the declaration is caught above.
  return /^<!doctype\s+html/i.test(rest);
}

function extensionOf(fileName: string): string {
  const match = /\.([a-z0-9]+)$/i.exec(fileName);
  return match?.[1]?.toLowerCase() ?? '';
}

const MARKDOWN_EXTENSIONS = new Set(['md', 'markdown', 'mdown', 'mkd', 'mdx']);
const CSV_EXTENSIONS = new Set(['csv', 'tsv', 'tab']);
const TEXT_EXTENSIONS = new Set(['txt', 'text', 'log']);

/** CSV, Markdown or plain text, from structure in the first lines; the extension only breaks ties. */
function classifyText(head: string, extension: string): string {
  const lines = head.split(/\r?\n/, SNIFF_LINES + 1).slice(0, SNIFF_LINES);
  // The last line of a sample cut mid-file may be partial.
  if (head.length >= SNIFF_BYTES && lines.length > 1) lines.pop();
  const markdown = markdownScore(lines);
  const delimiter = csvDelimiter(lines);
  // Three or more agreeing rows are strong evidence; two rows are a tie the extension may break.
  const csv = delimiter === null ? 0 : lines.filter((line) => line.trim().length > 0).length >= 3 ? 2 : 1;
  if (csv === 2 && (markdown < 3 || CSV_EXTENSIONS.has(extension))) return CSV_MEDIA_TYPE;
  if (markdown >= 3) return MARKDOWN_MEDIA_TYPE;
  if (csv === 1) {
    if (CSV_EXTENSIONS.has(extension)) return CSV_MEDIA_TYPE;
    if (MARKDOWN_EXTENSIONS.has(extension) && markdown >= 1) return MARKDOWN_MEDIA_TYPE;
    if (TEXT_EXTENSIONS.has(extension)) return TEXT_MEDIA_TYPE;
    return CSV_MEDIA_TYPE;
  }
  if (markdown === 2) return TEXT_EXTENSIONS.has(extension) ? TEXT_MEDIA_TYPE : MARKDOWN_MEDIA_TYPE;
  if (markdown === 1 && MARKDOWN_EXTENSIONS.has(extension)) return MARKDOWN_MEDIA_TYPE;
  return TEXT_MEDIA_TYPE;
}

/** Points for Markdown structure: headings, fences, links, tables and quotes count more than list items. */
export function markdownScore(lines: readonly string[]): number {
  let score = 0;
  let listItems = 0;
  let previous = '';
  for (const fullLine of lines) {
    // Structure shows at the start of a line; bounding the length keeps every regex linear.
    const line = fullLine.slice(0, 500);
    if (/^ {0,3}#{1,6}\s+\S/.test(line)) score += 2;
    else if (/^ {0,3}(```|~~~)/.test(line)) score += 2;
    else if (/^ {0,3}\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$/.test(line)) score += 3;
    else if (/^ {0,3}(=+|-+)\s*$/.test(line) && previous.trim().length > 0 && !/^\s*[-=]+\s*$/.test(previous)) score += 2;
    else if (/^ {0,3}>\s?\S/.test(line)) score += 1;
    else if (/^\s*(?:[-*+]|\d{1,9}[.)])\s+\S/.test(line)) listItems++;
    if (/\[[^\]\n]+\]\([^)\s]+\)/.test(line)) score += 2;
    if (/(\*\*|__)\S[^*_]*\S\1/.test(line) || /`[^`\s][^`]*`/.test(line)) score += 1;
    previous = line;
  }
  if (listItems >= 2) score += 2;
  return score;
}

const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The delimiter whose count (outside quotes) is the same on most of the first non-empty lines, or null.
 * One line is not enough evidence; prose with a comma or two per line rarely keeps the count steady.
 */
export function csvDelimiter(lines: readonly string[]): ',' | ';' | '\t' | null {
  const rows = lines.filter((line) => line.trim().length > 0);
  if (rows.length < 2) return null;
  let best: { delimiter: ',' | ';' | '\t'; share: number; count: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const counts = rows.map((row) => countOutsideQuotes(row.slice(0, 10_000), delimiter));
    const frequency = new Map<number, number>();
    for (const count of counts) if (count > 0) frequency.set(count, (frequency.get(count) ?? 0) + 1);
    let mode = 0;
    let modeRows = 0;
    for (const [count, rowsWithCount] of frequency) {
      if (rowsWithCount > modeRows || (rowsWithCount === modeRows && count > mode)) {
        mode = count;
        modeRows = rowsWithCount;
      }
    }
    if (mode === 0) continue;
    const share = modeRows / rows.length;
    if (mode <= 2 && delimiter !== '\t' && looksLikeProse(rows, delimiter)) continue;
    // Short samples must agree everywhere; longer ones may have a few ragged rows.
    const needed = rows.length < 5 ? 1 : 0.8;
    if (share < needed) continue;
    if (best === null || share > best.share || (share === best.share && mode > best.count)) best = { delimiter, share, count: mode };
  }
  return best?.delimiter ?? null;
}

/** Most fields are runs of many words: sentences with a comma or two, not records. */
function looksLikeProse(rows: readonly string[], delimiter: string): boolean {
  let fields = 0;
  let wordy = 0;
  for (const row of rows) {
    for (const field of row.slice(0, 10_000).split(delimiter)) {
      fields++;
      if (field.trim().split(/\s+/).length > 6) wordy++;
    }
  }
  return wordy > fields * 0.5;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const character of line) {
    if (character === '"') quoted = !quoted;
    else if (character === delimiter && !quoted) count++;
  }
  return count;
}
