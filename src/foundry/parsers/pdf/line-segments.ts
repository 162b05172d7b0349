import type { LayoutLine, Run, Segment } from './layout-types.ts';
import { mostCommon, unionBox } from './layout-types.ts';

// Tuned on the corpus (docling, pdf.js and tabula PDFs): as fractions of the font size.
/** A gap between two runs wider than this is a space. */
const SPACE_GAP = 0.12;
/** A gap wider than this splits a line into separate segments (columns, table cells). */
const SEGMENT_GAP = 1.0;

const RTL_CHARACTER = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/gu;
const LTR_CHARACTER = /[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]/gu;
/** A bullet or enumerator alone: it stays with the text that follows however far away that is. */
// Upper-case letters are left out: "A." at a line start is far more often an initial than item A.
export const LIST_MARKER = /^(?:[•◦▪▫‣⁃●○■□◆◇►▶✓✔➢➤∙·*–—-]|\(?(?:\d{1,3}|[a-z]|[ivxlcdm]{1,6})[.)])$/;

/** Groups runs whose boxes overlap vertically into line clusters (a cluster may span several columns). */
export function clusterLines(runs: Run[]): Run[][] {
  runs.sort((left, right) => left.baseline - right.baseline || left.x0 - right.x0);
  const clusters: { runs: Run[]; baseline: number; top: number; bottom: number; fontSize: number; minX: number; maxX: number }[] = [];
  for (const run of runs) {
    let best: (typeof clusters)[number] | null = null;
    let bestDistance = Number.POSITIVE_INFINITY;
    // Runs arrive sorted by baseline: only the last few clusters can still take this one.
    for (let index = clusters.length - 1; index >= 0 && index >= clusters.length - 12; index--) {
      const cluster = clusters[index] as (typeof clusters)[number];
      const distance = Math.abs(run.baseline - cluster.baseline);
      if (distance > 0.6 * Math.max(run.fontSize, cluster.fontSize)) continue;
      const overlap = Math.min(run.bottom, cluster.bottom) - Math.max(run.top, cluster.top);
      const height = Math.min(run.bottom - run.top, cluster.bottom - cluster.top);
      if (overlap < 0.5 * height) continue;
      // Text of a very different size (a superscript, a heading in the next column) joins only when it is next to the line.
      const ratio = Math.max(run.fontSize, cluster.fontSize) / Math.min(run.fontSize, cluster.fontSize);
      const reach = 1.5 * Math.max(run.fontSize, cluster.fontSize);
      if (ratio > 1.3 && (run.x0 > cluster.maxX + reach || run.x1 < cluster.minX - reach)) continue;
      if (distance < bestDistance) {
        best = cluster;
        bestDistance = distance;
      }
    }
    if (best === null) {
      clusters.push({ runs: [run], baseline: run.baseline, top: run.top, bottom: run.bottom, fontSize: run.fontSize, minX: run.x0, maxX: run.x1 });
    } else {
      best.runs.push(run);
      best.minX = Math.min(best.minX, run.x0);
      best.maxX = Math.max(best.maxX, run.x1);
      // The line's geometry follows its largest text, not a superscript.
      if (run.fontSize > best.fontSize) {
        best.baseline = run.baseline;
        best.top = run.top;
        best.bottom = run.bottom;
        best.fontSize = run.fontSize;
      }
    }
  }
  // A superscript sorted ahead of its line may have founded a cluster of its own, and the line
  // then joined a cluster from the other column: hand such small-print clusters to the line they touch.
  const merged = new Set<(typeof clusters)[number]>();
  for (let index = 0; index < clusters.length; index++) {
    const small = clusters[index] as (typeof clusters)[number];
    for (let other = Math.max(0, index - 12); other < Math.min(clusters.length, index + 13); other++) {
      const line = clusters[other] as (typeof clusters)[number];
      if (line === small || merged.has(line) || small.fontSize > 0.8 * line.fontSize) continue;
      if (Math.abs(line.baseline - small.baseline) > 0.6 * line.fontSize) continue;
      const reach = 0.5 * line.fontSize;
      if (!line.runs.some((run) => small.minX - run.x1 <= reach && run.x0 - small.maxX <= reach)) continue;
      line.runs.push(...small.runs);
      line.minX = Math.min(line.minX, small.minX);
      line.maxX = Math.max(line.maxX, small.maxX);
      merged.add(small);
      break;
    }
  }
  return clusters.filter((cluster) => !merged.has(cluster)).map((cluster) => cluster.runs);
}

