import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { DEFAULT_PARSE_LIMITS } from '../core/parsed-document.ts';
import { FabrikError } from '../../shared/errors.ts';
import { NAUGHTY_LINES } from './common/naughty-lines.ts';
import { writeOle2 } from './common/ole2-writer.ts';
import { writeSevenZip } from './common/seven-zip-writer.ts';
import { utf8StressSample } from './common/utf8-stress-sample.ts';
import { writeZip } from './common/zip-writer.ts';
import { PARSERS, parseDocument, parserForMediaType } from './parse-document.ts';
import { PARSER_VERSIONS, parserVersionFor } from './parser-version.ts';

const context = (fileName: string, limits = DEFAULT_PARSE_LIMITS) => ({ fileName, limits });
const bytesOf = (value: string) => new TextEncoder().encode(value);

async function rejectsWith(bytes: Uint8Array, fileName: string, code: string, pattern: RegExp, limits = DEFAULT_PARSE_LIMITS): Promise<void> {
  await assert.rejects(parseDocument(bytes, context(fileName, limits)), (error: unknown) => {
    assert.ok(error instanceof FabrikError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    assert.equal(error.param, fileName);
    return true;
  });
}

describe('parseDocument', () => {
  it('dispatches on the detected media type and stamps the parser version', async () => {
    const cases: [string, string, string][] = [
      ['a.bin', '<html><body><p>Hello web</p></body></html>', 'text/html'],
      ['README', '# Hello\n\n- one\n- two\n', 'text/markdown'],
      ['b.bin', '# Hello\n\n- one\n- two\n', 'text/plain'],
      ['c.bin', 'x,y\n1,2\n3,4\n', 'text/csv'],
      ['d.bin', 'Just words.\n', 'text/plain'],
    ];
    for (const [name, content, mediaType] of cases) {
      const document = await parseDocument(bytesOf(content), context(name));
      assert.equal(document.mediaType, mediaType);
      assert.equal(document.metadata.parserVersion, parserVersionFor(mediaType));
    }
    assert.equal(parserForMediaType('application/pdf'), PARSERS[0]);
    assert.equal(parserForMediaType('image/png'), null);
  });

  it('each parser carries its own version, read from parser-version.ts, which lists the media types it parses', () => {
    const entries = Object.values(PARSER_VERSIONS);
    assert.equal(entries.length, PARSERS.length);
    for (const parser of PARSERS) {
      assert.ok(entries.some((entry) => entry.version === parser.version && JSON.stringify(entry.mediaTypes) === JSON.stringify(parser.mediaTypes)), `${parser.mediaTypes.join(', ')}: no entry in parser-version.ts`);
      for (const mediaType of parser.mediaTypes) assert.equal(parserVersionFor(mediaType), parser.version);
      assert.match(parser.version, /^fabrik-[a-z-]+\/\d+\.\d+\.\d+$/);
    }
    assert.equal(parserVersionFor('image/png'), null);
  });

  it('refuses empty, oversized and unsupported files with the matching code', async () => {
    await rejectsWith(new Uint8Array(0), 'empty.txt', 'empty_file', /empty\.txt is empty/);
    await rejectsWith(bytesOf('0123456789'), 'big.txt', 'file_too_large', /10 bytes, more than the limit of 5 bytes/, { ...DEFAULT_PARSE_LIMITS, maxBytes: 5 });
    await rejectsWith(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]), 'photo.pdf', 'unsupported_format', /photo\.pdf .*look like a PNG image/);
    await rejectsWith(writeZip([{ name: 'xl/workbook.xml', data: '<x/>' }]), 'book.xlsx', 'unsupported_format', /zip archive of 1 entries/);
  });

  it('refuses a document without text as no_text', async () => {
    await rejectsWith(bytesOf('   \n\n\t\n'), 'blank.txt', 'no_text', /blank\.txt parsed as text\/plain but holds no extractable text/);
    const pdf = await PDFDocument.create();
    pdf.addPage();
    await rejectsWith(await pdf.save(), 'scan.pdf', 'no_text', /needs OCR/);
  });

  it('turns library errors into parse_failed naming the file and the cause', async () => {
    const broken = writeZip([{ name: 'word/document.xml', data: '<w:document><w:body><unclosed' }]);
    await rejectsWith(broken, 'broken.docx', 'parse_failed', /^broken\.docx \(application\/vnd\.openxmlformats-officedocument\.wordprocessingml\.document\) could not be parsed: /);
  });

  it('parses a .txt of hostile strings as plain text and keeps every line (issue 7, item 9)', async () => {
    const document = await parseDocument(bytesOf(`${NAUGHTY_LINES.join('\n')}\n`), context('blns.txt'));
    assert.equal(document.mediaType, 'text/plain');
    const lines = new Set(document.text.split('\n'));
    for (const line of NAUGHTY_LINES) {
      const expected = line.replace(/[ \t]+/g, ' ').trim();
      if (expected.length > 0) assert.ok(lines.has(expected), `keeps ${JSON.stringify(line)}`);
    }
  });

  it('decodes a UTF-8 stress test with U+FFFD and a warning instead of refusing it (issue 7, item 10)', async () => {
    const { bytes, validLines } = utf8StressSample();
    const document = await parseDocument(bytes, context('UTF-8-test.txt'));
    assert.equal(document.mediaType, 'text/plain');
    assert.equal(document.metadata.encoding, 'utf-8');
    assert.ok(document.warnings.some((warning) => /replaced by U\+FFFD/.test(warning)), document.warnings.join(' | '));
    for (const line of validLines) assert.ok(document.text.includes(line.replace(/\s+/g, ' ').trim()), `keeps ${line}`);
    await rejectsWith(new Uint8Array(Array.from({ length: 300 }, (_, index) => (index % 3 === 0 ? 0 : 0x61))), 'nuls.txt', 'unsupported_format', /^nuls\.txt .*binary data \(100 NUL and 0 other control bytes in the first 300 bytes/);
  });

  it('refuses RTF, e-mail and compress files as unsupported_format naming the format (issue 7, item 11)', async () => {
    await rejectsWith(bytesOf('{\\rtf1\\ansi\\deff0 Hello \\b world\\b0.\\par}'), 'letter.rtf', 'unsupported_format', /^letter\.rtf is not a format fabrik parses .*: its bytes look like an RTF document/);
    const mail = 'From: Alice <alice@example.com>\nTo: Bob <bob@example.com>\nSubject: Scan\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\n--b--\n';
    await rejectsWith(bytesOf(mail), 'scan.eml', 'unsupported_format', /^scan\.eml .*an e-mail message/);
    await rejectsWith(new Uint8Array([0x1f, 0x9d, 0x90, 0x41]), 'tiny.Z', 'unsupported_format', /^tiny\.Z .*compress \(\.Z\) data/);
  });

  it('refuses encrypted Office, zip and 7z files as encrypted_file and a truncated DOCX as parse_failed (issue 7, item 12)', async () => {
    const encryptedOoxml = writeOle2([{ name: 'EncryptionInfo', data: new Uint8Array([4, 0, 4, 0, 0x40, 0, 0, 0]) }, { name: 'EncryptedPackage', data: new Uint8Array(600).fill(0x5a) }]);
    await rejectsWith(encryptedOoxml, 'salaries.xlsx', 'encrypted_file', /^salaries\.xlsx is a password-protected Office document .*; it needs a password to open and none was given\.$/);
    await rejectsWith(writeZip([{ name: 'word/document.xml', data: '<w:document/>', password: 'pw' }]), 'letter.docx', 'encrypted_file', /^letter\.docx is an encrypted zip archive/);
    await rejectsWith(writeSevenZip('aes', new Uint8Array(32).fill(0x9c)), 'backup.7z', 'encrypted_file', /^backup\.7z is an encrypted 7-Zip archive/);
    const docx = writeZip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'word/document.xml', data: `<w:document>${'text '.repeat(200)}</w:document>` }]);
    await rejectsWith(docx.subarray(0, docx.length >> 1), 'cut.docx', 'parse_failed', /^cut\.docx is a damaged or truncated zip archive \(no readable central directory.*\) and cannot be parsed\.$/);
  });

  it('records UTF-32 as utf-32le / utf-32be in the metadata (issue 7, item 12)', async () => {
    for (const [littleEndian, encoding] of [[true, 'utf-32le'], [false, 'utf-32be']] as const) {
      const codePoints = Array.from('Grüße aus UTF-32 😀\n', (character) => character.codePointAt(0) ?? 0);
      const view = new DataView(new ArrayBuffer(4 * (codePoints.length + 1)));
      view.setUint32(0, 0xfeff, littleEndian);
      for (const [index, codePoint] of codePoints.entries()) view.setUint32(4 * (index + 1), codePoint, littleEndian);
      const document = await parseDocument(new Uint8Array(view.buffer), context('utf32.txt'));
      assert.equal(document.metadata.encoding, encoding);
      assert.equal(document.text, 'Grüße aus UTF-32 😀');
      assert.deepEqual(document.elements[0]?.sourceSpan, [4, view.byteLength - 4]);
    }
  });

  it('refuses the corpus e-mails instead of storing headers and base64 as text (issue 7, item 11)', async (t) => {
    const office = new URL('../../../../shared/corpus/office/', import.meta.url);
    if (!existsSync(office)) {
      t.skip(`../shared/corpus not found: ${office.pathname}`);
      return;
    }
    for (const name of ['docling-eml_simple.eml', 'docling-eml_with_attachment.eml']) {
      await rejectsWith(new Uint8Array(readFileSync(new URL(name, office))), name, 'unsupported_format', /an e-mail message/);
    }
  });
});
