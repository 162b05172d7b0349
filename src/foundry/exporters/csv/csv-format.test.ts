import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExportLine } from '../export-line.ts';
import { csvFormat, neutraliseFormula } from './csv-format.ts';

function line(text: string, path = '/data/notes.txt'): ExportLine {
  return {
    id: 'chunk_1', text, tokens: 3, dataset: 'd', version: 'v1',
    source: { sha256: 'ab', path, media_type: 'text/plain', source_version: 1, document_id: 'document_1', pages: [1], char_span: [0, text.length], element_ids: ['element_1'] },
  };
}

/** Splits one RFC 4180 record (no line breaks inside fields here) into its fields. */
function fields(record: string): string[] {
  const out: string[] = [];
  const pattern = /("(?:[^"]|"")*"|[^,\r\n]*)(,|\r\n)/g;
  for (const match of record.matchAll(pattern)) out.push((match[1] ?? '').replace(/^"([\s\S]*)"$/, '$1').replaceAll('""', '"'));
  return out;
}

test('cells a spreadsheet would run as formulas start with an apostrophe', () => {
  for (const text of ['=HYPERLINK("http://evil.example","click")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\tTAB', '\rCR']) {
    const cells = fields(csvFormat.line(line(text)));
    assert.equal(cells[1], `'${text}`, JSON.stringify(text));
  }
});

test('every column is guarded, not just the text', () => {
  const cells = fields(csvFormat.line(line('plain', '=cmd.csv')));
  assert.equal(cells[6], "'=cmd.csv");
});

test('ordinary text, and formula characters later in a cell, stay as they are', () => {
  for (const text of ['Service interval: 500 h', 'a = b + c', 'mail@example.com', '5 - 3', '']) {
    assert.equal(neutraliseFormula(text), text);
    assert.equal(fields(csvFormat.line(line(text)))[1], text);
  }
});
