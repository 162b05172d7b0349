import type { LayoutFont, LayoutItem } from './layout-types.ts';
import type { PdfiumExports } from './load-pdfium.ts';

/** One page's text as pdf.js would hand it to layoutPage, built from PDFium's characters. */
export interface PdfiumPageText {
  items: LayoutItem[];
  styles: Record<string, LayoutFont>;
  /** pdf.js's viewport transform at scale 1: PDF user space → top-left page space. */
  viewportTransform: number[];
  width: number;
  height: number;
}

// A gap between two characters wider than this (a fraction of the font size) starts a new item,
// so the layout's own space and column rules (0.12 and 1.0 of the size) decide what it means.
const ITEM_GAP = 0.1;
// Characters drifting this far off the item's baseline (a fraction of the size) start a new item.
const BASELINE_DRIFT = 0.1;
const RTL_CHARACTER = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u;
const FIXED_PITCH = 1;

/** Per-thread scratch memory and the font styles seen so far, reused across pages of one document. */
export interface PdfiumReader {
  pdfium: PdfiumExports;
  /** 64 bytes of wasm memory for out-parameters. */
  scratch: number;
  fonts: Map<number, { name: string; style: LayoutFont }>;
}

interface OpenItem {
  chars: string[];
  font: number;
  size: number;
  /** Unit direction of the baseline and the character's up vector. */
  a: number;
  b: number;
  c: number;
  d: number;
  originX: number;
  originY: number;
  left: number;
  right: number;
  /** Where the next character would start, along the baseline. */
  end: number;
  rtlChars: number;
  backwards: boolean;
  /** Vertical writing: each character below the one before (PDFium does not say which fonts are vertical). */
  vertical: boolean;
  lastX: number;
  lastY: number;
}

/**
 * Reads one loaded page's characters and joins runs with the same font, size, direction and
 * baseline and no gap into pdf.js-shaped items, so layoutPage lays them out unchanged.
 */
