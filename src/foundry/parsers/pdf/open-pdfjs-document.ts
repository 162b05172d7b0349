import { FabrikError } from '../../../shared/errors.ts';
import type { LayoutFont, LayoutItem } from './layout-types.ts';
import { loadPdfJs, PDFJS_DATA } from './load-pdfjs.ts';
import type { PdfiumPageText } from './read-pdfium-page.ts';

/** An open pdf.js document, read page by page into the same shape as PDFium's. */
export interface PdfJsDocument {
  pageCount: number;
  readPage(number: number): Promise<PdfiumPageText>;
  /** The Info dictionary's Title, or '' when there is none. */
  title(): Promise<string>;
  close(): Promise<void>;
}

/** Opens a PDF with pdf.js (in this thread). Throws FabrikError 'encrypted_file', 'parse_timeout' or 'parse_failed'. */
export async function openPdfJsDocument(bytes: Uint8Array, fileName: string, timeoutMs: number): Promise<PdfJsDocument> {
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
    document = await withTimeout(task.promise, timeoutMs, 'timeout');
  } catch (error) {
    await task.destroy().catch(() => undefined);
    if (error instanceof Error && error.message === 'timeout') {
      throw new FabrikError('parse_timeout', `${fileName}: pdf.js did not open the PDF within ${timeoutMs} ms.`, { param: fileName });
    }
    throw openError(error, fileName);
  }
  return {
    pageCount: document.numPages,
    async readPage(number: number): Promise<PdfiumPageText> {
      const page = await document.getPage(number);
      try {
        const viewport = page.getViewport({ scale: 1 });
        const content = await page.getTextContent();
        const items: LayoutItem[] = [];
        for (const item of content.items) if ('str' in item) items.push(item as LayoutItem);
        return { items, styles: content.styles as Record<string, LayoutFont>, viewportTransform: viewport.transform, width: viewport.width, height: viewport.height };
      } finally {
        page.cleanup();
      }
    },
    async title(): Promise<string> {
      const { info } = await document.getMetadata();
      const title = (info as { Title?: unknown } | undefined)?.Title;
      return typeof title === 'string' ? title : '';
    },
    async close(): Promise<void> {
      await document.destroy().catch(() => undefined);
    },
  };
}

function openError(error: unknown, fileName: string): FabrikError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'PasswordException') {
    return new FabrikError('encrypted_file', `${fileName} is an encrypted PDF and no password was given (${message}).`, { param: fileName, cause: error });
  }
  return new FabrikError('parse_failed', `${fileName} could not be opened as a PDF: ${message.replace(/\.+$/, '')}.`, { param: fileName, cause: error });
}

/** Rejects with Error(message) when the promise has not settled within the time. */
export function withTimeout<T>(promise: Promise<T>, milliseconds: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), milliseconds);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
