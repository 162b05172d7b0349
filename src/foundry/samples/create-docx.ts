import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  Header,
  HeadingLevel,
  LevelFormat,
  Packer,
  PageNumber,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { COMPANY } from './content/company.ts';
import type { DocumentBlock, DocumentContent, TableColumn } from './content/document-content.ts';
import { fixZipTimestamps } from './fix-zip-timestamps.ts';

/** A4 width minus two 2.5 cm margins, in twentieths of a point (the unit of OOXML widths). */
const TEXT_WIDTH_TWIPS = 11906 - 2 * 1418;
const ACCENT = '0B3D6B';
const MUTED = '6B7280';
const STEPS_REFERENCE = 'numbered-steps';

/** Builds a DOCX file from a document with the docx library; the same content always gives the same bytes. */
export async function createDocx(content: DocumentContent): Promise<Uint8Array> {
  let listInstance = 0;
  const children: (Paragraph | Table)[] = [
    new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun(content.title)] }),
    new Paragraph({ spacing: { after: 80 }, children: [new TextRun({ text: content.subtitle, italics: true, size: 24 })] }),
    new Paragraph({ spacing: { after: 240 }, children: [new TextRun({ text: content.reference, color: MUTED, size: 18 })] }),
  ];
  for (const block of content.blocks) {
    // Each numbered list gets its own instance, so its numbering starts again at 1.
    if (block.kind === 'steps') listInstance += 1;
    children.push(...toDocxBlocks(block, listInstance));
  }

  const document = new Document({
    title: content.title,
    subject: content.subject,
    creator: content.author,
    lastModifiedBy: content.author,
    keywords: content.keywords.join(', '),
    description: content.reference,
    revision: 1,
    styles: {
      default: {
        document: { run: { font: 'Calibri', size: 22 }, paragraph: { spacing: { after: 120, line: 276 } } },
        title: { run: { font: 'Calibri Light', size: 48, color: ACCENT }, paragraph: { spacing: { after: 120 } } },
        heading1: { run: { font: 'Calibri', size: 30, bold: true, color: ACCENT }, paragraph: { spacing: { before: 320, after: 120 }, keepNext: true } },
        heading2: { run: { font: 'Calibri', size: 25, bold: true, color: ACCENT }, paragraph: { spacing: { before: 200, after: 80 }, keepNext: true } },
      },
    },
    numbering: {
      config: [
        {
          reference: STEPS_REFERENCE,
          levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START, style: { paragraph: { indent: { left: 720, hanging: 360 } } } }],
        },
      ],
    },
    sections: [
      {
        properties: { page: { size: { width: 11906, height: 16838 }, margin: { top: 1418, bottom: 1418, left: 1418, right: 1418 } } },
        headers: {
          default: new Header({
            children: [new Paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun({ text: `${COMPANY.name} · ${content.shortTitle} · ${content.reference}`, color: MUTED, size: 16 })] })],
          }),
        },
        footers: {
          default: new Footer({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [new TextRun({ children: ['Page ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES], color: MUTED, size: 16 })],
              }),
            ],
          }),
        },
        children,
      },
    ],
  });

  const zip = await Packer.toBuffer(document, false, [{ path: 'docProps/core.xml', data: coreProperties(content) }]);
  return fixZipTimestamps(zip, content.issued);
}

function toDocxBlocks(block: DocumentBlock, listInstance: number): (Paragraph | Table)[] {
  switch (block.kind) {
    case 'heading':
      return [new Paragraph({ heading: block.level === 1 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2, children: [new TextRun(block.text)] })];
    case 'paragraph':
      return [new Paragraph({ children: [new TextRun(block.text)] })];
    case 'bullets':
      return block.items.map((item) => new Paragraph({ bullet: { level: 0 }, spacing: { after: 60 }, children: [new TextRun(item)] }));
    case 'steps':
      return block.items.map(
        (item) => new Paragraph({ numbering: { reference: STEPS_REFERENCE, level: 0, instance: listInstance }, spacing: { after: 60 }, children: [new TextRun(item)] }),
      );
    case 'callout':
      return [
        new Paragraph({
          shading: { type: ShadingType.CLEAR, fill: 'FDF2E0', color: 'auto' },
          border: { left: { style: BorderStyle.SINGLE, size: 24, color: 'D97306', space: 6 } },
          children: [new TextRun({ text: `${block.label}: `, bold: true }), new TextRun(block.text)],
        }),
      ];
    case 'table':
      return [toDocxTable(block.columns, block.rows), new Paragraph({ children: [] })];
  }
}

function toDocxTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): Table {
  const totalWeight = columns.reduce((sum, column) => sum + column.weight, 0);
  const widths = columns.map((column) => Math.round((column.weight / totalWeight) * TEXT_WIDTH_TWIPS));
  const cell = (text: string, index: number, isHeader: boolean): TableCell =>
    new TableCell({
      width: { size: widths[index] ?? 0, type: WidthType.DXA },
      margins: { top: 60, bottom: 60, left: 100, right: 100 },
      ...(isHeader ? { shading: { type: ShadingType.CLEAR, fill: 'E5ECF4', color: 'auto' } } : {}),
      children: [new Paragraph({ spacing: { after: 0 }, children: [new TextRun({ text, bold: isHeader })] })],
    });
  return new Table({
    width: { size: TEXT_WIDTH_TWIPS, type: WidthType.DXA },
    columnWidths: widths,
    rows: [
      new TableRow({ tableHeader: true, children: columns.map((column, index) => cell(column.header, index, true)) }),
      ...rows.map((row) => new TableRow({ children: row.map((text, index) => cell(text, index, false)) })),
    ],
  });
}

/**
 * docProps/core.xml with fixed dates: the docx library stamps the clock time into it, so it is
 * replaced (same elements, same namespaces) to make every build byte-identical.
 */
function coreProperties(content: DocumentContent): string {
  const issued = content.issued.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<dc:title>${escapeXml(content.title)}</dc:title>` +
    `<dc:subject>${escapeXml(content.subject)}</dc:subject>` +
    `<dc:creator>${escapeXml(content.author)}</dc:creator>` +
    `<cp:keywords>${escapeXml(content.keywords.join(', '))}</cp:keywords>` +
    `<dc:description>${escapeXml(content.reference)}</dc:description>` +
    `<dc:language>${escapeXml(content.language)}</dc:language>` +
    `<cp:lastModifiedBy>${escapeXml(content.author)}</cp:lastModifiedBy>` +
    '<cp:revision>1</cp:revision>' +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${issued}</dcterms:created>` +
    `<dcterms:modified xsi:type="dcterms:W3CDTF">${issued}</dcterms:modified>` +
    '</cp:coreProperties>'
  );
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
