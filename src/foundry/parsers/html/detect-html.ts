import type { FormatDetector } from '../format-detector.ts';
import { TEXT_EXTENSIONS } from '../text/detect-text.ts';

export const HTML_MEDIA_TYPE = 'text/html';

const HTML_START = /^<(?:!doctype\s+html|html|head|body|script|iframe|h[1-6]|div|font|table|a|style|title|b|br|p|meta|link|section|article|main|header|nav|ul|ol|span|form|img)(?=[\s>/])/i;

/**
 * HTML: the first tag is an HTML one. A file named as plain text (.txt, .log) is HTML only when it is
 * plainly a whole page: a list of tags in a .txt is text, and the text parser keeps every line of it.
 */
export const htmlDetector: FormatDetector = {
  sniffText: ({ head, extension }) => ((TEXT_EXTENSIONS.has(extension) ? sniffHtmlPage(head) : sniffHtml(head)) ? { mediaType: HTML_MEDIA_TYPE, confidence: 1 } : null),
};

/** WHATWG-style sniff: the first tag, after BOM, whitespace, comments and an XML declaration, is an HTML one. */
export function sniffHtml(head: string): boolean {
  const rest = skipProlog(head);
  return rest !== null && HTML_START.test(rest);
}

/** A whole HTML page, not a fragment: the first tag is <!DOCTYPE html> or <html>. */
export function sniffHtmlPage(head: string): boolean {
  const rest = skipProlog(head);
  return rest !== null && /^<(?:!doctype\s+html|html)(?=[\s>/])/i.test(rest);
}

/** The head after a BOM, whitespace, comments and an XML declaration; null when one of those does not end. */
function skipProlog(head: string): string | null {
  let rest = head.replace(/^\ufeff/, '');
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      if (end < 0) return null;
      rest = rest.slice(end + 3);
    } else if (rest.startsWith('<?xml')) {
      const end = rest.indexOf('?>');
      if (end < 0) return null;
      rest = rest.slice(end + 2);
    } else {
      return rest;
    }
  }
}
