import type { ElementInput } from '../../core/document-builder.ts';
import { tableText } from '../common/table-text.ts';
import { joinLines } from './join-lines.ts';
import type { LayoutBlock, LayoutLine } from './layout-page.ts';
import { mostCommon } from './layout-types.ts';

/** One page's laid-out blocks and its size in points. */
export interface PageLayout {
  page: number;
  width: number;
  height: number;
  blocks: LayoutBlock[];
}

// Tuned on the corpus: a heading is at least this much larger than the body text (ratio and points).
const HEADING_RATIO = 1.1;
const HEADING_MIN_DELTA = 1;
const TITLE_RATIO = 1.4;
/** Share of the page height at the top and bottom where running headers and footers live. */
const FURNITURE_ZONE = 0.12;
/** Share of the pages a header or footer must repeat on; in long documents three pages are enough (chapter footers). */
const FURNITURE_SHARE = 0.4;
const FURNITURE_PAGES = 3;

const BULLET = /^(?:[•◦▪▫‣⁃●○■□◆◇►▶✓✔➢➤∙]\s*|[*·–—-]\s+)/;
const ENUMERATOR = /^\(?(?:\d{1,3}|[a-z]|[ivxlcdm]{1,6})[.)]\s+/;
const NUMBERED_HEADING = /^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+\p{Lu}/u;
const CAPTION = /^(?:figure|fig\.|table|tab\.|listing|chart|abbildung|tabelle|图|表)\s*[\dIVX]+(?:[-.–]\d+)*[.:\s]/iu;
const PAGE_NUMBER = /^(?:page\s+|p\.\s*|-\s*)?(?:\d{1,4}|[ivxlcdm]{1,6}|\d{1,3}[-–]\d{1,4})(?:\s*(?:of|\/|von|de)\s*\d{1,4})?(?:\s*-)?$/i;
const FOOTNOTE_START = /^(?:\d{1,3}|[*†‡§¶])\s*\S/;
// Ligatures and Arabic presentation forms: NFKC maps them to the letters people search for.
const COMPATIBILITY_FORMS = /[\ufb00-\ufb4f\ufb50-\ufdff\ufe70-\ufeff]/;

