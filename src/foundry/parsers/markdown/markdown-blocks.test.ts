import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markdownBlocks, splitRow } from './markdown-blocks.ts';

const summary = (text: string): string[] =>
  markdownBlocks(text).map((block) => `${block.kind}${block.level ?? ''}${block.language === undefined ? '' : `(${block.language})`}: ${block.rows === undefined ? block.content : JSON.stringify(block.rows)}`);

describe('markdownBlocks', () => {
  it('reads ATX and setext headings, paragraphs and thematic breaks', () => {
    assert.deepEqual(summary('# One #\n\nSome *text*\ncontinued.\n\nTwo\n===\n\nThree\n---\n\n***\n\n####### not a heading'), [
      'heading1: One',
      'paragraph: Some *text*\ncontinued.',
      'heading1: Two',
      'heading2: Three',
      'paragraph: ####### not a heading',
    ]);
  });

  it('reads fenced code with a language, and indented code', () => {
    assert.deepEqual(summary('```ts title\nconst a = 1;\n\n  indented();\n```\n\n    plain code\n    more\n\ntext'), [
      'code(ts): const a = 1;\n\n  indented();',
      'code: plain code\nmore',
      'paragraph: text',
    ]);
    assert.deepEqual(summary('~~~~\nunclosed fence'), ['code: unclosed fence']);
  });

  it('reads nested lists with levels, ordinals and task boxes', () => {
    const blocks = markdownBlocks('- one\n  continued\n  - nested\n    - deeper\n- two\n\n1. first\n2) second\n- [x] done');
    assert.deepEqual(blocks.map((block) => [block.kind, block.level, block.content]), [
      ['list-item', 1, 'one\ncontinued'],
      ['list-item', 2, 'nested'],
      ['list-item', 3, 'deeper'],
      ['list-item', 1, 'two'],
      ['list-item', 1, 'first'],
      ['list-item', 1, 'second'],
      ['list-item', 1, 'done'],
    ]);
    assert.equal(blocks[4]?.ordinal, 1);
    assert.equal(blocks[5]?.ordinal, 2);
    assert.equal(blocks[6]?.checked, true);
  });

  it('reads block quotes, one block per paragraph, with lazy continuation', () => {
    assert.deepEqual(summary('> quoted\nlazy line\n>\n> > second para\n\nafter'), ['quote: quoted\nlazy line', 'quote: second para', 'paragraph: after']);
  });

  it('reads GFM tables, padding short rows and cutting long ones', () => {
    assert.deepEqual(summary('| a | b |\n|:--|--:|\n| 1 | 2 |\n| 3 |\n| 4 | 5 | 6 |\n\nnext'), ['table: [["a","b"],["1","2"],["3",""],["4","5"]]', 'paragraph: next']);
    assert.deepEqual(splitRow('| a \\| b | c |'), ['a | b', 'c']);
  });

  it('gives every block the exact source range of its lines', () => {
    const text = '# Title\r\n\r\nPara one\r\nline two\r\n\r\n- item\r\n';
    const blocks = markdownBlocks(text);
    assert.deepEqual(blocks.map((block) => text.slice(block.start, block.end)), ['# Title', 'Para one\r\nline two', '- item']);
  });

  it('skips YAML front matter as its own block', () => {
    const blocks = markdownBlocks('---\ntitle: Hello\n---\n\nBody');
    assert.deepEqual(blocks.map((block) => block.kind), ['front-matter', 'paragraph']);
  });

  it('stays linear on pathological input', () => {
    const started = performance.now();
    markdownBlocks(`${'> '.repeat(50_000)}x\n${'- '.repeat(20_000)}y\n${'['.repeat(100_000)}`);
    assert.ok(performance.now() - started < 2000);
  });
});
