import pg from 'pg';
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

type Row = Record<string, unknown>;

/** The slice of a connection the job store uses (postgres-database.ts's PostgresDatabase and its transactions fit it). */
export interface JobQueryable {
  query(text: string, values?: readonly unknown[]): Promise<Row[]>;
  execute(text: string, values?: readonly unknown[]): Promise<number>;
}

/** A pool the job store can open transactions on. */
export interface JobDatabase extends JobQueryable {
  transaction<T>(work: (tx: JobQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Holds a connection that LISTENs on `channel` and calls `onNotify` with each payload; resolves to a function that lets it go. */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
}

/** The channel `enqueue`, `release` and `retry` notify on (payload: the job kind), delivered when their transaction commits. */
export const JOBS_CHANNEL = 'fabrik_jobs';

/** The PostgreSQL job store, plus `bind` for a handler that completes its job inside its own transaction. */
export interface PostgresJobStore extends JobStore {
  /** The same store with every statement run on `tx`: a complete through it commits or rolls back with the caller's writes. */
  bind(tx: JobQueryable): JobStore;
}

/**
 * The job tables' steps, applied in order under an advisory lock; `job_schema.version` records how
 * many have run. Times are epoch milliseconds (BIGINT), as the SQLite adapter keeps them.
 */
export const POSTGRES_JOB_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    dedupe_key TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done', 'dead')),
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    run_after BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    last_error TEXT,
    result JSONB,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
  );
  CREATE UNIQUE INDEX jobs_dedupe ON jobs(kind, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'leased');
  CREATE INDEX jobs_due ON jobs(kind, state, run_after);
  CREATE INDEX jobs_leases ON jobs(lease_expires_at) WHERE state = 'leased';
  `,
];

/** Advisory lock key for the job migrations (the two-int form; the class spells 'fbrj'). */
const JOB_MIGRATION_LOCK = [0x6662726a, 1] as const;
const UNIQUE_VIOLATION = '23505';
/** Jobs per INSERT: 1000 rows of six arrays is well within one message, and enqueueing a large folder takes one round trip per thousand files. */
const ENQUEUE_BATCH = 1000;

/** Creates or updates the job tables; idempotent, and safe when several workers open a fresh database at once. */
export async function migratePostgresJobs(database: JobDatabase): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, $2)', JOB_MIGRATION_LOCK);
    await tx.execute('CREATE TABLE IF NOT EXISTS job_schema (version INTEGER NOT NULL)');
    const [row] = await tx.query('SELECT version FROM job_schema');
    const version = row === undefined ? 0 : Number(row.version);
    for (const step of POSTGRES_JOB_MIGRATIONS.slice(version)) await tx.execute(step);
    if (row === undefined) await tx.execute('INSERT INTO job_schema (version) VALUES ($1)', [POSTGRES_JOB_MIGRATIONS.length]);
    else if (version < POSTGRES_JOB_MIGRATIONS.length) await tx.execute('UPDATE job_schema SET version = $1', [POSTGRES_JOB_MIGRATIONS.length]);
  });
}

/**
 * Opens the job store on its own pool (for a worker or a CLI command that needs only the queue),
 * migrating the job tables first. The composition root can instead pass the shared database to
 * `createPostgresJobStore`.
 */
export async function openPostgresJobStore(url: string, poolSize = 4): Promise<PostgresJobStore> {
  const database = poolDatabase(new pg.Pool({ connectionString: url, max: poolSize, application_name: 'fabrik-jobs' }));
  try {
    await migratePostgresJobs(database);
  } catch (error) {
    await database.close();
    throw new FabrikError('store_error', `cannot open the job store on PostgreSQL: ${(error as Error).message}`, { param: 'FABRIK_DATABASE_URL', cause: error });
  }
  return createPostgresJobStore(database, { closeDatabase: true });
}

/** The job store over an open, migrated database. */
export function createPostgresJobStore(database: JobDatabase, options: { closeDatabase?: boolean } = {}): PostgresJobStore {
  return new PostgresJobs(database, database, options.closeDatabase === true);
}

/** A pg.Pool in the JobDatabase shape (what postgres-database.ts's PostgresDatabase offers, for a standalone job store). */
export function poolDatabase(pool: pg.Pool): JobDatabase {
  // An idle connection the server drops is removed from the pool; without a listener its 'error' event would end the process.
  pool.on('error', () => {});
  const on = (client: pg.Pool | pg.PoolClient): JobQueryable => ({
    query: async (text, values) => (await client.query(text, values as unknown[])).rows as Row[],
    execute: async (text, values) => (await client.query(text, values as unknown[])).rowCount ?? 0,
  });
  return {
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          const result = await work(on(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError as Error));
          throw error;
        }
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
    listen: (channel, onNotify) => listenOn(() => pool.connect(), channel, onNotify),
  };
}

/** LISTENs on a connection of its own until the returned function is called; a dropped connection just ends the watch (workers still poll). */
export async function listenOn(connect: () => Promise<pg.PoolClient | pg.Client>, channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
  const client = await connect();
  const handler = (message: pg.Notification): void => {
    if (message.channel === channel) onNotify(message.payload ?? '');
  };
  client.on('notification', handler);
  client.on('error', () => {});
  await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
  return async () => {
    client.off('notification', handler);
    try {
      await client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`);
    } catch {
      // The connection is gone already: nothing to stop.
    }
    if ('release' in client) client.release(true);
    else await client.end().catch(() => {});
  };
}

