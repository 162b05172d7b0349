import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { FabrikError } from '../../shared/errors.ts';
import { listenOn } from './postgres-job-store.ts';

export type Row = Record<string, unknown>;

/** What every PostgreSQL-backed store needs: the server, and the audit log's key folder and names. */
export interface PostgresOpenOptions {
  /** postgres://user:password@host:port/database (FABRIK_DATABASE_URL). */
  url: string;
  keyDir: string;
  origin: string;
  codeVersion: string;
  checkpointEvery?: number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/** The slice of a connection the stores use: the driver stays inside this folder. */
export interface PostgresQueryable {
  query(text: string, values?: readonly unknown[]): Promise<Row[]>;
  /** Rows as arrays of column values (cheaper to build for wide scans). */
  queryArrays(text: string, values?: readonly unknown[]): Promise<unknown[][]>;
  /** Runs a statement and returns how many rows it changed. */
  execute(text: string, values?: readonly unknown[]): Promise<number>;
}

/** One open transaction on one connection; work registered with `beforeCommit` runs (in order) just before COMMIT. */
export interface PostgresTransaction extends PostgresQueryable {
  beforeCommit(work: () => Promise<void>): void;
  /** Runs `work` once the transaction has committed (never after a rollback); an error it throws is ignored. */
  afterCommit(work: () => void): void;
  /** State shared by every transaction of this pool (one process's view of one database), e.g. caches of committed rows. */
  readonly shared: Map<string, unknown>;
  /** Runs a statement once per transaction (keyed by its text): an advisory lock taken twice costs a round trip for nothing. */
  once(text: string, values?: readonly unknown[]): Promise<void>;
}

export interface TransactionOptions {
  /**
   * Fail fast instead of waiting: a lock held by another writer fails after `lockTimeoutMs` and
   * any statement after `statementTimeoutMs` (both as store_error), for the gateway's ledger calls.
   */
  failFast?: { lockTimeoutMs: number; statementTimeoutMs: number };
  /**
   * Run `work` again (up to 3 times) on a serialization failure or deadlock. Only for work with no
   * effect outside the transaction: the stores' own multi-statement writes, never a caller's callback.
   */
  retry?: boolean;
  /**
   * A statement without parameters (an advisory lock) sent with BEGIN in the same round trip, and
   * counted as done for `once`.
   */
  prelude?: string;
  /**
   * A write transaction that takes the audit log's lock: this pool runs one at a time, in order,
   * and one started inside another's work on the same async path joins it (as SQLite's nested
   * transactions do). They serialize on the lock anyway; waiting here rather than on the server
   * keeps the pool's other connections free for reads (the lock holder's included) instead of
   * filling the pool with waiters.
   */
  exclusive?: boolean;
  /** One read snapshot for the whole transaction (REPEATABLE READ, READ ONLY): a long read that must see one state. */
  snapshot?: boolean;
}

/** Advisory lock keys (class, key) of the two-int form; the class keeps them apart from other users' locks. */
export const LOCK_CLASS = 0x66627231; // 'fbr1'
export const AUDIT_APPEND_LOCK = 1;
export const MIGRATION_LOCK = 2;
/** Quota scopes lock (QUOTA_LOCK_CLASS, hashtext(scope metric)). */
export const QUOTA_LOCK_CLASS = 0x66627232;

const PG_INT8 = 20;
const PG_NUMERIC = 1700;
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';
const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';
const RETRIES = 3;

/**
 * BIGINT and NUMERIC come back as numbers when they fit a double exactly (every count, size, seq
 * and position fabrik stores), else as the driver's string. Per pool, not pg.types globally: the
 * process may hold other pg users.
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_INT8 || oid === PG_NUMERIC) {
      return (value: string) => {
        const number = Number(value);
        return (oid === PG_INT8 ? Number.isSafeInteger(number) : Number.isFinite(number)) ? number : value;
      };
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** The URL with its password replaced by ***: the only form of it any message carries. */
export function maskedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unreadable URL';
  }
}

