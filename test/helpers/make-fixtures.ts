import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, HeadingLevel, Packer, Paragraph } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A PDF with a text layer, `pages` pages of numbered paragraphs; `seed` makes its content unique. */
export async function makePdf(pages: number, seed: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setCreationDate(new Date('2026-01-01T00:00:00Z'));
  pdf.setModificationDate(new Date('2026-01-01T00:00:00Z'));
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  for (let page = 1; page <= pages; page += 1) {
    const sheet = pdf.addPage([595, 842]);
    sheet.drawText(`Section ${page}: pump maintenance ${seed}`, { x: 60, y: 780, size: 18, font: bold });
    for (let line = 0; line < 30; line += 1) {
      sheet.drawText(`Line ${line} of page ${page}: check the impeller, the seals and the bearings (${seed}).`, { x: 60, y: 740 - line * 20, size: 10, font });
    }
  }
  return pdf.save({ useObjectStreams: false });
}

/** A DOCX with a heading and two paragraphs. */
export async function makeDocx(title: string): Promise<Uint8Array> {
  const document = new Document({
    creator: 'fabrik tests',
    sections: [{ children: [
      new Paragraph({ text: title, heading: HeadingLevel.HEADING_1 }),
      new Paragraph({ text: 'Every employee must lock their screen when leaving the desk.' }),
      new Paragraph({ text: 'Visitors are accompanied at all times.' }),
    ] }],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}

/** Writes one file of every supported format, plus files that must fail, into `dir`. */
export async function writeMixedFixtures(dir: string): Promise<{ good: string[]; bad: string[] }> {
  mkdirSync(join(dir, 'docs'), { recursive: true });
  mkdirSync(join(dir, 'broken'), { recursive: true });
  const files: Record<string, string | Uint8Array> = {
    'docs/notes.md': '# Release notes\n\nVersion 2 adds a **quiet mode**.\n\n- faster start\n- lower noise\n\n```sh\npump --quiet\n```\n',
    'docs/plain.txt': Buffer.from('Gr\u00fc\u00dfe aus Hamburg.\n\nDie Stra\u00dfe ist gesperrt.\n', 'latin1'),
    'docs/table.csv': 'invoice,customer,total\nINV-1,"Acme, Inc.",100.50\nINV-2,Globex,20\n',
    'docs/page.html': '<!doctype html><html><head><title>Support</title></head><body><nav><a href="/">Home</a> <a href="/x">Products</a></nav><main><h1>Service levels</h1><p>We answer every ticket within one working day, and critical incidents within four hours.</p><p>Spare parts ship from Hamburg the same day when ordered before noon.</p></main><footer>Copyright Nordwind</footer></body></html>',
    'docs/manual.pdf': await makePdf(3, 'fixture'),
    'docs/policy.docx': await makeDocx('Security policy'),
    'broken/bad.pdf': '%PDF-1.7\n1 0 obj <<< garbage\nthis is not a pdf at all\n%%EOF\n',
    'broken/empty.txt': '',
    'broken/noise.bin': new Uint8Array(Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 256)),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return {
    good: Object.keys(files).filter((name) => name.startsWith('docs/')).map((name) => join(dir, name)),
    bad: Object.keys(files).filter((name) => name.startsWith('broken/')).map((name) => join(dir, name)),
  };
}
