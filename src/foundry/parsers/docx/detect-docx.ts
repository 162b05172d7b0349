import type { FormatDetector } from '../format-detector.ts';

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** A DOCX: a zip archive holding word/document.xml (an XLSX or PPTX holds xl/ or ppt/ instead). */
export const docxDetector: FormatDetector = {
  sniffZip: (entries) => (entries.some((entry) => entry.name === 'word/document.xml') ? { mediaType: DOCX_MEDIA_TYPE, confidence: 1, what: 'a Word document' } : null),
};
