import type { BoundingBox } from '../../core/parsed-document.ts';

/** The slice of a pdf.js text item the layout reads. */
export interface LayoutItem {
  str: string;
  dir: string;
  width: number;
  transform: number[];
  fontName: string;
  hasEOL?: boolean;
}

/** The slice of a pdf.js text style the layout reads. */
export interface LayoutFont {
  fontFamily?: string;
  ascent?: number;
  descent?: number;
  vertical?: boolean;
}

/** One line (or, in a table, one row) of a block, in page coordinates (points, top-left origin). */
export interface LayoutLine {
  text: string;
  /** A table row's cells, left to right (right to left on RTL rows). */
  cells?: string[];
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  baseline: number;
  fontSize: number;
  fontName: string;
  monospace: boolean;
  rtl: boolean;
}

/** A run of lines that belong together, in reading order. */
export interface LayoutBlock {
  lines: LayoutLine[];
  bbox: BoundingBox;
  /** The font size most of the block's characters have. */
  fontSize: number;
  fontName: string;
  monospace: boolean;
  table: boolean;
  rtl: boolean;
  /** Vertical (top-to-bottom) or rotated text, laid out in its own order. */
  orientation: 'horizontal' | 'vertical' | 'rotated';
}
/** A horizontal text item placed on the page (top-left origin, points). */
export interface Run {
  text: string;
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  baseline: number;
  fontSize: number;
  fontName: string;
  monospace: boolean;
  rtl: boolean;
  spaceAfter: boolean;
}

/** A piece of a line cluster between wide gaps. */
export interface Segment {
  runs: Run[];
  line: LayoutLine;
}

/** A block while lines are still being added to it. */
export interface OpenBlock {
  lines: LayoutLine[];
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  spacing: number;
  table: boolean;
}
/** A vertical or rotated text item with its page-space matrix. */
export interface PlacedItem {
  item: LayoutItem;
  matrix: number[];
  fontSize: number;
}

/** The box around all the lines. */
export function unionBox(lines: readonly LayoutLine[]): BoundingBox {
  const box = { x0: Number.POSITIVE_INFINITY, y0: Number.POSITIVE_INFINITY, x1: Number.NEGATIVE_INFINITY, y1: Number.NEGATIVE_INFINITY };
  for (const line of lines) {
    box.x0 = Math.min(box.x0, line.x0);
    box.y0 = Math.min(box.y0, line.y0);
    box.x1 = Math.max(box.x1, line.x1);
    box.y1 = Math.max(box.y1, line.y1);
  }
  return box;
}

/** The key with the largest count. */
export function mostCommon<T>(counts: Map<T, number>): T | undefined {
  let best: T | undefined;
  let bestCount = -1;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/** Coordinates are kept to 1/100 pt. */
export function roundCoordinate(value: number): number {
  return Math.round(value * 100) / 100;
}
