import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeText, encodingFromBom } from './text-source.ts';
import { utf8StressSample } from './utf8-stress-sample.ts';

const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/** UTF-32 with its byte order mark, one 4-byte unit per code point. */
function utf32(value: string, littleEndian: boolean): Uint8Array {
  const codePoints = Array.from(value, (character) => character.codePointAt(0) ?? 0);
  const view = new DataView(new ArrayBuffer(4 * (codePoints.length + 1)));
  view.setUint32(0, 0xfeff, littleEndian);
  for (const [index, codePoint] of codePoints.entries()) view.setUint32(4 * (index + 1), codePoint, littleEndian);
  return new Uint8Array(view.buffer);
}

/** Encodes text in a legacy encoding TextDecoder knows, by inverting the decoder over all one- and two-byte sequences. */
function legacyEncode(value: string, encoding: string): Uint8Array {
  const decoder = new TextDecoder(encoding, { fatal: true });
  const table = new Map<string, number[]>();
  const learn = (bytes: number[]): void => {
    try {
      const character = decoder.decode(new Uint8Array(bytes));
      if (character.length === 1 && !table.has(character)) table.set(character, bytes);
    } catch {
      // not a character in this encoding
    }
  };
  for (let first = 0; first < 256; first++) learn([first]);
  for (let first = 0x81; first < 256; first++) for (let second = 0x40; second < 256; second++) learn([first, second]);
  return new Uint8Array(Array.from(value).flatMap((character) => {
    const bytes = table.get(character);
    if (bytes === undefined) throw new Error(`${character} is not in ${encoding}`);
    return bytes;
  }));
}

/** Every position's byte offset must split the bytes so that the prefix decodes to the text before it. */
function assertOffsetsConsistent(bytes: Uint8Array, positions: number[]): void {
  const source = decodeText(bytes);
  for (const position of positions) {
    const offset = source.byteOffset(position);
    const prefix = new TextDecoder(source.encoding, { ignoreBOM: false }).decode(bytes.subarray(0, offset));
    assert.equal(prefix.replace(/^\ufeff/, ''), source.text.slice(0, position), `position ${position} → byte ${offset}`);
  }
}

