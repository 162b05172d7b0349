import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The slice of PDFium's C API the text extraction calls, taken straight from the wasm exports:
 * the package's cwrap layer (and its assertion wrappers) cost more than the calls themselves at
 * eight calls per character. Handles and pointers are wasm addresses (numbers).
 */
export interface PdfiumExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  FPDF_LoadMemDocument(data: number, size: number, password: number): number;
  FPDF_CloseDocument(document: number): void;
  FPDF_GetLastError(): number;
  FPDF_GetPageCount(document: number): number;
  FPDF_GetMetaText(document: number, tag: number, buffer: number, length: number): number;
  FPDF_LoadPage(document: number, index: number): number;
  FPDF_ClosePage(page: number): void;
  FPDF_GetPageWidthF(page: number): number;
  FPDF_GetPageHeightF(page: number): number;
  FPDFPage_GetRotation(page: number): number;
  FPDFPage_GetCropBox(page: number, left: number, bottom: number, right: number, top: number): number;
  FPDFPage_GetMediaBox(page: number, left: number, bottom: number, right: number, top: number): number;
  FPDFText_LoadPage(page: number): number;
  FPDFText_ClosePage(textPage: number): void;
  FPDFText_CountChars(textPage: number): number;
  FPDFText_GetUnicode(textPage: number, index: number): number;
  FPDFText_IsGenerated(textPage: number, index: number): number;
  FPDFText_IsHyphen(textPage: number, index: number): number;
  FPDFText_GetFontSize(textPage: number, index: number): number;
  FPDFText_GetCharOrigin(textPage: number, index: number, x: number, y: number): number;
  FPDFText_GetLooseCharBox(textPage: number, index: number, rect: number): number;
  FPDFText_GetMatrix(textPage: number, index: number, matrix: number): number;
  FPDFText_GetTextObject(textPage: number, index: number): number;
  FPDFTextObj_GetFont(textObject: number): number;
  FPDFFont_GetBaseFontName(font: number, buffer: number, length: number): number;
  FPDFFont_GetFlags(font: number): number;
  FPDFFont_GetAscent(font: number, fontSize: number, ascent: number): number;
  FPDFFont_GetDescent(font: number, fontSize: number, descent: number): number;
}

/** PDFium's FPDF_ERR_* codes. */
export const PDFIUM_ERROR = { success: 0, unknown: 1, file: 2, format: 3, password: 4, security: 5, page: 6 } as const;

let loading: Promise<PdfiumExports> | undefined;

/**
 * Instantiates PDFium's wasm once per thread, from the file inside the npm package (nothing is
 * fetched), and initialises the library. Reused across files until discardPdfium().
 */
export function loadPdfium(): Promise<PdfiumExports> {
  loading ??= (async () => {
    const { init } = await import('@embedpdf/pdfium');
    const wasmBinary = readFileSync(fileURLToPath(import.meta.resolve('@embedpdf/pdfium/pdfium.wasm')));
    const quiet = (): void => undefined;
    // print/printErr: PDFium's own diagnostics; our errors carry the message instead.
    const module = await init({ wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength), print: quiet, printErr: quiet });
    const exports = module.pdfium.wasmExports as unknown as PdfiumExports;
    (exports as unknown as { PDFiumExt_Init(): void }).PDFiumExt_Init();
    return exports;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** Drops this thread's instance after a wasm trap: its heap may be inconsistent, the next file gets a fresh one. */
export function discardPdfium(): void {
  loading = undefined;
}
