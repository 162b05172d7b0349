import { FabrikError } from '../../../shared/errors.ts';
import { DocumentBuilder } from '../../core/document-builder.ts';
import type { ParseContext, ParsedDocument, Parser } from '../../core/parsed-document.ts';
import { classifyBlocks, type PageLayout } from './classify-blocks.ts';
import { layoutPage, type LayoutStats } from './layout-page.ts';
import { openPdfiumDocument } from './open-pdfium-document.ts';
import { openPdfJsDocument, withTimeout } from './open-pdfjs-document.ts';
import type { PdfiumPageText } from './read-pdfium-page.ts';
import { PDF_MEDIA_TYPE } from './detect-pdf.ts';

// pdf.js reports errors rather than hanging on the hostile corpus; this only bounds a page whose
// promise never settles. Most pages take milliseconds. (PDFium is synchronous: the worker pool's
// per-file limit bounds it.)
const PAGE_TIMEOUT_MS = 10_000;
const OPEN_TIMEOUT_MS = 20_000;
// Titles that PDF producers write for the author.
const PLACEHOLDER_TITLE = /^(untitled|microsoft word - .*|document\d*|.*\.(docx?|pdf|tex|indd))$/i;

/** The engine that read a document's text, kept in its metadata. */
export type PdfEngine = 'pdfium' | 'pdfjs';

interface PdfSource {
  engine: PdfEngine;
  pageCount: number;
  readPage(number: number): PdfiumPageText | Promise<PdfiumPageText>;
  title(): string | Promise<string>;
  close(): void | Promise<void>;
}

/**
 * PDF → elements: each page's text items (PDFium's characters joined into runs; pdf.js where
 * PDFium cannot open the file), laid out into lines and blocks, then classified.
 */
export const pdfParser: Pick<Parser, 'parse'> = {
  async parse(bytes: Uint8Array, context: ParseContext): Promise<ParsedDocument> {
    const { fileName } = context;
    const warnings: string[] = [];
    let source: PdfSource;
    try {
      source = { engine: 'pdfium', ...(await openPdfiumDocument(bytes, fileName, context.limits.maxMemoryBytes)) };
    } catch (error) {
      if (!(error instanceof FabrikError) || error.code !== 'parse_failed') throw error;
      // pdf.js repairs some files PDFium gives up on; it also reports the final error if both fail.
      source = { engine: 'pdfjs', ...(await openPdfJsDocument(bytes, fileName, OPEN_TIMEOUT_MS)) };
      warnings.push(`PDFium could not open the file (${error.message}); it was read with pdf.js.`);
    }
    try {
      return await parseSource(source, context, warnings);
    } finally {
      await source.close();
    }
  },
};

async function parseSource(source: PdfSource, context: ParseContext, warnings: readonly string[]): Promise<ParsedDocument> {
  const { fileName, limits } = context;
  const builder = new DocumentBuilder();
  builder.warnings.push(...warnings);
  const { pageCount } = source;
  const pagesToRead = Math.min(pageCount, limits.maxPages);
  if (pagesToRead < pageCount) builder.warnings.push(`Only the first ${pagesToRead} of ${pageCount} pages were read (limits.maxPages).`);
  const pages: PageLayout[] = [];
  const stats: LayoutStats = { unmappedCharacters: 0 };
  let firstFailure: unknown = null;
  for (let number = 1; number <= pagesToRead; number++) {
    try {
      const text = await withTimeout(Promise.resolve().then(() => source.readPage(number)), PAGE_TIMEOUT_MS, `page ${number} took longer than ${PAGE_TIMEOUT_MS} ms`);
      const blocks = layoutPage(text.items, text.styles, text.viewportTransform, stats);
      pages.push({ page: number, width: text.width, height: text.height, blocks });
    } catch (error) {
      // A wasm trap leaves the PDFium instance unusable: the file fails as a whole.
      if (error instanceof FabrikError) throw error;
      firstFailure ??= error;
      builder.warnings.push(`Page ${number} could not be read and was skipped: ${messageOf(error)}`);
    }
  }
  if (pages.length === 0 && firstFailure !== null) {
    throw new FabrikError('parse_failed', `${fileName}: no page could be read: ${messageOf(firstFailure).replace(/\.+$/, '')}.`, { param: fileName, cause: firstFailure });
  }
  if (stats.unmappedCharacters > 0) {
    builder.warnings.push(`${stats.unmappedCharacters} characters in fonts without a Unicode mapping were left out (the PDF needs OCR to read them).`);
  }
  for (const element of classifyBlocks(pages)) builder.add(element);
  const title = await documentTitle(source);
  const options: Parameters<DocumentBuilder['build']>[1] = { pageCount, metadata: { pagesRead: pages.length, engine: source.engine } };
  if (title !== null) options.title = title;
  return builder.build(PDF_MEDIA_TYPE, options);
}

async function documentTitle(source: PdfSource): Promise<string | null> {
  try {
    const cleaned = (await source.title()).replace(/\s+/g, ' ').trim();
    return cleaned.length > 0 && !PLACEHOLDER_TITLE.test(cleaned) ? cleaned.slice(0, 500) : null;
  } catch (error) {
    if (error instanceof FabrikError) throw error;
    return null; // a damaged Info dictionary costs the title, not the document
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
