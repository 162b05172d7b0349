import { PageSizes, PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import type { Color, PDFFont, PDFPage } from 'pdf-lib';
import { COMPANY } from './content/company.ts';
import type { DocumentBlock, DocumentContent, TableColumn } from './content/document-content.ts';

const [PAGE_WIDTH, PAGE_HEIGHT] = PageSizes.A4;
const MARGIN = { left: 62, right: 62, top: 84, bottom: 72 };
const TEXT_WIDTH = PAGE_WIDTH - MARGIN.left - MARGIN.right;
const BODY = { size: 10, leading: 14.5 };
const TABLE = { size: 9.5, leading: 13, padX: 5, padY: 4 };
/** Height of the coloured band across the top of page 1. */
const BAND_HEIGHT = 58;
/** Indent of list text, so the numbers and bullets hang in the margin of the text block. */
const LIST_INDENT = 20;

const COLORS = {
  text: rgb(0.13, 0.13, 0.15),
  accent: rgb(0.04, 0.24, 0.42),
  muted: rgb(0.42, 0.45, 0.5),
  rule: rgb(0.74, 0.77, 0.81),
  tableHead: rgb(0.9, 0.93, 0.96),
  callout: rgb(0.99, 0.95, 0.88),
  calloutBar: rgb(0.85, 0.45, 0.05),
  white: rgb(1, 1, 1),
};

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

/** Lays out a document on A4 pages with pdf-lib's standard fonts and returns the PDF bytes. */
export async function createPdf(content: DocumentContent): Promise<Uint8Array> {
  // updateMetadata: false, then every field set by hand: pdf-lib would otherwise stamp the clock time.
  const document = await PDFDocument.create({ updateMetadata: false });
  document.setTitle(content.title, { showInWindowTitleBar: true });
  document.setAuthor(content.author);
  document.setSubject(content.subject);
  document.setKeywords([...content.keywords]);
  document.setCreator('fabrik sample documents');
  document.setProducer('pdf-lib');
  document.setLanguage(content.language);
  document.setCreationDate(content.issued);
  document.setModificationDate(content.issued);

  const fonts: Fonts = {
    regular: await document.embedFont(StandardFonts.Helvetica),
    bold: await document.embedFont(StandardFonts.HelveticaBold),
  };
  const layout = new PageLayout(document, fonts);
  layout.drawTitleBlock(content);
  for (const block of content.blocks) layout.drawBlock(block);
  layout.drawHeadersAndFooters(content);
  return document.save();
}

/** Breaks text into lines no wider than `width`, measured with the font's metrics. */
export function wrapText(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part.length > 0)) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (font.widthOfTextAtSize(candidate, size) <= width) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    line = word;
    // A word wider than the line (a long part number in a narrow column) is broken by characters.
    while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
      let cut = line.length - 1;
      while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut -= 1;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A cursor that flows blocks down the page and starts a new page when one is full. */
class PageLayout {
  readonly #document: PDFDocument;
  readonly #fonts: Fonts;
  #page: PDFPage;
  /** Distance from the page bottom to the top of the space not yet used. */
  #cursor: number;

  constructor(document: PDFDocument, fonts: Fonts) {
    this.#document = document;
    this.#fonts = fonts;
    this.#page = document.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.#cursor = PAGE_HEIGHT - BAND_HEIGHT - 40;
  }

  drawTitleBlock(content: DocumentContent): void {
    const { bold, regular } = this.#fonts;
    this.#page.drawRectangle({ x: 0, y: PAGE_HEIGHT - BAND_HEIGHT, width: PAGE_WIDTH, height: BAND_HEIGHT, color: COLORS.accent });
    this.#page.drawText('NORDWIND PUMPS', { x: MARGIN.left, y: PAGE_HEIGHT - 36, size: 15, font: bold, color: COLORS.white });
    const tagline = `${COMPANY.city} · Industrial centrifugal pumps`;
    const taglineWidth = regular.widthOfTextAtSize(tagline, 9);
    this.#page.drawText(tagline, { x: PAGE_WIDTH - MARGIN.right - taglineWidth, y: PAGE_HEIGHT - 35, size: 9, font: regular, color: COLORS.white });

    this.#lines(wrapText(content.title, bold, 24, TEXT_WIDTH), MARGIN.left, bold, 24, 29, COLORS.accent);
    this.#cursor -= 4;
    this.#lines(wrapText(content.subtitle, regular, 12.5, TEXT_WIDTH), MARGIN.left, regular, 12.5, 17, COLORS.text);
    this.#cursor -= 6;
    this.#lines([`${content.reference} · ${COMPANY.name}`], MARGIN.left, regular, 9, 13, COLORS.muted);
    this.#cursor -= 6;
    this.#rule(this.#cursor, 1, COLORS.accent);
    this.#cursor -= 18;
  }

