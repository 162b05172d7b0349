import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARSE_LIMITS } from '../../core/parsed-document.ts';
import { paragraphRanges, textParser } from './text-parser.ts';

const context = { fileName: 'notes.txt', limits: DEFAULT_PARSE_LIMITS };

describe('textParser', () => {
  it('splits paragraphs on blank lines with byte spans into the original bytes', async () => {
    const value = '  Première ligne\r\nsuite €\r\n\r\n\r\nZweiter Absatz  \n\n\tdrei';
    const bytes = new TextEncoder().encode(value);
    const document = await textParser.parse(bytes, context);
    assert.deepEqual(document.elements.map((element) => element.text), ['Première ligne\nsuite €', 'Zweiter Absatz', 'drei']);
    for (const element of document.elements) {
      const [start, end] = element.sourceSpan ?? [0, 0];
      const slice = new TextDecoder().decode(bytes.subarray(start, end)).replace(/\r/g, '');
      assert.equal(slice, element.text);
      assert.equal(document.text.slice(element.span[0], element.span[1]), element.text);
    }
    assert.equal(document.metadata.encoding, 'utf-8');
    assert.equal(document.text, 'Première ligne\nsuite €\n\nZweiter Absatz\n\ndrei');
  });

  it('computes byte spans in UTF-16 files', async () => {
    const value = 'one\n\ntwo';
    const bytes = new Uint8Array(2 + value.length * 2);
    bytes.set([0xff, 0xfe]);
    for (let index = 0; index < value.length; index++) bytes[2 + index * 2] = value.charCodeAt(index);
    const document = await textParser.parse(bytes, context);
    assert.deepEqual(document.elements.map((element) => element.sourceSpan), [[2, 8], [12, 18]]);
    assert.equal(document.metadata.encoding, 'utf-16le');
  });

  it('records a guessed encoding as a warning', async () => {
    const bytes = new Uint8Array(Buffer.from('Ein schöner Tag in Köln, mit Grüßen an die Familie Müller.', 'latin1'));
    const document = await textParser.parse(bytes, context);
    assert.equal(document.elements[0]?.text, 'Ein schöner Tag in Köln, mit Grüßen an die Familie Müller.');
    assert.match(document.warnings.join(' '), /decoded as windows-1252/);
  });

  it('finds paragraph ranges trimmed of surrounding whitespace', () => {
    assert.deepEqual(paragraphRanges('\n\n  a\n b \n\n\nc'), [[4, 8], [12, 13]]);
    assert.deepEqual(paragraphRanges('   \n\t\n'), []);
  });
});