describe('decodeText', () => {
  it('decodes valid UTF-8 and maps positions to byte offsets exactly', () => {
    const value = 'a€b😀c\nzweite Zeile — ü';
    const bytes = utf8(value);
    const source = decodeText(bytes);
    assert.equal(source.text, value);
    assert.equal(source.encoding, 'utf-8');
    assert.equal(source.encodingSource, 'valid-utf-8');
    assert.equal(source.byteOffset(0), 0);
    assert.equal(source.byteOffset(1), 1);
    assert.equal(source.byteOffset(2), 4); // after the 3-byte euro sign
    assert.equal(source.byteOffset(5), 9); // after the 4-byte emoji (two UTF-16 units)
    assert.equal(source.byteOffset(value.length), bytes.length);
    assertOffsetsConsistent(bytes, [0, 3, 6, 7, 12, value.length]);
  });

  it('maps offsets across the 4096-unit checkpoints', () => {
    const value = `${'é'.repeat(5000)}x${'😀'.repeat(3000)}`;
    const source = decodeText(utf8(value));
    assert.equal(source.byteOffset(5000), 10_000);
    assert.equal(source.byteOffset(5001), 10_001);
    assert.equal(source.byteOffset(value.length), 10_001 + 12_000);
  });

  it('honours and skips a UTF-8 BOM', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('hé')]);
    const source = decodeText(bytes);
    assert.equal(source.text, 'hé');
    assert.equal(source.bom, true);
    assert.equal(source.byteOffset(0), 3);
    assert.equal(source.byteOffset(2), 6);
  });

  it('decodes UTF-16LE and UTF-16BE with a BOM, two bytes per unit', () => {
    const little = new Uint8Array([0xff, 0xfe, 0x68, 0x00, 0xe9, 0x00, 0x0a, 0x00, 0x3d, 0xd8, 0x00, 0xde]);
    const source = decodeText(little);
    assert.equal(source.text, 'hé\n😀');
    assert.equal(source.encoding, 'utf-16le');
    assert.equal(source.byteOffset(3), 8);
    const big = new Uint8Array([0xfe, 0xff, 0x00, 0x68, 0x00, 0x69]);
    assert.equal(decodeText(big).text, 'hi');
    assert.equal(decodeText(big).encoding, 'utf-16be');
  });

  it('detects BOM-less UTF-16 from the NUL pattern', () => {
    const value = 'Plain ASCII text written as UTF-16 little endian.';
    const bytes = new Uint8Array(value.length * 2);
    for (let index = 0; index < value.length; index++) bytes[index * 2] = value.charCodeAt(index);
    const source = decodeText(bytes);
    assert.equal(source.encoding, 'utf-16le');
    assert.equal(source.text, value);
  });

  it('guesses a legacy 8-bit encoding and keeps one byte per character', () => {
    const latin1 = new Uint8Array(Buffer.from('Le garçon a mangé une crème brûlée près de la fenêtre, déçu.\nÀ bientôt!', 'latin1'));
    const source = decodeText(latin1);
    assert.equal(source.encoding, 'windows-1252');
    assert.equal(source.text, 'Le garçon a mangé une crème brûlée près de la fenêtre, déçu.\nÀ bientôt!');
    assert.equal(source.byteOffset(10), 10);
  });

  it('maps offsets in a multi-byte legacy encoding (Shift_JIS) line by line', () => {
    // 日本語のテキストです。 twice, in Shift_JIS, on two lines.
    const line = [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x82, 0xcc, 0x83, 0x65, 0x83, 0x4c, 0x83, 0x58, 0x83, 0x67, 0x82, 0xc5, 0x82, 0xb7, 0x81, 0x42];
    const bytes = new Uint8Array([...line, 0x0a, ...line, 0x0a, ...line, 0x0a, ...line]);
    const source = decodeText(bytes);
    assert.equal(source.encoding, 'shift_jis');
    assert.equal(source.text.split('\n')[0], '日本語のテキストです。');
    assert.equal(source.byteOffset(12), 23); // start of the second line
    assert.equal(source.byteOffset(14), 27); // two characters into it
    assertOffsetsConsistent(bytes, [0, 1, 5, 11, 12, 13, 20, source.text.length]);
  });

  it('turns invalid bytes into U+FFFD without throwing', () => {
    const bytes = new Uint8Array([...utf8('Grüße aus München, schöne Grüße! '), 0xff, ...utf8(' weiter ü')]);
    const source = decodeText(bytes);
    assert.equal(source.encoding, 'utf-8');
    assert.ok(source.text.includes('\ufffd'));
    assert.ok(source.text.startsWith('Grüße'));
    assertOffsetsConsistent(bytes, [0, 5, 33, 34, source.text.length]);
    assert.doesNotThrow(() => decodeText(new Uint8Array([0xff])));
    assert.equal(decodeText(new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d])).encoding, 'windows-1252');
  });

  it('decodes UTF-32 LE and BE by their byte order marks, before UTF-16 (issue 7, item 12)', () => {
    const value = 'UTF-32: Grüße 😀 and 日本 done\nline two 🎉';
    for (const littleEndian of [true, false]) {
      const bytes = utf32(value, littleEndian);
      const encoding = littleEndian ? 'utf-32le' : 'utf-32be';
      assert.deepEqual(encodingFromBom(bytes), { encoding, length: 4 });
      const source = decodeText(bytes);
      assert.equal(source.text, value);
      assert.equal(source.encoding, encoding);
      assert.equal(source.encodingSource, 'bom');
      assert.equal(source.bom, true);
      // Each position maps to 4 bytes per code point before it: astral characters are two UTF-16 units.
      for (let index = 0; index <= value.length; index++) {
        const codePoints = Array.from(value.slice(0, index)).length;
        const insidePair = index > 0 && index < value.length && value.charCodeAt(index) >= 0xdc00 && value.charCodeAt(index) <= 0xdfff;
        assert.equal(source.byteOffset(index), 4 + 4 * (codePoints - (insidePair ? 1 : 0)), `position ${index}`);
      }
      assert.equal(source.byteOffset(value.length), bytes.length);
    }
    // A UTF-16LE BOM followed by text is still UTF-16.
    assert.equal(decodeText(new Uint8Array([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00])).encoding, 'utf-16le');
    // Units past U+10FFFF and a partial last unit become U+FFFD.
    assert.equal(decodeText(new Uint8Array([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0, 0, 0, 0x11, 0, 0x42, 0])).text, 'A\ufffd\ufffd');
  });

  it('decodes mostly valid UTF-8 with deliberately broken sequences as UTF-8 (issue 7, item 10)', () => {
    const { bytes, validLines } = utf8StressSample();
    const source = decodeText(bytes);
    assert.equal(source.encoding, 'utf-8');
    assert.equal(source.encodingSource, 'detected');
    for (const line of validLines) assert.ok(source.text.includes(line), `keeps ${line}`);
    assert.ok(source.text.includes('κόσμε'));
    assert.ok(source.text.includes('\ufffd'));
    assertOffsetsConsistent(bytes, [0, 100, source.text.indexOf('κόσμε'), source.text.indexOf('3.2'), source.text.length]);
  });

  it('keeps legacy text that happens to hold well-formed UTF-8 triples in its own encoding', () => {
    // Ukrainian in windows-1251: "енергії" is E5 ED E5 F0 E3 B3 BF, and E3 B3 BF is well-formed UTF-8.
    const ukrainian = 'Розвиток енергії та економії в Україні залежить від історії комісії та стратегії.\n'.repeat(4);
    const cyrillic = decodeText(legacyEncode(ukrainian, 'windows-1251'));
    assert.equal(cyrillic.encoding, 'windows-1251');
    assert.equal(cyrillic.text, ukrainian);
    // Sparse: a few Japanese comments (Shift_JIS) in ASCII code, so broken UTF-8 is under 1 byte in 10
    // and only chardet's sure answer keeps it from being read as damaged UTF-8.
    const code = Array.from({ length: 30 }, (_, index) => `  const value${index} = compute(input, ${index}); // step ${index}\n`).join('');
    const japanese = `// 設定ファイルを読み込む関数です。エラーの場合は例外を投げます。\n// ファイルが存在しない場合はデフォルト値を使用する\n// この関数は非常に重要です。変更する前に必ず確認してください。\nfunction load(input) {\n${code}}\n`;
    const shiftJis = decodeText(legacyEncode(japanese, 'shift_jis'));
    assert.equal(shiftJis.encoding, 'shift_jis');
    assert.equal(shiftJis.text, japanese);
  });
});
