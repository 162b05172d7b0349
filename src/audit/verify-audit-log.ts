import { availableParallelism } from 'node:os';
import { nodePosition, type AuditStore } from '../store/core/audit-store.ts';
import { safeOpenSavedCheckpoint, type SavedCheckpoint } from './checkpoint-anchor.ts';
import { safeParseCheckpoint, safeParsePrevious } from './checkpoint.ts';
import { emptyRootHash, HASH_SIZE, MerkleFrontier } from './merkle.ts';
import { safeOpenNote, type NoteVerifier } from './signed-note.ts';
import { plural } from '../shared/plural.ts';
import { toHex } from './strict-encoding.ts';
import { CHUNK_LEVEL, CHUNK_ROWS, levelOffset, verifyChunk, type ChunkResult } from './verify-chunk.ts';
import { createVerifyPool, type VerifyPool } from './verify-pool.ts';

export interface AuditProblem {
  seq: number;
  reason: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  /** Rows in the entries table. */
  size: number;
  /** Signed checkpoints examined. */
  checkpoints: number;
  /** The lowest-numbered problem: the first entry that cannot be trusted. */
  firstBad: AuditProblem | null;
  /** Every problem found, by seq (at most MAX_PROBLEMS, then one line counting the rest). */
  problems: AuditProblem[];
}

export interface AuditVerifyOptions {
  onProgress?: (done: number, total: number) => void;
  /** Worker threads to hash with; default: one per CPU up to 4, none for small logs. 0 runs inline. */
  workers?: number;
  /**
   * Checkpoints are signed every this many entries: when at least this many entries follow the
   * latest signed checkpoint, checkpoints were deleted. Without it any uncovered tail is accepted.
   */
  checkpointEvery?: number;
  /**
   * Signed checkpoints kept outside the database (fabrik's own copy beside the key, an auditor's
   * saved one): each must be signed by the log's key, be in the checkpoint table, and its root must
   * equal the root recomputed over the first `size` entries.
   */
  against?: { source: string; note: string }[];
}

/** Beyond this the report says how many more there were instead of listing them. */
export const MAX_PROBLEMS = 1000;
// Below this many rows, starting worker threads costs more than it saves.
const PARALLEL_MIN_ROWS = 8 * CHUNK_ROWS;

interface CheckedCheckpoint {
  size: number;
  rootHex: string | null;
  problem: string | null;
  /** The predecessor the signed note names; undefined for checkpoints made before they were chained. */
  previous?: { size: number; rootHex: string };
}

interface Chunk {
  id: number;
  /** Row position of the first row (0-based): the chunk's first leaf index in the recomputed tree. */
  start: number;
  seqs: number[];
  texts: string[];
  /** Whether rows were missing or out of place at or before this chunk. */
  structural: boolean;
  /** Gaps and out-of-place rows seen while reading it, reported when it is finished (reading runs ahead). */
  notes: AuditProblem[];
}

/**
 * Recomputes the log from its entries table alone. Stored leaf and node hashes are compared, never
 * trusted; each signed checkpoint's root must equal the root recomputed over the first `size` rows.
 * Rows are matched to stored leaves by their seq, so a deleted row is one problem, not a cascade.
 * Reads run in one snapshot (without the append lock where the store can); the hashing of large
 * logs is spread over worker threads.
 */
export function verifyAuditLog(store: AuditStore, verifier: NoteVerifier, options: AuditVerifyOptions = {}): Promise<AuditVerifyReport> {
  const work = (tables: AuditStore) => verifySnapshot(tables, verifier, options);
  return store.snapshot === undefined ? store.atomically(work) : store.snapshot(work);
}