/** Connection failures (refused, unknown host, bad password, no such database) as store_error naming FABRIK_DATABASE_URL. */
export function connectionError(url: string, error: unknown): FabrikError {
  const { code, message } = error as { code?: string; message?: string };
  const reason = code === '28P01' || code === '28000' ? 'authentication failed'
    : code === '3D000' ? 'the database does not exist'
      : code === 'ECONNREFUSED' ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'unknown host'
          : code === '57P01' || code === '57P02' || code === '57P03' ? `the server is shutting down or starting (${message ?? code})`
            : (message ?? String(error));
  // pg's own messages never hold the password, but strip the URL's password from any text anyway.
  const password = passwordOf(url);
  const safe = password === '' ? reason : reason.split(password).join('***');
  return new FabrikError('store_error', `cannot connect to PostgreSQL at ${maskedUrl(url)} (FABRIK_DATABASE_URL): ${safe}`, { param: 'FABRIK_DATABASE_URL' });
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // 08: connection exceptions, 28: authorization, 3D000: no such database, 57P0x: the server shut
  // down or is starting; E…: the socket's own errors (ECONNREFUSED, ECONNRESET, ENOTFOUND).
  return typeof code === 'string' && (/^(28|3D|08|57P0)/.test(code) || /^E[A-Z]+$/.test(code)) && !(error instanceof FabrikError);
}

function onceKey(text: string, values: readonly unknown[] | undefined): string {
  return `${text}\u0001${JSON.stringify(values ?? [])}`;
}

function queryable(client: pg.Pool | pg.PoolClient): PostgresQueryable {
  return {
    query: async (text, values) => (await client.query(text, values as unknown[])).rows as Row[],
    queryArrays: async (text, values) => (await client.query({ text, values: values as unknown[], rowMode: 'array' })).rows as unknown[][],
    execute: async (text, values) => (await client.query(text, values as unknown[])).rowCount ?? 0,
  };
}

/** A pool of connections to one PostgreSQL database, and transactions over it. */
export class PostgresDatabase implements PostgresQueryable {
  readonly url: string;
  readonly shared = new Map<string, unknown>();
  readonly #pool: pg.Pool;
  /** The exclusive transaction running on this async path, if any (see TransactionOptions.exclusive). */
  readonly #writer = new AsyncLocalStorage<PostgresTransaction>();
  #writerTail: Promise<unknown> = Promise.resolve();
  readonly #queries: PostgresQueryable;

  constructor(url: string, poolSize = 10) {
    this.url = url;
    let config: pg.PoolConfig;
    try {
      config = { connectionString: url, max: poolSize, types: TYPES, connectionTimeoutMillis: 10_000, application_name: 'fabrik' } as pg.PoolConfig;
      new URL(url);
    } catch (error) {
      throw new FabrikError('invalid_option', `FABRIK_DATABASE_URL must be a postgres:// URL; got ${maskedUrl(url)}`, { param: 'FABRIK_DATABASE_URL', cause: error });
    }
    this.#pool = new pg.Pool(config);
    // An idle connection the server drops (restart, idle timeout) is removed from the pool; without
    // a listener the pool's 'error' event would end the process.
    this.#pool.on('error', () => {});
    this.#queries = queryable(this.#pool);
  }

  /** True on the async path of an exclusive transaction's work: a call that joins it may still roll back. */
  get inTransaction(): boolean {
    return this.#writer.getStore() !== undefined;
  }

  /** Checks the server answers; a refused connection, a bad password or a missing database is a store_error naming FABRIK_DATABASE_URL. */
  async connect(): Promise<void> {
    await this.#guard(() => this.#queries.query('SELECT 1'));
  }

  query(text: string, values?: readonly unknown[]): Promise<Row[]> {
    return this.#guard(() => this.#queries.query(text, values));
  }

  queryArrays(text: string, values?: readonly unknown[]): Promise<unknown[][]> {
    return this.#guard(() => this.#queries.queryArrays(text, values));
  }

  execute(text: string, values?: readonly unknown[]): Promise<number> {
    return this.#guard(() => this.#queries.execute(text, values));
  }

