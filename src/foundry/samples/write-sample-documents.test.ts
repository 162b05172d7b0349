import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mammoth from 'mammoth';
import { SAMPLE_DOCUMENTS, writeSampleDocuments } from './write-sample-documents.ts';
import type { SampleFile } from './write-sample-documents.ts';

// pdf.js 5 builds a DOMMatrix when its module loads; in Node it takes one from @napi-rs/canvas (a
// native addon fabrik does not install). Text extraction never uses it, so an empty class will do.
const globals = globalThis as unknown as Record<string, unknown>;
globals.DOMMatrix ??= class DOMMatrix {};
const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');

let root = '';
let firstRun: SampleFile[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fabrik-samples-'));
  firstRun = await writeSampleDocuments(join(root, 'first'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

function samplePath(relative: string): string {
  return join(root, 'first', ...relative.split('/'));
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function pdfText(relative: string): Promise<{ pages: string[]; title: unknown }> {
  const data = new Uint8Array(await readFile(samplePath(relative)));
  const pdf = await getDocument({ data, verbosity: 0 }).promise;
  try {
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const content = await (await pdf.getPage(number)).getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
    }
    const metadata = await pdf.getMetadata();
    return { pages, title: (metadata.info as Record<string, unknown>).Title };
  } finally {
    await pdf.destroy();
  }
}

/** The entry names in a zip's central directory, read by hand so the test trusts no zip library. */
function zipEntryNames(zip: Buffer): string[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'zip has an end-of-central-directory record');
  const names: string[] = [];
  let offset = zip.readUInt32LE(end + 16);
  for (let entry = 0; entry < zip.readUInt16LE(end + 10); entry += 1) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, `central directory entry ${entry} has its signature`);
    const nameLength = zip.readUInt16LE(offset + 28);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return names;
}

/** RFC 4180 records, parsed here independently of the writer's quoting code. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') {
        quoted = false;
      } else {
        field += character;
      }
    } else if (character === '"') {
      quoted = true;
    } else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\r' && text[index + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index += 1;
    } else {
      field += character;
    }
  }
  assert.equal(field + record.join(''), '', 'the CSV ends with CRLF');
  return records;
}

describe('writeSampleDocuments', () => {
  test('writes every sample listed in SAMPLE_DOCUMENTS and returns their absolute paths', async () => {
    assert.equal(firstRun.length, SAMPLE_DOCUMENTS.length);
    assert.equal(SAMPLE_DOCUMENTS.length, 8);
    for (const [index, file] of firstRun.entries()) {
      const listed = SAMPLE_DOCUMENTS[index];
      assert.ok(listed !== undefined);
      assert.ok(isAbsolute(file.path), `${file.path} is absolute`);
      assert.equal(file.path, samplePath(listed.path));
      assert.equal(file.mediaType, listed.mediaType);
      assert.ok(file.description.length > 20, `${listed.path} has a description`);
      assert.ok((await readFile(file.path)).length > 500, `${listed.path} is not trivially small`);
    }
  });

  test('is byte-identical on every run, whatever the clock and Math.random say', async (t) => {
    // A second run at another time and with another random source: any date or random id that
    // leaked into a file (zip entry times, docProps/core.xml, PDF /CreationDate) changes its hash.
    t.mock.timers.enable({ apis: ['Date'], now: Date.UTC(2031, 0, 17, 13, 37, 21) });
    t.mock.method(Math, 'random', () => 0.42);
    const secondRun = await writeSampleDocuments(join(root, 'second'));
    t.mock.timers.reset();
    t.mock.restoreAll();
    for (const [index, file] of firstRun.entries()) {
      const again = secondRun[index];
      assert.ok(again !== undefined);
      assert.equal(await sha256(again.path), await sha256(file.path), `${SAMPLE_DOCUMENTS[index]?.path} is byte-identical`);
    }
  });

  test('the operating manual opens with pdf.js: 4 to 6 pages, the title on page 1, 1,500 to 2,500 words', async () => {
    const { pages, title } = await pdfText('manuals/np-200-operating-manual.pdf');
    assert.ok(pages.length >= 4 && pages.length <= 6, `${pages.length} pages`);
    assert.equal(title, 'NP-200 Centrifugal Pump');
    assert.match(pages[0] ?? '', /NP-200 Centrifugal Pump/);
    assert.match(pages[0] ?? '', /1 About this manual/);
    const words = pages.join(' ').split(/\s+/).filter((word) => /\w/.test(word)).length;
    assert.ok(words >= 1500 && words <= 2500, `${words} words`);
    pages.forEach((text, index) => assert.match(text, new RegExp(`Page ${index + 1} of ${pages.length}`), `footer of page ${index + 1}`));
    assert.match(pages[1] ?? '', /NW-OM-200-EN, Revision 3\.2/, 'running header on page 2');
    const all = pages.join(' ');
    for (const phrase of ['7 Maintenance schedule', '8 Troubleshooting', 'NW-SK-200-01', '+49 40 5550 1299', 'service@nordwind-pumps.example']) {
      assert.ok(all.includes(phrase), `the manual contains "${phrase}"`);
    }
  });

  test('the quick start guide opens with pdf.js and has 1 or 2 pages', async () => {
    const { pages } = await pdfText('manuals/np-200-quick-start.pdf');
    assert.ok(pages.length >= 1 && pages.length <= 2, `${pages.length} pages`);
    assert.match(pages[0] ?? '', /NP-200 Quick Start Guide/);
  });

  test('the policies are zip files with word/document.xml that mammoth reads', async () => {
    for (const [relative, expected] of [
      ['policies/information-security-policy.docx', ['Information Security Policy', '3 Roles and responsibilities', 'Information Security Officer', 'security@nordwind-pumps.example']],
      ['policies/travel-and-expense-policy.docx', ['Travel and Expense Policy', '3 Allowances and limits', 'up to 140 EUR']],
    ] as const) {
      const bytes = await readFile(samplePath(relative));
      assert.deepEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], `${relative} starts with a zip local header`);
      const names = zipEntryNames(bytes);
      for (const name of ['[Content_Types].xml', 'word/document.xml', 'docProps/core.xml', 'word/numbering.xml']) {
        assert.ok(names.includes(name), `${relative} contains ${name}`);
      }
      const { value: html } = await mammoth.convertToHtml({ buffer: bytes });
      for (const text of expected) assert.ok(html.includes(text), `${relative} contains "${text}"`);
      assert.match(html, /<h1>/, `${relative} has level-1 headings`);
      assert.match(html, /<table>/, `${relative} has a table`);
      assert.match(html, /<ol>/, `${relative} has a numbered list`);
    }
    const security = await mammoth.extractRawText({ path: samplePath('policies/information-security-policy.docx') });
    const words = security.value.split(/\s+/).filter((word) => /\w/.test(word)).length;
    assert.ok(words >= 650 && words <= 1000, `security policy has ${words} words`);
  });

  test('the invoice CSV has 40 rows whose totals add up, with a quoted comma and an escaped quote', async () => {
    const text = await readFile(samplePath('finance/invoices-2026-q3.csv'), 'utf8');
    assert.ok(text.includes('"Chemiepark Ostmark GmbH, Werk 2"'), 'a quoted field with a comma');
    assert.ok(text.includes('"Brauerei ""Zum Anker"" KG"'), 'a field with an escaped quote');
    const [header, ...rows] = parseCsv(text);
    assert.deepEqual(header, ['invoice_no', 'date', 'customer', 'country', 'product', 'qty', 'unit_price_eur', 'total_eur', 'status']);
    assert.equal(rows.length, 40);
    let previous = '';
    for (const row of rows) {
      assert.equal(row.length, 9, `row ${row[0]} has 9 fields`);
      const [invoice = '', date = '', , , , qty = '', unit = '', total = '', status = ''] = row;
      assert.match(invoice, /^NW-2026-\d{4}$/);
      assert.match(date, /^2026-(07|08|09)-\d\d$/);
      assert.ok(invoice > previous, `${invoice} follows ${previous}`);
      previous = invoice;
      assert.equal(Math.round(Number(qty) * Number(unit) * 100), Math.round(Number(total) * 100), `${invoice}: qty × unit price = total`);
      assert.ok(['paid', 'open', 'overdue', 'cancelled'].includes(status), `${invoice} status ${status}`);
    }
  });

  test('the site notes are windows-1252, not UTF-8, and decode to German text', async () => {
    const bytes = await readFile(samplePath('notes/hamburg-site-notes.txt'));
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), TypeError);
    const text = new TextDecoder('windows-1252').decode(bytes);
    for (const word of ['Straße', 'großen', 'Prüfstand', '25 €', '„Vattenverket Norrby“', '+49 40 5550 1234']) {
      assert.ok(text.includes(word), `the notes contain "${word}"`);
    }
    assert.ok(bytes.includes(0x80), 'the euro sign is byte 0x80, where windows-1252 differs from ISO 8859-1');
    assert.ok(text.includes('\r\n') && !/[^\r]\n/.test(text), 'CRLF line ends throughout');
  });

  test('the web page has chrome around its article, and the notes are Markdown', async () => {
    const html = await readFile(samplePath('web/service-and-support.html'), 'utf8');
    for (const tag of ['<nav', '<header', 'cookie-banner', '<article', '<table', '<aside', '<footer', '<script']) {
      assert.ok(html.includes(tag), `the page contains ${tag}`);
    }
    assert.match(html, /<h1>Service and support for Nordwind pumps<\/h1>/);
    const markdown = await readFile(samplePath('notes/release-notes.md'), 'utf8');
    assert.match(markdown, /^# NordLink release notes$/m);
    assert.match(markdown, /^```yaml$[\s\S]+^```$/m);
    assert.match(markdown, /^\|---\|---\|---\|---\|$/m);
    assert.match(markdown, /^- /m);
  });
});
