import { looksLikeZip, readZipDirectory } from './common/zip-directory.ts';
import { decodeUtf32, encodingFromBom, guessUtf16 } from './common/text-source.ts';

export const PDF_MEDIA_TYPE = 'application/pdf';
export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const HTML_MEDIA_TYPE = 'text/html';
export const CSV_MEDIA_TYPE = 'text/csv';
export const MARKDOWN_MEDIA_TYPE = 'text/markdown';
export const TEXT_MEDIA_TYPE = 'text/plain';

// How much of a file the text sniffers look at.
const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 50;

/** Why bytes are refused: the error to raise and what the bytes are, as a noun phrase for the message. */
export interface Refusal {
  code: 'unsupported_format' | 'encrypted_file' | 'parse_failed';
  what: string;
}

/** A parseable media type, or the reason there is none. */
export type Detection = { mediaType: string; refusal: null } | { mediaType: null; refusal: Refusal };

const accept = (mediaType: string): Detection => ({ mediaType, refusal: null });
const refuse = (code: Refusal['code'], what: string): Detection => ({ mediaType: null, refusal: { code, what } });

/**
 * The media type the bytes are, or null when they are no format we parse. Decided from the bytes;
 * the file name's extension only breaks ties between text formats (CSV, Markdown, plain text).
 */
export function detectMediaType(bytes: Uint8Array, fileName: string): string | null {
  return detectFormat(bytes, fileName).mediaType;
}

/** What unsupported bytes look like, for error messages (the media type for bytes we parse). */
export function describeBytes(bytes: Uint8Array, fileName = ''): string {
  const detection = detectFormat(bytes, fileName);
  return detection.refusal === null ? detection.mediaType : detection.refusal.what;
}

/**
 * The format of the bytes, or why they are refused: containers and magic numbers first (a 4-byte
 * compress file or a gzip header can pass for text), then binary evidence, then formats that are
 * text but not document text (RTF, PostScript, e-mail), then HTML, CSV, Markdown or plain text.
 */
export function detectFormat(bytes: Uint8Array, fileName: string): Detection {
  if (bytes.length === 0) return refuse('unsupported_format', 'an empty file');
  if (hasPdfHeader(bytes)) return accept(PDF_MEDIA_TYPE);
  if (looksLikeZip(bytes)) return detectZip(bytes);
  if (startsWith(bytes, OLE2_MAGIC)) return detectOle2(bytes);
  if (startsWith(bytes, SEVEN_ZIP_MAGIC)) return detectSevenZip(bytes);
  const magic = KNOWN_MAGIC.find(([test]) => test(bytes));
  if (magic !== undefined) return refuse('unsupported_format', magic[1]);
  const head = decodeHead(bytes);
  if (typeof head !== 'string') return refuse('unsupported_format', head.binary);
  const extension = extensionOf(fileName);
  const notDocumentText = sniffNotDocumentText(head, extension);
  if (notDocumentText !== null) return refuse('unsupported_format', notDocumentText);
  // A .txt file is plain text unless it is plainly a whole HTML page: a list of tags is text.
  if (TEXT_EXTENSIONS.has(extension) ? sniffHtmlPage(head) : sniffHtml(head)) return accept(HTML_MEDIA_TYPE);
  return accept(classifyText(head, extension));
}

const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const SEVEN_ZIP_MAGIC = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);
}

const ascii = (value: string): number[] => Array.from(value, (character) => character.charCodeAt(0));
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