  /**
   * Runs `work` in one transaction on one connection (READ COMMITTED) and commits when its promise
   * resolves, after the work registered with `beforeCommit`; rolls back when it rejects.
   */
  transaction<T>(work: (tx: PostgresTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (options.exclusive !== true) return this.#retrying(work, options);
    const outer = this.#writer.getStore();
    if (outer !== undefined) return work(outer);
    const turn = this.#writerTail.then(() => this.#retrying((tx) => this.#writer.run(tx, () => work(tx)), options));
    this.#writerTail = turn.catch(() => {});
    return turn;
  }

  async #retrying<T>(work: (tx: PostgresTransaction) => Promise<T>, options: TransactionOptions): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#attempt(work, options);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (options.retry === true && attempt < RETRIES && (code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED)) continue;
        throw error;
      }
    }
  }

  async #attempt<T>(work: (tx: PostgresTransaction) => Promise<T>, options: TransactionOptions): Promise<T> {
    const client = await this.#guard(() => this.#pool.connect());
    const hooks: Array<() => Promise<void>> = [];
    const committed: Array<() => void> = [];
    const done = new Set<string>();
    const queries = queryable(client);
    // One connection runs one statement at a time: calls made together (Promise.all over a handle)
    // queue here rather than in the driver, which deprecates queueing. A handle kept past the end
    // of its transaction is a programming error, not a statement on someone else's connection.
    let ended = false;
    let tail: Promise<unknown> = Promise.resolve();
    const serial = <T>(work: () => Promise<T>): Promise<T> => {
      if (ended) return Promise.reject(new Error('programming error: a transaction handle was used after its transaction ended'));
      const result = tail.then(work, work);
      tail = result.catch(() => {});
      return result;
    };
    const tx: PostgresTransaction = {
      query: (text, values) => serial(() => queries.query(text, values)),
      queryArrays: (text, values) => serial(() => queries.queryArrays(text, values)),
      execute: (text, values) => serial(() => queries.execute(text, values)),
      beforeCommit: (hook) => void hooks.push(hook),
      afterCommit: (hook) => void committed.push(hook),
      shared: this.shared,
      once: async (text, values) => {
        const key = onceKey(text, values);
        if (done.has(key)) return;
        await tx.query(text, values);
        done.add(key);
      },
    };
    let broken: unknown = undefined;
    try {
      const fast = options.failFast;
      const statements = [options.snapshot === true ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN'];
      if (fast !== undefined) statements.push(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(fast.lockTimeoutMs))}`, `SET LOCAL statement_timeout = ${Math.max(1, Math.floor(fast.statementTimeoutMs))}`);
      if (options.prelude !== undefined) {
        statements.push(options.prelude);
        done.add(onceKey(options.prelude, undefined));
      }
      // One round trip (simple protocol, no parameters): BEGIN, the timeouts and the prelude together.
      await client.query(statements.join('; '));
      try {
        const result = await work(tx);
        for (const hook of hooks) await hook();
        // After any statement still queued (a call the work did not await), never beside it.
        await tail;
        await client.query('COMMIT');
        for (const hook of committed) {
          try {
            hook();
          } catch {
            // A cache that failed to update is only a cache: the next reader goes to the database.
          }
        }
        return result;
      } catch (error) {
        await tail;
        await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
        throw this.#translate(error, options);
      }
    } catch (error) {
      if (isConnectionError(error)) broken = error;
      throw this.#translate(error, options);
    } finally {
      ended = true;
      // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken === undefined ? undefined : (broken as Error));
    }
  }

  /** Lock and statement timeouts of a fail-fast transaction as store_error; connection failures named. */
  #translate(error: unknown, options: TransactionOptions): unknown {
    if (error instanceof FabrikError) return error;
    const code = (error as { code?: unknown }).code;
    if (options.failFast !== undefined && (code === LOCK_NOT_AVAILABLE || code === QUERY_CANCELED)) {
      return new FabrikError('store_error', `PostgreSQL at ${maskedUrl(this.url)}: another writer holds the lock (gave up after ${code === LOCK_NOT_AVAILABLE ? options.failFast.lockTimeoutMs : options.failFast.statementTimeoutMs} ms); the gateway retries later`, { cause: error });
    }
    if (isConnectionError(error)) return connectionError(this.url, error);
    return error;
  }

  async #guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw isConnectionError(error) ? connectionError(this.url, error) : error;
    }
  }

  /** Holds a connection of its own (outside the pool) that LISTENs on `channel`; resolves to a function that closes it. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    return this.#guard(() => listenOn(async () => {
      const client = new pg.Client({ connectionString: this.url, application_name: 'fabrik-listen' });
      await client.connect();
      return client;
    }, channel, onNotify));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
