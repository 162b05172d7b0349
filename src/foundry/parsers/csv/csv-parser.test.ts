import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARSE_LIMITS } from '../../core/parsed-document.ts';
import { csvParser } from './csv-parser.ts';

const context = { fileName: 'people.csv', limits: DEFAULT_PARSE_LIMITS };

describe('csvParser', () => {
  it('emits one table-row per data row with the header in its text and cells', async () => {
    const value = '\ufeffName,City,Note\nAda,London,"first, programmer"\nAlan,Wilmslow,\n';
    const bytes = new TextEncoder().encode(value);
    const document = await csvParser.parse(bytes, context);
    assert.equal(document.mediaType, 'text/csv');
    assert.deepEqual(document.elements.map((element) => element.text), ['Name: Ada; City: London; Note: first, programmer', 'Name: Alan; City: Wilmslow']);
    assert.deepEqual(document.elements[0]?.attributes, { row: 1, cells: [['Name', 'Ada'], ['City', 'London'], ['Note', 'first, programmer']] });
    const [start, end] = document.elements[1]?.sourceSpan ?? [0, 0];
    assert.equal(new TextDecoder().decode(bytes.subarray(start, end)), 'Alan,Wilmslow,');
    assert.equal(document.elements.every((element) => element.kind === 'table-row'), true);
  });

  it('keeps ragged rows: extra cells are named column_N, with a warning', async () => {
    const bytes = new TextEncoder().encode('a;b\n1;2;3\n4\n5;6\n');
    const document = await csvParser.parse(bytes, context);
    assert.equal(document.elements[0]?.text, 'a: 1; b: 2; column_3: 3');
    assert.equal(document.elements[1]?.text, 'a: 4');
    assert.equal(document.warnings.length, 2);
    assert.equal(document.metadata.delimiter, ';');
  });

  it('computes byte spans in a legacy encoding', async () => {
    const bytes = new Uint8Array(Buffer.from('Stadt,Straße\nKöln,Hohe Straße\nMünchen,Maximilianstraße\n', 'latin1'));
    const document = await csvParser.parse(bytes, context);
    assert.equal(document.elements[1]?.text, 'Stadt: München; Straße: Maximilianstraße');
    const [start, end] = document.elements[1]?.sourceSpan ?? [0, 0];
    assert.equal(Buffer.from(bytes.subarray(start, end)).toString('latin1'), 'München,Maximilianstraße');
  });

  it('keeps a header-only file as one row', async () => {
    const document = await csvParser.parse(new TextEncoder().encode('id,name\n'), context);
    assert.equal(document.elements.length, 1);
    assert.equal(document.elements[0]?.text, 'id; name');
  });
});
