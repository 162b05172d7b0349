import { AsyncLocalStorage } from 'node:async_hooks';
import { nodePosition, type AuditStore, type CheckpointRow, type StoredSubtree, type SubtreeAddress } from '../core/audit-store.ts';
import { FabrikError } from '../../shared/errors.ts';
import { AUDIT_APPEND_LOCK, LOCK_CLASS, type PostgresDatabase, type PostgresTransaction } from './postgres-database.ts';

const LOCK = `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${AUDIT_APPEND_LOCK})`;
const CHECKPOINT_COLUMNS = 'size, root, note, time';
/** The key of the log's right edge in PostgresTransaction.shared (see BoundAuditStore.#keepFrontier). */
const FRONTIER = 'audit-frontier';

/**
 * The audit tables in PostgreSQL (created by postgres-migrations.ts, with their append-only
 * triggers). Over the pool, `atomically` opens a transaction of its own; bound to a caller's
 * transaction (`createPostgresAuditStore(tx)`), it joins it. Appends serialize on a transaction-level
 * advisory lock, held until the transaction ends, so the next seq read under it is the next seq
 * for every process.
 */
export function createPostgresAuditStore(connection: PostgresDatabase | PostgresTransaction): AuditStore {
  return 'beforeCommit' in connection ? boundTo(connection) : new PoolAuditStore(connection);
}

// One bound store per transaction: it holds appends back, so a second one on the same transaction
// would read a stale next seq.
const bound = new WeakMap<PostgresTransaction, BoundAuditStore>();

function boundTo(tx: PostgresTransaction): BoundAuditStore {
  let store = bound.get(tx);
  if (store === undefined) {
    store = new BoundAuditStore(tx);
    bound.set(tx, store);
  }
  return store;
}

type Queryable = PostgresDatabase | PostgresTransaction;