/** Notifies watching workers that jobs of these kinds are queued (delivered when the caller's transaction commits). */
async function notifyKinds(on: JobQueryable, kinds: readonly string[]): Promise<void> {
  for (const kind of kinds) await on.execute('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, kind]);
}

const COLUMNS = 'id, kind, payload, dedupe_key, state, attempts, max_attempts, run_after, lease_owner, lease_expires_at, last_error, result, created_at, updated_at, finished_at';

class PostgresJobs implements PostgresJobStore {
  readonly #database: JobDatabase;
  /** Where statements run: the pool, or the caller's transaction for a bound store. */
  readonly #on: JobQueryable;
  readonly #closeDatabase: boolean;

  constructor(database: JobDatabase, on: JobQueryable, closeDatabase: boolean) {
    this.#database = database;
    this.#on = on;
    this.#closeDatabase = closeDatabase;
  }

  bind(tx: JobQueryable): JobStore {
    return new PostgresJobs(this.#database, tx, false);
  }

  /** Runs `work` in a transaction of its own, or in the caller's when bound to one. */
  #atomically<T>(work: (on: JobQueryable) => Promise<T>): Promise<T> {
    return this.#on === this.#database ? this.#database.transaction(work) : work(this.#on);
  }

  async enqueue(jobs: readonly NewJob[], now = Date.now()): Promise<string[]> {
    const rows = jobs.map((job) => ({
      id: createJobId(),
      job,
      maxAttempts: checkMaxAttempts(job.maxAttempts),
      runAfter: job.runAfter === undefined ? now : parseTime(job.runAfter, 'runAfter'),
    }));
    return await this.#atomically(async (on) => {
      const ids: string[] = [];
      for (let start = 0; start < rows.length; start += ENQUEUE_BATCH) {
        const batch = rows.slice(start, start + ENQUEUE_BATCH);
        // One round trip per batch; a job whose key is held (or repeated in the batch) is left out here and resolved below.
        const inserted = new Set((await on.query(
          `INSERT INTO jobs (id, kind, payload, dedupe_key, state, attempts, max_attempts, run_after, created_at, updated_at)
           SELECT id, kind, payload::jsonb, dedupe_key, 'queued', 0, max_attempts, run_after, $7, $7
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[]) WITH ORDINALITY
             AS batch(id, kind, payload, dedupe_key, max_attempts, run_after, position)
           ORDER BY position
           ON CONFLICT (kind, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'leased') DO NOTHING RETURNING id`,
          [batch.map((row) => row.id), batch.map((row) => row.job.kind), batch.map((row) => JSON.stringify(row.job.payload)),
            batch.map((row) => row.job.dedupeKey ?? null), batch.map((row) => row.maxAttempts), batch.map((row) => row.runAfter), now],
        )).map((row) => String(row.id)));
        for (const row of batch) ids.push(inserted.has(row.id) ? row.id : await enqueueOne(on, row.job, row.maxAttempts, row.runAfter, now));
      }
      // Delivered at commit: idle workers watching these kinds wake at once.
      await notifyKinds(on, [...new Set(rows.map((row) => row.job.kind))]);
      return ids;
    });
  }

  async lease(kinds: readonly string[], owner: string, max: number, leaseMs: number, now = Date.now()): Promise<JobRecord[]> {
    if (kinds.length === 0 || max <= 0) return [];
    // A job whose worker died on its last attempt has no attempt left to lease: dead-letter it.
    await this.#on.execute(
      `UPDATE jobs SET state = 'dead', finished_at = $1::bigint, updated_at = $1::bigint, lease_owner = NULL, lease_expires_at = NULL,
         last_error = 'lease of ' || lease_owner || ' expired on attempt ' || attempts || ' of ' || max_attempts || coalesce('; last error: ' || last_error, '')
       WHERE seq IN (SELECT seq FROM jobs WHERE state = 'leased' AND lease_expires_at <= $1 AND attempts >= max_attempts AND kind = ANY($2)
                     FOR UPDATE SKIP LOCKED)`,
      [now, kinds],
    );
    // SKIP LOCKED: rows another worker is leasing right now are passed over, not waited for, so
    // workers never block each other and never take the same job.
    const rows = await this.#on.query(
      `UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = $1, lease_expires_at = $2, updated_at = $3
       WHERE seq IN (
         SELECT seq FROM jobs WHERE kind = ANY($4)
           AND ((state = 'queued' AND run_after <= $3) OR (state = 'leased' AND lease_expires_at <= $3 AND attempts < max_attempts))
         ORDER BY run_after, seq LIMIT $5 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}, seq`,
      [owner, now + leaseMs, now, kinds, max],
    );
    rows.sort((a, b) => Number(a.run_after) - Number(b.run_after) || Number(a.seq) - Number(b.seq));
    return rows.map(toJob);
  }

  async heartbeat(id: string, owner: string, leaseMs: number, now = Date.now()): Promise<boolean> {
    return await this.#on.execute(`UPDATE jobs SET lease_expires_at = $1, updated_at = $2 WHERE id = $3 AND state = 'leased' AND lease_owner = $4`, [now + leaseMs, now, id, owner]) === 1;
  }

  async complete(id: string, owner: string, result: JobValue = null, now = Date.now()): Promise<boolean> {
    return await this.#on.execute(
      `UPDATE jobs SET state = 'done', result = $1::jsonb, finished_at = $2::bigint, updated_at = $2::bigint, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $3 AND state = 'leased' AND lease_owner = $4`,
      [JSON.stringify(result), now, id, owner],
    ) === 1;
  }

  async fail(id: string, owner: string, error: string, retryAt: number | null, now = Date.now()): Promise<boolean> {
    return await this.#on.execute(
      `UPDATE jobs SET
         state = CASE WHEN $1::bigint IS NULL OR attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
         finished_at = CASE WHEN $1::bigint IS NULL OR attempts >= max_attempts THEN $2::bigint ELSE NULL END,
         run_after = coalesce($1::bigint, run_after), last_error = $3, updated_at = $2::bigint, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $4 AND state = 'leased' AND lease_owner = $5`,
      [retryAt, now, error, id, owner],
    ) === 1;
  }

  async release(id: string, owner: string, now = Date.now()): Promise<boolean> {
    const rows = await this.#on.query(
      `UPDATE jobs SET state = 'queued', attempts = greatest(0, attempts - 1), run_after = $1::bigint, updated_at = $1::bigint, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $2 AND state = 'leased' AND lease_owner = $3 RETURNING kind`,
      [now, id, owner],
    );
    await notifyKinds(this.#on, rows.map((row) => String(row.kind)));
    return rows.length === 1;
  }

  async watch(kinds: readonly string[], onWork: () => void): Promise<() => Promise<void>> {
    if (this.#database.listen === undefined) return async () => {};
    const wanted = new Set(kinds);
    return this.#database.listen(JOBS_CHANNEL, (kind) => {
      if (wanted.has(kind)) onWork();
    });
  }

  async get(id: string): Promise<JobRecord | null> {
    const [row] = await this.#on.query(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return row === undefined ? null : toJob(row);
  }

  async list(filter: JobFilter = {}): Promise<JobRecord[]> {
    const rows = await this.#on.query(
      `SELECT ${COLUMNS} FROM jobs WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2) ORDER BY seq LIMIT $3`,
      [filter.state ?? null, filter.kind ?? null, filter.limit ?? 100],
    );
    return rows.map(toJob);
  }

  async stats(now = Date.now()): Promise<JobStats> {
    const rows = await this.#on.query('SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state');
    const [expired] = await this.#on.query(`SELECT count(*) AS n FROM jobs WHERE state = 'leased' AND lease_expires_at <= $1`, [now]);
    return countStats(rows.map((row) => ({ kind: String(row.kind), state: row.state as JobState, count: Number(row.n) })), Number(expired?.n ?? 0));
  }

  retry(id: string, now = Date.now()): Promise<boolean> {
    return this.#atomically(async (on) => {
      const [job] = await on.query('SELECT state, kind FROM jobs WHERE id = $1 FOR UPDATE', [id]);
      if (job === undefined) throw new FabrikError('not_found', `no job ${id}`, { param: 'id' });
      if (job.state !== 'dead') return false;
      const [holder] = await on.query(
        `SELECT other.id FROM jobs AS other JOIN jobs AS dead ON other.kind = dead.kind AND other.dedupe_key = dead.dedupe_key
         WHERE dead.id = $1 AND other.state IN ('queued', 'leased')`,
        [id],
      );
      if (holder !== undefined) throw new FabrikError('already_exists', `job ${id} cannot be retried: its dedupe key is held by unfinished job ${String(holder.id)}`, { param: 'id' });
      try {
        const requeued = await on.execute(`UPDATE jobs SET state = 'queued', attempts = 0, run_after = $1::bigint, updated_at = $1::bigint, finished_at = NULL WHERE id = $2 AND state = 'dead'`, [now, id]) === 1;
        if (requeued) await notifyKinds(on, [String(job.kind)]);
        return requeued;
      } catch (error) {
        // Another process enqueued the same key after the look-up above.
        if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw new FabrikError('already_exists', `job ${id} cannot be retried: its dedupe key is held by an unfinished job`, { param: 'id', cause: error });
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closeDatabase) await this.#database.close();
  }
}

