import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { wrapText } from './create-pdf.ts';

test('wrapText keeps every line within the width and every word in order', async () => {
  const font = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
  const text = 'Check the coupling alignment with a dial gauge or a laser alignment tool. Radial and axial misalignment must not exceed 0.05 mm.';
  const lines = wrapText(text, font, 10, 150);
  assert.ok(lines.length >= 4, `${lines.length} lines`);
  for (const line of lines) assert.ok(font.widthOfTextAtSize(line, 10) <= 150, `"${line}" fits`);
  assert.equal(lines.join(' '), text);
  // Each line is as full as it can be: the next word would not have fitted.
  lines.slice(0, -1).forEach((line, index) => {
    const nextWord = lines[index + 1]?.split(' ')[0] ?? '';
    assert.ok(font.widthOfTextAtSize(`${line} ${nextWord}`, 10) > 150, `"${line}" could not take "${nextWord}"`);
  });
});

test('wrapText breaks a word wider than the line by characters', async () => {
  const font = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
  const lines = wrapText('NW-SK-200-01,NW-OR-200-05,NW-BK-200-02', font, 9.5, 60);
  assert.ok(lines.length > 1);
  for (const line of lines) assert.ok(font.widthOfTextAtSize(line, 9.5) <= 60, `"${line}" fits`);
  assert.equal(lines.join(''), 'NW-SK-200-01,NW-OR-200-05,NW-BK-200-02');
});