// Named only when the bytes are already binary: too short to refuse text on their own.
const WEAK_MAGIC: [number[], string][] = [
  [[0x4d, 0x5a], 'a Windows executable'],
  [[0x42, 0x4d], 'a BMP image'],
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

/** DOCX, or why not: a damaged archive, an encrypted one, or another kind of zip. */
function detectZip(bytes: Uint8Array): Detection {
  const entries = safeZipDirectory(bytes);
  if (entries === null) {
    const first = firstLocalEntryName(bytes);
    const hint = first === null ? '' : `; its first entry is ${first}${first === '[Content_Types].xml' ? ', as in a DOCX/XLSX/PPTX' : ''}`;
    return refuse('parse_failed', `a damaged or truncated zip archive (no readable central directory${hint})`);
  }
  if (entries.length === 0) return refuse('unsupported_format', 'an empty zip archive');
  // Bit 0 of the flags is traditional PKWARE encryption; method 99 is WinZip AES.
  const encrypted = entries.filter((entry) => (entry.flags & 0x1) !== 0 || entry.method === 99);
  if (encrypted.length > 0) {
    const word = entries.some((entry) => entry.name === 'word/document.xml') ? ' (a Word document)' : '';
    return refuse('encrypted_file', `an encrypted zip archive${word}, ${encrypted.length} of ${entries.length} entries encrypted (${encrypted[0]?.name ?? ''}${encrypted.length > 1 ? ', …' : ''})`);
  }
  if (entries.some((entry) => entry.name === 'word/document.xml')) return accept(DOCX_MEDIA_TYPE);
  const names = entries.slice(0, 3).map((entry) => entry.name).join(', ');
  return refuse('unsupported_format', `a zip archive of ${entries.length} entries (${names}${entries.length > 3 ? ', …' : ''}) without word/document.xml`);
}

/** The name in the zip's first local file header, when it is there whole. */
function firstLocalEntryName(bytes: Uint8Array): string | null {
  if (bytes.length < 30 || !looksLikeZip(bytes) || bytes[2] !== 0x03) return null;
  const nameLength = (bytes[26] ?? 0) | ((bytes[27] ?? 0) << 8);
  if (nameLength === 0 || 30 + nameLength > bytes.length) return null;
  return new TextDecoder('utf-8').decode(bytes.subarray(30, 30 + nameLength)).slice(0, 100);
}

/**
 * An OLE2 compound file, named by its streams: a password-protected DOCX/XLSX/PPTX is an OLE2 file
 * holding EncryptionInfo and EncryptedPackage (MS-OFFCRYPTO), the legacy formats hold WordDocument,
 * Workbook, "PowerPoint Document" or Outlook's __substg1.0_ streams.
 */
function detectOle2(bytes: Uint8Array): Detection {
  const names = ole2EntryNames(bytes);
  if (names.has('EncryptedPackage') && names.has('EncryptionInfo')) {
    return refuse('encrypted_file', 'a password-protected Office document (DOCX, XLSX or PPTX: an OLE2 file with EncryptionInfo and EncryptedPackage streams)');
  }
  if (names.has('WordDocument')) return refuse('unsupported_format', 'a legacy Word document (.doc, an OLE2 compound file)');
  if (names.has('Workbook') || names.has('Book')) return refuse('unsupported_format', 'a legacy Excel workbook (.xls, an OLE2 compound file)');
  if (names.has('PowerPoint Document')) return refuse('unsupported_format', 'a legacy PowerPoint presentation (.ppt, an OLE2 compound file)');
  if ([...names].some((name) => name.startsWith('__substg1.0_'))) return refuse('unsupported_format', 'an Outlook message (.msg, an OLE2 compound file)');
  return refuse('unsupported_format', 'an OLE2 compound file (legacy .doc/.xls/.ppt or .msg)');
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
function detectSevenZip(bytes: Uint8Array): Detection {
  if (bytes.length >= 32) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const start = 32 + Number(view.getBigUint64(12, true));
    const end = start + Number(view.getBigUint64(20, true));
    if (start < end && end <= bytes.length) {
      const header = bytes.subarray(start, end);
      for (let index = 0; index + SEVEN_ZIP_AES.length <= header.length; index++) {
        if (startsWith(header, SEVEN_ZIP_AES, index)) return refuse('encrypted_file', 'an encrypted 7-Zip archive (AES-256)');
      }
    }
  }
  return refuse('unsupported_format', 'a 7-Zip archive');
}

/**
 * The first bytes decoded as text, or what makes them binary: NUL or other control bytes (not tab,
 * newline, vertical tab, form feed, carriage return or escape) in more than 1 in 100 of them. A
 * stray NUL in a text file, such as a UTF-8 decoder test, is no evidence.
 */
function decodeHead(bytes: Uint8Array): string | { binary: string } {
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
    return { binary: `${weak?.[1] ?? 'binary data'} (${evidence})` };
  }
  // The sniffers below only look at ASCII structure, so any ASCII-compatible decoding will do.
  return new TextDecoder('utf-8').decode(sample);
}

// Mail header field names that only mail (not a memo or a form) carries.
const MAIL_TRANSPORT_FIELDS = new Set(['message-id', 'mime-version', 'received', 'return-path', 'content-type', 'content-transfer-encoding', 'delivered-to', 'dkim-signature', 'x-mailer', 'in-reply-to', 'references', 'authentication-results', 'x-originating-ip']);
const MAIL_ADDRESS_FIELDS = ['from', 'to', 'cc', 'subject', 'date', 'sender', 'reply-to'];

/**
 * Formats that are text but whose text is not the document's: markup, a page-description program or
 * a mail message with MIME parts and base64 attachments. Stored raw they would put control words,
 * drawing code and base64 into datasets, so until fabrik has parsers for them they are refused.
 * vCard and iCalendar files stay plain text: their lines are the data.
 */
