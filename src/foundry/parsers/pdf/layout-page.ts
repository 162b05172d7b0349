import type { LayoutBlock, LayoutFont, LayoutItem, LayoutLine, OpenBlock, PlacedItem, Run } from './layout-types.ts';
import { mostCommon, roundCoordinate } from './layout-types.ts';
import { groupBlocks } from './group-blocks.ts';
import { clusterLines, lineSegments } from './line-segments.ts';
import { orderBlocks } from './order-blocks.ts';
import { layoutRotated, layoutVertical } from './turned-text.ts';

export type { LayoutBlock, LayoutFont, LayoutItem, LayoutLine } from './layout-types.ts';

/** What layoutPage left out, for the parser's warnings. */
export interface LayoutStats {
  /** Characters dropped because their font maps glyphs to no Unicode (control codes come out). */
  unmappedCharacters: number;
}

// A font whose text is this much C0 control codes has no usable Unicode mapping: what little
// comes out as printable characters is noise from the same broken mapping.
const UNMAPPED_SHARE = 0.3;

/** Lays out one page's text items: runs → lines → segments → blocks, in reading order. */
export function layoutPage(items: readonly LayoutItem[], fonts: Record<string, LayoutFont>, viewportTransform: readonly number[], stats?: LayoutStats): LayoutBlock[] {
  const unmapped = unmappedFonts(items);
  const runs: Run[] = [];
  const vertical: PlacedItem[] = [];
  const rotated: PlacedItem[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index] as LayoutItem;
    if (item.str.length === 0) continue;
    if (unmapped.has(item.fontName)) {
      if (stats !== undefined) stats.unmappedCharacters += item.str.trim().length;
      continue;
    }
    const matrix = multiply(viewportTransform, item.transform);
    const scaleX = Math.hypot(matrix[0] ?? 0, matrix[1] ?? 0);
    const fontSize = Math.hypot(matrix[2] ?? 0, matrix[3] ?? 0);
    if (fontSize < 0.5 || !Number.isFinite(fontSize)) continue;
    const font = fonts[item.fontName] ?? {};
    if (item.str.trim().length === 0) {
      const previous = runs.at(-1);
      if (previous !== undefined) previous.spaceAfter = true;
      continue;
    }
    if (item.dir === 'ttb' || font.vertical === true) {
      vertical.push({ item, matrix, fontSize });
      continue;
    }
    const horizontal = (matrix[0] ?? 0) > 0 && Math.abs(matrix[1] ?? 0) <= 0.02 * scaleX && Math.abs(matrix[2] ?? 0) <= 0.02 * fontSize;
    if (!horizontal) {
      rotated.push({ item, matrix, fontSize });
      continue;
    }
    // Broken fonts report ascent 0 or NaN; a box must still have a height.
    const ascent = clamp(Number.isFinite(font.ascent) ? (font.ascent as number) : 0.85, 0.5, 1.05);
    const descent = clamp(Number.isFinite(font.descent) ? (font.descent as number) : -0.2, -0.4, 0);
    const x0 = matrix[4] ?? 0;
    const baseline = matrix[5] ?? 0;
    const width = item.width * Math.hypot(viewportTransform[0] ?? 1, viewportTransform[1] ?? 0);
    if (!Number.isFinite(x0) || !Number.isFinite(baseline) || !Number.isFinite(width)) continue;
    runs.push({
      text: item.str,
      x0,
      x1: x0 + width,
      top: baseline - fontSize * ascent,
      bottom: baseline - fontSize * descent,
      baseline,
      fontSize,
      fontName: item.fontName,
      monospace: font.fontFamily === 'monospace',
      rtl: item.dir === 'rtl',
      spaceAfter: /\s$/.test(item.str),
    });
  }
  const segments = lineSegments(clusterLines(runs));
  const blocks = orderBlocks(groupBlocks(segments)).map(toLayoutBlock);
  const verticalBlocks = layoutVertical(vertical);
  const rotatedBlocks = layoutRotated(rotated);
  // A page written mostly vertically reads its vertical columns first.
  const verticalChars = vertical.reduce((sum, entry) => sum + entry.item.str.length, 0);
  const horizontalChars = runs.reduce((sum, run) => sum + run.text.length, 0);
  return verticalChars > horizontalChars ? [...verticalBlocks, ...blocks, ...rotatedBlocks] : [...blocks, ...verticalBlocks, ...rotatedBlocks];
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function multiply(m1: readonly number[], m2: readonly number[]): number[] {
  const [a1 = 1, b1 = 0, c1 = 0, d1 = 1, e1 = 0, f1 = 0] = m1;
  const [a2 = 1, b2 = 0, c2 = 0, d2 = 1, e2 = 0, f2 = 0] = m2;
  return [a1 * a2 + c1 * b2, b1 * a2 + d1 * b2, a1 * c2 + c1 * d2, b1 * c2 + d1 * d2, a1 * e2 + c1 * f2 + e1, b1 * e2 + d1 * f2 + f1];
}
function unmappedFonts(items: readonly LayoutItem[]): Set<string> {
  const counts = new Map<string, { control: number; total: number }>();
  for (const item of items) {
    const entry = counts.get(item.fontName) ?? { control: 0, total: 0 };
    for (let index = 0; index < item.str.length; index++) {
      const code = item.str.charCodeAt(index);
      if (code === 0x20) continue;
      entry.total++;
      if (code < 0x20 || (code >= 0x7f && code < 0xa0)) entry.control++;
    }
    counts.set(item.fontName, entry);
  }
  const fonts = new Set<string>();
  for (const [name, entry] of counts) if (entry.total > 0 && entry.control >= entry.total * UNMAPPED_SHARE) fonts.add(name);
  return fonts;
}

function toLayoutBlock(block: OpenBlock): LayoutBlock {
  const sizes = new Map<number, number>();
  const fonts = new Map<string, number>();
  let rtl = 0;
  for (const line of block.lines) {
    sizes.set(line.fontSize, (sizes.get(line.fontSize) ?? 0) + line.text.length);
    fonts.set(line.fontName, (fonts.get(line.fontName) ?? 0) + line.text.length);
    if (line.rtl) rtl++;
  }
  const first = block.lines[0] as LayoutLine;
  return {
    lines: block.lines,
    bbox: { x0: roundCoordinate(block.x0), y0: roundCoordinate(block.y0), x1: roundCoordinate(block.x1), y1: roundCoordinate(block.y1) },
    fontSize: mostCommon(sizes) ?? first.fontSize,
    fontName: mostCommon(fonts) ?? first.fontName,
    monospace: block.lines.every((line) => line.monospace),
    table: block.table && block.lines.length >= 2,
    rtl: rtl > block.lines.length / 2,
    orientation: 'horizontal',
  };
}
