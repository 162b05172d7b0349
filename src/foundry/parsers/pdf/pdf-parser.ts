import { FabrikError } from '../../../shared/errors.ts';
import { DocumentBuilder } from '../../core/document-builder.ts';
import type { ParseContext, ParsedDocument, Parser } from '../../core/parsed-document.ts';
import { classifyBlocks, type PageLayout } from './classify-blocks.ts';
import { loadPdfJs, PDFJS_DATA } from './load-pdfjs.ts';
import { layoutPage, type LayoutFont, type LayoutItem, type LayoutStats } from './layout-page.ts';

const MEDIA_TYPE = 'application/pdf';
// pdf.js reports errors rather than hanging on the hostile corpus; this only bounds a page whose
// promise never settles. Most pages take milliseconds.
const PAGE_TIMEOUT_MS = 10_000;
const OPEN_TIMEOUT_MS = 20_000;
// Titles that PDF producers write for the author.
const PLACEHOLDER_TITLE = /^(untitled|microsoft word - .*|document\d*|.*\.(docx?|pdf|tex|indd))$/i;

/** PDF → elements: pdf.js text items per page, laid out into lines and blocks, then classified. */
export const pdfParser: Parser = {
  mediaTypes: [MEDIA_TYPE],
  async parse(bytes: Uint8Array, context: ParseContext): Promise<ParsedDocument> {
    const { fileName, limits } = context;
    const pdfjs = await loadPdfJs();
    const task = pdfjs.getDocument({
      // pdf.js may transfer the buffer it is given; the caller's bytes stay intact.
      data: bytes.slice(),
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      standardFontDataUrl: PDFJS_DATA.standardFontDataUrl,
      cMapUrl: PDFJS_DATA.cMapUrl,
      cMapPacked: true,
      disableAutoFetch: true,
      disableStream: true,
      isOffscreenCanvasSupported: false,
      isImageDecoderSupported: false,
      verbosity: pdfjs.VerbosityLevel.ERRORS,
    });
    let document: Awaited<typeof task.promise>;
    try {
      document = await withTimeout(task.promise, OPEN_TIMEOUT_MS, 'timeout');
    } catch (error) {
      await task.destroy().catch(() => undefined);
      if (error instanceof Error && error.message === 'timeout') {
        throw new FabrikError('parse_timeout', `${fileName}: pdf.js did not open the PDF within ${OPEN_TIMEOUT_MS} ms.`, { param: fileName });
      }
      throw openError(error, fileName);
    }
    const builder = new DocumentBuilder();
    try {
      const pageCount = document.numPages;
      const pagesToRead = Math.min(pageCount, limits.maxPages);
      if (pagesToRead < pageCount) builder.warnings.push(`Only the first ${pagesToRead} of ${pageCount} pages were read (limits.maxPages).`);
      const pages: PageLayout[] = [];
      const stats: LayoutStats = { unmappedCharacters: 0 };
      let firstFailure: unknown = null;
      for (let number = 1; number <= pagesToRead; number++) {
        try {
          pages.push(await withTimeout(readPage(document, number, stats), PAGE_TIMEOUT_MS, `page ${number} took longer than ${PAGE_TIMEOUT_MS} ms`));
        } catch (error) {
          firstFailure ??= error;
          builder.warnings.push(`Page ${number} could not be read and was skipped: ${messageOf(error)}`);
        }
      }
      if (pages.length === 0 && firstFailure !== null) {
        throw new FabrikError('parse_failed', `${fileName}: no page could be read: ${messageOf(firstFailure)}.`, { param: fileName, cause: firstFailure });
      }
      if (stats.unmappedCharacters > 0) {
        builder.warnings.push(`${stats.unmappedCharacters} characters in fonts without a Unicode mapping were left out (the PDF needs OCR to read them).`);
      }
      for (const element of classifyBlocks(pages)) builder.add(element);
      const title = await documentTitle(document);
      const options: Parameters<DocumentBuilder['build']>[1] = { pageCount, metadata: { pagesRead: pages.length } };
      if (title !== null) options.title = title;
      return builder.build(MEDIA_TYPE, options);
    } finally {
      await document.destroy().catch(() => undefined);
    }
  },
};

type PdfDocument = Awaited<ReturnType<Awaited<ReturnType<typeof loadPdfJs>>['getDocument']>['promise']>;

async function readPage(document: PdfDocument, number: number, stats: LayoutStats): Promise<PageLayout> {
  const page = await document.getPage(number);
  try {
    const viewport = page.getViewport({ scale: 1 });
    const content = await page.getTextContent();
    const items: LayoutItem[] = [];
    for (const item of content.items) if ('str' in item) items.push(item as LayoutItem);
    const blocks = layoutPage(items, content.styles as Record<string, LayoutFont>, viewport.transform, stats);
    return { page: number, width: viewport.width, height: viewport.height, blocks };
  } finally {
    page.cleanup();
  }
}

async function documentTitle(document: PdfDocument): Promise<string | null> {
  try {
    const { info } = await document.getMetadata();
    const title = (info as { Title?: unknown } | undefined)?.Title;
    if (typeof title !== 'string') return null;
    const cleaned = title.replace(/\s+/g, ' ').trim();
    return cleaned.length > 0 && !PLACEHOLDER_TITLE.test(cleaned) ? cleaned.slice(0, 500) : null;
  } catch {
    return null; // a damaged Info dictionary costs the title, not the document
  }
}

function openError(error: unknown, fileName: string): FabrikError {
  const name = error instanceof Error ? error.name : '';
  const message = messageOf(error);
  if (name === 'PasswordException') {
    return new FabrikError('encrypted_file', `${fileName} is an encrypted PDF and no password was given (${message}).`, { param: fileName, cause: error });
  }
  return new FabrikError('parse_failed', `${fileName} could not be opened as a PDF: ${message}.`, { param: fileName, cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, milliseconds: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), milliseconds);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
