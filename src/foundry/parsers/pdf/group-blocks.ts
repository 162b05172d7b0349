import type { LayoutLine, OpenBlock, Segment } from './layout-types.ts';
import { LIST_MARKER } from './line-segments.ts';

/** Consecutive lines further apart than this (baseline to baseline, in font sizes) are separate blocks; tuned on the corpus. */
const MAX_LINE_SPACING = 1.75;

/** Stacks segments into blocks: similar font, overlapping columns, regular line spacing. */
export function groupBlocks(segments: Segment[]): OpenBlock[] {
  segments.sort((left, right) => left.line.y0 - right.line.y0 || left.line.x0 - right.line.x0);
  const blocks: OpenBlock[] = [];
  for (const { line } of segments) {
    let best: OpenBlock | null = null;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let index = blocks.length - 1; index >= 0 && index >= blocks.length - 40; index--) {
      const block = blocks[index] as OpenBlock;
      const last = block.lines.at(-1) as LayoutLine;
      if (continues(block, last, line)) {
        const distance = line.baseline - last.baseline;
        if (distance < bestDistance) {
          best = block;
          bestDistance = distance;
        }
      }
    }
    if (best === null) {
      blocks.push({ lines: [line], x0: line.x0, x1: line.x1, y0: line.y0, y1: line.y1, spacing: 0, table: line.cells !== undefined });
    } else {
      const last = best.lines.at(-1) as LayoutLine;
      best.spacing = best.lines.length === 1 ? line.baseline - last.baseline : Math.min(best.spacing, line.baseline - last.baseline);
      best.lines.push(line);
      best.x0 = Math.min(best.x0, line.x0);
      best.x1 = Math.max(best.x1, line.x1);
      best.y0 = Math.min(best.y0, line.y0);
      best.y1 = Math.max(best.y1, line.y1);
    }
  }
  return blocks;
}

function continues(block: OpenBlock, last: LayoutLine, line: LayoutLine): boolean {
  if ((line.cells !== undefined) !== block.table) return false;
  if (line.monospace !== last.monospace) return false;
  const fontSize = Math.max(line.fontSize, last.fontSize);
  const distance = line.baseline - last.baseline;
  if (distance < 0.3 * fontSize) return false;
  if (block.table) {
    if (distance > 2.5 * fontSize) return false;
    return Math.min(line.x1, block.x1) - Math.max(line.x0, block.x0) > 0.5 * Math.min(line.x1 - line.x0, block.x1 - block.x0);
  }
  if (Math.abs(line.fontSize - last.fontSize) > 0.15 * fontSize) return false;
  if (distance > MAX_LINE_SPACING * fontSize) return false;
  if (block.lines.length >= 2 && distance > block.spacing * 1.3 + 1) return false;
  if (Math.min(line.x1, block.x1) - Math.max(line.x0, block.x0) <= 0) return false;
  const firstWord = line.text.split(' ', 1)[0] ?? '';
  if (LIST_MARKER.test(firstWord) && line.text.length > firstWord.length) return false;
  if (/^[•◦▪‣●○■□◆►▶✓✔➢➤∙]/.test(line.text)) return false;
  // A paragraph ends with a short, punctuated line; the next starts a new one.
  const width = block.x1 - block.x0;
  const short = last.rtl ? last.x0 > block.x0 + 0.15 * width : last.x1 < block.x1 - 0.15 * width;
  if (block.lines.length >= 2 && short && /[.!?:。」]$/.test(last.text) && /^[\p{Lu}\p{Lo}\d"“'(]/u.test(line.text)) return false;
  // First-line indent after a full line.
  if (!line.rtl && block.lines.length >= 2 && line.x0 > block.x0 + 0.8 * line.fontSize && last.x0 <= block.x0 + 0.3 * line.fontSize && line.x1 >= block.x1 - 2 * line.fontSize) return false;
  return true;
}
