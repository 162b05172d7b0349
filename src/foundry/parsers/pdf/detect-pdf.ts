import type { FormatDetector } from '../format-detector.ts';

export const PDF_MEDIA_TYPE = 'application/pdf';

/**
 * A PDF: `%PDF-` anywhere in the first 1024 bytes, whatever the name, as readers accept it after
 * leading junk. Asked before any container or text sniffing: a PDF is binary however it starts.
 */
export const pdfDetector: FormatDetector = {
  sniffBytes: (bytes) => (hasPdfHeader(bytes) ? { mediaType: PDF_MEDIA_TYPE, confidence: 1 } : null),
};

function hasPdfHeader(bytes: Uint8Array): boolean {
  const limit = Math.min(bytes.length, 1024) - 5;
  for (let index = 0; index <= limit; index++) {
    if (bytes[index] === 0x25 && bytes[index + 1] === 0x50 && bytes[index + 2] === 0x44 && bytes[index + 3] === 0x46 && bytes[index + 4] === 0x2d) return true;
  }
  return false;
}