async function verifySnapshot(store: AuditStore, verifier: NoteVerifier, options: AuditVerifyOptions): Promise<AuditVerifyReport> {
  // For progress only: COUNT(*) would read the whole table (half a second at a million rows).
  const total = await store.lastSeq();
  const problems: AuditProblem[] = [];
  let omitted = 0;
  let lastProblemIndex = -1;
  const report = (seq: number, reason: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ seq, reason });
    else omitted++;
    lastProblemIndex = Math.max(lastProblemIndex, seq - 1);
  };

  const checkpointRows = (await store.checkpoints()).map((row) => checkCheckpoint(row, verifier));
  let nextCheckpoint = 0;
  const external = (options.against ?? []).map((saved) => safeOpenSavedCheckpoint(saved.note, verifier, saved.source));
  // The roots recomputed at the sizes of the external checkpoints, as the chunks go by.
  const externalSizes = [...new Set(external.flatMap((saved) => (typeof saved === 'string' ? [] : [saved.size])))].sort((a, b) => a - b);
  const recomputedRoots = new Map<number, string>([[0, toHex(emptyRootHash())]]);
  let nextExternal = 0;
  const rootMismatches: { size: number; previousGood: number }[] = [];
  let lastGoodCheckpoint = 0;

  const frontier = new MerkleFrontier();
  // The stored hashes written by the appends of the chunk being finished.
  let stored = new StoredHashes([]);
  // Once rows are missing or out of place, stored interior nodes no longer line up with the rows;
  // comparing them would only repeat the problem already reported. `structural` is as of the chunk
  // being finished; `structuralRead` as of the last chunk read, which may be further ahead.
  let structural = false;
  let structuralRead = false;

  /** Compares the stored hash of (level, index) with the recomputed one at hashes[offset]; reports and returns true when they differ. */
  const nodeProblem = (level: number, index: number, hashes: Uint8Array, offset: number): boolean => {
    const first = index * 2 ** level;
    const last = first + 2 ** level;
    const same = stored.equals(nodePosition(level, index), hashes, offset);
    if (same === undefined) {
      report(first + 1, `the stored hash of entries ${first + 1}..${last} (level ${level}, index ${index}) is missing: the node table was edited`);
      return true;
    }
    if (same) return false;
    // Every stored hash below this one matched, so the lower hashes were rewritten to fit a change
    // somewhere in this range; the hashes cannot say where, so the range's first entry is named.
    report(
      first + 1,
      `the stored hash of entries ${first + 1}..${last} (level ${level}, index ${index}) differs from the one recomputed from the rows ` +
        `although every hash below it matches: the hash tables were rewritten to hide a change in entries ${first + 1}..${last}; its first entry is named`,
    );
    return true;
  };
  const compareAboveChunks = (level: number, index: number, hash: Uint8Array): void => {
    if (structural || lastProblemIndex >= index * 2 ** level) return;
    nodeProblem(level, index, hash, 0);
  };

  const finishChunk = async (chunk: Chunk, result: ChunkResult): Promise<void> => {
    const count = chunk.texts.length;
    for (const note of chunk.notes) report(note.seq, note.reason);
    structural = chunk.structural;
    stored = await readStoredHashes(store, chunk.seqs);
    const hashes = result.hashes;
    const bad = new Uint8Array(count);
    let problemAt = 0;
    for (let i = 0; i < count; i++) {
      const seq = chunk.seqs[i]!;
      let rowBad = false;
      if (problemAt < result.problems.length && result.problems[problemAt]!.offset === i) {
        report(seq, result.problems[problemAt++]!.reason);
        rowBad = true;
      }
      if (seq >= 1) {
        const same = stored.equals(nodePosition(0, seq - 1), hashes, i * HASH_SIZE);
        if (same === undefined) {
          report(seq, `entry ${seq} has no stored leaf hash: the row was inserted outside the log`);
          rowBad = true;
        } else if (!same) {
          if (!rowBad) report(seq, `entry ${seq} does not match its stored leaf hash: the row was modified`);
          rowBad = true;
        }
      } else {
        rowBad = true;
      }
      bad[i] = rowBad ? 1 : 0;
    }
    if (!chunk.structural) {
      // bad[j] at each level: whether any problem lies under node j, so a mismatch is reported only
      // at the lowest level where it shows.
      let below = bad;
      for (let level = 1; level <= CHUNK_LEVEL; level++) {
        const width = Math.floor(count / 2 ** level);
        if (width === 0) break;
        const here = new Uint8Array(width);
        const offset = levelOffset(count, level);
        const base = chunk.start / 2 ** level;
        for (let j = 0; j < width; j++) {
          if (below[2 * j] === 1 || below[2 * j + 1] === 1) {
            here[j] = 1;
            continue;
          }
          if (nodeProblem(level, base + j, hashes, (offset + j) * HASH_SIZE)) here[j] = 1;
        }
        below = here;
      }
    }

    // Checkpoints that end inside this chunk: the frontier so far plus the chunk's own subtrees.
    const end = chunk.start + count;
    while (nextCheckpoint < checkpointRows.length && checkpointRows[nextCheckpoint]!.size <= end) {
      const checkpoint = checkpointRows[nextCheckpoint++]!;
      if (checkpoint.size <= chunk.start || checkpoint.problem !== null || checkpoint.rootHex === null) continue;
      const ahead = frontier.clone();
      appendChunkPrefix(ahead, result.hashes, count, checkpoint.size - chunk.start);
      if (toHex(ahead.root()) === checkpoint.rootHex) lastGoodCheckpoint = checkpoint.size;
      else rootMismatches.push({ size: checkpoint.size, previousGood: lastGoodCheckpoint });
    }
    while (nextExternal < externalSizes.length && externalSizes[nextExternal]! <= end) {
      const size = externalSizes[nextExternal++]!;
      if (size <= chunk.start) continue;
      const ahead = frontier.clone();
      appendChunkPrefix(ahead, result.hashes, count, size - chunk.start);
      recomputedRoots.set(size, toHex(ahead.root()));
    }
    appendChunkPrefix(frontier, result.hashes, count, count, compareAboveChunks);
    options.onProgress?.(end, total);
  };

  const workers = options.workers ?? (total >= PARALLEL_MIN_ROWS ? Math.min(4, availableParallelism()) : 0);
  const pool: VerifyPool | null = workers > 0 ? await createVerifyPool(workers) : null;
  try {
    const waiting = new Map<number, Chunk>();
    const done = new Map<number, ChunkResult>();
    let nextToFinish = 0;
    let nextId = 0;
    let position = 0;
    let previousSeq = 0;
    let after: number | null = null;
    let reading = true;
    const readChunk = async (): Promise<Chunk | null> => {
      const rows = await store.entriesAfter(after, CHUNK_ROWS);
      if (rows.length === 0) return null;
      after = rows[rows.length - 1]![0] as number;
      const seqs: number[] = [];
      const texts: string[] = [];
      const notes: AuditProblem[] = [];
      for (const row of rows) {
        const seq = row[0] as number;
        if (seq < 1) {
          notes.push({ seq, reason: `row seq ${seq} lies before entry 1: the row was inserted` });
          structuralRead = true;
        } else {
          if (seq > previousSeq + 1) {
            const missing = seq - 1 === previousSeq + 1 ? `entry ${previousSeq + 1} is` : `entries ${previousSeq + 1}..${seq - 1} are`;
            notes.push({ seq: previousSeq + 1, reason: `${missing} missing: the row was deleted` });
            structuralRead = true;
          }
          previousSeq = seq;
        }
        seqs.push(seq);
        texts.push(row[1] as string);
      }
      const chunk = { id: nextId++, start: position, seqs, texts, structural: structuralRead, notes };
      position += rows.length;
      return chunk;
    };
    while (reading || waiting.size > 0) {
      // Keep every worker two chunks ahead while this thread compares the results in order.
      while (reading && (pool === null ? waiting.size === 0 : waiting.size < 2 * pool.size)) {
        const chunk = await readChunk();
        if (chunk === null) {
          reading = false;
          break;
        }
        waiting.set(chunk.id, chunk);
        if (pool === null) done.set(chunk.id, verifyChunk(chunk.seqs, chunk.texts));
        else pool.submit(chunk.id, chunk.seqs, chunk.texts);
      }
      while (!done.has(nextToFinish) && waiting.has(nextToFinish) && pool !== null) {
        const answer = await pool.take();
        done.set(answer.id, answer.result);
      }
      const chunk = waiting.get(nextToFinish);
      const result = done.get(nextToFinish);
      if (chunk === undefined || result === undefined) continue;
      waiting.delete(nextToFinish);
      done.delete(nextToFinish);
      nextToFinish++;
      await finishChunk(chunk, result);
    }

    // Stored leaves past the last row: the tail of the log was cut off.
    if ((await store.lastHashedSeq()) > previousSeq) report(previousSeq + 1, `entry ${previousSeq + 1} has a stored leaf hash but no row: the log was truncated`);
    finishCheckpoints(checkpointRows, position, rootMismatches, problems, report);
    checkChain(checkpointRows, report);
    checkCoverage(checkpointRows, position, options.checkpointEvery, report);
    for (const saved of external) checkExternal(saved, checkpointRows, position, recomputedRoots, problems, report);

    problems.sort((a, b) => a.seq - b.seq);
    if (omitted > 0) problems.push({ seq: problems.at(-1)!.seq, reason: `and ${omitted} more problems not listed` });
    return { ok: problems.length === 0, size: position, checkpoints: checkpointRows.length, firstBad: problems[0] ?? null, problems };
  } finally {
    pool?.close();
  }
}