/** Turns laid-out pages into elements: furniture, titles, headings, lists, tables, captions, footnotes. */
export function classifyBlocks(laidOut: readonly PageLayout[]): ElementInput[] {
  const pages = laidOut.map(splitRunInHeadings);
  const documentBody = bodyFontSize(pages.flatMap((page) => page.blocks));
  const furniture = detectFurniture(pages);
  const headingLevels = headingSizes(pages, documentBody);
  const headingFonts = headingFontNames(pages);
  const deepestLevel = Math.min(6, Math.max(0, ...headingLevels.values()) + 1);
  // The title is the one block on page 1 set in the largest size; a size that recurs is a heading level.
  const titleSize = Math.max(0, ...(pages[0]?.blocks ?? []).map((block) => block.fontSize));
  const titleSizeUses = pages.reduce((sum, page) => sum + page.blocks.filter((block) => block.fontSize >= titleSize).length, 0);
  let titleFound = titleSizeUses !== 1;
  const bodyFont = bodyFontName(pages);
  // Failing a larger size, a first line on page 1 set apart in its own font (bold at body size) is the title.
  const firstBlock = pages[0]?.blocks.find((block) => block.orientation === 'horizontal');
  const fontTitle = titleFound && firstBlock !== undefined && pages[0]?.page === 1 && firstBlock.lines.length <= 2 && firstBlock.fontName !== bodyFont && isHeadingLike(blockText(firstBlock)) ? firstBlock : null;
  const elements: ElementInput[] = [];
  for (const page of pages) {
    const pageBody = bodyFontSize(page.blocks, documentBody);
    let listRun: { x0: number; stops: number[] } | null = null;
    for (const block of page.blocks) {
      const bbox = block.bbox;
      const base = { page: page.page, bbox };
      const furnitureKind = furniture.get(block);
      if (furnitureKind !== undefined) {
        elements.push({ ...base, kind: furnitureKind, text: blockText(block) });
        continue;
      }
      if (block.table) {
        const rows = block.lines.map((line) => (line.cells ?? [line.text]).map(normalizeText));
        elements.push({ ...base, kind: 'table', text: tableText(rows), attributes: { cells: rows, rows: rows.length, columns: Math.max(...rows.map((row) => row.length)) } });
        listRun = null;
        continue;
      }
      const text = blockText(block);
      if (block.monospace && block.orientation === 'horizontal' && (block.lines.length >= 2 || /[{}();=<>]/.test(text))) {
        elements.push({ ...base, kind: 'code', text: block.lines.map((line) => normalizeText(line.text)).join('\n') });
        listRun = null;
        continue;
      }
      if (CAPTION.test(text) && text.length < 600) {
        elements.push({ ...base, kind: 'caption', text });
        listRun = null;
        continue;
      }
      if (block === fontTitle) {
        elements.push({ ...base, kind: 'title', text });
        continue;
      }
      const short = text.length <= 200 && block.lines.length <= 3;
      if (!titleFound && page.page === 1 && short && block.fontSize === titleSize && block.fontSize >= documentBody * TITLE_RATIO && bbox.y0 < page.height * 0.5) {
        elements.push({ ...base, kind: 'title', text });
        titleFound = true;
        listRun = null;
        continue;
      }
      const sizeLevel = headingLevels.get(roundSize(block.fontSize));
      if (short && sizeLevel !== undefined && block.fontSize >= pageBody * HEADING_RATIO && !/[.,;]$/.test(text)) {
        elements.push({ ...base, kind: 'heading', text, level: sizeLevel });
        listRun = null;
        continue;
      }
      const numbered = NUMBERED_HEADING.exec(text);
      if (numbered !== null && block.lines.length === 1 && text.length <= 100 && !/[.:;,]$/.test(text) && (block.fontName !== bodyFont || block.fontSize > pageBody * 1.05)) {
        elements.push({ ...base, kind: 'heading', text, level: Math.min(6, (numbered[1]?.split('.').length ?? 1) + 1) });
        listRun = null;
        continue;
      }
      // A short line in a font used for little else than short lines (bold run-in headings at body size).
      if (block.lines.length === 1 && headingFonts.has(block.fontName) && isHeadingLike(text) && block.fontSize >= pageBody * 0.95) {
        elements.push({ ...base, kind: 'heading', text, level: deepestLevel });
        listRun = null;
        continue;
      }
      const bullet = BULLET.exec(text);
      const enumerator = bullet === null ? ENUMERATOR.exec(text) : null;
      if ((bullet !== null && text.length > bullet[0].length) || enumerator !== null) {
        if (listRun === null) listRun = { x0: bbox.x0, stops: [bbox.x0] };
        if (!listRun.stops.some((stop) => Math.abs(stop - bbox.x0) < 6)) listRun.stops.push(bbox.x0);
        listRun.stops.sort((left, right) => left - right);
        const level = Math.min(6, listRun.stops.findIndex((stop) => Math.abs(stop - bbox.x0) < 6) + 1);
        const marker = (bullet ?? enumerator)?.[0].trim() ?? '';
        const itemText = bullet !== null ? text.slice(bullet[0].length) : text;
        elements.push({ ...base, kind: 'list-item', text: itemText, level: Math.max(1, level), attributes: { marker } });
        continue;
      }
      listRun = null;
      if (block.fontSize <= pageBody * 0.9 && bbox.y0 > page.height * 0.7 && FOOTNOTE_START.test(text)) {
        elements.push({ ...base, kind: 'footnote', text });
        continue;
      }
      elements.push({ ...base, kind: 'paragraph', text });
    }
  }
  return elements;
}

