import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeZip } from './common/zip-writer.ts';
import { describeBytes, detectMediaType, DOCX_MEDIA_TYPE } from './detect-media-type.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const utf16le = (value: string, bom = true): Uint8Array => {
  const bytes = new Uint8Array((bom ? 2 : 0) + value.length * 2);
  if (bom) bytes.set([0xff, 0xfe]);
  for (let index = 0; index < value.length; index++) {
    bytes[(bom ? 2 : 0) + index * 2] = value.charCodeAt(index) & 0xff;
    bytes[(bom ? 2 : 0) + index * 2 + 1] = value.charCodeAt(index) >> 8;
  }
  return bytes;
};

describe('detectMediaType', () => {
  it('finds %PDF- anywhere in the first 1024 bytes, whatever the name', () => {
    assert.equal(detectMediaType(text('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj'), 'report.txt'), 'application/pdf');
    assert.equal(detectMediaType(text(`${' '.repeat(500)}%PDF-1.4`), 'x'), 'application/pdf');
    assert.notEqual(detectMediaType(text(`${' '.repeat(1100)}%PDF-1.4`), 'x.pdf'), 'application/pdf');
  });

  it('reads the zip central directory: DOCX only with word/document.xml', () => {
    const docx = writeZip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'word/document.xml', data: '<w:document/>' }]);
    assert.equal(detectMediaType(docx, 'letter.bin'), DOCX_MEDIA_TYPE);
    const xlsx = writeZip([{ name: 'xl/workbook.xml', data: '<workbook/>' }]);
    assert.equal(detectMediaType(xlsx, 'book.docx'), null);
    assert.match(describeBytes(xlsx), /zip archive of 1 entries \(xl\/workbook\.xml\)/);
  });

  it('refuses an empty zip and describes it', () => {
    const empty = new Uint8Array(22);
    empty.set([0x50, 0x4b, 0x05, 0x06]);
    assert.equal(detectMediaType(empty, 'empty.docx'), null);
    assert.equal(describeBytes(empty), 'an empty zip archive');
  });

  it('sniffs HTML after a BOM, whitespace, comments and an XML declaration', () => {
    assert.equal(detectMediaType(text('<!DOCTYPE html><html><body>x</body></html>'), 'a.txt'), 'text/html');
    assert.equal(detectMediaType(text('\ufeff\n  <!-- saved --><html lang="en">'), 'a'), 'text/html');
    assert.equal(detectMediaType(text('<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">'), 'a'), 'text/html');
    assert.equal(detectMediaType(text('<div class="x"><p>Hello</p></div>'), 'a.md'), 'text/html');
    assert.equal(detectMediaType(utf16le('<html><body>Hi</body></html>'), 'a'), 'text/html');
    assert.equal(detectMediaType(text('<note>not html</note>'), 'a'), 'text/plain');
  });

  it('recognises CSV by a steady delimiter count (comma, semicolon, tab)', () => {
    assert.equal(detectMediaType(text('name,age,city\nAda,36,London\nAlan,41,Wilmslow\n'), 'people.txt'), 'text/csv');
    assert.equal(detectMediaType(text('name;age\nAda;36\nAlan;41\n'), 'data'), 'text/csv');
    assert.equal(detectMediaType(text('a\tb\tc\n1\t2\t3\n4\t5\t6\n'), 'data'), 'text/csv');
    assert.equal(detectMediaType(text('id,quote\n1,"Hello, world"\n2,"a, b, c"\n'), 'q.csv'), 'text/csv');
  });

  it('does not take prose with commas for CSV', () => {
    const prose = 'When the rain came, the river rose over the old stone bridge near the mill.\nBy morning, the whole valley had turned into a shallow, muddy lake for days.\n';
    assert.equal(detectMediaType(text(prose), 'notes'), 'text/plain');
  });

  it('recognises Markdown structure', () => {
    assert.equal(detectMediaType(text('# Title\n\nSome text with a [link](https://example.com).\n\n- one\n- two\n'), 'README'), 'text/markdown');
    assert.equal(detectMediaType(text('Intro\n\n```js\nconst x = 1;\n```\n\n## Usage\n'), 'x'), 'text/markdown');
    assert.equal(detectMediaType(text('| a | b |\n|---|---|\n| 1 | 2 |\n'), 'table'), 'text/markdown');
  });

  it('uses the extension only to break ties between text formats', () => {
    const weak = text('Shopping\n\n- milk\n- bread\n');
    assert.equal(detectMediaType(weak, 'list.md'), 'text/markdown');
    assert.equal(detectMediaType(weak, 'list.txt'), 'text/plain');
    assert.equal(detectMediaType(text('Just a line of text.\nAnother one.\n'), 'notes.md'), 'text/plain');
  });

  it('accepts UTF-16 text with a BOM or a clear pattern, and legacy 8-bit text', () => {
    assert.equal(detectMediaType(utf16le('Hello, this is plain text.'), 'a'), 'text/plain');
    assert.equal(detectMediaType(utf16le('Hello, this is plain text without a BOM.', false), 'a'), 'text/plain');
    assert.equal(detectMediaType(new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20, 0x63, 0x72, 0xe8, 0x6d, 0x65]), 'a'), 'text/plain');
  });

  it('refuses binary junk: NULs outside UTF-16, control bytes, known magic numbers', () => {
    const junk = new Uint8Array(512);
    for (let index = 0; index < junk.length; index++) junk[index] = (index * 73 + 11) % 256;
    assert.equal(detectMediaType(junk, 'data.txt'), null);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    assert.equal(detectMediaType(png, 'image.md'), null);
    assert.equal(describeBytes(png), 'a PNG image');
    assert.equal(detectMediaType(new Uint8Array([0x01, 0x02, 0x03, 0x04, 0x05, 0x06]), 'x'), null);
    assert.equal(detectMediaType(new Uint8Array(0), 'x'), null);
  });
});
