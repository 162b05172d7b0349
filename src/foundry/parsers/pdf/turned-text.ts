import type { BoundingBox } from '../../core/parsed-document.ts';
import type { LayoutBlock, LayoutLine, PlacedItem } from './layout-types.ts';
import { roundCoordinate, unionBox } from './layout-types.ts';

/** Vertical writing: columns right to left, characters top to bottom; adjacent columns form one block. */
export function layoutVertical(entries: PlacedItem[]): LayoutBlock[] {
  if (entries.length === 0) return [];
  const columns: { x: number; fontSize: number; parts: { y: number; text: string; height: number }[] }[] = [];
  for (const { item, matrix, fontSize } of entries) {
    const x = matrix[4] ?? 0;
    const y = matrix[5] ?? 0;
    let column = columns.find((candidate) => Math.abs(candidate.x - x) < 0.5 * fontSize);
    if (column === undefined) {
      column = { x, fontSize, parts: [] };
      columns.push(column);
    }
    column.parts.push({ y, text: item.str, height: Math.abs(item.width) > 0 ? fontSize * item.str.length : fontSize });
  }
  columns.sort((left, right) => right.x - left.x);
  const blocks: LayoutBlock[] = [];
  let current: LayoutLine[] = [];
  const flush = (): void => {
    if (current.length === 0) return;
    const { x0, y0, x1, y1 } = unionBox(current);
    const first = current[0] as LayoutLine;
    blocks.push({ lines: current, bbox: { x0: roundCoordinate(x0), y0: roundCoordinate(y0), x1: roundCoordinate(x1), y1: roundCoordinate(y1) }, fontSize: first.fontSize, fontName: first.fontName, monospace: false, table: false, rtl: false, orientation: 'vertical' });
    current = [];
  };
  let previousX = Number.POSITIVE_INFINITY;
  for (const column of columns) {
    column.parts.sort((left, right) => left.y - right.y);
    const text = column.parts.map((part) => part.text).join('');
    if (previousX - column.x > 2.5 * column.fontSize) flush();
    let top = Number.POSITIVE_INFINITY;
    let bottom = Number.NEGATIVE_INFINITY;
    for (const part of column.parts) {
      top = Math.min(top, part.y);
      bottom = Math.max(bottom, part.y + part.height);
    }
    current.push({ text, x0: column.x - column.fontSize / 2, x1: column.x + column.fontSize / 2, y0: top, y1: bottom, baseline: column.x, fontSize: column.fontSize, fontName: entries[0]?.item.fontName ?? '', monospace: false, rtl: false });
    previousX = column.x;
  }
  flush();
  return blocks;
}

/** Rotated text (margin stamps, turned table headers): kept in content-stream order, one line per run of items. */
export function layoutRotated(entries: PlacedItem[]): LayoutBlock[] {
  const blocks: LayoutBlock[] = [];
  let parts: string[] = [];
  let box: BoundingBox | null = null;
  let fontSize = 0;
  let fontName = '';
  const flush = (): void => {
    if (parts.length > 0 && box !== null) {
      const text = parts.join('').replace(/\s+/g, ' ').trim();
      if (text.length > 0) {
        const line: LayoutLine = { text, x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1, baseline: box.y1, fontSize, fontName, monospace: false, rtl: false };
        blocks.push({ lines: [line], bbox: { x0: roundCoordinate(box.x0), y0: roundCoordinate(box.y0), x1: roundCoordinate(box.x1), y1: roundCoordinate(box.y1) }, fontSize, fontName, monospace: false, table: false, rtl: false, orientation: 'rotated' });
      }
    }
    parts = [];
    box = null;
  };
  for (const { item, matrix, fontSize: size } of entries) {
    const x = matrix[4] ?? 0;
    const y = matrix[5] ?? 0;
    const scale = Math.hypot(matrix[0] ?? 0, matrix[1] ?? 0) || 1;
    const endX = x + ((matrix[0] ?? 0) / scale) * item.width;
    const endY = y + ((matrix[1] ?? 0) / scale) * item.width;
    const itemBox = { x0: Math.min(x, endX) - size, y0: Math.min(y, endY) - size, x1: Math.max(x, endX) + size, y1: Math.max(y, endY) + size };
    if (box !== null) {
      const near = itemBox.x0 <= box.x1 + 2 * size && itemBox.x1 >= box.x0 - 2 * size && itemBox.y0 <= box.y1 + 2 * size && itemBox.y1 >= box.y0 - 2 * size;
      if (!near) flush();
    }
    if (box === null) {
      box = { ...itemBox };
      fontSize = size;
      fontName = item.fontName;
    } else {
      const current: BoundingBox = box;
      box = { x0: Math.min(current.x0, itemBox.x0), y0: Math.min(current.y0, itemBox.y0), x1: Math.max(current.x1, itemBox.x1), y1: Math.max(current.y1, itemBox.y1) };
      if (parts.length > 0 && !/\s$/.test(parts.at(-1) ?? '')) parts.push(' ');
    }
    parts.push(item.str);
    if (item.hasEOL === true) parts.push(' ');
  }
  flush();
  return blocks;
}