function sniffNotDocumentText(head: string, extension: string): string | null {
  const start = head.replace(/^\ufeff/, '').trimStart();
  if (start.startsWith('{\\rtf')) return 'an RTF document ({\\rtf…); fabrik has no RTF parser yet';
  if (start.startsWith('%!PS')) return 'a PostScript program (%!PS…), whose text is drawing code; fabrik has no PostScript parser';
  const lines = start.split(/\r?\n/, 200);
  // The mbox separator: "From ", the envelope sender and an asctime date ("Thu Jan  1 00:00:00 2026").
  if (/^From \S+ .*\d{1,2}:\d{2}.*\d{4}\s*$/.test(lines[0] ?? '') && mailHeaderBlock(lines.slice(1), false)) return 'a Unix mailbox (mbox: "From " lines, mail headers and MIME parts); fabrik has no mail parser yet';
  if (mailHeaderBlock(lines, extension !== 'eml')) return 'an e-mail message (RFC 5322 headers and MIME parts); fabrik has no mail parser yet';
  return null;
}

/**
 * Lines that open with a mail header block: header fields (and folded lines) up to a blank line, with
 * mail's fields in it. Strict (no .eml name, no mbox "From " line) asks for two addressing fields and
 * a transport or MIME field (or four addressing fields), so a memo with From: and To: stays text.
 */
function mailHeaderBlock(lines: readonly string[], strict: boolean): boolean {
  const fields = new Set<string>();
  for (const [index, line] of lines.entries()) {
    if (line.length === 0) {
      const addressing = MAIL_ADDRESS_FIELDS.filter((field) => fields.has(field)).length;
      const transport = [...fields].some((field) => MAIL_TRANSPORT_FIELDS.has(field));
      return strict ? addressing >= 2 && (transport || addressing >= 4) : addressing >= 1;
    }
    if (index > 0 && /^[ \t]/.test(line)) continue;
    const match = /^([!-9;-~]+):/.exec(line);
    if (match === null) return false;
    fields.add((match[1] ?? '').toLowerCase());
  }
  return false;
}

const HTML_START = /^<(?:!doctype\s+html|html|head|body|script|iframe|h[1-6]|div|font|table|a|style|title|b|br|p|meta|link|section|article|main|header|nav|ul|ol|span|form|img)(?=[\s>/])/i;

/** WHATWG-style sniff: the first tag, after BOM, whitespace, comments and an XML declaration, is an HTML one. */
export function sniffHtml(head: string): boolean {
  const rest = skipProlog(head);
  return rest !== null && HTML_START.test(rest);
}

/** A whole HTML page, not a fragment: the first tag is <!DOCTYPE html> or <html>. */
export function sniffHtmlPage(head: string): boolean {
  const rest = skipProlog(head);
  return rest !== null && /^<(?:!doctype\s+html|html)(?=[\s>/])/i.test(rest);
}

/** The head after a BOM, whitespace, comments and an XML declaration; null when one of those does not end. */
function skipProlog(head: string): string | null {
  let rest = head.replace(/^\ufeff/, '');
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      if (end < 0) return null;
      rest = rest.slice(end + 3);
    } else if (rest.startsWith('<?xml')) {
      const end = rest.indexOf('?>');
      if (end < 0) return null;
      rest = rest.slice(end + 2);
    } else {
      return rest;
    }
  }
}

function extensionOf(fileName: string): string {
  const match = /\.([a-z0-9]+)$/i.exec(fileName);
  return match?.[1]?.toLowerCase() ?? '';
}

const MARKDOWN_EXTENSIONS = new Set(['md', 'markdown', 'mdown', 'mkd', 'mdx']);
const CSV_EXTENSIONS = new Set(['csv', 'tsv', 'tab']);
const TEXT_EXTENSIONS = new Set(['txt', 'text', 'log']);

/**
 * CSV, Markdown or plain text, from structure in the first lines. Markdown only for a Markdown
 * extension, or clear Markdown without an extension: the Markdown parser drops inline HTML and
 * markup characters, and a .txt (or .log, .py, …) loses nothing of what it says.
 */
function classifyText(head: string, extension: string): string {
  const lines = head.split(/\r?\n/, SNIFF_LINES + 1).slice(0, SNIFF_LINES);
  // The last line of a sample cut mid-file may be partial.
  if (head.length >= SNIFF_BYTES && lines.length > 1) lines.pop();
  const markdown = markdownScore(lines);
  const delimiter = csvDelimiter(lines);
  const markdownName = MARKDOWN_EXTENSIONS.has(extension);
  const isMarkdown = markdownName ? markdown >= 1 : extension === '' && markdown >= 3;
  // Three or more agreeing rows are strong evidence; two rows are a tie the extension may break.
  const csv = delimiter === null ? 0 : lines.filter((line) => line.trim().length > 0).length >= 3 ? 2 : 1;
  if (csv === 2 && (markdown < 3 || CSV_EXTENSIONS.has(extension) || !isMarkdown)) return CSV_MEDIA_TYPE;
  if (isMarkdown) return MARKDOWN_MEDIA_TYPE;
  if (csv === 1) return TEXT_EXTENSIONS.has(extension) ? TEXT_MEDIA_TYPE : CSV_MEDIA_TYPE;
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
