import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { openAuditLog, type AuditLog } from '../../audit/audit-log.ts';
import { FabrikError } from '../../shared/errors.ts';
import { createSqliteAuditStore } from './sqlite-audit-store.ts';

type Row = Record<string, unknown>;

/** What every SQLite-backed store needs to open its connection and the shared audit log. */
export interface SqliteOpenOptions {
  path: string;
  keyDir: string;
  origin: string;
  codeVersion: string;
  checkpointEvery?: number;
  /** How long a write waits for another connection's lock before failing (default 10 s: the CLI would rather wait than fail). */
  busyTimeoutMs?: number;
}

/**
 * Opens a connection to the shared SQLite file (WAL, busy timeout, foreign keys), runs the
 * caller's migrations and opens the audit log on the same connection, so a store's writes and
 * their audit entries commit together. `what` names the store in errors.
 */
export function openSqliteDatabase(options: SqliteOpenOptions, what: string, migrate: (db: DatabaseSync) => void): { sql: SqliteDatabase; audit: AuditLog } {
  createPrivateDirectory(dirname(options.path));
  // Keys, usage and payloads live here: owner-only, whatever the umask (SQLite gives -wal and -shm the file's mode).
  closeSync(openSync(options.path, 'a', 0o600));
  chmodSync(options.path, 0o600);
  const db = new DatabaseSync(options.path);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    for (const suffix of ['-wal', '-shm']) if (existsSync(options.path + suffix)) chmodSync(options.path + suffix, 0o600);
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    db.exec('PRAGMA foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    throw new FabrikError('store_error', `cannot open the ${what} at ${options.path}: ${(error as Error).message}`, { param: 'FABRIK_HOME', cause: error });
  }
  const sql = new SqliteDatabase(db);
  const audit = openAuditLog(createSqliteAuditStore(sql), {
    keyDir: options.keyDir,
    origin: options.origin,
    codeVersion: options.codeVersion,
    ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }),
  });
  return { sql, audit };
}

/** Creates a folder (and its parents) owner-only, 0700 whatever the umask; one that exists is left as it is. */
export function createPrivateDirectory(path: string): void {
  const first = mkdirSync(path, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // mkdirSync returns the first folder it made: every one from there down to `path` is new.
  for (let folder = path; ; folder = dirname(folder)) {
    chmodSync(folder, 0o700);
    if (folder === first || dirname(folder) === folder) break;
  }
}

/** One connection with its prepared statements kept, and nestable write transactions. */
export class SqliteDatabase {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #depth = 0;
  #tail: Promise<void> = Promise.resolve();
  /** Marks the async path running a transaction's work, so a nested call joins rather than deadlocks. */
  readonly #owner = new AsyncLocalStorage<boolean>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  get(sql: string, ...parameters: SQLInputValue[]): Row | undefined {
    return this.statement(sql).get(...parameters) as Row | undefined;
  }

  all(sql: string, ...parameters: SQLInputValue[]): Row[] {
    return this.statement(sql).all(...parameters) as Row[];
  }

  run(sql: string, ...parameters: SQLInputValue[]): number {
    return Number(this.statement(sql).run(...parameters).changes);
  }

  /**
   * Runs `work` in one write transaction and commits when its promise resolves. BEGIN IMMEDIATE
   * takes the write lock before reading, so a read-then-write (the audit log's next seq, a quota
   * sum) cannot race another process: busy_timeout waits for the lock instead of failing on a
   * stale snapshot. Transactions on one connection queue behind each other, since an await inside
   * one would otherwise let another's statements join it. A call made from inside `work` (the
   * transaction already open on this async path) joins it instead of queueing behind itself.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.#depth > 0 && this.#owner.getStore() === true) return work();
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.#depth += 1;
      try {
        const result = await this.#owner.run(true, work);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      } finally {
        this.#depth -= 1;
      }
    } finally {
      release();
    }
  }

  /** True while a transaction is open on this connection. */
  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  close(): void {
    this.#statements.clear();
    this.db.close();
  }
}
