import type { ParseContext, ParsedDocument, Parser } from '../core/parsed-document.ts';
import { csvDetector } from './csv/detect-csv.ts';
import { docxDetector } from './docx/detect-docx.ts';
import type { FormatDetector } from './format-detector.ts';
import { htmlDetector } from './html/detect-html.ts';
import { markdownDetector } from './markdown/detect-markdown.ts';
import { pdfDetector } from './pdf/detect-pdf.ts';
import { textDetector } from './text/detect-text.ts';

/** One parser as fabrik knows it: what it parses, its version, how its format is recognised and how it parses. */
export interface ParserEntry extends Parser {
  /** Its folder under parsers/ and its key in PARSER_VERSIONS. */
  readonly name: string;
  /** The format's name in messages ("PDF", "plain text"). */
  readonly label: string;
  readonly detector: FormatDetector;
  /** Said after "holds no extractable text" when a file of this format parses to no elements. */
  readonly noTextHint?: string;
}

/**
 * Parses with the module `load` imports, on first use: the main thread reads this list (versions,
 * detectors) without loading pdf.js, mammoth or Readability, which only parser threads need.
 */
function lazy(load: () => Promise<Pick<Parser, 'parse'>>): Parser['parse'] {
  return async (bytes: Uint8Array, context: ParseContext): Promise<ParsedDocument> => (await load()).parse(bytes, context);
}

/**
 * Every parser, in the order detection breaks ties (format-detector.ts). Adding a parser is adding
 * an entry: a folder with its parser and its detector, its media types and a version. Bump a
 * parser's version whenever its output for the same bytes can change: a document's id includes the
 * version of the parser that made it, so the next ingest parses again only documents of its formats.
 * They start at the one global version they replaced (`fabrik-parsers/1.2.0`), so a store from
 * before keeps its documents.
 */
export const PARSER_REGISTRY: readonly ParserEntry[] = [
  {
    name: 'pdf', label: 'PDF', mediaTypes: ['application/pdf'], version: 'fabrik-parsers/1.2.0', detector: pdfDetector,
    parse: lazy(async () => (await import('./pdf/pdf-parser.ts')).pdfParser), noTextHint: 'a scanned PDF needs OCR',
  },
  {
    name: 'docx', label: 'DOCX', mediaTypes: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'], version: 'fabrik-parsers/1.2.0', detector: docxDetector,
    parse: lazy(async () => (await import('./docx/docx-parser.ts')).docxParser),
  },
  {
    name: 'html', label: 'HTML', mediaTypes: ['text/html', 'application/xhtml+xml'], version: 'fabrik-parsers/1.2.0', detector: htmlDetector,
    parse: lazy(async () => (await import('./html/html-parser.ts')).htmlParser),
  },
  {
    name: 'markdown', label: 'Markdown', mediaTypes: ['text/markdown'], version: 'fabrik-parsers/1.2.0', detector: markdownDetector,
    parse: lazy(async () => (await import('./markdown/markdown-parser.ts')).markdownParser),
  },
  {
    name: 'csv', label: 'CSV', mediaTypes: ['text/csv', 'text/tab-separated-values'], version: 'fabrik-parsers/1.2.0', detector: csvDetector,
    parse: lazy(async () => (await import('./csv/csv-parser.ts')).csvParser),
  },
  {
    name: 'text', label: 'plain text', mediaTypes: ['text/plain'], version: 'fabrik-parsers/1.2.0', detector: textDetector,
    parse: lazy(async () => (await import('./text/text-parser.ts')).textParser),
  },
];

/** The registered parser for a media type, or null. */
export function parserForMediaType(mediaType: string): ParserEntry | null {
  return PARSER_REGISTRY.find((parser) => parser.mediaTypes.includes(mediaType)) ?? null;
}