  drawBlock(block: DocumentBlock): void {
    const { bold, regular } = this.#fonts;
    switch (block.kind) {
      case 'heading': {
        const size = block.level === 1 ? 14 : 11.5;
        const leading = block.level === 1 ? 20 : 16;
        this.#gap(block.level === 1 ? 12 : 6);
        // Keep a heading with the first lines of what follows it.
        this.#ensure(leading + 3 * BODY.leading);
        this.#lines(wrapText(block.text, bold, size, TEXT_WIDTH), MARGIN.left, bold, size, leading, COLORS.accent);
        this.#cursor -= 2;
        return;
      }
      case 'paragraph':
        this.#lines(wrapText(block.text, regular, BODY.size, TEXT_WIDTH), MARGIN.left, regular, BODY.size, BODY.leading, COLORS.text);
        this.#cursor -= 7;
        return;
      case 'steps':
      case 'bullets':
        block.items.forEach((item, index) => {
          const marker = block.kind === 'steps' ? `${index + 1}.` : '•';
          this.#listItem(marker, block.kind === 'steps' ? bold : regular, item);
        });
        this.#cursor -= 5;
        return;
      case 'callout':
        this.#callout(block.label, block.text);
        return;
      case 'table':
        this.#table(block.columns, block.rows);
        return;
    }
  }

  /** Draws the running header (from page 2; page 1 has its title block) and the page-number footer. */
  drawHeadersAndFooters(content: DocumentContent): void {
    const { regular } = this.#fonts;
    const pages = this.#document.getPages();
    pages.forEach((page, index) => {
      if (index > 0) {
        page.drawText(`${COMPANY.name} · ${content.shortTitle}`, { x: MARGIN.left, y: PAGE_HEIGHT - 44, size: 8.5, font: regular, color: COLORS.muted });
        const width = regular.widthOfTextAtSize(content.reference, 8.5);
        page.drawText(content.reference, { x: PAGE_WIDTH - MARGIN.right - width, y: PAGE_HEIGHT - 44, size: 8.5, font: regular, color: COLORS.muted });
        page.drawLine({ start: { x: MARGIN.left, y: PAGE_HEIGHT - 51 }, end: { x: PAGE_WIDTH - MARGIN.right, y: PAGE_HEIGHT - 51 }, thickness: 0.5, color: COLORS.rule });
      }
      page.drawLine({ start: { x: MARGIN.left, y: 50 }, end: { x: PAGE_WIDTH - MARGIN.right, y: 50 }, thickness: 0.5, color: COLORS.rule });
      page.drawText(`© ${content.issued.getUTCFullYear()} ${COMPANY.name}`, { x: MARGIN.left, y: 38, size: 8.5, font: regular, color: COLORS.muted });
      const number = `Page ${index + 1} of ${pages.length}`;
      const width = regular.widthOfTextAtSize(number, 8.5);
      page.drawText(number, { x: PAGE_WIDTH - MARGIN.right - width, y: 38, size: 8.5, font: regular, color: COLORS.muted });
    });
  }

