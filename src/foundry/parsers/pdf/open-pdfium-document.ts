import { FabrikError } from '../../../shared/errors.ts';
import { discardPdfium, loadPdfium, PDFIUM_ERROR, type PdfiumExports } from './load-pdfium.ts';
import { readPdfiumPage, type PdfiumPageText, type PdfiumReader } from './read-pdfium-page.ts';

/** An open PDFium document; close() frees its wasm memory. */
export interface PdfiumDocument {
  pageCount: number;
  /** Page text by 1-based number, as pdf.js-shaped items. */
  readPage(number: number): PdfiumPageText;
  /** The Info dictionary's Title, or '' when there is none. */
  title(): string;
  close(): void;
}

/**
 * Opens a PDF in this thread's PDFium instance. Throws FabrikError 'encrypted_file' for a password,
 * 'parse_failed' for a file PDFium cannot open or a wasm trap (the instance is then discarded).
 */
export async function openPdfiumDocument(bytes: Uint8Array, fileName: string, maxMemoryBytes = Number.POSITIVE_INFINITY): Promise<PdfiumDocument> {
  const pdfium = await loadPdfium();
  const data = pdfium.malloc(Math.max(1, bytes.byteLength));
  const scratch = pdfium.malloc(64);
  if (data === 0 || scratch === 0) {
    if (data !== 0) pdfium.free(data);
    throw new FabrikError('parse_failed', `${fileName}: PDFium could not allocate ${bytes.byteLength} bytes.`, { param: fileName });
  }
  new Uint8Array(pdfium.memory.buffer, data, bytes.byteLength).set(bytes);
  let handle = 0;
  const release = (): void => {
    if (handle !== 0) pdfium.FPDF_CloseDocument(handle);
    handle = 0;
    pdfium.free(data);
    pdfium.free(scratch);
  };
  try {
    // PDFium reads the buffer in place for as long as the document is open.
    handle = pdfium.FPDF_LoadMemDocument(data, bytes.byteLength, 0);
  } catch (error) {
    throw trapped(error, fileName, 'opening the file');
  }
  if (handle === 0) {
    const code = pdfium.FPDF_GetLastError();
    release();
    if (code === PDFIUM_ERROR.password) {
      throw new FabrikError('encrypted_file', `${fileName} is an encrypted PDF and no password was given.`, { param: fileName });
    }
    throw new FabrikError('parse_failed', `${fileName} could not be opened as a PDF by PDFium (${errorName(code)}).`, { param: fileName });
  }
  const reader: PdfiumReader = { pdfium, scratch, fonts: new Map() };
  let pageCount: number;
  try {
    pageCount = pdfium.FPDF_GetPageCount(handle);
  } catch (error) {
    throw trapped(error, fileName, 'counting pages');
  }
  return {
    pageCount,
    readPage(number: number): PdfiumPageText {
      let page = 0;
      try {
        page = pdfium.FPDF_LoadPage(handle, number - 1);
        if (page === 0) throw new FabrikError('parse_failed', `${fileName}: PDFium could not load page ${number} (${errorName(pdfium.FPDF_GetLastError())})`, { param: fileName });
        const text = readPdfiumPage(reader, page);
        // wasm memory is outside V8's heap limit: enforce the parse memory limit here.
        if (pdfium.memory.buffer.byteLength > maxMemoryBytes) {
          handle = 0;
          discardPdfium();
          throw new FabrikError('parse_memory', `${fileName}: PDFium needed ${Math.round(pdfium.memory.buffer.byteLength / 1048576)} MiB reading page ${number}, over the limit of ${Math.round(maxMemoryBytes / 1048576)} MiB (FABRIK_PARSE_MEMORY_MB)`, { param: fileName });
        }
        return text;
      } catch (error) {
        throw trapped(error, fileName, `reading page ${number}`);
      } finally {
        if (page !== 0 && handle !== 0) pdfium.FPDF_ClosePage(page);
      }
    },
    title(): string {
      try {
        return metaText(pdfium, handle, 'Title');
      } catch (error) {
        throw trapped(error, fileName, 'reading the title');
      }
    },
    close(): void {
      try {
        release();
      } catch {
        discardPdfium(); // a heap that cannot free is not reused
      }
    },
  };

  function trapped(error: unknown, name: string, doing: string): unknown {
    if (!(error instanceof WebAssembly.RuntimeError)) return error;
    // The heap may be inconsistent after a trap: nothing more is freed or closed in it.
    handle = 0;
    discardPdfium();
    return new FabrikError('parse_failed', `${name}: PDFium failed while ${doing} (${error.message}).`, { param: name, cause: error });
  }
}

function metaText(pdfium: PdfiumExports, document: number, tag: string): string {
  const tagBytes = new TextEncoder().encode(`${tag}\0`);
  const tagPointer = pdfium.malloc(tagBytes.byteLength);
  try {
    new Uint8Array(pdfium.memory.buffer, tagPointer, tagBytes.byteLength).set(tagBytes);
    const length = pdfium.FPDF_GetMetaText(document, tagPointer, 0, 0);
    if (length <= 2 || length > 1 << 20) return '';
    const buffer = pdfium.malloc(length);
    try {
      pdfium.FPDF_GetMetaText(document, tagPointer, buffer, length);
      // UTF-16LE with a two-byte terminator.
      return new TextDecoder('utf-16le').decode(new Uint8Array(pdfium.memory.buffer, buffer, length - 2).slice());
    } finally {
      pdfium.free(buffer);
    }
  } finally {
    pdfium.free(tagPointer);
  }
}

function errorName(code: number): string {
  const names: Record<number, string> = { 1: 'unknown error', 2: 'file not found or unreadable', 3: 'not a PDF or corrupted', 4: 'password required', 5: 'unsupported security scheme', 6: 'page not found or content error' };
  return names[code] ?? `error ${code}`;
}
