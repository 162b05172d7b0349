import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { DEFAULT_PARSE_LIMITS } from '../core/parsed-document.ts';
import { FabrikError } from '../../shared/errors.ts';
import { writeZip } from './common/zip-writer.ts';
import { PARSER_VERSION, PARSERS, parseDocument, parserForMediaType } from './parse-document.ts';

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
      ['b.bin', '# Hello\n\n- one\n- two\n', 'text/markdown'],
      ['c.bin', 'x,y\n1,2\n3,4\n', 'text/csv'],
      ['d.bin', 'Just words.\n', 'text/plain'],
    ];
    for (const [name, content, mediaType] of cases) {
      const document = await parseDocument(bytesOf(content), context(name));
      assert.equal(document.mediaType, mediaType);
      assert.equal(document.metadata.parserVersion, PARSER_VERSION);
    }
    assert.match(PARSER_VERSION, /^fabrik-parsers\/\d+\.\d+\.\d+$/);
    assert.equal(parserForMediaType('application/pdf'), PARSERS[0]);
    assert.equal(parserForMediaType('image/png'), null);
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
});
