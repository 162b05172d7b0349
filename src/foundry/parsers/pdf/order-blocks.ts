import type { OpenBlock } from './layout-types.ts';

/** A column gutter must be at least this wide, in points. */
const MIN_GUTTER = 4;

/** Orders blocks by recursive XY-cut, iteratively: columns (gutters) first, then horizontal bands. */
export function orderBlocks(blocks: OpenBlock[]): OpenBlock[] {
  const rtlLines = blocks.reduce((sum, block) => sum + block.lines.filter((line) => line.rtl).length, 0);
  const totalLines = blocks.reduce((sum, block) => sum + block.lines.length, 0);
  const rtlPage = rtlLines > totalLines / 2;
  const ordered: OpenBlock[] = [];
  const stack: OpenBlock[][] = [blocks];
  while (stack.length > 0) {
    const group = stack.pop() as OpenBlock[];
    if (group.length <= 1) {
      ordered.push(...group);
      continue;
    }
    const columns = splitColumns(group);
    if (columns.length > 1) {
      if (rtlPage) columns.reverse();
      for (let index = columns.length - 1; index >= 0; index--) stack.push(columns[index] as OpenBlock[]);
      continue;
    }
    const bands = mergeAlignedBands(splitBands(group));
    if (bands.length > 1) {
      for (let index = bands.length - 1; index >= 0; index--) stack.push(bands[index] as OpenBlock[]);
      continue;
    }
    ordered.push(...group.sort((left, right) => left.y0 - right.y0 || (rtlPage ? right.x1 - left.x1 : left.x0 - right.x0)));
  }
  return ordered;
}

function splitColumns(group: OpenBlock[]): OpenBlock[][] {
  const sorted = [...group].sort((left, right) => left.x0 - right.x0);
  const columns: OpenBlock[][] = [];
  let current: OpenBlock[] = [];
  let right = Number.NEGATIVE_INFINITY;
  for (const block of sorted) {
    if (current.length > 0 && block.x0 - right >= MIN_GUTTER) {
      columns.push(current);
      current = [];
    }
    current.push(block);
    right = Math.max(right, block.x1);
  }
  columns.push(current);
  return columns;
}

function splitBands(group: OpenBlock[]): OpenBlock[][] {
  const sorted = [...group].sort((left, right) => left.y0 - right.y0);
  const bands: OpenBlock[][] = [];
  let current: OpenBlock[] = [];
  let bottom = Number.NEGATIVE_INFINITY;
  for (const block of sorted) {
    // Boxes from estimated ascents overlap by a point or so where lines merely touch.
    if (current.length > 0 && block.y0 - bottom > -1) {
      bands.push(current);
      current = [];
    }
    current.push(block);
    bottom = Math.max(bottom, block.y1);
  }
  bands.push(current);
  return bands;
}

/** Two bands that share a gutter are one multi-column region cut by aligned paragraph gaps: rejoin them. */
function mergeAlignedBands(bands: OpenBlock[][]): OpenBlock[][] {
  const merged: OpenBlock[][] = [];
  for (const band of bands) {
    const previous = merged.at(-1);
    if (previous !== undefined && sharesGutter(previous, band)) previous.push(...band);
    else merged.push([...band]);
  }
  return merged;
}

function sharesGutter(upper: OpenBlock[], lower: OpenBlock[]): boolean {
  const upperGutters = gutters(upper);
  if (upperGutters.length === 0) return false;
  const lowerGutters = gutters(lower);
  return upperGutters.some(([start, end]) => lowerGutters.some(([otherStart, otherEnd]) => Math.min(end, otherEnd) - Math.max(start, otherStart) >= MIN_GUTTER));
}

function gutters(group: OpenBlock[]): [number, number][] {
  const sorted = [...group].sort((left, right) => left.x0 - right.x0);
  const found: [number, number][] = [];
  let right = Number.NEGATIVE_INFINITY;
  for (const block of sorted) {
    if (right > Number.NEGATIVE_INFINITY && block.x0 - right >= MIN_GUTTER) found.push([right, block.x0]);
    right = Math.max(right, block.x1);
  }
  return found;
}
