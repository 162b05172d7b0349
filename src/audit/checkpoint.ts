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

/** The checkpoint note text `<origin>\n<size>\n<base64 root>\n`, then any extension lines. */
export function formatCheckpoint(origin: string, size: number, rootHash: Uint8Array, extensions: readonly string[] = []): string {
  return `${origin}\n${size}\n${toBase64(rootHash)}\n${extensions.map((line) => `${line}\n`).join('')}`;
}

/** The extension line naming the checkpoint signed before this one (size 0 for the first). */
export const PREVIOUS_EXTENSION = 'fabrik-previous';

/** `fabrik-previous <size> <base64 root>`: chains each checkpoint to its predecessor, so deleting one shows. */
export function formatPreviousExtension(size: number, rootHash: Uint8Array): string {
  return `${PREVIOUS_EXTENSION} ${size} ${toBase64(rootHash)}`;
}

/**
 * The predecessor a checkpoint names: undefined when it names none (made before fabrik chained
 * them), the broken rule as a string when the line is malformed.
 */
export function safeParsePrevious(checkpoint: Checkpoint): { size: number; rootHash: Uint8Array } | string | undefined {
  const lines = checkpoint.extensions.filter((line) => line.startsWith(`${PREVIOUS_EXTENSION} `));
  if (lines.length === 0) return undefined;
  if (lines.length > 1) return `checkpoint has more than one ${PREVIOUS_EXTENSION} line`;
  const [, sizeText = '', rootText = '', ...rest] = lines[0]!.split(' ');
  const rootHash = safeFromBase64(rootText);
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText) || rootHash === null || rootHash.length !== HASH_SIZE || rest.length > 0) {
    return `checkpoint ${PREVIOUS_EXTENSION} line must read "${PREVIOUS_EXTENSION} <size> <base64 root>"`;
  }
  const size = Number(sizeText);
  if (size >= checkpoint.size) return `checkpoint ${PREVIOUS_EXTENSION} size ${size} is not below its own size ${checkpoint.size}`;
  return { size, rootHash };
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
