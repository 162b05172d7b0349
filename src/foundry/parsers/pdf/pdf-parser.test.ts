import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../../core/parsed-document.ts';
import { FabrikError } from '../../../shared/errors.ts';
import { pdfParser } from './pdf-parser.ts';

const context = (limits: Partial<ParseLimits> = {}) => ({ fileName: 'report.pdf', limits: { ...DEFAULT_PARSE_LIMITS, ...limits } });
const CORPUS = new URL('../../../../../shared/corpus/', import.meta.url);

/** A three-page report: running header and footer, a heading, a hyphenated paragraph, a bullet list, a table. */
async function reportPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Annual Report');
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  for (let number = 1; number <= 3; number++) {
    const page = pdf.addPage([595, 842]);
    page.drawText('ACME Corporation Annual Report', { x: 72, y: 800, size: 9, font });
    page.drawText(`Page ${number}`, { x: 280, y: 30, size: 9, font });
    page.drawText(`Chapter ${number} Overview`, { x: 72, y: 730, size: 18, font: bold });
    const lines = ['The company increased its revenue in every region and the', 'board approved a new strategy for the coming years, with a', 'focus on sustain-', 'ability and growth in the northern markets.'];
    lines.forEach((line, index) => page.drawText(line, { x: 72, y: 690 - index * 14, size: 11, font }));
    ['\u2022 Revenue grew by twelve percent', '\u2022 Costs fell in all divisions'].forEach((line, index) => page.drawText(line, { x: 72, y: 610 - index * 16, size: 11, font }));
    const rows = [['Region', 'Revenue', 'Growth'], ['North', '120', '12%'], ['South', '95', '7%']];
    rows.forEach((row, rowIndex) => row.forEach((cell, column) => page.drawText(cell, { x: 72 + column * 150, y: 540 - rowIndex * 16, size: 11, font })));
  }
  return pdf.save();
}

describe('pdfParser', () => {
  it('enforces the memory limit on PDFium\'s wasm memory, which V8\'s heap limit does not count', async () => {
    await assert.rejects(pdfParser.parse(await reportPdf(), context({ maxMemoryBytes: 1024 })), (error: unknown) => error instanceof FabrikError && error.code === 'parse_memory' && /FABRIK_PARSE_MEMORY_MB/.test(error.message));
    // The instance was discarded; the next file gets a fresh one and parses.
    assert.equal((await pdfParser.parse(await reportPdf(), context())).pageCount, 3);
  });

  it('lays out pages into classified elements with page numbers and top-left bboxes', async () => {
    const document = await pdfParser.parse(await reportPdf(), context());
    assert.equal(document.pageCount, 3);
    assert.equal(document.title, 'Annual Report');
    const first = document.elements.filter((element) => element.page === 1);
    assert.deepEqual(first.map((element) => [element.kind, element.text]), [
      ['page-header', 'ACME Corporation Annual Report'],
      ['heading', 'Chapter 1 Overview'],
      ['paragraph', 'The company increased its revenue in every region and the board approved a new strategy for the coming years, with a focus on sustainability and growth in the northern markets.'],
      ['list-item', 'Revenue grew by twelve percent'],
      ['list-item', 'Costs fell in all divisions'],
      ['table', 'Region | Revenue | Growth\nNorth | 120 | 12%\nSouth | 95 | 7%'],
      ['page-footer', 'Page 1'],
    ]);
    const heading = first[1];
    assert.equal(heading?.level, 1);
    // PDF y=730 from the bottom of an 842 pt page is about 94–112 pt from the top (plus the descent:
    // PDFium reads Helvetica-Bold's as 0.23 of the size).
    assert.ok(heading?.bbox !== undefined && heading.bbox.y0 > 90 && heading.bbox.y1 < 117 && heading.bbox.x0 === 72, JSON.stringify(heading?.bbox));
    assert.deepEqual(document.elements.find((element) => element.kind === 'table')?.attributes?.cells, [['Region', 'Revenue', 'Growth'], ['North', '120', '12%'], ['South', '95', '7%']]);
    for (const element of document.elements) assert.equal(document.text.slice(element.span[0], element.span[1]), element.text);
  });

  it('reads with PDFium and names the engine in the metadata', async () => {
    const document = await pdfParser.parse(await reportPdf(), context());
    assert.equal(document.metadata.engine, 'pdfium');
  });

  it('falls back to pdf.js for a file PDFium cannot open', async (t) => {
    const url = new URL('bad/pdfjs-xref_command_missing.pdf', CORPUS);
    if (!existsSync(url)) return t.skip(`../shared/corpus not found: ${url.pathname}`);
    try {
      const document = await pdfParser.parse(new Uint8Array(readFileSync(url)), context());
      // Either engine may read this one; when pdf.js did, the document says so and why.
      if (document.metadata.engine === 'pdfjs') assert.match(document.warnings.join(' '), /PDFium could not open/);
    } catch (error) {
      assert.ok(error instanceof FabrikError, String(error));
    }
  });

  it('reads two columns column by column', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.TimesRoman);
    const page = pdf.addPage([612, 792]);
    for (let line = 0; line < 12; line++) {
      page.drawText(`Left column line ${line + 1} of the text.`, { x: 50, y: 700 - line * 13, size: 10, font });
      page.drawText(`Right column line ${line + 1} of the text.`, { x: 320, y: 700 - line * 13, size: 10, font });
    }
    const document = await pdfParser.parse(await pdf.save(), context());
    const text = document.text;
    assert.ok(text.indexOf('Left column line 12') < text.indexOf('Right column line 1 '), text);
    assert.equal(document.elements.length, 2);
  });

  it('stops at limits.maxPages with a warning', async () => {
    const document = await pdfParser.parse(await reportPdf(), context({ maxPages: 2 }));
    assert.equal(document.pageCount, 3);
    assert.equal(document.metadata.pagesRead, 2);
    assert.match(document.warnings.join(' '), /first 2 of 3 pages/);
    assert.ok(document.elements.every((element) => element.page <= 2));
  });

  it('reports a damaged file as parse_failed naming the file', async () => {
    await assert.rejects(pdfParser.parse(new TextEncoder().encode('%PDF-1.4\nthis is not really a pdf\n'), context()), (error: unknown) => {
      assert.ok(error instanceof FabrikError);
      assert.equal(error.code, 'parse_failed');
      assert.match(error.message, /^report\.pdf/);
      assert.doesNotMatch(error.message, /\.\./, 'no doubled period (issue 7, item 8)');
      return true;
    });
  });

  it('reports a password-protected PDF as encrypted_file', async (t) => {
    const url = new URL('pdf/pdfjs-issue6010_1.pdf', CORPUS);
    if (!existsSync(url)) return t.skip(`../shared/corpus not found: ${url.pathname}`);
    await assert.rejects(pdfParser.parse(new Uint8Array(readFileSync(url)), context()), (error: unknown) => error instanceof FabrikError && error.code === 'encrypted_file');
  });

  it('does not touch the caller\'s bytes', async () => {
    const bytes = await reportPdf();
    const copy = bytes.slice();
    await pdfParser.parse(bytes, context());
    assert.deepEqual(bytes, copy);
  });
});
