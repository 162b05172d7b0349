import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FabrikError } from '../../shared/errors.ts';
import { encodeWindows1252 } from './encode-windows-1252.ts';

const UNASSIGNED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

test('encodeWindows1252 is the inverse of the WHATWG windows-1252 decoder for every assigned byte', () => {
  const decoder = new TextDecoder('windows-1252');
  for (let byte = 0; byte < 256; byte += 1) {
    if (UNASSIGNED.has(byte)) continue;
    const character = decoder.decode(new Uint8Array([byte]));
    assert.deepEqual([...encodeWindows1252(character)], [byte], `U+${character.codePointAt(0)?.toString(16)} encodes to 0x${byte.toString(16)}`);
  }
});

test('encodeWindows1252 encodes German text with the euro sign and typographic quotes', () => {
  const bytes = encodeWindows1252('Straße „Süd“ – 25 €');
  assert.equal(bytes.length, 'Straße „Süd“ – 25 €'.length);
  assert.equal(new TextDecoder('windows-1252').decode(bytes), 'Straße „Süd“ – 25 €');
  assert.equal(bytes.at(-1), 0x80);
});

test('encodeWindows1252 rejects a character the code page lacks, naming it', () => {
  assert.throws(
    () => encodeWindows1252('Gdańsk'),
    (error) => error instanceof FabrikError && error.code === 'invalid_option' && error.message.includes('U+0144'),
  );
  assert.throws(() => encodeWindows1252('pump 🚰'), /U\+1F6B0/);
});