/** Enqueues one job whose key was held: returns the holder's id, or inserts it when the holder finished meanwhile. */
async function enqueueOne(on: JobQueryable, job: NewJob, maxAttempts: number, runAfter: number, now: number): Promise<string> {
  // The holder of the key may finish between the refused insert and the look-up: try again.
  for (let attempt = 1; ; attempt += 1) {
    const [held] = await on.query(`SELECT id FROM jobs WHERE kind = $1 AND dedupe_key = $2 AND state IN ('queued', 'leased')`, [job.kind, job.dedupeKey ?? null]);
    if (held !== undefined) return String(held.id);
    const id = createJobId();
    const inserted = await on.query(
      `INSERT INTO jobs (id, kind, payload, dedupe_key, state, attempts, max_attempts, run_after, created_at, updated_at)
       VALUES ($1, $2, $3::jsonb, $4, 'queued', 0, $5, $6, $7, $7)
       ON CONFLICT (kind, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'leased') DO NOTHING RETURNING id`,
      [id, job.kind, JSON.stringify(job.payload), job.dedupeKey ?? null, maxAttempts, runAfter, now],
    );
    if (inserted.length === 1) return id;
    if (attempt >= 3) throw new FabrikError('store_error', `cannot enqueue the ${job.kind} job with dedupe key ${JSON.stringify(job.dedupeKey)}: its key kept changing hands`);
  }
}

function toJob(row: Row): JobRecord {
  return {
    id: String(row.id),
    kind: String(row.kind),
    payload: row.payload as JobValue,
    dedupeKey: row.dedupe_key === null ? null : String(row.dedupe_key),
    state: row.state as JobState,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAfter: isoTime(row.run_after),
    leaseOwner: row.lease_owner === null ? null : String(row.lease_owner),
    leaseExpiresAt: row.lease_expires_at === null ? null : isoTime(row.lease_expires_at),
    lastError: row.last_error === null ? null : String(row.last_error),
    result: row.result === null ? null : row.result as JobValue,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
    finishedAt: row.finished_at === null ? null : isoTime(row.finished_at),
  };
}

function isoTime(value: unknown): string {
  return new Date(Number(value)).toISOString();
}
