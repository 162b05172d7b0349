import type { FormatDetector } from '../format-detector.ts';

export const CSV_MEDIA_TYPE = 'text/csv';

/**
 * CSV: a delimiter whose count holds steady from line to line. Three or more agreeing rows are strong
 * evidence (only clear Markdown outweighs them); two rows are a tie a plain-text name breaks.
 */
export const csvDetector: FormatDetector = {
  sniffText: ({ lines }) => {
    if (csvDelimiter(lines) === null) return null;
    const rows = lines.filter((line) => line.trim().length > 0).length;
    return { mediaType: CSV_MEDIA_TYPE, confidence: rows >= 3 ? 0.8 : 0.5 };
  },
};

const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The delimiter whose count (outside quotes) is the same on most of the first non-empty lines, or null.
 * One line is not enough evidence; prose with a comma or two per line rarely keeps the count steady.
 */
export function csvDelimiter(lines: readonly string[]): ',' | ';' | '\t' | null {
  const rows = lines.filter((line) => line.trim().length > 0);
  if (rows.length < 2) return null;
  let best: { delimiter: ',' | ';' | '\t'; share: number; count: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const counts = rows.map((row) => countOutsideQuotes(row.slice(0, 10_000), delimiter));
    const frequency = new Map<number, number>();
    for (const count of counts) if (count > 0) frequency.set(count, (frequency.get(count) ?? 0) + 1);
    let mode = 0;
    let modeRows = 0;
    for (const [count, rowsWithCount] of frequency) {
      if (rowsWithCount > modeRows || (rowsWithCount === modeRows && count > mode)) {
        mode = count;
        modeRows = rowsWithCount;
      }
    }
    if (mode === 0) continue;
    const share = modeRows / rows.length;
    if (mode <= 2 && delimiter !== '\t' && looksLikeProse(rows, delimiter)) continue;
    // Short samples must agree everywhere; longer ones may have a few ragged rows.
    const needed = rows.length < 5 ? 1 : 0.8;
    if (share < needed) continue;
    if (best === null || share > best.share || (share === best.share && mode > best.count)) best = { delimiter, share, count: mode };
  }
  return best?.delimiter ?? null;
}

/** Most fields are runs of many words: sentences with a comma or two, not records. */
function looksLikeProse(rows: readonly string[], delimiter: string): boolean {
  let fields = 0;
  let wordy = 0;
  for (const row of rows) {
    for (const field of row.slice(0, 10_000).split(delimiter)) {
      fields++;
      if (field.trim().split(/\s+/).length > 6) wordy++;
    }
  }
  return wordy > fields * 0.5;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const character of line) {
    if (character === '"') quoted = !quoted;
    else if (character === delimiter && !quoted) count++;
  }
  return count;
}
