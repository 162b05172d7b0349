import { chmodSync, closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { FabrikError } from '../../shared/errors.ts';
import {
  checkMaxAttempts,
  countStats,
  createJobId,
  parseTime,
  type JobFilter,
  type JobRecord,
  type JobState,
  type JobStats,
  type JobStore,
  type JobValue,
  type NewJob,
} from '../core/job-store.ts';
import { createPrivateDirectory, SqliteDatabase } from './sqlite-database.ts';

type Row = Record<string, unknown>;

/**
 * The job table's schema steps, applied in order; `job_schema.version` records how many have run.
 * Kept apart from the store's `user_version` list so the job layer can open on any fabrik file.
 * Times are epoch milliseconds: lease expiry and backoff compare them on every lease.
 */
const JOB_MIGRATIONS: string[] = [
  `
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done', 'dead')),
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    run_after INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_error TEXT,
    result TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE UNIQUE INDEX jobs_dedupe ON jobs(kind, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'leased');
  CREATE INDEX jobs_due ON jobs(kind, state, run_after);
  CREATE INDEX jobs_leases ON jobs(lease_expires_at) WHERE state = 'leased';
  `,
];

/** Creates or updates the job tables; idempotent, safe to call on every open and from two processes at once. */
export function migrateJobs(db: DatabaseSync): void {
  db.exec('CREATE TABLE IF NOT EXISTS job_schema (version INTEGER NOT NULL)');
  // BEGIN IMMEDIATE: two workers opening a fresh file at once must not both run step 1.
  db.exec('BEGIN IMMEDIATE');
  try {
    const row = db.prepare('SELECT version FROM job_schema').get() as { version: number } | undefined;
    const version = row?.version ?? 0;
    for (const step of JOB_MIGRATIONS.slice(version)) db.exec(step);
    if (row === undefined) db.prepare('INSERT INTO job_schema (version) VALUES (?)').run(JOB_MIGRATIONS.length);
    else if (version < JOB_MIGRATIONS.length) db.prepare('UPDATE job_schema SET version = ?').run(JOB_MIGRATIONS.length);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

export interface SqliteJobStoreOptions {
  path: string;
  /** How long a write waits for another connection's lock (default 10 s). */
  busyTimeoutMs?: number;
}

/**
 * Opens the job tables in a SQLite file on a connection of its own (WAL, busy timeout), for a
 * worker or a CLI command that needs only the queue.
 */
export function openSqliteJobStore(options: SqliteJobStoreOptions): JobStore & { readonly sql: SqliteDatabase } {
  createPrivateDirectory(dirname(options.path));
  closeSync(openSync(options.path, 'a', 0o600));
  chmodSync(options.path, 0o600);
  const db = new DatabaseSync(options.path);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
  } catch (error) {
    db.close();
    throw new FabrikError('store_error', `cannot open the job store at ${options.path}: ${(error as Error).message}`, { param: 'FABRIK_HOME', cause: error });
  }
  return createSqliteJobStore(new SqliteDatabase(db), { closeConnection: true });
}

/**
 * The job store over an open connection (migrating it first). A store sharing the connection of
 * another store joins that store's transactions: a handler that writes its results inside
 * `sql.transaction(...)` and completes its job there commits both or neither.
 */
export function createSqliteJobStore(sql: SqliteDatabase, options: { closeConnection?: boolean } = {}): JobStore & { readonly sql: SqliteDatabase } {
  try {
    migrateJobs(sql.db);
  } catch (error) {
    throw new FabrikError('store_error', `cannot create the job tables: ${(error as Error).message}`, { cause: error });
  }
  return new SqliteJobStore(sql, options.closeConnection === true);
}

const RETURNING = 'RETURNING id, kind, payload, dedupe_key, state, attempts, max_attempts, run_after, lease_owner, lease_expires_at, last_error, result, created_at, updated_at, finished_at';
const COLUMNS = RETURNING.slice('RETURNING '.length);

class SqliteJobStore implements JobStore {
  readonly sql: SqliteDatabase;
  readonly #closeConnection: boolean;

  constructor(sql: SqliteDatabase, closeConnection: boolean) {
    this.sql = sql;
    this.#closeConnection = closeConnection;
  }

  enqueue(jobs: readonly NewJob[], now = Date.now()): Promise<string[]> {
    return this.sql.transaction(async () => {
      const ids: string[] = [];
      for (const job of jobs) {
        const maxAttempts = checkMaxAttempts(job.maxAttempts);
        const runAfter = job.runAfter === undefined ? now : parseTime(job.runAfter, 'runAfter');
        const id = createJobId();
        const inserted = this.sql.run(
          `INSERT INTO jobs (id, kind, payload, dedupe_key, state, attempts, max_attempts, run_after, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          id, job.kind, JSON.stringify(job.payload), job.dedupeKey ?? null, maxAttempts, runAfter, now, now,
        );
        if (inserted === 1) {
          ids.push(id);
          continue;
        }
        const held = this.sql.get(`SELECT id FROM jobs WHERE kind = ? AND dedupe_key = ? AND state IN ('queued', 'leased')`, job.kind, job.dedupeKey ?? null);
        if (held === undefined) throw new Error(`programming error: job insert for kind ${job.kind} conflicted with no unfinished job`);
        ids.push(String(held.id));
      }
      return ids;
    });
  }

  lease(kinds: readonly string[], owner: string, max: number, leaseMs: number, now = Date.now()): Promise<JobRecord[]> {
    if (kinds.length === 0 || max <= 0) return Promise.resolve([]);
    const kindList = JSON.stringify(kinds);
    return this.sql.transaction(async () => {
      // A job whose worker died on its last attempt has no attempt left to lease: dead-letter it.
      this.sql.run(
        `UPDATE jobs SET state = 'dead', finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL,
           last_error = 'lease of ' || lease_owner || ' expired on attempt ' || attempts || ' of ' || max_attempts || coalesce('; last error: ' || last_error, '')
         WHERE state = 'leased' AND lease_expires_at <= ? AND attempts >= max_attempts AND kind IN (SELECT value FROM json_each(?))`,
        now, now, now, kindList,
      );
      const rows = this.sql.all(
        `UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ?
         WHERE seq IN (
           SELECT seq FROM jobs WHERE kind IN (SELECT value FROM json_each(?))
             AND ((state = 'queued' AND run_after <= ?) OR (state = 'leased' AND lease_expires_at <= ?))
           ORDER BY run_after, seq LIMIT ?)
         ${RETURNING}, seq`,
        owner, now + leaseMs, now, kindList, now, now, max,
      );
      rows.sort((a, b) => Number(a.run_after) - Number(b.run_after) || Number(a.seq) - Number(b.seq));
      return rows.map(toJob);
    });
  }

  heartbeat(id: string, owner: string, leaseMs: number, now = Date.now()): Promise<boolean> {
    return this.sql.transaction(async () =>
      this.sql.run(`UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'leased' AND lease_owner = ?`, now + leaseMs, now, id, owner) === 1);
  }

  complete(id: string, owner: string, result: JobValue = null, now = Date.now()): Promise<boolean> {
    return this.sql.transaction(async () =>
      this.sql.run(
        `UPDATE jobs SET state = 'done', result = ?, finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND state = 'leased' AND lease_owner = ?`,
        JSON.stringify(result), now, now, id, owner,
      ) === 1);
  }

  fail(id: string, owner: string, error: string, retryAt: number | null, now = Date.now()): Promise<boolean> {
    return this.sql.transaction(async () =>
      this.sql.run(
        `UPDATE jobs SET
           state = CASE WHEN ? IS NULL OR attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
           finished_at = CASE WHEN ? IS NULL OR attempts >= max_attempts THEN ? ELSE NULL END,
           run_after = coalesce(?, run_after), last_error = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND state = 'leased' AND lease_owner = ?`,
        retryAt, retryAt, now, retryAt, error, now, id, owner,
      ) === 1);
  }

  release(id: string, owner: string, now = Date.now()): Promise<boolean> {
    return this.sql.transaction(async () =>
      this.sql.run(
        `UPDATE jobs SET state = 'queued', attempts = max(0, attempts - 1), run_after = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND state = 'leased' AND lease_owner = ?`,
        now, now, id, owner,
      ) === 1);
  }

  async get(id: string): Promise<JobRecord | null> {
    const row = this.sql.get(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`, id);
    return row === undefined ? null : toJob(row);
  }

  async list(filter: JobFilter = {}): Promise<JobRecord[]> {
    return this.sql.all(
      `SELECT ${COLUMNS} FROM jobs WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR kind = ?2) ORDER BY seq LIMIT ?3`,
      filter.state ?? null, filter.kind ?? null, filter.limit ?? 100,
    ).map(toJob);
  }

  async stats(now = Date.now()): Promise<JobStats> {
    const rows = this.sql.all('SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state ORDER BY kind');
    const expired = this.sql.get(`SELECT count(*) AS n FROM jobs WHERE state = 'leased' AND lease_expires_at <= ?`, now);
    return countStats(rows.map((row) => ({ kind: String(row.kind), state: row.state as JobState, count: Number(row.n) })), Number(expired?.n ?? 0));
  }

  retry(id: string, now = Date.now()): Promise<boolean> {
    return this.sql.transaction(async () => {
      const job = this.sql.get(`SELECT id, kind, dedupe_key, state FROM jobs WHERE id = ?`, id);
      if (job === undefined) throw new FabrikError('not_found', `no job ${id}`, { param: 'id' });
      if (job.state !== 'dead') return false;
      const holder = job.dedupe_key === null ? undefined
        : this.sql.get(`SELECT id FROM jobs WHERE kind = ? AND dedupe_key = ? AND state IN ('queued', 'leased')`, String(job.kind), String(job.dedupe_key));
      if (holder !== undefined) throw new FabrikError('already_exists', `job ${id} cannot be retried: its dedupe key is held by unfinished job ${String(holder.id)}`, { param: 'id' });
      return this.sql.run(
        `UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?, updated_at = ?, finished_at = NULL WHERE id = ? AND state = 'dead'`,
        now, now, id,
      ) === 1;
    });
  }

  async close(): Promise<void> {
    if (this.#closeConnection) this.sql.close();
  }
}

function toJob(row: Row): JobRecord {
  return {
    id: String(row.id),
    kind: String(row.kind),
    payload: JSON.parse(String(row.payload)) as JobValue,
    dedupeKey: row.dedupe_key === null ? null : String(row.dedupe_key),
    state: row.state as JobState,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAfter: isoTime(row.run_after),
    leaseOwner: row.lease_owner === null ? null : String(row.lease_owner),
    leaseExpiresAt: row.lease_expires_at === null ? null : isoTime(row.lease_expires_at),
    lastError: row.last_error === null ? null : String(row.last_error),
    result: row.result === null ? null : JSON.parse(String(row.result)) as JobValue,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
    finishedAt: row.finished_at === null ? null : isoTime(row.finished_at),
  };
}

function isoTime(value: unknown): string {
  return new Date(Number(value)).toISOString();
}
