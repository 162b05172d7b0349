/**
 * A UTF-8 decoder stress test in the style of Markus Kuhn's UTF-8-test.txt: ASCII prose, correct
 * UTF-8 (a Greek word, the boundary code points, noncharacters), a literal NUL, and then the
 * deliberately malformed parts: lone continuation and start bytes, truncated sequences, impossible
 * bytes, overlong forms and surrogates. Used by tests; `validLines` are the lines that hold only valid text.
 */
export function utf8StressSample(): { bytes: Uint8Array; validLines: string[] } {
  const parts: number[] = [];
  const validLines: string[] = [];
  const text = (value: string, valid = true): void => {
    parts.push(...new TextEncoder().encode(value));
    if (valid) validLines.push(...value.split('\n').filter((line) => line.trim().length > 0));
  };
  const raw = (...bytes: number[]): void => {
    parts.push(...bytes);
  };
  text('UTF-8 decoder capability and stress test\n----------------------------------------\n\n');
  for (let line = 0; line < 40; line++) text(`Line ${line}: this test file can help you examine how your UTF-8 decoder handles correct and malformed input.\n`);
  text('1  Some correct UTF-8 text: the Greek word "κόσμε"\n\n');
  for (const codePoint of [0x80, 0x800, 0x10000, 0x7ff, 0xffff, 0x10ffff, 0xd7ff, 0xe000, 0xfffd]) {
    text(`2  Boundary U+${codePoint.toString(16).toUpperCase()}: "${String.fromCodePoint(codePoint)}"\n`);
  }
  text('2.1.1  1 byte (U-00000000): "', false);
  raw(0x00);
  text('"\n', false);
  text('3.1  Unexpected continuation bytes: ', false);
  for (let byte = 0x80; byte <= 0xbf; byte++) raw(byte, 0x20);
  text('\n3.2  Lonely start characters: ', false);
  for (let byte = 0xc0; byte <= 0xfd; byte++) raw(byte, 0x20);
  text('\n3.3  Sequences with the last continuation byte missing: "', false);
  raw(0xc0, 0x22, 0xe0, 0x80, 0x22, 0xf0, 0x80, 0x80, 0x22, 0xdf, 0x22, 0xef, 0xbf, 0x22, 0xf7, 0xbf, 0xbf);
  text('"\n3.5  Impossible bytes: "', false);
  raw(0xfe, 0x22, 0x20, 0x22, 0xff, 0x22, 0x20, 0xfe, 0xfe, 0xff, 0xff);
  text('"\n4  Overlong sequences: "', false);
  raw(0xc0, 0xaf, 0x20, 0xe0, 0x80, 0xaf, 0x20, 0xf0, 0x80, 0x80, 0xaf, 0x20, 0xc1, 0xbf, 0x20, 0xc0, 0x80);
  text('"\n5  Surrogates: "', false);
  raw(0xed, 0xa0, 0x80, 0x20, 0xed, 0xad, 0xbf, 0x20, 0xed, 0xbf, 0xbf, 0x20, 0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80);
  text('"\n');
  text('5.3  Noncharacters: "\ufffe\uffff\ufdd0\ufdef"\n');
  for (let line = 0; line < 30; line++) text(`The end, line ${line}: plain ASCII to pad the file as the original is padded.\n`);
  return { bytes: new Uint8Array(parts), validLines };
}
