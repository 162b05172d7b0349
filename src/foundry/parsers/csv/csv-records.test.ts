import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsvRecords } from './csv-records.ts';

describe('parseCsvRecords', () => {
  it('handles quotes, doubled quotes, embedded delimiters and line breaks', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","multi\nline"\n1,,3';
    const { records, unterminated } = parseCsvRecords(text, ',');
    assert.equal(unterminated, false);
    assert.deepEqual(records.map((record) => record.fields), [['a', 'b', 'c'], ['x, y', 'say "hi"', 'multi\nline'], ['1', '', '3']]);
    assert.deepEqual(records.map((record) => text.slice(record.start, record.end)), ['a,b,c', '"x, y","say ""hi""","multi\nline"', '1,,3']);
  });

  it('skips blank lines, keeps a trailing empty field, ends records at CR', () => {
    const { records } = parseCsvRecords('a;b\r\n\r\n1;\r2;x\r\n', ';');
    assert.deepEqual(records.map((record) => record.fields), [['a', 'b'], ['1', ''], ['2', 'x']]);
  });

  it('runs an unterminated quote to the end and reports it', () => {
    const { records, unterminated } = parseCsvRecords('a,"open\nstill open', ',');
    assert.equal(unterminated, true);
    assert.deepEqual(records[0]?.fields, ['a', 'open\nstill open']);
  });

  it('keeps a quote inside an unquoted field as text, and text after a closing quote', () => {
    const { records } = parseCsvRecords('5" pipe,"quoted"tail', ',');
    assert.deepEqual(records[0]?.fields, ['5" pipe', 'quotedtail']);
  });
});