async function checkpointRows(db: Queryable, where: string, values: unknown[]): Promise<CheckpointRow[]> {
  return (await db.query(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ${where}`, values)).map((row) => ({
    size: Number(row.size), root: String(row.root), note: String(row.note), time: String(row.time),
  }));
}

/** Reads shared by both forms; `flush` first writes what a bound store holds back. */
abstract class AuditReads implements AuditStore {
  protected abstract readonly db: Queryable;

  protected async flush(): Promise<void> {}

  async lastSeq(): Promise<number> {
    await this.flush();
    return Number((await this.db.query('SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_entries'))[0]?.seq ?? 0);
  }

  async entryText(seq: number): Promise<string | undefined> {
    await this.flush();
    const row = (await this.db.query('SELECT entry FROM audit_entries WHERE seq = $1', [seq]))[0];
    return row === undefined ? undefined : String(row.entry);
  }

  async listEntries(from: number, limit: number): Promise<{ seq: number; entry: string }[]> {
    await this.flush();
    return (await this.db.query('SELECT seq, entry FROM audit_entries WHERE seq >= $1 ORDER BY seq LIMIT $2', [from, limit])).map((row) => ({ seq: Number(row.seq), entry: String(row.entry) }));
  }

  async nodes(addresses: readonly SubtreeAddress[]): Promise<Map<number, Uint8Array>> {
    await this.flush();
    return this.fetchNodes(addresses);
  }

  protected async fetchNodes(addresses: readonly SubtreeAddress[]): Promise<Map<number, Uint8Array>> {
    const found = new Map<number, Uint8Array>();
    if (addresses.length === 0) return found;
    const rows = await this.db.queryArrays('SELECT pos, hash FROM audit_nodes WHERE pos = ANY($1::bigint[])', [addresses.map((address) => nodePosition(address.level, address.index))]);
    for (const [pos, hash] of rows) found.set(Number(pos), hash as Uint8Array);
    return found;
  }

  // Checkpoints are written at once, never held back: reading them needs no flush.
  async latestCheckpoint(): Promise<CheckpointRow | undefined> {
    return (await checkpointRows(this.db, 'ORDER BY size DESC LIMIT 1', []))[0];
  }

  async checkpointAt(size: number): Promise<CheckpointRow | undefined> {
    return (await checkpointRows(this.db, 'WHERE size = $1', [size]))[0];
  }

  async checkpoints(): Promise<CheckpointRow[]> {
    return checkpointRows(this.db, 'ORDER BY size', []);
  }

  async entriesAfter(after: number | null, limit: number): Promise<unknown[][]> {
    await this.flush();
    return after === null
      ? this.db.queryArrays('SELECT seq, entry FROM audit_entries ORDER BY seq LIMIT $1', [limit])
      : this.db.queryArrays('SELECT seq, entry FROM audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit]);
  }

  async nodesWrittenBy(first: number, last: number): Promise<{ positions: number[]; hashes: Buffer }> {
    await this.flush();
    // One aggregated row instead of a row per hash (as the SQLite adapter does): both aggregates
    // walk the rows in pos order, so positions and hashes stay paired.
    const [row] = await this.db.queryArrays(
      "SELECT count(*), string_agg(pos::text, ',' ORDER BY pos), string_agg(hash, ''::bytea ORDER BY pos) FROM audit_nodes WHERE pos BETWEEN $1 AND $2",
      [first * 64, last * 64 + 63],
    );
    const [count, positions, bytes] = (row ?? [0, null, null]) as [number, string | null, Buffer | null];
    if (Number(count) === 0) return { positions: [], hashes: Buffer.alloc(0) };
    if (typeof positions === 'string' && Buffer.isBuffer(bytes) && bytes.byteLength === Number(count) * 32) return { positions: positions.split(',').map(Number), hashes: bytes };
    // A hash that is not 32 bytes (only by tampering) would shift the others: leave it out, so verify reports it missing.
    const rows = (await this.db.queryArrays('SELECT pos, hash FROM audit_nodes WHERE pos BETWEEN $1 AND $2 ORDER BY pos', [first * 64, last * 64 + 63]))
      .filter(([, hash]) => Buffer.isBuffer(hash) && hash.byteLength === 32);
    return { positions: rows.map(([pos]) => Number(pos)), hashes: Buffer.concat(rows.map(([, hash]) => hash as Buffer)) };
  }

  async lastHashedSeq(): Promise<number> {
    await this.flush();
    return Math.floor(Number((await this.db.query('SELECT COALESCE(MAX(pos), 0) AS pos FROM audit_nodes'))[0]?.pos ?? 0) / 64);
  }

  abstract insertEntry(seq: number, text: string): Promise<void>;
  abstract insertNodes(nodes: readonly StoredSubtree[]): Promise<void>;
  abstract insertCheckpoint(row: CheckpointRow): Promise<void>;
  abstract atomically<T>(work: (store: AuditStore) => Promise<T>): Promise<T>;
  abstract inTransaction(): boolean;
}

/** Over the pool: every write runs in a transaction of its own, holding the append lock. */
class PoolAuditStore extends AuditReads {
  protected readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    super();
    this.db = db;
  }

  insertEntry(seq: number, text: string): Promise<void> {
    return this.atomically((store) => store.insertEntry(seq, text));
  }

  insertNodes(nodes: readonly StoredSubtree[]): Promise<void> {
    return this.atomically((store) => store.insertNodes(nodes));
  }

  insertCheckpoint(row: CheckpointRow): Promise<void> {
    return this.atomically((store) => store.insertCheckpoint(row));
  }

  atomically<T>(work: (store: AuditStore) => Promise<T>): Promise<T> {
    // The lock goes with BEGIN: an autocommit append costs BEGIN, the next seq, one write and COMMIT.
    return this.db.transaction((tx) => boundTo(tx).atomically(work), { prelude: LOCK, exclusive: true });
  }

  /** One REPEATABLE READ snapshot without the append lock: verify reads a large log while appends go on. */
  snapshot<T>(work: (store: AuditStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(boundTo(tx)), { snapshot: true });
  }

  /** False, unless called from inside an exclusive transaction's work, which `atomically` then joins. */
  inTransaction(): boolean {
    return this.db.inTransaction;
  }
}

/**
 * Bound to one transaction. Once it holds the append lock nobody else can append until the
 * transaction ends, so it keeps what it read and wrote (the last seq, the subtree hashes) and
 * holds its inserts back, writing them in one statement per table when something must read the
 * tables or the transaction commits: an append costs no round trip of its own (about 5,000
 * appends/s with three round trips each, well over 20,000 without, on a local server).
 */
class BoundAuditStore extends AuditReads {
  protected readonly db: PostgresTransaction;
  #locked = false;
  #lastSeq: number | null = null;
  readonly #nodes = new Map<number, Uint8Array>();
  #entries: { seq: number; text: string }[] = [];
  #newNodes: StoredSubtree[] = [];
  #flushing: Promise<void> | null = null;
  #flushes = 0;
  #turn: Promise<unknown> = Promise.resolve();
  readonly #inside = new AsyncLocalStorage<boolean>();
  /** The highest seq this transaction appended, or 0. */
  #lastWritten = 0;
  /** Set when a failed append had already written part of itself: the transaction must not commit. */
  #broken = false;

  constructor(db: PostgresTransaction) {
    super();
    this.db = db;
    db.afterCommit(() => this.#keepFrontier());
    db.beforeCommit(async () => {
      if (this.#broken) throw new FabrikError('store_error', 'an audit append failed part way inside this transaction; it is rolled back rather than commit half an append');
      await this.flush();
    });
  }

  protected override async flush(): Promise<void> {
    while (this.#flushing !== null) await this.#flushing;
    if (this.#entries.length === 0 && this.#newNodes.length === 0) return;
    const entries = this.#entries;
    const nodes = this.#newNodes;
    this.#entries = [];
    this.#newNodes = [];
    this.#flushes += 1;
    this.#flushing = (async () => {
      if (nodes.some((node) => node.hash.byteLength !== 32)) throw new Error('programming error: a Merkle subtree hash must be 32 bytes');
      // Entries and nodes in one statement (one round trip). The hashes go as one bytea the server
      // cuts into 32-byte pieces: an array of bytea costs a hex text per hash to build and parse
      // (about 40 % slower per batch, measured).
      const hashes = Buffer.alloc(nodes.length * 32);
      nodes.forEach((node, i) => hashes.set(node.hash, i * 32));
      await this.db.execute(
        `WITH entries AS (INSERT INTO audit_entries (seq, entry) SELECT * FROM unnest($1::bigint[], $2::text[]))
         INSERT INTO audit_nodes (pos, level, idx, hash)
         SELECT pos, level, idx, substring($6::bytea from ordinal::int * 32 - 31 for 32) FROM unnest($3::bigint[], $4::int[], $5::bigint[]) WITH ORDINALITY AS t(pos, level, idx, ordinal)`,
        [entries.map((entry) => entry.seq), entries.map((entry) => entry.text),
          nodes.map((node) => nodePosition(node.level, node.index)), nodes.map((node) => node.level), nodes.map((node) => node.index), hashes],
      );
    })();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = null;
    }
  }

  override async lastSeq(): Promise<number> {
    if (this.#locked && this.#lastSeq !== null) return this.#lastSeq;
    const seq = await super.lastSeq();
    if (this.#locked) this.#lastSeq = seq;
    return seq;
  }

  override async nodes(addresses: readonly SubtreeAddress[]): Promise<Map<number, Uint8Array>> {
    if (!this.#locked) return super.nodes(addresses);
    const found = new Map<number, Uint8Array>();
    const missing: SubtreeAddress[] = [];
    const frontier = this.db.shared.get(FRONTIER) as ReadonlyMap<number, Uint8Array> | undefined;
    for (const address of addresses) {
      const position = nodePosition(address.level, address.index);
      const hash = this.#nodes.get(position) ?? frontier?.get(position);
      if (hash === undefined) missing.push(address);
      else found.set(position, hash);
    }
    // Every hash this store holds back is in the cache, so what is missing was stored before: no flush needed to read it.
    if (missing.length > 0) {
      for (const [position, hash] of await this.fetchNodes(missing)) {
        found.set(position, hash);
        this.#nodes.set(position, hash);
      }
    }
    return found;
  }

  async insertEntry(seq: number, text: string): Promise<void> {
    await this.#lock();
    this.#entries.push({ seq, text });
    this.#lastWritten = Math.max(this.#lastWritten, seq);
    if (this.#lastSeq !== null && seq > this.#lastSeq) this.#lastSeq = seq;
  }

  async insertNodes(nodes: readonly StoredSubtree[]): Promise<void> {
    await this.#lock();
    for (const node of nodes) {
      this.#newNodes.push(node);
      this.#nodes.set(nodePosition(node.level, node.index), node.hash);
    }
  }

  async insertCheckpoint(row: CheckpointRow): Promise<void> {
    await this.#lock();
    await this.db.execute('INSERT INTO audit_checkpoints (size, root, note, time) VALUES ($1, $2, $3, $4)', [row.size, row.root, row.note, row.time]);
  }

  /** Appends started together on one transaction take turns (each reads the seq the previous wrote); a nested call joins. */
  atomically<T>(work: (store: AuditStore) => Promise<T>): Promise<T> {
    if (this.#inside.getStore() === true) return this.#atomically(work);
    const result = this.#turn.then(() => this.#inside.run(true, () => this.#atomically(work)));
    this.#turn = result.catch(() => {});
    return result;
  }

  async #atomically<T>(work: (store: AuditStore) => Promise<T>): Promise<T> {
    await this.#lock();
    // A failed append normally rolls the caller's transaction back. Should the caller catch the
    // error and commit anyway, drop what this append held back; if part of it already reached the
    // tables (a read flushed it), refuse the commit instead: SAVEPOINTs would cost two round trips
    // on every append to cover a caller's mistake.
    const entries = this.#entries.length;
    const nodes = this.#newNodes.length;
    const lastSeq = this.#lastSeq;
    const flushes = this.#flushes;
    try {
      return await work(this);
    } catch (error) {
      // After a flush, everything still held back belongs to this append.
      const kept = this.#flushes === flushes ? { entries, nodes } : { entries: 0, nodes: 0 };
      if (this.#flushes !== flushes) this.#broken = true;
      for (const node of this.#newNodes.splice(kept.nodes)) this.#nodes.delete(nodePosition(node.level, node.index));
      this.#entries.length = Math.min(this.#entries.length, kept.entries);
      this.#lastSeq = lastSeq;
      throw error;
    }
  }

  inTransaction(): boolean {
    return true;
  }

  /**
   * After a commit that appended, keeps the log's right edge (the perfect subtrees the next appends
   * combine with, one per 1-bit of the size) for the next transaction of this pool: in steady state
   * an append then reads nothing from the database. Only committed hashes are kept; an edge another
   * process has moved on from is merely not used (positions are never rewritten).
   */
  #keepFrontier(): void {
    if (this.#lastWritten === 0) return;
    const previous = this.db.shared.get(FRONTIER) as ReadonlyMap<number, Uint8Array> | undefined;
    const kept = new Map<number, Uint8Array>();
    let start = 0;
    for (let level = 52; level >= 0; level -= 1) {
      const width = 2 ** level;
      if (Math.floor(this.#lastWritten / width) % 2 === 0) continue;
      const position = nodePosition(level, start / width);
      const hash = this.#nodes.get(position) ?? previous?.get(position);
      if (hash !== undefined) kept.set(position, hash);
      start += width;
    }
    this.db.shared.set(FRONTIER, kept);
  }

  async #lock(): Promise<void> {
    if (this.#locked) return;
    await this.db.once(LOCK);
    this.#locked = true;
  }
}