/** The text of a block, lines joined (de-hyphenated), compatibility forms folded. */
export function blockText(block: LayoutBlock): string {
  return normalizeText(joinLines(block.lines.map((line) => (line.cells === undefined ? line.text : line.cells.join(' ')))));
}

function normalizeText(text: string): string {
  return COMPATIBILITY_FORMS.test(text) ? text.normalize('NFKC') : text;
}

function roundSize(size: number): number {
  return Math.round(size * 2) / 2;
}

/** The font size most characters are set in (the body text), optionally falling back when the sample is small. */
function bodyFontSize(blocks: readonly LayoutBlock[], fallback?: number): number {
  const counts = new Map<number, number>();
  let total = 0;
  for (const block of blocks) {
    if (block.orientation !== 'horizontal') continue;
    for (const line of block.lines) {
      const size = roundSize(line.fontSize);
      counts.set(size, (counts.get(size) ?? 0) + line.text.length);
      total += line.text.length;
    }
  }
  if (fallback !== undefined && total < 200) return fallback;
  return mostCommon(counts) ?? fallback ?? 10;
}

/** The font most characters are set in. */
function bodyFontName(pages: readonly PageLayout[]): string {
  const counts = new Map<string, number>();
  for (const page of pages) for (const block of page.blocks) for (const line of block.lines) counts.set(line.fontName, (counts.get(line.fontName) ?? 0) + line.text.length);
  return [...counts].sort((left, right) => right[1] - left[1])[0]?.[0] ?? '';
}

/**
 * A paragraph that opens with a line in another font that reads like a heading ("Boots
 * Self-Locking Nut" in bold, then the text) is a run-in heading: it becomes a block of its own.
 */
function splitRunInHeadings(page: PageLayout): PageLayout {
  const blocks: LayoutBlock[] = [];
  for (const block of page.blocks) {
    const [first, ...rest] = block.lines;
    if (first === undefined || rest.length === 0 || block.table || block.orientation !== 'horizontal') {
      blocks.push(block);
      continue;
    }
    const restFont = dominantFont(rest);
    const width = block.bbox.x1 - block.bbox.x0;
    if (first.fontName === restFont || first.cells !== undefined || !isHeadingLike(first.text) || first.x1 - first.x0 > 0.8 * width || first.fontSize < 0.95 * (rest[0]?.fontSize ?? first.fontSize)) {
      blocks.push(block);
      continue;
    }
    blocks.push(blockOf(block, [first]), blockOf(block, rest));
  }
  return { ...page, blocks };
}

function dominantFont(lines: readonly LayoutLine[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line.fontName, (counts.get(line.fontName) ?? 0) + line.text.length);
  return [...counts].sort((left, right) => right[1] - left[1])[0]?.[0] ?? '';
}

function blockOf(template: LayoutBlock, lines: LayoutLine[]): LayoutBlock {
  const first = lines[0] as LayoutLine;
  const bbox = { x0: first.x0, y0: first.y0, x1: first.x1, y1: first.y1 };
  for (const line of lines) {
    bbox.x0 = Math.min(bbox.x0, line.x0);
    bbox.y0 = Math.min(bbox.y0, line.y0);
    bbox.x1 = Math.max(bbox.x1, line.x1);
    bbox.y1 = Math.max(bbox.y1, line.y1);
  }
  const round = (value: number) => Math.round(value * 100) / 100;
  return { ...template, lines, bbox: { x0: round(bbox.x0), y0: round(bbox.y0), x1: round(bbox.x1), y1: round(bbox.y1) }, fontSize: first.fontSize, fontName: dominantFont(lines) };
}

