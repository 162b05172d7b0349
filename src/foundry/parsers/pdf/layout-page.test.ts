import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinLines } from './join-lines.ts';
import { repairLamAlef } from './line-segments.ts';
import { layoutPage, type LayoutItem } from './layout-page.ts';

const HEIGHT = 800;
const VIEWPORT = [1, 0, 0, -1, 0, HEIGHT];
const fonts = { f: { fontFamily: 'serif', ascent: 0.8, descent: -0.2 }, v: { fontFamily: 'serif', vertical: true } };
/** A text item at (x, y) in PDF space (y up), with a width of 0.5 em per character unless given. */
const item = (str: string, x: number, y: number, size = 10, width = str.length * size * 0.5, dir = 'ltr', fontName = 'f'): LayoutItem => ({ str, dir, width, transform: [size, 0, 0, size, x, y], fontName });
const texts = (items: LayoutItem[]) => layoutPage(items, fonts, VIEWPORT).map((block) => block.lines.map((line) => line.text).join(' / '));

describe('layoutPage', () => {
  it('joins touching runs without a space and spaced runs with one', () => {
    assert.deepEqual(texts([item('professi', 100, 700), item('onal', 140, 700), item('work', 162, 700)]), ['professional work']);
  });

  it('keeps a superscript on its line even when the other column shares the baseline', () => {
    const blocks = texts([
      item('Left column text here', 50, 700),
      item('up to', 320, 700),
      item('1', 348, 703.5, 5.5, 2.75),
      item('/4 inch', 350.75, 700),
    ]);
    assert.deepEqual(blocks, ['Left column text here', 'up to 1/4 inch']);
  });

  it('drops text drawn twice at the same spot (fake bold)', () => {
    assert.deepEqual(texts([item('Bold', 100, 700), item('Bold', 100.3, 700)]), ['Bold']);
  });

  it('reads right-to-left lines from right to left, with a space where the script changes', () => {
    const blocks = texts([item('Python', 396.5, 700, 12, 34, 'ltr'), item('\u0645\u0646', 300, 700, 12, 96.3, 'rtl'), item('\u0628\u0644\u063a\u0629 \u0627\u0644\u0628\u0631\u0645\u062c\u0629', 440, 700, 12, 80, 'rtl')]);
    assert.deepEqual(blocks, ['\u0628\u0644\u063a\u0629 \u0627\u0644\u0628\u0631\u0645\u062c\u0629 Python \u0645\u0646']);
  });

  it('orders a two-column page by columns even where paragraph gaps line up', () => {
    const items: LayoutItem[] = [];
    for (const [offset, skip] of [[0, false], [1, false], [2, true], [3, false], [4, false]] as const) {
      if (skip) continue;
      items.push(item(`left ${offset}`, 50, 700 - offset * 12), item(`right ${offset}`, 320, 700 - offset * 12));
    }
    items.push(item('A heading across both columns of the page', 50, 740, 16, 500));
    assert.deepEqual(texts(items), ['A heading across both columns of the page', 'left 0 / left 1', 'left 3 / left 4', 'right 0 / right 1', 'right 3 / right 4']);
  });

  it('reads vertical writing as columns from right to left', () => {
    const blocks = layoutPage([item('\u3042\u3044\u3046', 233, 700, 9, 9, 'ttb', 'v'), item('\u65e5\u672c', 218, 700, 9, 9, 'ttb', 'v')], fonts, VIEWPORT);
    assert.equal(blocks[0]?.orientation, 'vertical');
    assert.deepEqual(blocks[0]?.lines.map((line) => line.text), ['\u3042\u3044\u3046', '\u65e5\u672c']);
  });

  it('makes rows of three or more narrow segments into table rows', () => {
    const blocks = layoutPage([item('a', 50, 700), item('b', 200, 700), item('c', 350, 700), item('1', 50, 686), item('2', 200, 686), item('3', 350, 686)], fonts, VIEWPORT);
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0]?.table, true);
    assert.deepEqual(blocks[0]?.lines.map((line) => line.cells), [['a', 'b', 'c'], ['1', '2', '3']]);
  });
});

describe('joinLines', () => {
  it('de-hyphenates line ends before a lower-case letter and keeps other hyphens', () => {
    assert.equal(joinLines(['a sustain-', 'able plan']), 'a sustainable plan');
    assert.equal(joinLines(['the mid-', '19th century']), 'the mid-19th century');
    assert.equal(joinLines(['soft\u00ad', 'hyphen']), 'softhyphen');
    assert.equal(joinLines(['\u65e5\u672c\u8a9e\u306e', '\u6587\u7ae0']), '\u65e5\u672c\u8a9e\u306e\u6587\u7ae0');
    assert.equal(joinLines(['\ud55c\uad6d\uc5b4', '\ubb38\uc7a5']), '\ud55c\uad6d\uc5b4 \ubb38\uc7a5');
  });
});

describe('repairLamAlef', () => {
  it('puts the article before a ligated alef back in order', () => {
    assert.equal(repairLamAlef('\u0627\u0625\u0644\u0646\u062a\u0627\u062c\u064a\u0629'), '\u0627\u0644\u0625\u0646\u062a\u0627\u062c\u064a\u0629');
    assert.equal(repairLamAlef('\u0625\u0644\u0649'), '\u0625\u0644\u0649');
  });
});
