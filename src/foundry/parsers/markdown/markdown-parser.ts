import { DocumentBuilder, type ElementInput } from '../../core/document-builder.ts';
import type { ParseContext, ParsedDocument, Parser } from '../../core/parsed-document.ts';
import { tableText } from '../common/table-text.ts';
import { decodeText } from '../common/text-source.ts';
import { addEncodingWarning, encodingMetadata } from '../text/text-parser.ts';
import { markdownBlocks } from './markdown-blocks.ts';
import { markdownInlineText } from './markdown-inline.ts';
import { MARKDOWN_MEDIA_TYPE } from './detect-markdown.ts';

/** Markdown → elements from our own block parser, each with the byte span of its source block. */
export const markdownParser: Pick<Parser, 'parse'> = {
  async parse(bytes: Uint8Array, _context: ParseContext): Promise<ParsedDocument> {
    const source = decodeText(bytes);
    const builder = new DocumentBuilder();
    addEncodingWarning(source, builder);
    let title: string | null = null;
    for (const block of markdownBlocks(source.text)) {
      const sourceSpan: [number, number] = [source.byteOffset(block.start), source.byteOffset(block.end)];
      if (block.kind === 'front-matter') {
        const match = /^title:\s*["']?(.*?)["']?\s*$/m.exec(block.content);
        if (match?.[1] !== undefined && match[1].length > 0) title = match[1];
        continue;
      }
      if (block.kind === 'code') {
        builder.add({ kind: 'code', text: block.content, sourceSpan, ...(block.language === undefined ? {} : { attributes: { language: block.language } }) });
        continue;
      }
      if (block.kind === 'table') {
        const rows = (block.rows ?? []).map((row) => row.map((cell) => markdownInlineText(cell).text.trim()));
        builder.add({ kind: 'table', text: tableText(rows), sourceSpan, attributes: { cells: rows, rows: rows.length, columns: rows[0]?.length ?? 0 } });
        continue;
      }
      const { text, links } = markdownInlineText(block.content);
      const attributes: NonNullable<ElementInput['attributes']> = {};
      if (links.length > 0) attributes.links = links;
      if (block.ordinal !== undefined) {
        attributes.ordered = true;
        attributes.ordinal = block.ordinal;
      }
      if (block.checked !== undefined) attributes.checked = block.checked;
      const input: ElementInput = { kind: block.kind === 'html' ? 'paragraph' : block.kind, text, sourceSpan };
      if (block.level !== undefined) input.level = block.level;
      if (Object.keys(attributes).length > 0) input.attributes = attributes;
      builder.add(input);
    }
    const options: Parameters<DocumentBuilder['build']>[1] = { metadata: encodingMetadata(source) };
    if (title !== null) options.title = title;
    return builder.build(MARKDOWN_MEDIA_TYPE, options);
  },
};