  #newPage(): void {
    this.#page = this.#document.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.#cursor = PAGE_HEIGHT - MARGIN.top;
  }

  #ensure(height: number): void {
    if (this.#cursor - height < MARGIN.bottom) this.#newPage();
  }

  /** Vertical space that is dropped at the top of a page, where it would only push text down. */
  #gap(height: number): void {
    if (this.#cursor < PAGE_HEIGHT - MARGIN.top) this.#cursor -= height;
  }

  #lines(lines: readonly string[], x: number, font: PDFFont, size: number, leading: number, color: Color): void {
    for (const line of lines) {
      this.#ensure(leading);
      this.#page.drawText(line, { x, y: this.#cursor - size, size, font, color });
      this.#cursor -= leading;
    }
  }

  #rule(y: number, thickness: number, color: Color): void {
    this.#page.drawLine({ start: { x: MARGIN.left, y }, end: { x: PAGE_WIDTH - MARGIN.right, y }, thickness, color });
  }

  #listItem(marker: string, markerFont: PDFFont, text: string): void {
    const { regular } = this.#fonts;
    const lines = wrapText(text, regular, BODY.size, TEXT_WIDTH - LIST_INDENT);
    // Never leave a single line of an item at the bottom of a page.
    this.#ensure(Math.min(lines.length, 2) * BODY.leading);
    this.#page.drawText(marker, { x: MARGIN.left + 4, y: this.#cursor - BODY.size, size: BODY.size, font: markerFont, color: COLORS.accent });
    this.#lines(lines, MARGIN.left + LIST_INDENT, regular, BODY.size, BODY.leading, COLORS.text);
    this.#cursor -= 3;
  }

  #callout(label: string, text: string): void {
    const { bold, regular } = this.#fonts;
    const padding = 8;
    const lines = wrapText(text, regular, BODY.size, TEXT_WIDTH - 2 * padding - 4);
    const height = (lines.length + 1) * BODY.leading + 2 * padding - 3;
    this.#ensure(height + 8);
    const bottom = this.#cursor - height;
    this.#page.drawRectangle({ x: MARGIN.left, y: bottom, width: TEXT_WIDTH, height, color: COLORS.callout });
    this.#page.drawRectangle({ x: MARGIN.left, y: bottom, width: 4, height, color: COLORS.calloutBar });
    this.#cursor -= padding;
    this.#lines([label], MARGIN.left + padding + 4, bold, BODY.size, BODY.leading, COLORS.calloutBar);
    this.#lines(lines, MARGIN.left + padding + 4, regular, BODY.size, BODY.leading, COLORS.text);
    this.#cursor = bottom - 10;
  }

  #table(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): void {
    const totalWeight = columns.reduce((sum, column) => sum + column.weight, 0);
    const widths = columns.map((column) => (column.weight / totalWeight) * TEXT_WIDTH);
    const header = columns.map((column) => column.header);
    this.#gap(2);
    this.#ensure(this.#rowHeight(header, widths, this.#fonts.bold) + this.#rowHeight(rows[0] ?? [], widths, this.#fonts.regular));
    this.#tableRow(header, widths, true);
    for (const row of rows) {
      if (this.#cursor - this.#rowHeight(row, widths, this.#fonts.regular) < MARGIN.bottom) {
        this.#newPage();
        // Repeat the column headings on the new page, as a reader expects.
        this.#tableRow(header, widths, true);
      }
      this.#tableRow(row, widths, false);
    }
    this.#cursor -= 10;
  }

  #rowHeight(cells: readonly string[], widths: readonly number[], font: PDFFont): number {
    const lineCounts = cells.map((cell, index) => wrapText(cell, font, TABLE.size, (widths[index] ?? 0) - 2 * TABLE.padX).length);
    return Math.max(1, ...lineCounts) * TABLE.leading + 2 * TABLE.padY;
  }

  #tableRow(cells: readonly string[], widths: readonly number[], isHeader: boolean): void {
    const font = isHeader ? this.#fonts.bold : this.#fonts.regular;
    const height = this.#rowHeight(cells, widths, font);
    const top = this.#cursor;
    if (isHeader) {
      this.#page.drawRectangle({ x: MARGIN.left, y: top - height, width: TEXT_WIDTH, height, color: COLORS.tableHead });
      this.#rule(top, 1, COLORS.accent);
    }
    let x = MARGIN.left;
    cells.forEach((cell, index) => {
      const width = widths[index] ?? 0;
      const lines = wrapText(cell, font, TABLE.size, width - 2 * TABLE.padX);
      lines.forEach((line, lineIndex) => {
        const y = top - TABLE.padY - lineIndex * TABLE.leading - TABLE.size;
        this.#page.drawText(line, { x: x + TABLE.padX, y, size: TABLE.size, font, color: isHeader ? COLORS.accent : COLORS.text });
      });
      x += width;
    });
    this.#cursor = top - height;
    this.#rule(this.#cursor, isHeader ? 0.8 : 0.4, isHeader ? COLORS.accent : COLORS.rule);
  }
}