/** Splits each line cluster at wide gaps into segments; three or more narrow segments make a table row. */
export function lineSegments(clusters: Run[][]): Segment[] {
  const segments: Segment[] = [];
  let left = Number.POSITIVE_INFINITY;
  let right = Number.NEGATIVE_INFINITY;
  for (const cluster of clusters) {
    for (const run of cluster) {
      left = Math.min(left, run.x0);
      right = Math.max(right, run.x1);
    }
  }
  const pageWidth = Math.max(1, right - left);
  for (const cluster of clusters) {
    let rtlChars = 0;
    let ltrChars = 0;
    for (const run of cluster) {
      rtlChars += run.text.match(RTL_CHARACTER)?.length ?? 0;
      ltrChars += run.text.match(LTR_CHARACTER)?.length ?? 0;
    }
    const rtl = rtlChars > ltrChars;
    const sorted = rtl ? cluster.sort((left, right) => right.x1 - left.x1) : cluster.sort((left, right) => left.x0 - right.x0);
    const groups: Run[][] = [];
    let current: Run[] = [];
    let edge = 0;
    for (const run of sorted) {
      const previous = current.at(-1);
      if (previous !== undefined) {
        // The same text drawn again a hair away is fake bold or a shadow, not more text.
        if (run.text === previous.text && Math.abs(run.x0 - previous.x0) < 0.3 * run.fontSize && Math.abs(run.baseline - previous.baseline) < 0.3 * run.fontSize) continue;
        const gap = rtl ? edge - run.x1 : run.x0 - edge;
        const fontSize = Math.max(run.fontSize, previous.fontSize);
        const markerOnly = current.length === 1 && LIST_MARKER.test(previous.text.trim());
        if (gap > SEGMENT_GAP * fontSize && !(markerOnly && gap < 4 * fontSize)) {
          groups.push(current);
          current = [];
        }
      }
      if (current.length === 0) edge = rtl ? run.x0 : run.x1;
      else edge = rtl ? Math.min(edge, run.x0) : Math.max(edge, run.x1);
      current.push(run);
    }
    if (current.length > 0) groups.push(current);
    const lines = groups.map((group) => toLine(group, rtl));
    if (lines.length >= 3 && lines.every((line) => line.x1 - line.x0 < 0.4 * pageWidth)) {
      const row = mergeRow(lines, rtl);
      segments.push({ runs: groups.flat(), line: row });
    } else {
      groups.forEach((group, index) => segments.push({ runs: group, line: lines[index] as LayoutLine }));
    }
  }
  return segments;
}

function toLine(runs: Run[], rtl: boolean): LayoutLine {
  let text = '';
  let previous: Run | undefined;
  const sizes = new Map<number, number>();
  const fontNames = new Map<string, number>();
  let monospaceChars = 0;
  for (const run of runs) {
    if (previous !== undefined) {
      const gap = rtl ? previous.x0 - run.x1 : run.x0 - previous.x1;
      // Where the writing direction changes (a Latin word in Arabic text) there is a word break even when the glyphs touch.
      const directionChange = previous.rtl !== run.rtl && /\p{L}/u.test(previous.text) && /\p{L}/u.test(run.text);
      const needsSpace = previous.spaceAfter || directionChange || gap > SPACE_GAP * Math.max(run.fontSize, previous.fontSize);
      if (needsSpace && !text.endsWith(' ') && !run.text.startsWith(' ')) text += ' ';
    }
    text += run.text;
    const size = Math.round(run.fontSize * 2) / 2;
    sizes.set(size, (sizes.get(size) ?? 0) + run.text.length);
    fontNames.set(run.fontName, (fontNames.get(run.fontName) ?? 0) + run.text.length);
    if (run.monospace) monospaceChars += run.text.length;
    previous = run;
  }
  const first = runs[0] as Run;
  let x0 = first.x0;
  let x1 = first.x1;
  let y0 = first.top;
  let y1 = first.bottom;
  for (const run of runs) {
    x0 = Math.min(x0, run.x0);
    x1 = Math.max(x1, run.x1);
    y0 = Math.min(y0, run.top);
    y1 = Math.max(y1, run.bottom);
  }
  const fontSize = mostCommon(sizes) ?? first.fontSize;
  const main = runs.reduce((best, run) => (run.fontSize > best.fontSize ? run : best), first);
  return {
    text: rtl ? repairLamAlef(text.replace(/\s+/g, ' ').trim()) : text.replace(/\s+/g, ' ').trim(),
    x0, y0, x1, y1,
    baseline: main.baseline,
    fontSize,
    fontName: mostCommon(fontNames) ?? first.fontName,
    monospace: monospaceChars > text.length * 0.8,
    rtl,
  };
}
/**
 * pdf.js reverses right-to-left runs character by character, which turns the two characters a
 * lam-alef ligature glyph maps to around. Only the unambiguous case is repaired: an alef followed by
 * another alef and a lam ("اال", "اإل") is always the article "ال" before a ligated alef.
 */
export function repairLamAlef(text: string): string {
  return text.replace(/\u0627([\u0622\u0623\u0625\u0627])\u0644/g, '\u0627\u0644$1');
}
function mergeRow(lines: LayoutLine[], rtl: boolean): LayoutLine {
  const first = lines[0] as LayoutLine;
  return {
    text: lines.map((line) => line.text).join(' '),
    cells: lines.map((line) => line.text),
    ...unionBox(lines),
    baseline: first.baseline,
    fontSize: first.fontSize,
    fontName: first.fontName,
    monospace: lines.every((line) => line.monospace),
    rtl,
  };
}
