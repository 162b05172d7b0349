/**
 * The job queue: work (an ingest, later a recipe) stored as leased jobs, so any number of worker
 * processes can share it and a worker that dies loses nothing. Driver-free: the SQLite and
 * PostgreSQL adapters implement it and `job-store.suite.ts` proves both.
 */
import { randomBytes } from 'node:crypto';
import { FabrikError } from '../../shared/errors.ts';

/** A JSON value: what a job's payload and result may hold. */
export type JobValue = null | boolean | number | string | JobValue[] | { [key: string]: JobValue };

/** queued: waiting (maybe until runAfter) · leased: a worker holds it · done: completed · dead: failed maxAttempts times, or refused. */
export type JobState = 'queued' | 'leased' | 'done' | 'dead';

export const JOB_STATES: readonly JobState[] = ['queued', 'leased', 'done', 'dead'];

/** What a caller enqueues. */
export interface NewJob {
  kind: string;
  payload: JobValue;
  /** Unique among the unfinished (queued or leased) jobs of a kind: enqueueing the same key again returns the job already there. */
  dedupeKey?: string | null;
  /** How many leases the job may take before it is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Not leasable before this time (default: now). */
  runAfter?: string;
}

export interface JobRecord {
  /** `job_` and 96 random bits: global, so jobs from any process or database never collide. */
  id: string;
  kind: string;
  payload: JobValue;
  dedupeKey: string | null;
  state: JobState;
  /** Leases taken so far; the lease a handler runs under is attempt number `attempts`. */
  attempts: number;
  maxAttempts: number;
  /** ISO time before which the job is not leased (a retry's backoff). */
  runAfter: string;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  lastError: string | null;
  result: JobValue | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface JobFilter {
  state?: JobState;
  kind?: string;
  /** At most this many, oldest first (default 100). */
  limit?: number;
}

export interface JobCounts {
  queued: number;
  leased: number;
  done: number;
  dead: number;
}

export interface JobStats {
  total: JobCounts;
  /** Counts per kind, ordered by kind. */
  kinds: Array<{ kind: string } & JobCounts>;
  /** Leased jobs whose lease has run out (their worker died or stalled): the next lease takes them. */
  expiredLeases: number;
}

/** The default number of leases a job may take. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * A queue of leased jobs. Every write is atomic on its own; `now` (epoch ms, default the clock) is
 * a parameter so tests can move time. A lease is fenced by its owner: once another owner holds the
 * job (the lease ran out and was taken again, or the job was released), the old owner's
 * heartbeat, complete, fail and release are refused (false), so a revived worker cannot overwrite
 * the new owner's result. Owners must be unique per worker process.
 */
export interface JobStore {
  /** Adds jobs and returns their ids in order; a job whose dedupe key is held by an unfinished job of its kind returns that job's id instead. */
  enqueue(jobs: readonly NewJob[], now?: number): Promise<string[]>;
  /**
   * Leases up to `max` jobs of these kinds to `owner` for `leaseMs`, oldest runAfter first:
   * queued jobs that are due, and leased jobs whose lease ran out (their worker died). Each lease
   * counts an attempt; an expired job that has used all its attempts is dead-lettered instead.
   * Atomic: two workers never hold one job.
   */
  lease(kinds: readonly string[], owner: string, max: number, leaseMs: number, now?: number): Promise<JobRecord[]>;
  /** Extends `owner`'s lease by `leaseMs` from now; false when the lease was lost. */
  heartbeat(id: string, owner: string, leaseMs: number, now?: number): Promise<boolean>;
  /** Marks the job done with its result; false (and nothing written) when `owner` no longer holds it. */
  complete(id: string, owner: string, result?: JobValue, now?: number): Promise<boolean>;
  /** Records a failed attempt: queued again after `retryAt` (epoch ms), or dead when retryAt is null or no attempts are left; false when `owner` no longer holds it. */
  fail(id: string, owner: string, error: string, retryAt: number | null, now?: number): Promise<boolean>;
  /** Gives a held job back without counting the attempt (a worker stopping); false when `owner` no longer holds it. */
  release(id: string, owner: string, now?: number): Promise<boolean>;
  get(id: string): Promise<JobRecord | null>;
  list(filter?: JobFilter): Promise<JobRecord[]>;
  stats(now?: number): Promise<JobStats>;
  /** Requeues a dead job with fresh attempts; false when the job is not dead. A dedupe key held by another unfinished job is an `already_exists` error. */
  retry(id: string, now?: number): Promise<boolean>;
  close(): Promise<void>;
  /**
   * Calls `onWork` when another process may have queued (or handed back) jobs of these kinds, so an
   * idle worker starts at once instead of at its next poll; resolves to a function that stops
   * watching. Adapters without cross-process notifications leave it out (workers poll).
   */
  watch?(kinds: readonly string[], onWork: () => void): Promise<() => Promise<void>>;
}

/** A new job id: `job_` and 96 random bits, the shape of every other fabrik id (a job has no content to derive one from). */
export function createJobId(): string {
  return `job_${randomBytes(12).toString('hex')}`;
}

/** An enqueued job's maxAttempts: a whole number from 1 to 1000 (default 5). */
export function checkMaxAttempts(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new FabrikError('invalid_option', `maxAttempts must be a whole number from 1 to 1000; got ${value}`, { param: 'maxAttempts' });
  return value;
}

/** An ISO time as epoch ms; anything else is an error naming the field. */
export function parseTime(value: string, field: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new FabrikError('invalid_option', `${field} must be an ISO time; got ${JSON.stringify(value)}`, { param: field });
  return time;
}

/** Folds (kind, state, count) rows into totals and per-kind counts. */
export function countStats(rows: ReadonlyArray<{ kind: string; state: JobState; count: number }>, expiredLeases: number): JobStats {
  const empty = (): JobCounts => ({ queued: 0, leased: 0, done: 0, dead: 0 });
  const total = empty();
  const kinds = new Map<string, JobCounts>();
  for (const row of rows) {
    if (!JOB_STATES.includes(row.state)) continue;
    total[row.state] += row.count;
    let counts = kinds.get(row.kind);
    if (counts === undefined) kinds.set(row.kind, (counts = empty()));
    counts[row.state] += row.count;
  }
  return { total, kinds: [...kinds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([kind, counts]) => ({ kind, ...counts })), expiredLeases };
}
