import { FabrikError } from '../../shared/errors.ts';

/** The characters windows-1252 puts at bytes 0x80–0x9F (0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned). */
const HIGH_CONTROL_RANGE = '€\u0000‚ƒ„…†‡ˆ‰Š‹Œ\u0000Ž\u0000\u0000‘’“”•–—˜™š›œ\u0000žŸ';

const BYTE_BY_CHARACTER = new Map<string, number>();
for (let index = 0; index < HIGH_CONTROL_RANGE.length; index += 1) {
  const character = HIGH_CONTROL_RANGE[index];
  if (character !== undefined && character !== '\u0000') BYTE_BY_CHARACTER.set(character, 0x80 + index);
}

/** Encodes text as windows-1252, which Node's TextEncoder cannot; throws on a character it has no byte for. */
export function encodeWindows1252(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  let length = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    const byte = codePoint < 0x80 || (codePoint >= 0xa0 && codePoint <= 0xff) ? codePoint : BYTE_BY_CHARACTER.get(character);
    if (byte === undefined) {
      throw new FabrikError('invalid_option', `text: windows-1252 has no byte for U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} ("${character}")`, { param: 'text' });
    }
    bytes[length] = byte;
    length += 1;
  }
  return bytes.subarray(0, length);
}
