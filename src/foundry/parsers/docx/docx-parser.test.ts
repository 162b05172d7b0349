import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Document, FootnoteReferenceRun, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../../core/parsed-document.ts';
import { FabrikError } from '../../../shared/errors.ts';
import { writeZip } from '../common/zip-writer.ts';
import { docxParser } from './docx-parser.ts';

const context = (limits: Partial<ParseLimits> = {}) => ({ fileName: 'report.docx', limits: { ...DEFAULT_PARSE_LIMITS, ...limits } });

async function sampleDocx(): Promise<Uint8Array> {
  const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
  const document = new Document({
    title: 'Quarterly Report',
    footnotes: { 1: { children: [new Paragraph('Source: internal figures.')] } },
    sections: [{
      children: [
        new Paragraph({ text: 'Results', heading: HeadingLevel.HEADING_1 }),
        new Paragraph({ children: [new TextRun('Revenue grew'), new TextRun({ text: ' strongly', bold: true }), new FootnoteReferenceRun(1), new TextRun('.')] }),
        new Paragraph({ text: 'Details', heading: HeadingLevel.HEADING_2 }),
        new Paragraph({ text: 'First point', bullet: { level: 0 } }),
        new Paragraph({ text: 'Sub point', bullet: { level: 1 } }),
        new Paragraph({ text: 'Second point', bullet: { level: 0 } }),
        new Table({ rows: [new TableRow({ children: [cell('Region'), cell('Sales')] }), new TableRow({ children: [cell('North'), cell('42')] })] }),
      ],
    }],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}

async function rejects(bytes: Uint8Array, limits: Partial<ParseLimits>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(docxParser.parse(bytes, context(limits)), (error: unknown) => {
    assert.ok(error instanceof FabrikError);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('docxParser', () => {
  it('reads headings, paragraphs, nested list items, tables, footnotes and the core title', async () => {
    const document = await docxParser.parse(await sampleDocx(), context());
    assert.equal(document.title, 'Quarterly Report');
    assert.deepEqual(document.elements.map((element) => [element.kind, element.level, element.text]), [
      ['heading', 1, 'Results'],
      ['paragraph', undefined, 'Revenue grew strongly[1].'],
      ['heading', 2, 'Details'],
      ['list-item', 1, 'First point'],
      ['list-item', 2, 'Sub point'],
      ['list-item', 1, 'Second point'],
      ['table', undefined, 'Region | Sales\nNorth | 42'],
      ['footnote', undefined, 'Source: internal figures.'],
    ]);
    assert.deepEqual(document.elements[6]?.attributes?.cells, [['Region', 'Sales'], ['North', '42']]);
  });

  it('enforces the entry-count, unpacked-size and ratio limits before inflating', async () => {
    const bytes = await sampleDocx();
    await rejects(bytes, { maxArchiveEntries: 3 }, 'archive_limit', /more than 3 entries/);
    await rejects(bytes, { maxUnpackedBytes: 1000 }, 'archive_limit', /unpack to more than 1000 bytes/);
    const bomb = writeZip([{ name: 'word/document.xml', data: '<w:document/>' }, { name: 'word/media/filler.bin', data: new Uint8Array(2_000_000) }]);
    await rejects(bomb, {}, 'archive_limit', /filler\.bin expands \d+:1/);
  });

  it('catches a part that inflates to more than it declares', async () => {
    const liar = writeZip([{ name: 'word/document.xml', data: `<w:document>${' '.repeat(200_000)}</w:document>`, declaredSize: 100 }]);
    await rejects(liar, {}, 'archive_limit', /document\.xml inflates to more than the 100 bytes it declares/);
  });

  it('says so when the main document part is missing', async () => {
    await rejects(writeZip([{ name: 'docProps/core.xml', data: '<x/>' }]), {}, 'parse_failed', /Could not find main document part/);
    await rejects(new TextEncoder().encode('not a zip'), {}, 'parse_failed', /no readable central directory/);
  });
});
