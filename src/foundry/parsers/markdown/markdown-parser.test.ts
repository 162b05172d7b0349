import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARSE_LIMITS } from '../../core/parsed-document.ts';
import { markdownInlineText } from './markdown-inline.ts';
import { markdownParser } from './markdown-parser.ts';

const context = { fileName: 'README.md', limits: DEFAULT_PARSE_LIMITS };

describe('markdownParser', () => {
  it('turns blocks into elements with byte spans, levels and attributes', async () => {
    const value = '---\ntitle: Über uns\n---\n# Überschrift\n\nText mit [Link](https://example.com) und `code`.\n\n- Punkt ä\n  - tiefer\n\n```python\nprint("hi")\n```\n\n| A | B |\n|---|---|\n| 1 | 2 |\n';
    const bytes = new TextEncoder().encode(value);
    const document = await markdownParser.parse(bytes, context);
    assert.equal(document.title, 'Über uns');
    assert.deepEqual(document.elements.map((element) => [element.kind, element.level, element.text]), [
      ['heading', 1, 'Überschrift'],
      ['paragraph', undefined, 'Text mit Link und code.'],
      ['list-item', 1, 'Punkt ä'],
      ['list-item', 2, 'tiefer'],
      ['code', undefined, 'print("hi")'],
      ['table', undefined, 'A | B\n1 | 2'],
    ]);
    assert.deepEqual(document.elements[1]?.attributes, { links: ['https://example.com'] });
    assert.deepEqual(document.elements[4]?.attributes, { language: 'python' });
    assert.deepEqual(document.elements[5]?.attributes?.cells, [['A', 'B'], ['1', '2']]);
    const decode = (span: [number, number] | undefined): string => new TextDecoder().decode(bytes.subarray(span?.[0], span?.[1]));
    assert.equal(decode(document.elements[0]?.sourceSpan), '# Überschrift');
    assert.equal(decode(document.elements[2]?.sourceSpan), '- Punkt ä');
    assert.equal(decode(document.elements[4]?.sourceSpan), '```python\nprint("hi")\n```');
  });

  it('strips inline markup but not inside code spans or words', () => {
    assert.equal(markdownInlineText('**bold** and *em* and _em_ and ~~gone~~ and snake_case_name').text, 'bold and em and em and gone and snake_case_name');
    assert.equal(markdownInlineText('`a *b* c` ![alt](x.png) <b>x</b> \\*lit\\* &amp;').text, 'a *b* c alt x *lit* &');
    assert.deepEqual(markdownInlineText('<https://a.example> [t](https://b.example "title")').links, ['https://b.example', 'https://a.example']);
  });

  it('stays fast on pathological inline markup', async () => {
    const started = performance.now();
    const hostile = `${'['.repeat(50_000)}\n\n${'**a '.repeat(20_000)}\n\n${'`'.repeat(30_000)}\n\n${'<a '.repeat(20_000)}`;
    const document = await markdownParser.parse(new TextEncoder().encode(hostile), context);
    assert.ok(document.elements.length >= 3);
    assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`);
  });
});
