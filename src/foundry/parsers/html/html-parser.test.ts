import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARSE_LIMITS } from '../../core/parsed-document.ts';
import { decodeHtml, htmlParser } from './html-parser.ts';

const context = { fileName: 'page.html', limits: DEFAULT_PARSE_LIMITS };
const parse = (html: string, limits = DEFAULT_PARSE_LIMITS) => htmlParser.parse(new TextEncoder().encode(html), { ...context, limits });

describe('htmlParser', () => {
  it('walks blocks with kinds, levels and inline spacing, minus page chrome', async () => {
    const document = await parse(`<!doctype html><html lang="de"><head><title>Seite</title><style>p{}</style></head><body>
      <nav><a href="/">Home</a> <a href="/about">About</a></nav>
      <div class="cookie-banner">We use cookies</div>
      <header>Site banner</header>
      <main>
        <h1>Main <em>title</em></h1>
        <p>Some <b>bold</b>text, a <a href="#">link</a>.<br>Second line.</p>
        <ul><li>One<ul><li>Nested</li></ul></li><li>Two</li></ul>
        <ol start="3"><li>Third</li></ol>
        <pre><code class="language-js">const a = 1;
  if (a) b();</code></pre>
        <blockquote><p>Quoted words</p></blockquote>
        <figure><img src="x.png" alt="x"><figcaption>A caption</figcaption></figure>
        <dl><dt>Term</dt><dd>Definition</dd></dl>
        <p hidden>hidden text</p>
        <script>var x = 1;</script>
      </main>
      <footer>Copyright</footer>
    </body></html>`);
    assert.equal(document.title, 'Seite');
    assert.equal(document.metadata.lang, 'de');
    assert.deepEqual(document.elements.map((element) => [element.kind, element.level, element.text]), [
      ['title', undefined, 'Seite'],
      ['heading', 1, 'Main title'],
      ['paragraph', undefined, 'Some boldtext, a link.\nSecond line.'],
      ['list-item', 1, 'One'],
      ['list-item', 2, 'Nested'],
      ['list-item', 1, 'Two'],
      ['list-item', 1, 'Third'],
      ['code', undefined, 'const a = 1;\n  if (a) b();'],
      ['quote', undefined, 'Quoted words'],
      ['caption', undefined, 'A caption'],
      ['paragraph', undefined, 'Term'],
      ['paragraph', undefined, 'Definition'],
    ]);
    assert.deepEqual(document.elements[6]?.attributes, { ordered: true, ordinal: 3 });
    assert.deepEqual(document.elements[7]?.attributes, { language: 'js' });
  });

  it('reads a data table as one element, spans repeated into the cells they cover', async () => {
    const document = await parse(`<table><caption>Ducks</caption>
      <tr><th>Name</th><th colspan="2">Sizes</th></tr>
      <tr><td rowspan="2">Mallard</td><td>50</td><td>60</td></tr>
      <tr><td>55</td><td>65</td></tr></table>`);
    const table = document.elements.find((element) => element.kind === 'table');
    assert.equal(table?.text, 'Name | Sizes | Sizes\nMallard | 50 | 60\nMallard | 55 | 65');
    assert.deepEqual(table?.attributes?.cells, [['Name', 'Sizes', 'Sizes'], ['Mallard', '50', '60'], ['Mallard', '55', '65']]);
    assert.ok(document.elements.some((element) => element.kind === 'caption' && element.text === 'Ducks'));
  });

  it('prefers Readability for a long article inside page chrome', async () => {
    const paragraphs = Array.from({ length: 12 }, (_, index) => `<p>Paragraph ${index} of the article tells a long and detailed story about ducks, ponds, rivers and the people who watch them every morning.</p>`).join('');
    const links = Array.from({ length: 40 }, (_, index) => `<div class="menu-item"><a href="/x${index}">Menu link ${index}</a></div>`).join('');
    const document = await parse(`<html><head><title>Ducks</title></head><body><div class="sidebar">${links}</div><article><h1>Ducks</h1>${paragraphs}</article><div class="related">${links}</div></body></html>`);
    assert.equal(document.metadata.extraction, 'readability');
    assert.ok(!document.text.includes('Menu link'));
    assert.ok(document.text.includes('Paragraph 11 of the article'));
  });

  it('survives nesting far deeper than maxDepth without a stack overflow', async () => {
    const depth = 30_000; // far past any recursive walk's stack
    const html = `<html><body>${'<div>'.repeat(depth)}deep text${'</div>'.repeat(depth)}<p>after</p></body></html>`;
    const document = await parse(html, { ...DEFAULT_PARSE_LIMITS, maxDepth: 64 });
    assert.ok(document.text.includes('deep text'));
    assert.ok(document.text.includes('after'));
    assert.match(document.warnings.join(' '), /deeper than 64 levels/);
  });

  it('keeps the content of a page that is all menu rather than returning nothing', async () => {
    const document = await parse('<html><body><ul role="menu"><li><a href="/a">Only link</a></li></ul></body></html>');
    assert.deepEqual(document.elements.map((element) => element.text), ['Only link']);
  });

  it('decodes by BOM, then <meta charset>, then the text rules', () => {
    const latin = new Uint8Array(Buffer.from('<html><head><meta charset="iso-8859-1"></head><body>caf\u00e9</body></html>', 'latin1'));
    assert.equal(decodeHtml(latin).encoding, 'windows-1252');
    assert.ok(decodeHtml(latin).text.includes('café'));
    const mislabeled = new TextEncoder().encode('<html><head><meta charset="windows-1252"></head><body>café</body></html>');
    assert.equal(decodeHtml(mislabeled).encoding, 'utf-8');
  });
});
