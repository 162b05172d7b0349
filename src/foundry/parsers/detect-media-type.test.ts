import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeOle2 } from './common/ole2-writer.ts';
import { writeSevenZip } from './common/seven-zip-writer.ts';
import { NAUGHTY_LINES } from './common/naughty-lines.ts';
import { utf8StressSample } from './common/utf8-stress-sample.ts';
import { writeZip } from './common/zip-writer.ts';
import { describeBytes, detectFormat, detectMediaType, DOCX_MEDIA_TYPE } from './detect-media-type.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const refusal = (bytes: Uint8Array, fileName: string) => detectFormat(bytes, fileName).refusal;

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

  it('keeps a .txt plain text whatever Markdown or HTML fragments it holds (issue 7, item 9)', () => {
    const naughty = text(`${NAUGHTY_LINES.join('\n')}\n`);
    assert.equal(detectMediaType(naughty, 'blns.txt'), 'text/plain');
    assert.equal(detectMediaType(naughty, 'strings.log'), 'text/plain');
    // Other names that are not Markdown's: code and configuration with # comments.
    assert.equal(detectMediaType(text('# Settings\n\n## Paths\n\nroot = /srv\n'), 'app.conf'), 'text/plain');
    assert.equal(detectMediaType(text('# Settings\n\n## Paths\n\nroot = /srv\n'), 'settings.md'), 'text/markdown');
    assert.equal(detectMediaType(text('# Settings\n\n## Paths\n\nroot = /srv\n'), 'README'), 'text/markdown');
    // A fragment that starts with a tag stays text in a .txt; a whole page is still HTML.
    assert.equal(detectMediaType(text('<img src=x onerror=alert(1)>\n<b>bold</b>\nplain\n'), 'xss.txt'), 'text/plain');
    assert.equal(detectMediaType(text('<img src=x onerror=alert(1)>\n<b>bold</b>\nplain\n'), 'xss'), 'text/html');
    assert.equal(detectMediaType(text('<!-- saved -->\n<html><body>x</body></html>'), 'page.txt'), 'text/html');
  });

  it('takes mostly valid UTF-8 with a NUL and broken sequences for text, not binary (issue 7, item 10)', () => {
    assert.equal(detectMediaType(utf8StressSample().bytes, 'UTF-8-test.txt'), 'text/plain');
    assert.equal(detectMediaType(text('one stray NUL \u0000 in a line of text'), 'x.txt'), 'text/plain');
  });

  it('says what makes bytes binary: NUL and control bytes, counted (issue 7, item 10)', () => {
    const junk = new Uint8Array(1000);
    for (let index = 0; index < junk.length; index++) junk[index] = index % 5 === 0 ? 0 : 0x41 + (index % 26);
    assert.equal(detectMediaType(junk, 'data.txt'), null);
    assert.match(describeBytes(junk), /^binary data \(200 NUL and 0 other control bytes in the first 1000 bytes, more than 1 in 100 of text; starts with 00 42 43 44 45 00 47 48 …\)$/);
    assert.match(describeBytes(new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0])), /^a Windows executable \(4 NUL and 1 other control bytes in the first 8 bytes/);
  });

  it('refuses text that is not document text: RTF, PostScript, e-mail, mbox (issue 7, item 11)', () => {
    const cases: [string, string, RegExp][] = [
      ['letter.txt', '{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\\f0 Hello \\b world\\b0.\\par}\n', /^an RTF document/],
      ['figure.ps', '%!PS-Adobe-3.0\n/Helvetica findfont 12 scalefont setfont\n72 720 moveto (Hello) show\nshowpage\n', /^a PostScript program/],
      ['message.txt', 'Return-Path: <alice@example.com>\nReceived: from mail.example.com by mx.example.org\nFrom: Alice <alice@example.com>\nTo: Bob <bob@example.com>\nSubject: Report\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nHi Bob\n--b1\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+\n--b1--\n', /^an e-mail message/],
      ['short.eml', 'From: Alice <alice@example.com>\nSubject: Hi\n\nHello\n', /^an e-mail message/],
      ['archive', 'From alice@example.com Thu Jan  1 00:00:00 2026\nFrom: Alice <alice@example.com>\nTo: Bob <bob@example.com>\nSubject: One\nDate: Thu, 1 Jan 2026 00:00:00 +0000\n\nBody one\n\nFrom bob@example.com Thu Jan  1 01:00:00 2026\nFrom: Bob <bob@example.com>\n\nBody two\n', /^a Unix mailbox/],
    ];
    for (const [name, content, what] of cases) {
      const reason = refusal(text(content), name);
      assert.equal(reason?.code, 'unsupported_format', name);
      assert.match(reason?.what ?? '', what, name);
    }
    // Text that merely looks a little like them stays text: a memo, vCard and iCalendar.
    assert.equal(detectMediaType(text('From here on, the plan changes.\nTo: everyone\n\nDetails follow.\n'), 'plan'), 'text/plain');
    assert.equal(detectMediaType(text('From: Alice\nTo: the team\n\nThe meeting moves to Friday.\n'), 'memo.txt'), 'text/plain');
    assert.equal(detectMediaType(text('BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nTEL:+44 20 7946 0000\nEND:VCARD\n'), 'ada.vcf'), 'text/plain');
    assert.equal(detectMediaType(text('BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:Review\nDTSTART:20260105T090000Z\nEND:VEVENT\nEND:VCALENDAR\n'), 'review.ics'), 'text/plain');
  });

  it('refuses compressed data and archives by magic number, however short (issue 7, item 11)', () => {
    const cases: [string, number[], RegExp][] = [
      ['four.Z', [0x1f, 0x9d, 0x90, 0x41], /compress \(\.Z\)/],
      ['a.gz', [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0xc8, 0xe4, 0x02, 0x00], /gzip/],
      ['a.bz2', [...text('BZh91AY&SY'), 0x4e, 0xec, 0xe8, 0x36], /bzip2/],
      ['a.xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04], /xz/],
      ['a.zst', [0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x19, 0x00], /zstd/],
      ['a.rar', [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00], /RAR/],
      ['a.7z', Array.from(writeSevenZip('lzma', new Uint8Array(16))), /^a 7-Zip archive$/],
      ['a.tar', [...text('notes.txt'), ...new Array(248).fill(0), ...text('ustar\u000000'), ...new Array(249).fill(0x20), ...text('hello\n')], /^a tar archive$/],
    ];
    for (const [name, bytes, what] of cases) {
      const reason = refusal(new Uint8Array(bytes), name);
      assert.equal(reason?.code, 'unsupported_format', name);
      assert.match(reason?.what ?? '', what, name);
    }
    // "BZh" alone starts ordinary words.
    assert.equal(detectMediaType(text('BZh9 is the bzip2 header, as this note says.\n'), 'note.txt'), 'text/plain');
  });

  it('refuses password-protected OOXML, encrypted zip and 7z as encrypted_file (issue 7, item 12)', () => {
    const encryptedOoxml = writeOle2([{ name: 'EncryptionInfo', data: new Uint8Array([4, 0, 4, 0, 0x40, 0, 0, 0]) }, { name: 'EncryptedPackage', data: new Uint8Array(600).fill(0x5a) }]);
    assert.equal(refusal(encryptedOoxml, 'salaries.xlsx')?.code, 'encrypted_file');
    assert.match(refusal(encryptedOoxml, 'salaries.xlsx')?.what ?? '', /password-protected Office document \(DOCX, XLSX or PPTX/);
    const zip = writeZip([{ name: '[Content_Types].xml', data: '<Types/>', password: 'secret' }, { name: 'word/document.xml', data: '<w:document/>', password: 'secret' }]);
    assert.equal(refusal(zip, 'letter.docx')?.code, 'encrypted_file');
    assert.match(refusal(zip, 'letter.docx')?.what ?? '', /^an encrypted zip archive \(a Word document\), 2 of 2 entries encrypted/);
    assert.equal(refusal(writeSevenZip('aes', new Uint8Array(32).fill(0x9c)), 'backup.7z')?.code, 'encrypted_file');
    // Unencrypted OLE2 files are legacy formats, named by their streams.
    assert.match(refusal(writeOle2([{ name: 'WordDocument', data: new Uint8Array(10) }]), 'old.doc')?.what ?? '', /^a legacy Word document/);
    assert.match(refusal(writeOle2([{ name: 'Workbook', data: new Uint8Array(10) }]), 'old.xls')?.what ?? '', /^a legacy Excel workbook/);
    assert.equal(refusal(writeOle2([{ name: 'Workbook', data: new Uint8Array(10) }]), 'old.xls')?.code, 'unsupported_format');
  });

  it('reports a truncated DOCX as a damaged zip archive, parse_failed (issue 7, item 12)', () => {
    const docx = writeZip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'word/document.xml', data: `<w:document>${'text '.repeat(200)}</w:document>` }]);
    const cut = docx.subarray(0, Math.floor(docx.length / 2));
    assert.equal(refusal(cut, 'report.docx')?.code, 'parse_failed');
    assert.match(refusal(cut, 'report.docx')?.what ?? '', /^a damaged or truncated zip archive \(no readable central directory; its first entry is \[Content_Types\]\.xml, as in a DOCX\/XLSX\/PPTX\)$/);
  });

  it('detects UTF-32 text by its byte order mark (issue 7, item 12)', () => {
    const value = 'Plain text in UTF-32, with ü and 😀.\nSecond line.\n';
    const codePoints = Array.from(value, (character) => character.codePointAt(0) ?? 0);
    for (const littleEndian of [true, false]) {
      const view = new DataView(new ArrayBuffer(4 * (codePoints.length + 1)));
      view.setUint32(0, 0xfeff, littleEndian);
      for (const [index, codePoint] of codePoints.entries()) view.setUint32(4 * (index + 1), codePoint, littleEndian);
      assert.equal(detectMediaType(new Uint8Array(view.buffer), 'utf32.txt'), 'text/plain');
    }
  });
});
