import { auditEntryProblem } from './audit-entry.ts';
import { isCanonicalJson } from '../shared/canonical-json.ts';
import { HASH_SIZE, leafHash, nodeHash } from './merkle.ts';

/** Rows per chunk: a perfect subtree of 2^CHUNK_LEVEL leaves, so chunks hash independently. */
export const CHUNK_LEVEL = 12;
export const CHUNK_ROWS = 2 ** CHUNK_LEVEL;

export interface ChunkProblem {
  /** Row offset inside the chunk. */
  offset: number;
  reason: string;
}

export interface ChunkResult {
  problems: ChunkProblem[];
  /**
   * Every perfect subtree hash inside the chunk, level by level: level 0 holds `count` leaf hashes,
   * level l holds floor(count / 2^l), each HASH_SIZE bytes (see levelOffset).
   */
  hashes: Uint8Array;
}

/** Where level `level` starts in ChunkResult.hashes for a chunk of `count` rows, in hashes. */
export function levelOffset(count: number, level: number): number {
  let offset = 0;
  for (let l = 0; l < level; l++) offset += Math.floor(count / 2 ** l);
  return offset;
}

/** The stored-form checks of one entry row: JSON, RFC 8785 canonical, AuditEntry shape, seq. */
export function entryProblem(seq: number, text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `entry ${seq} is not valid JSON: the row was edited`;
  }
  if (!isCanonicalJson(text, parsed)) return `entry ${seq} is not RFC 8785 canonical JSON: the row was edited`;
  const shape = auditEntryProblem(parsed);
  if (shape !== null) return `entry ${seq}: ${shape}`;
  const claimed = (parsed as { seq: number }).seq;
  if (claimed !== seq) return `the row at seq ${seq} holds entry ${claimed}: rows were reordered or renumbered`;
  return null;
}

/**
 * The CPU-heavy half of verify for one chunk of rows (run inline or on a worker thread): checks
 * each entry and hashes the chunk's leaves and every perfect subtree above them, by row position.
 */
export function verifyChunk(seqs: readonly number[], texts: readonly string[]): ChunkResult {
  const count = texts.length;
  const problems: ChunkProblem[] = [];
  const hashes = new Uint8Array(levelOffset(count, CHUNK_LEVEL + 1) * HASH_SIZE);
  for (let i = 0; i < count; i++) {
    const problem = entryProblem(seqs[i]!, texts[i]!);
    if (problem !== null) problems.push({ offset: i, reason: problem });
    hashes.set(leafHash(texts[i]!), i * HASH_SIZE);
  }
  let below = 0;
  for (let level = 1; level <= CHUNK_LEVEL; level++) {
    const start = levelOffset(count, level);
    const width = Math.floor(count / 2 ** level);
    for (let j = 0; j < width; j++) {
      const left = (below + 2 * j) * HASH_SIZE;
      const hash = nodeHash(hashes.subarray(left, left + HASH_SIZE), hashes.subarray(left + HASH_SIZE, left + 2 * HASH_SIZE));
      hashes.set(hash, (start + j) * HASH_SIZE);
    }
    below = start;
  }
  return { problems, hashes };
}
