/** True when `signature` is at `offset` in the bytes. */
export function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);
}

/** The bytes of an ASCII string, for signatures written as text. */
export const ascii = (value: string): number[] => Array.from(value, (character) => character.charCodeAt(0));