/** Appends the first `length` leaves of a chunk to the frontier as its largest aligned subtrees. */
function appendChunkPrefix(
  frontier: MerkleFrontier,
  hashes: Uint8Array,
  count: number,
  length: number,
  onNode?: (level: number, index: number, hash: Uint8Array) => void,
): void {
  let offset = 0;
  for (let level = CHUNK_LEVEL; level >= 0; level--) {
    const width = 2 ** level;
    if (length - offset < width) continue;
    const at = levelOffset(count, level) + offset / width;
    frontier.appendSubtree(level, hashes.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE), onNode);
    offset += width;
  }
}

function finishCheckpoints(
  checkpoints: CheckedCheckpoint[],
  rowCount: number,
  rootMismatches: { size: number; previousGood: number }[],
  problems: AuditProblem[],
  report: (seq: number, reason: string) => void,
): void {
  let previous = 0;
  for (const checkpoint of checkpoints) {
    if (checkpoint.problem !== null) report(previous + 1, `checkpoint at size ${checkpoint.size}: ${checkpoint.problem}`);
    else if (checkpoint.size > rowCount) {
      report(rowCount + 1, `checkpoint at size ${checkpoint.size} is signed but the log has ${plural(rowCount, 'entry', 'entries')}: entries ${rowCount + 1}..${checkpoint.size} were removed (truncated)`);
    }
    previous = checkpoint.size;
  }
  const first = rootMismatches[0];
  if (first === undefined) return;
  const later = rootMismatches.length > 1 ? ` (and ${rootMismatches.length - 1} later checkpoints)` : '';
  // Name the precise problem inside the narrowed range when the row scan found one; otherwise every
  // stored hash agrees with the rows, so someone rewrote them consistently and only the range is known.
  const precise = problems.filter((problem) => problem.seq > first.previousGood && problem.seq <= first.size).sort((a, b) => a.seq - b.seq)[0];
  if (precise !== undefined) {
    report(precise.seq, `checkpoint at size ${first.size}${later} does not match the recomputed root`);
  } else {
    report(
      first.previousGood + 1,
      `checkpoint at size ${first.size}${later} does not match the recomputed root, though every row matches its stored hash: ` +
        `the stored hashes were rewritten to match a change in entries ${first.previousGood + 1}..${first.size}; ` +
        `the signed checkpoints narrow it to that range, so its first entry is named`,
    );
  }
}

