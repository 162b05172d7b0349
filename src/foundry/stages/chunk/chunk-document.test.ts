import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { DocumentBuilder } from '../../core/document-builder.ts';
import type { ElementKind } from '../../core/parsed-document.ts';
import { chunkDocument, validateChunkOptions, type ChunkElement } from './chunk-document.ts';

function makeDocument(parts: Array<[ElementKind, string, number?]>): { text: string; elements: ChunkElement[] } {
  const builder = new DocumentBuilder();
  for (const [kind, text, page] of parts) builder.add({ kind, text, page: page ?? 1 });
  const document = builder.build('text/plain');
  return { text: document.text, elements: document.elements.map((element, index) => ({ id: `el_${index}`, kind: element.kind, text: element.text, page: element.page, span: element.span })) };
}

const WORDS = 'The pump housing must be inspected for cracks before every start, and the seals replaced every 4000 operating hours.';

test('chunks never exceed the token limit and never cut a word', () => {
  const paragraphs = Array.from({ length: 40 }, (_, index) => ['paragraph', `${index}: ${WORDS} ${WORDS}`] as [ElementKind, string]);
  const { text, elements } = makeDocument(paragraphs);
  const words = new Set(text.split(/\s+/));
  for (const options of [{ chunkTokens: 64, overlap: 0 }, { chunkTokens: 100, overlap: 20 }, { chunkTokens: 512, overlap: 64 }]) {
    const chunks = chunkDocument(text, elements, options);
    assert.ok(chunks.length > 0);
    for (const chunk of chunks) {
      assert.ok(chunk.tokenCount <= options.chunkTokens, `chunk of ${chunk.tokenCount} tokens over ${options.chunkTokens}`);
      assert.equal(chunk.tokenCount, countTokens(chunk.text));
      assert.equal(chunk.text, text.slice(chunk.span[0], chunk.span[1]));
      for (const word of chunk.text.split(/\s+/)) assert.ok(words.has(word), `word ${JSON.stringify(word)} was cut`);
      // Starts and ends on a word boundary of the canonical text.
      assert.ok(chunk.span[0] === 0 || /\s/.test(text[chunk.span[0] - 1] ?? ''));
      assert.ok(chunk.span[1] === text.length || /\s/.test(text[chunk.span[1]] ?? ''));
    }
    // Every character of the text is in some chunk.
    let covered = 0;
    for (const chunk of chunks) {
      assert.ok(chunk.span[0] <= covered + 2, `gap before ${chunk.span[0]}`);
      covered = Math.max(covered, chunk.span[1]);
    }
    assert.equal(covered, text.length);
  }
});

test('an element longer than the limit is split between words', () => {
  const long = Array.from({ length: 30 }, () => WORDS).join(' ');
  const { text, elements } = makeDocument([['paragraph', long]]);
  const chunks = chunkDocument(text, elements, { chunkTokens: 50, overlap: 0 });
  assert.ok(chunks.length >= 10);
  assert.equal(chunks.map((chunk) => chunk.text).join(' '), long);
  for (const chunk of chunks) assert.deepEqual(chunk.elementIds, ['el_0']);
});

test('a heading starts a new chunk and overlap stays inside a section', () => {
  const { text, elements } = makeDocument([
    ['heading', 'Installation'],
    ['paragraph', WORDS],
    ['paragraph', WORDS],
    ['heading', 'Maintenance'],
    ['paragraph', WORDS],
  ]);
  const chunks = chunkDocument(text, elements, { chunkTokens: 200, overlap: 20 });
  assert.equal(chunks.length, 2);
  assert.ok(chunks[0]?.text.startsWith('Installation'));
  assert.ok(chunks[1]?.text.startsWith('Maintenance'));
  assert.ok(!(chunks[0]?.text.includes('Maintenance') ?? true));
});

test('overlap repeats the tail of the previous chunk, within the overlap budget', () => {
  const paragraphs = Array.from({ length: 12 }, (_, index) => ['paragraph', `Step ${index}. ${WORDS}`] as [ElementKind, string]);
  const { text, elements } = makeDocument(paragraphs);
  const chunks = chunkDocument(text, elements, { chunkTokens: 80, overlap: 16 });
  for (let index = 1; index < chunks.length; index += 1) {
    const previous = chunks[index - 1];
    const current = chunks[index];
    assert.ok(previous !== undefined && current !== undefined);
    assert.ok(current.span[0] < previous.span[1], 'chunks overlap');
    assert.ok(countTokens(text.slice(current.span[0], previous.span[1])) <= 16);
  }
});

test('pages and element ids follow the chunk span', () => {
  const { text, elements } = makeDocument([['paragraph', WORDS, 1], ['paragraph', WORDS, 2], ['paragraph', WORDS, 3]]);
  const [chunk] = chunkDocument(text, elements, { chunkTokens: 512, overlap: 0 });
  assert.deepEqual(chunk?.pages, [1, 2, 3]);
  assert.deepEqual(chunk?.elementIds, ['el_0', 'el_1', 'el_2']);
});

test('the same input gives the same chunks', () => {
  const { text, elements } = makeDocument(Array.from({ length: 20 }, (_, index) => ['paragraph', `${index} ${WORDS}`] as [ElementKind, string]));
  assert.deepEqual(chunkDocument(text, elements, { chunkTokens: 90, overlap: 10 }), chunkDocument(text, elements, { chunkTokens: 90, overlap: 10 }));
});

test('a single word longer than the limit is kept whole', () => {
  const word = 'x'.repeat(2000);
  const { text, elements } = makeDocument([['paragraph', `short start ${word} short end`]]);
  const chunks = chunkDocument(text, elements, { chunkTokens: 32, overlap: 0 });
  assert.ok(chunks.some((chunk) => chunk.text === word));
});

test('bad options name the option and the rule', () => {
  assert.throws(() => validateChunkOptions({ chunkTokens: 4, overlap: 0 }), /--chunk-tokens must be a whole number from 16/);
  assert.throws(() => validateChunkOptions({ chunkTokens: 100, overlap: 60 }), /--overlap must be a whole number from 0 to half/);
});
