import mammoth from 'mammoth';
import { parseHTML } from 'linkedom';
import { FabrikError, toFabrikError } from '../../../shared/errors.ts';
import { DocumentBuilder } from '../../core/document-builder.ts';
import type { ParseContext, ParseLimits, ParsedDocument, Parser } from '../../core/parsed-document.ts';
import { addHtmlBlocks } from '../common/html-blocks.ts';
import { readZipDirectory, readZipEntry, type ZipEntry } from '../common/zip-directory.ts';
import { DOCX_MEDIA_TYPE } from './detect-docx.ts';

const MAIN_PART = 'word/document.xml';
// Small parts compress extremely well without being bombs (an empty styles table); the ratio
// limit applies to parts bigger than this.
const RATIO_CHECK_MIN_BYTES = 64 * 1024;
// Beyond mammoth's defaults: comments are kept, Title/Subtitle/Quote/Caption styles keep their role.
const STYLE_MAP = [
  'comment-reference => sup',
  "p[style-name='Title'] => h1.title:fresh",
  "p[style-name='Subtitle'] => h2:fresh",
  "p[style-name='Quote'] => blockquote > p:fresh",
  "p[style-name='Intense Quote'] => blockquote > p:fresh",
  "p[style-name='Caption'] => figcaption:fresh",
  "p[style-name='caption'] => figcaption:fresh",
];
// Images are never read: their bytes are not text and reading them costs memory.
const SKIP_IMAGES = mammoth.images.imgElement(async () => ({ src: '' }));

/** DOCX → elements, via mammoth's HTML after checking the zip against the archive limits. */
export const docxParser: Pick<Parser, 'parse'> = {
  async parse(bytes: Uint8Array, context: ParseContext): Promise<ParsedDocument> {
    const { fileName, limits } = context;
    const entries = checkArchive(bytes, fileName, limits);
    const main = entries.find((entry) => entry.name === MAIN_PART);
    if (main === undefined) {
      throw new FabrikError('parse_failed', `${fileName}: Could not find main document part (${MAIN_PART}) in the zip archive; it is not a Word document.`, { param: fileName });
    }
    const title = coreTitle(bytes, entries, fileName);
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const result = await mammoth.convertToHtml({ buffer }, { styleMap: STYLE_MAP, convertImage: SKIP_IMAGES, ignoreEmptyParagraphs: true });
    const { document } = parseHTML(`<!doctype html><html><body>${result.value}</body></html>`);
    foldCommentLabels(document);
    const builder = new DocumentBuilder();
    addHtmlBlocks(document.body, builder, { maxDepth: limits.maxDepth, notes: true });
    const messages = result.messages.filter((message) => message.type === 'error' || !/^Unrecognised (paragraph|run) style/.test(message.message));
    for (const message of messages.slice(0, 5)) builder.warnings.push(`mammoth: ${message.message}`);
    if (messages.length > 5) builder.warnings.push(`mammoth: ${messages.length - 5} more messages.`);
    const options: Parameters<DocumentBuilder['build']>[1] = { metadata: { zipEntries: entries.length } };
    if (title !== null) options.title = title;
    return builder.build(DOCX_MEDIA_TYPE, options);
  },
};

/**
 * Enforces the archive limits from the central directory before anything is inflated, then
 * checks that the XML parts mammoth will read inflate to no more than they declare (a bomb can lie).
 */
function checkArchive(bytes: Uint8Array, fileName: string, limits: ParseLimits): ZipEntry[] {
  const entries = readZipDirectory(bytes, limits.maxArchiveEntries);
  if (entries === null) throw new FabrikError('parse_failed', `${fileName}: the zip archive has no readable central directory (damaged or truncated).`, { param: fileName });
  if (entries.length > limits.maxArchiveEntries) {
    throw new FabrikError('archive_limit', `${fileName}: the archive has more than ${limits.maxArchiveEntries} entries (limits.maxArchiveEntries).`, { param: fileName });
  }
  let total = 0;
  for (const entry of entries) {
    total += entry.uncompressedSize;
    if (total > limits.maxUnpackedBytes) {
      throw new FabrikError('archive_limit', `${fileName}: the archive's entries unpack to more than ${limits.maxUnpackedBytes} bytes (limits.maxUnpackedBytes).`, { param: fileName });
    }
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > RATIO_CHECK_MIN_BYTES && ratio > limits.maxCompressionRatio) {
      throw new FabrikError('archive_limit', `${fileName}: entry ${entry.name} expands ${Math.round(ratio)}:1, more than limits.maxCompressionRatio (${limits.maxCompressionRatio}:1).`, { param: fileName });
    }
  }
  for (const entry of entries) {
    if (!/\.(xml|rels)$/i.test(entry.name)) continue;
    try {
      readZipEntry(bytes, entry, entry.uncompressedSize);
    } catch (error) {
      const cause = toFabrikError(error, 'parse_failed');
      if (cause.code === 'archive_limit') {
        throw new FabrikError('archive_limit', `${fileName}: entry ${entry.name} inflates to more than the ${entry.uncompressedSize} bytes it declares.`, { param: fileName, cause: error });
      }
      throw new FabrikError(cause.code, `${fileName}: ${cause.message}.`, { param: fileName, cause: error });
    }
  }
  return entries;
}

function coreTitle(bytes: Uint8Array, entries: ZipEntry[], fileName: string): string | null {
  const core = entries.find((entry) => entry.name === 'docProps/core.xml');
  if (core === undefined) return null;
  let xml: string;
  try {
    xml = new TextDecoder().decode(readZipEntry(bytes, core, core.uncompressedSize));
  } catch {
    return null; // the title is a nicety; checkArchive already vetted the part
  }
  const match = /<dc:title(?:\s[^>]*)?>([^<]*)<\/dc:title>/.exec(xml);
  const title = match?.[1] === undefined ? '' : decodeXmlEntities(match[1]).replace(/\s+/g, ' ').trim();
  void fileName;
  return title.length > 0 ? title : null;
}

function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (match, entity: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return named[entity.toLowerCase()] ?? match;
  });
}

/** mammoth writes a comment as <dt>Comment [AB1]</dt><dd>text</dd>: one note reads better as "Comment [AB1]: text". */
function foldCommentLabels(document: Document): void {
  for (const term of Array.from(document.querySelectorAll('dt[id*="comment-"]'))) {
    const definition = term.nextElementSibling;
    if (definition?.localName !== 'dd') continue;
    const target = definition.querySelector('p') ?? definition;
    target.insertBefore(document.createTextNode(`${(term.textContent ?? '').trim()}: `), target.firstChild);
    definition.setAttribute('id', term.getAttribute('id') ?? '');
    term.remove();
  }
}
