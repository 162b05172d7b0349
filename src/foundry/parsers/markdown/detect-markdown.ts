import type { FormatDetector } from '../format-detector.ts';

export const MARKDOWN_MEDIA_TYPE = 'text/markdown';

const MARKDOWN_EXTENSIONS: ReadonlySet<string> = new Set(['md', 'markdown', 'mdown', 'mkd', 'mdx']);

/**
 * Markdown only in a Markdown-named file with some structure, or clear structure (3 points) in a file
 * with no extension: the Markdown parser drops inline HTML and markup characters, and a .txt (or
 * .log, .py, …) read as plain text loses nothing of what it says. Clear structure outweighs a steady
 * CSV delimiter; a little only outweighs two CSV rows.
 */
export const markdownDetector: FormatDetector = {
  sniffText: ({ lines, extension }) => {
    const score = markdownScore(lines);
    const claimed = MARKDOWN_EXTENSIONS.has(extension) ? score >= 1 : extension === '' && score >= 3;
    return claimed ? { mediaType: MARKDOWN_MEDIA_TYPE, confidence: score >= 3 ? 0.9 : 0.6 } : null;
  },
};

/** Points for Markdown structure: headings, fences, links, tables and quotes count more than list items. */
export function markdownScore(lines: readonly string[]): number {
  let score = 0;
  let listItems = 0;
  let previous = '';
  for (const fullLine of lines) {
    // Structure shows at the start of a line; bounding the length keeps every regex linear.
    const line = fullLine.slice(0, 500);
    if (/^ {0,3}#{1,6}\s+\S/.test(line)) score += 2;
    else if (/^ {0,3}(```|~~~)/.test(line)) score += 2;
    else if (/^ {0,3}\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$/.test(line)) score += 3;
    else if (/^ {0,3}(=+|-+)\s*$/.test(line) && previous.trim().length > 0 && !/^\s*[-=]+\s*$/.test(previous)) score += 2;
    else if (/^ {0,3}>\s?\S/.test(line)) score += 1;
    else if (/^\s*(?:[-*+]|\d{1,9}[.)])\s+\S/.test(line)) listItems++;
    if (/\[[^\]\n]+\]\([^)\s]+\)/.test(line)) score += 2;
    if (/(\*\*|__)\S[^*_]*\S\1/.test(line) || /`[^`\s][^`]*`/.test(line)) score += 1;
    previous = line;
  }
  if (listItems >= 2) score += 2;
  return score;
}
