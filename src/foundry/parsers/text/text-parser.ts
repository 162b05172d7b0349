import { DocumentBuilder } from '../../core/document-builder.ts';
import type { ParseContext, ParsedDocument, Parser } from '../../core/parsed-document.ts';
import { decodeText, type TextSource } from '../common/text-source.ts';
import { TEXT_MEDIA_TYPE } from './detect-text.ts';

/** Plain text → one paragraph per blank-line-separated run of lines, each with its byte span. */
export const textParser: Pick<Parser, 'parse'> = {
  async parse(bytes: Uint8Array, _context: ParseContext): Promise<ParsedDocument> {
    const source = decodeText(bytes);
    const builder = new DocumentBuilder();
    addEncodingWarning(source, builder);
    for (const [start, end] of paragraphRanges(source.text)) {
      builder.add({ kind: 'paragraph', text: source.text.slice(start, end), sourceSpan: [source.byteOffset(start), source.byteOffset(end)] });
    }
    return builder.build(TEXT_MEDIA_TYPE, { title: null, metadata: encodingMetadata(source) });
  },
};

/** Records how a text file's encoding was chosen when it was a guess. */
export function addEncodingWarning(source: TextSource, builder: DocumentBuilder): void {
  if (source.encodingSource === 'detected' || source.encodingSource === 'fallback') {
    builder.warnings.push(`The text encoding was not declared and not valid UTF-8; decoded as ${source.encoding} (${source.encodingSource === 'detected' ? 'detected' : 'fallback'}).`);
  }
  if (source.text.includes('\ufffd')) builder.warnings.push(`Some bytes are invalid in ${source.encoding} and were replaced by U+FFFD.`);
}

/** The metadata every text-based parser records about decoding. */
export function encodingMetadata(source: TextSource): Record<string, string | boolean> {
  return { encoding: source.encoding, encodingSource: source.encodingSource, bom: source.bom };
}

/** [start, end) of each run of non-blank lines, trimmed of surrounding whitespace. */
export function paragraphRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  let start = -1;
  let end = -1;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    const leading = line.length - line.trimStart().length;
    const content = line.trim();
    if (content.length === 0) {
      if (start >= 0) ranges.push([start, end]);
      start = -1;
    } else {
      if (start < 0) start = lineStart + leading;
      end = lineStart + leading + content.length;
    }
    if (lineEnd === text.length) break;
    lineStart = lineEnd + 1;
  }
  if (start >= 0) ranges.push([start, end]);
  return ranges;
}
