/**
 * The audit log's storage: entries, the Merkle tree's stored subtree hashes and signed
 * checkpoints. The log itself (hashing, signing, proofs, verify) lives in `audit/` and works over
 * this interface, so every adapter keeps the same tree, checkpoints and proofs.
 */

/** What a caller records: who did what to which objects, with which parameters. */
export interface AuditEntryInput {
  actor: string;
  action: string;
  subjects: string[];
  options?: Record<string, unknown>;
}

/** What appends to the audit log: a store's transaction handle carries one bound to that transaction. */
export interface AuditAppender {
  /** Appends one entry inside the caller's transaction (or its own when there is none). */
  append(input: AuditEntryInput): Promise<{ seq: number; leafHash: string }>;
}

export interface CheckpointRow {
  size: number;
  root: string;
  note: string;
  time: string;
}

/** A perfect subtree of the Merkle tree: 2^level leaves starting at leaf index·2^level. */
export interface SubtreeAddress {
  level: number;
  index: number;
}

export interface StoredSubtree extends SubtreeAddress {
  hash: Uint8Array;
}

/**
 * Where the perfect subtree (level, index) is stored: the seq of the append that completed it,
 * (index + 1)·2^level, times 64, plus the level. Keying nodes by the append that wrote them puts
 * everything one append writes on the last B-tree page, so an autocommit append dirties two pages
 * (entries and nodes) instead of one per level it touches: about twice the autocommit rate.
 */
export function nodePosition(level: number, index: number): number {
  return (index + 1) * 2 ** level * 64 + level;
}

/**
 * The audit tables of one database, as one connection or one transaction sees them. Adapters
 * refuse UPDATE, DELETE and out-of-order INSERT by trigger as defence in depth only: verify
 * recomputes everything and never trusts them.
 */
export interface AuditStore {
  lastSeq(): Promise<number>;
  entryText(seq: number): Promise<string | undefined>;
  listEntries(from: number, limit: number): Promise<{ seq: number; entry: string }[]>;
  insertEntry(seq: number, text: string): Promise<void>;
  /** The stored hashes of these subtrees, keyed by `nodePosition`; a missing one is absent from the map. */
  nodes(addresses: readonly SubtreeAddress[]): Promise<Map<number, Uint8Array>>;
  insertNodes(nodes: readonly StoredSubtree[]): Promise<void>;
  latestCheckpoint(): Promise<CheckpointRow | undefined>;
  checkpointAt(size: number): Promise<CheckpointRow | undefined>;
  checkpoints(): Promise<CheckpointRow[]>;
  insertCheckpoint(row: CheckpointRow): Promise<void>;
  /** Up to `limit` [seq, entry] rows with seq > after (all rows from the lowest when after is null), in seq order. */
  entriesAfter(after: number | null, limit: number): Promise<unknown[][]>;
  /** The stored hashes written by the appends of seq first..last: positions and 32-byte hashes in matching order (a hash of another length is left out). */
  nodesWrittenBy(first: number, last: number): Promise<{ positions: number[]; hashes: Buffer }>;
  /** The seq of the last append that stored any hash, or 0. */
  lastHashedSeq(): Promise<number>;
  /**
   * Runs `work` atomically while holding the log's append lock (no other writer can append until
   * it ends): inside the caller's transaction when this store is bound to one, else in its own.
   */
  atomically<T>(work: (store: AuditStore) => Promise<T>): Promise<T>;
  /** True when bound to a caller's transaction: a checkpoint signed now may still roll back. */
  inTransaction(): boolean;
  /**
   * Runs `work` over one consistent read snapshot without holding the append lock, so appends go
   * on while verify reads a large log for seconds. An adapter without it is read under `atomically`.
   */
  snapshot?<T>(work: (store: AuditStore) => Promise<T>): Promise<T>;
}