/** Each checkpoint names the one signed before it; a missing link is a deleted checkpoint. */
function checkChain(checkpoints: CheckedCheckpoint[], report: (seq: number, reason: string) => void): void {
  checkpoints.forEach((checkpoint, index) => {
    if (checkpoint.problem !== null || checkpoint.previous === undefined) return;
    const before = index === 0 ? { size: 0, rootHex: toHex(emptyRootHash()), problem: null } : checkpoints[index - 1]!;
    const named = checkpoint.previous;
    if (named.size > before.size) {
      report(
        before.size + 1,
        `the checkpoint at size ${checkpoint.size} was signed after one at size ${named.size}, which is not in the database ` +
          `(the one before it there is ${before.size === 0 ? 'none' : `at size ${before.size}`}): a checkpoint was deleted`,
      );
    } else if (named.size < before.size) {
      report(before.size, `the checkpoint at size ${before.size} is not the one the checkpoint at size ${checkpoint.size} was signed after (size ${named.size}): checkpoints were inserted or reordered`);
    } else if (before.problem === null && before.rootHex !== null && named.rootHex !== before.rootHex) {
      report(Math.max(1, before.size), `the checkpoint at size ${checkpoint.size} names a predecessor at size ${named.size} with another root than the one stored: a checkpoint was replaced`);
    }
  });
}

/** Entries past the latest valid checkpoint: fewer than checkpointEvery may wait for the next one. */
function checkCoverage(checkpoints: CheckedCheckpoint[], rowCount: number, checkpointEvery: number | undefined, report: (seq: number, reason: string) => void): void {
  if (checkpointEvery === undefined) return;
  const covered = Math.max(0, ...checkpoints.filter((checkpoint) => checkpoint.problem === null && checkpoint.size <= rowCount).map((checkpoint) => checkpoint.size));
  if (rowCount - covered < checkpointEvery) return;
  report(
    covered + 1,
    `entries ${covered + 1}..${rowCount} are not covered by any signed checkpoint (${covered === 0 ? 'there is none' : `the latest covers ${covered}`}), ` +
      `but one is signed at least every ${checkpointEvery} entries: checkpoints were deleted`,
  );
}

