import { HASH_SIZE } from './merkle.ts';
import { safeFromBase64, toBase64 } from './strict-encoding.ts';

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) note text: the origin line, the tree size
 * in decimal and the base64 root hash, each ending in a newline, then optional extension lines.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions: readonly string[];
}

/** The checkpoint note text `<origin>\n<size>\n<base64 root>\n`. */
export function formatCheckpoint(origin: string, size: number, rootHash: Uint8Array): string {
  return `${origin}\n${size}\n${toBase64(rootHash)}\n`;
}

/** Parses checkpoint note text strictly; returns the broken rule as a string when malformed. */
export function safeParseCheckpoint(text: string): Checkpoint | string {
  if (!text.endsWith('\n')) return 'checkpoint text must end with a newline';
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return 'checkpoint text needs an origin, a size and a root hash line';
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) return 'checkpoint origin line is empty';
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText)) return 'checkpoint size must be a decimal number without leading zeros';
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return 'checkpoint size is too large';
  const rootHash = safeFromBase64(rootText);
  if (rootHash === null || rootHash.length !== HASH_SIZE) return 'checkpoint root hash must be canonical base64 of 32 bytes';
  if (extensions.some((line) => line.length === 0)) return 'checkpoint extension lines must not be empty';
  return { origin, size, rootHash, extensions };
}