export function readPdfiumPage(reader: PdfiumReader, page: number): PdfiumPageText {
  const { pdfium, scratch } = reader;
  const viewport = viewportOf(pdfium, page, scratch);
  const items: LayoutItem[] = [];
  const styles: Record<string, LayoutFont> = {};
  const textPage = pdfium.FPDFText_LoadPage(page);
  if (textPage === 0) return { items, styles, ...viewport };
  try {
    const count = pdfium.FPDFText_CountChars(textPage);
    let open: OpenItem | null = null;
    let lastObject = -1;
    let font = 0;
    let matrix = [1, 0, 0, 1];
    const close = (eol: boolean, space: boolean): void => {
      if (open === null) return;
      items.push(toItem(open, eol, space));
      open = null;
    };
    for (let index = 0; index < count; index++) {
      const code = pdfium.FPDFText_GetUnicode(textPage, index);
      if (pdfium.FPDFText_IsGenerated(textPage, index) !== 0) {
        // PDFium's own word and line breaks: the item ends here, as pdf.js's would.
        if (code === 0x0a) close(true, false);
        else if (code === 0x20) close(false, true);
        continue;
      }
      const object = pdfium.FPDFText_GetTextObject(textPage, index);
      if (object !== lastObject) {
        lastObject = object;
        font = object === 0 ? 0 : pdfium.FPDFTextObj_GetFont(object);
        matrix = charMatrix(pdfium, textPage, index, scratch);
        if (!styles[fontKey(font)]) styles[fontKey(font)] = fontStyle(reader, font).style;
      }
      const [ma = 1, mb = 0, mc = 0, md = 1] = matrix;
      const scaleX = Math.hypot(ma, mb) || 1;
      const scaleY = Math.hypot(mc, md) || 1;
      const size = pdfium.FPDFText_GetFontSize(textPage, index) * scaleY;
      pdfium.FPDFText_GetCharOrigin(textPage, index, scratch, scratch + 8);
      pdfium.FPDFText_GetLooseCharBox(textPage, index, scratch + 16);
      const memory = pdfium.memory.buffer;
      const origin = new Float64Array(memory, scratch, 2);
      const box = new Float32Array(memory, scratch + 16, 4); // left, top, right, bottom
      const x = origin[0] as number;
      const y = origin[1] as number;
      const a = ma / scaleX;
      const b = mb / scaleX;
      const left = box[0] as number;
      const right = box[2] as number;
      // The advance along the baseline: the loose box projected onto the baseline direction.
      const advance = Math.abs(a) * (right - left) + Math.abs(b) * Math.abs((box[1] as number) - (box[3] as number));
      // PDFium turns a hyphen it found at a line end into U+0002; the layout de-hyphenates itself.
      // (U+0002 from a font without a Unicode mapping stays, for the layout's unmapped-font rule.)
      const text = code === 0x02 && pdfium.FPDFText_IsHyphen(textPage, index) === 1 ? '-' : String.fromCodePoint(code);
      const rtl = RTL_CHARACTER.test(text);
      let current = open as OpenItem | null;
      if (current !== null) {
        const along = (x - current.originX) * current.a + (y - current.originY) * current.b;
        const across = (y - current.originY) * current.a - (x - current.originX) * current.b;
        const sameRun = current.font === font && Math.abs(current.size - size) <= 0.01 * size && Math.abs(current.a - a) < 0.01 && Math.abs(current.b - b) < 0.01 && Math.abs(across) <= BASELINE_DRIFT * size;
        // Right-to-left text may come in logical order, each character left of the one before.
        const backwardsStep = rtl && current.rtlChars === current.chars.length && Math.abs(x + advance * a - current.left) <= ITEM_GAP * size && (current.chars.length === 1 || current.backwards);
        const step = current.lastY - y;
        const verticalStep = current.font === font && Math.abs(current.size - size) <= 0.01 * size && Math.abs(x - current.lastX) <= 0.2 * size && step >= 0.3 * size && step <= 1.6 * size && (current.vertical || current.chars.length === 1);
        if (verticalStep) {
          current.vertical = true;
        } else if (current.vertical) {
          close(false, false);
          current = null;
        } else if (sameRun && backwardsStep) {
          current.backwards = true;
        } else if (!sameRun || current.backwards || Math.abs(along - current.end) > ITEM_GAP * size) {
          close(false, false);
          current = null;
        }
      }
      if (current === null) {
        current = { chars: [], font, size, a, b, c: mc / scaleY, d: md / scaleY, originX: x, originY: y, left, right, end: 0, rtlChars: 0, backwards: false, vertical: false, lastX: x, lastY: y };
        open = current;
      }
      current.chars.push(text);
      current.lastX = x;
      current.lastY = y;
      if (rtl) current.rtlChars++;
      if (current.vertical) continue;
      if (current.backwards) {
        current.left = Math.min(current.left, left);
      } else {
        current.end = (x - current.originX) * current.a + (y - current.originY) * current.b + advance;
        current.left = Math.min(current.left, left);
        current.right = Math.max(current.right, right);
      }
    }
    close(false, false);
  } finally {
    pdfium.FPDFText_ClosePage(textPage);
  }
  return { items, styles, ...viewport };

  function toItem(item: OpenItem, eol: boolean, space: boolean): LayoutItem {
    if (item.vertical) {
      return { str: item.chars.join('') + (space ? ' ' : ''), dir: 'ttb', width: item.size, transform: [item.size, 0, 0, item.size, item.originX, item.originY], fontName: fontKey(item.font), hasEOL: eol };
    }
    const rtl = item.rtlChars * 2 > item.chars.length;
    // Logical order for RTL: PDFium gives visual order when the producer drew left to right.
    const chars = rtl && !item.backwards ? item.chars.slice().reverse() : item.chars;
    let str = chars.join('');
    if (space) str += ' ';
    const horizontal = Math.abs(item.b) < 1e-3;
    let x = item.originX;
    let y = item.originY;
    let width = item.end;
    if (horizontal) {
      x = item.left;
      width = item.right - item.left;
    } else if (item.backwards) {
      width = Math.abs(item.end);
    }
    return {
      str,
      dir: rtl ? 'rtl' : 'ltr',
      width,
      transform: [item.a * item.size, item.b * item.size, item.c * item.size, item.d * item.size, x, y],
      fontName: fontKey(item.font),
      hasEOL: eol,
    };
  }
}

/** The style key pdf.js would use for a font: one per font handle. */
function fontKey(font: number): string {
  return `pdfium_f${font}`;
}

function charMatrix(pdfium: PdfiumExports, textPage: number, index: number, scratch: number): number[] {
  if (pdfium.FPDFText_GetMatrix(textPage, index, scratch + 32) === 0) return [1, 0, 0, 1];
  const matrix = new Float32Array(pdfium.memory.buffer, scratch + 32, 4);
  return [matrix[0] as number, matrix[1] as number, matrix[2] as number, matrix[3] as number];
}

