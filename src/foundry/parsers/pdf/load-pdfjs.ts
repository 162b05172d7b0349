import { fileURLToPath } from 'node:url';

export type PdfJs = typeof import('pdfjs-dist');

let loading: Promise<PdfJs> | undefined;

/** Where pdf.js finds the standard fonts and CMaps it needs to map CJK and non-embedded fonts to Unicode. */
export const PDFJS_DATA = {
  standardFontDataUrl: fileURLToPath(new URL('./standard_fonts/', import.meta.resolve('pdfjs-dist/package.json'))),
  cMapUrl: fileURLToPath(new URL('./cmaps/', import.meta.resolve('pdfjs-dist/package.json'))),
};

// Printed by pdf.js on import when the optional canvas package is absent; we only extract text.
const IMPORT_NOISE = /^Warning: (Cannot load "@napi-rs\/canvas"|Cannot polyfill `(DOMMatrix|ImageData|Path2D)`)/;

/**
 * Imports pdf.js's Node build once. Its display layer constructs a DOMMatrix at import time (for
 * rendering, which we never do), so a stand-in is installed when the platform has none.
 */
export function loadPdfJs(): Promise<PdfJs> {
  loading ??= (async () => {
    const global = globalThis as { DOMMatrix?: unknown };
    global.DOMMatrix ??= class DOMMatrix {};
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && IMPORT_NOISE.test(args[0])) return;
      warn(...args);
    };
    try {
      const pdfjs = (await import('pdfjs-dist/legacy/build/pdf.mjs')) as PdfJs;
      pdfjs.GlobalWorkerOptions.workerSrc ||= import.meta.resolve('pdfjs-dist/legacy/build/pdf.worker.mjs');
      return pdfjs;
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}
