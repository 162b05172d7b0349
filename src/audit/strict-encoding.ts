/**
 * Hex and base64 with one spelling per value: proofs and checkpoints must reject any re-encoding
 * (upper-case hex, missing padding, stray bits in the last base64 character), so decoding checks
 * that encoding the result gives back the exact input.
 */

const HEX = /^(?:[0-9a-f]{2})*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Lower-case hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Decodes lower-case hex; returns null for anything else (upper case, odd length, other characters). */
export function safeFromHex(text: string): Uint8Array | null {
  if (!HEX.test(text)) return null;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Standard (RFC 4648 §4) padded base64 of the bytes. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decodes canonical padded base64; returns null for any other spelling. */
export function safeFromBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Node ignores non-zero trailing bits; re-encoding exposes them.
  if (bytes.toString('base64') !== text) return null;
  return new Uint8Array(bytes);
}