/** Heading font sizes in the document, largest first → level 1, 2, … (at most 6). */
function headingSizes(pages: readonly PageLayout[], body: number): Map<number, number> {
  const sizes = new Set<number>();
  for (const page of pages) {
    for (const block of page.blocks) {
      if (block.orientation !== 'horizontal' || block.table) continue;
      if (block.fontSize >= body * HEADING_RATIO && block.fontSize - body >= HEADING_MIN_DELTA && block.lines.length <= 3) sizes.add(roundSize(block.fontSize));
    }
  }
  // Sizes within a point of each other are one level (a 13.9 and a 14 pt heading are the same style).
  const levels = new Map<number, number>();
  let level = 0;
  let previous = Number.POSITIVE_INFINITY;
  for (const size of [...sizes].sort((left, right) => right - left)) {
    if (previous - size > 1) level = Math.min(6, level + 1);
    levels.set(size, level);
    previous = size;
  }
  return levels;
}

function isHeadingLike(text: string): boolean {
  return text.length >= 3 && text.length <= 100 && /^[\p{Lu}\p{Lo}\d]/u.test(text) && !/[.,;:!?]$/.test(text) && /\p{L}{2}/u.test(text);
}

/**
 * Fonts other than the body font whose blocks are almost all heading-like single lines — how a
 * bold heading at body size shows when pdf.js reports no weight. Tuned on the corpus: 80 % of at
 * least two blocks, and under a tenth of the document's characters.
 */
function headingFontNames(pages: readonly PageLayout[]): Set<string> {
  const stats = new Map<string, { blocks: number; headingLike: number; chars: number }>();
  let total = 0;
  for (const page of pages) {
    for (const block of page.blocks) {
      if (block.orientation !== 'horizontal' || block.table) continue;
      const text = blockText(block);
      // Captions and page numbers often share the heading font; they are classified before headings anyway.
      if (CAPTION.test(text) || PAGE_NUMBER.test(text)) continue;
      const entry = stats.get(block.fontName) ?? { blocks: 0, headingLike: 0, chars: 0 };
      entry.blocks++;
      if (block.lines.length === 1 && isHeadingLike(text)) entry.headingLike++;
      entry.chars += text.length;
      total += text.length;
      stats.set(block.fontName, entry);
    }
  }
  const body = [...stats].sort((left, right) => right[1].chars - left[1].chars)[0]?.[0];
  const fonts = new Set<string>();
  for (const [name, entry] of stats) {
    if (name !== body && entry.blocks >= 2 && entry.headingLike >= entry.blocks * 0.8 && entry.chars < total * 0.1) fonts.add(name);
  }
  return fonts;
}

/**
 * Running headers and footers: short blocks near the top or bottom edge whose text (digits
 * ignored, so page numbers match) recurs on enough pages; a lone page number counts on any page.
 */
export function detectFurniture(pages: readonly PageLayout[]): Map<LayoutBlock, 'page-header' | 'page-footer'> {
  const found = new Map<LayoutBlock, 'page-header' | 'page-footer'>();
  const candidates: { block: LayoutBlock; zone: 'page-header' | 'page-footer'; key: string; page: number }[] = [];
  for (const page of pages) {
    for (const block of page.blocks) {
      if (block.lines.length > 3) continue;
      const zone = block.bbox.y1 <= page.height * FURNITURE_ZONE ? 'page-header' : block.bbox.y0 >= page.height * (1 - FURNITURE_ZONE) ? 'page-footer' : null;
      if (zone === null) continue;
      const text = blockText(block);
      if (PAGE_NUMBER.test(text.trim())) {
        found.set(block, zone);
        continue;
      }
      const key = `${zone}:${text.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim()}`;
      candidates.push({ block, zone, key, page: page.page });
    }
  }
  if (pages.length < 2) return found;
  const pagesByKey = new Map<string, Set<number>>();
  for (const candidate of candidates) {
    const set = pagesByKey.get(candidate.key) ?? new Set<number>();
    set.add(candidate.page);
    pagesByKey.set(candidate.key, set);
  }
  const needed = Math.max(2, Math.min(FURNITURE_PAGES, Math.ceil(pages.length * FURNITURE_SHARE)));
  for (const candidate of candidates) {
    if ((pagesByKey.get(candidate.key)?.size ?? 0) >= needed) found.set(candidate.block, candidate.zone);
  }
  return found;
}