/** A checkpoint kept outside the database must be in the log, unchanged. */
function checkExternal(
  saved: SavedCheckpoint | string,
  checkpoints: CheckedCheckpoint[],
  rowCount: number,
  recomputedRoots: Map<number, string>,
  problems: AuditProblem[],
  report: (seq: number, reason: string) => void,
): void {
  if (typeof saved === 'string') {
    report(1, `${saved}: it is not a checkpoint signed by this log's key`);
    return;
  }
  const rootHex = toHex(saved.rootHash);
  if (saved.size > rowCount) {
    report(rowCount + 1, `${saved.source} holds a checkpoint signed at size ${saved.size}, but the log has ${plural(rowCount, 'entry', 'entries')}: entries ${rowCount + 1}..${saved.size} were removed`);
    return;
  }
  if (recomputedRoots.get(saved.size) !== rootHex) {
    // Name the first problem the row scan found below the saved size; when there is none, every stored
    // hash was rewritten to match and only the range is known, so its first entry is named.
    const precise = Math.min(...problems.filter((problem) => problem.seq >= 1 && problem.seq <= saved.size).map((problem) => problem.seq));
    report(
      Number.isFinite(precise) ? precise : 1,
      `${saved.source} holds a checkpoint at size ${saved.size} whose root differs from the root recomputed over entries 1..${saved.size}: ` +
        `the log was rewritten (with its hashes and checkpoints) somewhere in entries 1..${saved.size}`,
    );
  }
  if (saved.size > 0 && !checkpoints.some((checkpoint) => checkpoint.size === saved.size && checkpoint.rootHex === rootHex)) {
    report(saved.size, `${saved.source} holds the checkpoint signed at size ${saved.size}, and the database no longer has it: checkpoints were deleted or replaced`);
  }
}

function checkCheckpoint(row: { size: number; root: string; note: string }, verifier: NoteVerifier): CheckedCheckpoint {
  const size = Number(row.size);
  const opened = safeOpenNote(row.note, verifier);
  if (typeof opened === 'string') return { size, rootHex: null, problem: opened };
  const checkpoint = safeParseCheckpoint(opened.text);
  if (typeof checkpoint === 'string') return { size, rootHex: null, problem: checkpoint };
  const rootHex = toHex(checkpoint.rootHash);
  if (checkpoint.size !== size || rootHex !== row.root) {
    return { size, rootHex: null, problem: `the signed note says size ${checkpoint.size} root ${rootHex}, the row says size ${size} root ${row.root}` };
  }
  const previous = safeParsePrevious(checkpoint);
  if (typeof previous === 'string') return { size, rootHex: null, problem: previous };
  return previous === undefined ? { size, rootHex, problem: null } : { size, rootHex, problem: null, previous: { size: previous.size, rootHex: toHex(previous.rootHash) } };
}

/** The stored hashes written by the appends of these seqs, read one run of consecutive seqs at a time. */
async function readStoredHashes(store: AuditStore, seqs: readonly number[]): Promise<StoredHashes> {
  const runs: StoredRun[] = [];
  let i = 0;
  while (i < seqs.length) {
    const first = seqs[i]!;
    let last = first;
    while (i + 1 < seqs.length && seqs[i + 1] === last + 1) last = seqs[++i]!;
    i++;
    if (last < 1) continue;
    const from = Math.max(first, 1);
    const { positions, hashes } = await store.nodesWrittenBy(from, last);
    const base = from * 64;
    // Positions of one run of at most CHUNK_ROWS seqs span at most 64·CHUNK_ROWS values: a flat
    // table beats a Map for the two million lookups of a large verify.
    const table = new Int32Array((last - from + 1) * 64).fill(-1);
    positions.forEach((position, index) => (table[position - base] = index));
    runs.push({ base, table, hashes });
  }
  return new StoredHashes(runs);
}

interface StoredRun {
  base: number;
  table: Int32Array;
  hashes: Buffer;
}

/** Stored hashes by node position, compared in place (no copies: verify compares two million). */
class StoredHashes {
  readonly #runs: StoredRun[];

  constructor(runs: StoredRun[]) {
    this.#runs = runs;
  }

  /** Whether the stored hash at `position` equals bytes[offset, offset+32); undefined when none is stored. */
  equals(position: number, bytes: Uint8Array, offset: number): boolean | undefined {
    for (const run of this.#runs) {
      const slot = position - run.base;
      if (slot < 0 || slot >= run.table.length) continue;
      const index = run.table[slot]!;
      if (index < 0) return undefined;
      return run.hashes.compare(bytes, offset, offset + HASH_SIZE, index * HASH_SIZE, (index + 1) * HASH_SIZE) === 0;
    }
    return undefined;
  }
}