function fontStyle(reader: PdfiumReader, font: number): { name: string; style: LayoutFont } {
  const known = reader.fonts.get(font);
  if (known !== undefined) return known;
  const { pdfium, scratch } = reader;
  let name = '';
  let style: LayoutFont = { vertical: false };
  if (font !== 0) {
    const length = pdfium.FPDFFont_GetBaseFontName(font, 0, 0);
    if (length > 1 && length < 512) {
      const buffer = pdfium.malloc(length);
      try {
        pdfium.FPDFFont_GetBaseFontName(font, buffer, length);
        name = new TextDecoder().decode(new Uint8Array(pdfium.memory.buffer, buffer, length - 1).slice());
      } finally {
        pdfium.free(buffer);
      }
    }
    const fixedPitch = (pdfium.FPDFFont_GetFlags(font) & FIXED_PITCH) !== 0 || /courier|mono|consol/i.test(name);
    const ascent = pdfium.FPDFFont_GetAscent(font, 1, scratch + 48) !== 0 ? new Float32Array(pdfium.memory.buffer, scratch + 48, 1)[0] : undefined;
    const descent = pdfium.FPDFFont_GetDescent(font, 1, scratch + 52) !== 0 ? new Float32Array(pdfium.memory.buffer, scratch + 52, 1)[0] : undefined;
    style = { fontFamily: fixedPitch ? 'monospace' : name.replace(/^[A-Z]{6}\+/, ''), vertical: false };
    if (ascent !== undefined) style.ascent = ascent;
    if (descent !== undefined) style.descent = descent;
  }
  const entry = { name, style };
  reader.fonts.set(font, entry);
  return entry;
}

/** pdf.js's PageViewport transform at scale 1 for the page's crop box and rotation. */
function viewportOf(pdfium: PdfiumExports, page: number, scratch: number): { viewportTransform: number[]; width: number; height: number } {
  const box = pageBox(pdfium, page, scratch);
  const rotation = ((pdfium.FPDFPage_GetRotation(page) % 4) + 4) % 4;
  const [rotateA, rotateB, rotateC, rotateD] = ([[1, 0, 0, -1], [0, 1, 1, 0], [-1, 0, 0, 1], [0, -1, -1, 0]][rotation] ?? [1, 0, 0, -1]) as [number, number, number, number];
  const [x0, y0, x1, y1] = box;
  const centerX = (x0 + x1) / 2;
  const centerY = (y0 + y1) / 2;
  let offsetX: number;
  let offsetY: number;
  let width: number;
  let height: number;
  if (rotateA === 0) {
    offsetX = Math.abs(centerY - y0);
    offsetY = Math.abs(centerX - x0);
    width = y1 - y0;
    height = x1 - x0;
  } else {
    offsetX = Math.abs(centerX - x0);
    offsetY = Math.abs(centerY - y0);
    width = x1 - x0;
    height = y1 - y0;
  }
  const viewportTransform = [rotateA, rotateB, rotateC, rotateD, offsetX - rotateA * centerX - rotateC * centerY, offsetY - rotateB * centerX - rotateD * centerY];
  return { viewportTransform, width, height };
}

/** The crop box clipped to the media box, normalised to [x0, y0, x1, y1], as pdf.js's `view`. */
function pageBox(pdfium: PdfiumExports, page: number, scratch: number): [number, number, number, number] {
  const read = (): [number, number, number, number] => {
    const values = new Float32Array(pdfium.memory.buffer, scratch, 4); // left, bottom, right, top
    const [left = 0, bottom = 0, right = 0, top = 0] = values;
    return [Math.min(left, right), Math.min(bottom, top), Math.max(left, right), Math.max(bottom, top)];
  };
  let media: [number, number, number, number] = [0, 0, pdfium.FPDF_GetPageWidthF(page), pdfium.FPDF_GetPageHeightF(page)];
  if (pdfium.FPDFPage_GetMediaBox(page, scratch, scratch + 4, scratch + 8, scratch + 12) !== 0) media = read();
  if (pdfium.FPDFPage_GetCropBox(page, scratch, scratch + 4, scratch + 8, scratch + 12) === 0) return media;
  const crop = read();
  const clipped: [number, number, number, number] = [Math.max(crop[0], media[0]), Math.max(crop[1], media[1]), Math.min(crop[2], media[2]), Math.min(crop[3], media[3])];
  return clipped[2] > clipped[0] && clipped[3] > clipped[1] ? clipped : media;
}
