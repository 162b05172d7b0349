import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { FabrikError, toFabrikError } from '../../shared/errors.ts';
import type { JobRecord, JobStore, JobValue } from '../../store/core/job-store.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff-delay.ts';

/** What a handler gets besides the job's payload. */
export interface JobContext {
  /** The job as it was leased. */
  job: JobRecord;
  /** This attempt's number, from 1: a handler must be idempotent, since a job whose worker died runs again. */
  attempt: number;
  /** The lease owner (this worker). */
  owner: string;
  /** Aborted when the lease is lost (another worker took the job) or the worker stops and gives the job back. */
  signal: AbortSignal;
  /**
   * Completes the job now, from inside the handler's own transaction, so its writes and the
   * completion commit together: pass a job store bound to that transaction (the SQLite store on
   * the same connection joins it as it is). Throws when the lease was lost, which rolls the
   * transaction back. A handler that never calls it is completed with its return value.
   */
  complete(result?: JobValue, through?: Pick<JobStore, 'complete'>): Promise<void>;
}

/**
 * Runs one job. Throwing fails the attempt: it is retried after a backoff until the job's
 * maxAttempts, then dead-lettered with the error; an error with `retryable: false` dead-letters at once.
 */
export type JobHandler = (payload: JobValue, context: JobContext) => Promise<JobValue | void>;

export type JobWorkerEvent =
  | { type: 'started'; owner: string; kinds: string[] }
  | { type: 'leased'; job: JobRecord }
  | { type: 'completed'; job: JobRecord; durationMs: number }
  | { type: 'failed'; job: JobRecord; error: string; retryAt: string }
  | { type: 'dead'; job: JobRecord; error: string }
  | { type: 'lost'; job: JobRecord }
  | { type: 'released'; job: JobRecord }
  | { type: 'store-error'; error: string }
  | { type: 'stopped'; summary: JobWorkerSummary };

export interface JobWorkerSummary {
  owner: string;
  completed: number;
  /** Failed attempts that will be retried. */
  failed: number;
  dead: number;
  /** Jobs whose lease another worker took before this one finished (their outcome was dropped). */
  lost: number;
  released: number;
}

export interface JobWorkerOptions {
  jobs: JobStore;
  /** One handler per job kind; the worker leases only these kinds. */
  handlers: Readonly<Record<string, JobHandler>>;
  /** The lease owner; unique per process (default host:pid:random). */
  owner?: string;
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** How long a lease lasts without a heartbeat: how soon a dead worker's jobs run again (default 60 s). */
  leaseMs?: number;
  /** How often held leases are extended (default leaseMs / 3, so two heartbeats can fail before a lease runs out). */
  heartbeatMs?: number;
  /** How long an idle worker waits before asking for work again, jittered by up to half (default 1 s). */
  pollMs?: number;
  backoff?: BackoffOptions;
  /** Aborting it stops the worker: no new leases; running jobs get `stopGraceMs` to finish, then are released. */
  signal?: AbortSignal;
  /** Default 30 s. */
  stopGraceMs?: number;
  /**
   * Return once no job of the handled kinds is queued or leased (a foreground run), instead of
   * waiting for more. A function is asked each time the worker is idle: a run still queueing its own
   * jobs answers false until it has queued the last.
   */
  exitWhenIdle?: boolean | (() => boolean);
  /** Receives a function that wakes an idle worker at once (its caller just queued work), instead of at the next poll. */
  onWakeable?: (wake: () => void) => void;
  onEvent?: (event: JobWorkerEvent) => void;
}

interface Running {
  job: JobRecord;
  controller: AbortController;
  /** The lease is gone (lost, or released on stop): the handler's outcome must not be written. */
  lost: boolean;
  /** The outcome is being written: a refused heartbeat now means the job just ended, not that the lease was lost. */
  settling: boolean;
  completed: boolean;
  done: Promise<void>;
}

/** A unique lease owner for this process: host, pid and a random part (a pid is reused after a restart). */
export function createWorkerOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Leases jobs of the kinds it has handlers for and runs them, `concurrency` at a time,
 * heartbeating while they run; completes, retries with backoff, or dead-letters them. Returns
 * when stopped (or, with `exitWhenIdle`, when no work is left) with what it did.
 */
export async function runJobWorker(options: JobWorkerOptions): Promise<JobWorkerSummary> {
  const { jobs, handlers } = options;
  const kinds = Object.keys(handlers).sort();
  if (kinds.length === 0) throw new FabrikError('invalid_option', 'a job worker needs a handler for at least one job kind', { param: 'kinds' });
  const owner = options.owner ?? createWorkerOwner();
  const concurrency = positive(options.concurrency ?? 1, 'concurrency');
  const leaseMs = positive(options.leaseMs ?? 60_000, 'leaseMs');
  const heartbeatMs = positive(options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)), 'heartbeatMs');
  const pollMs = positive(options.pollMs ?? 1000, 'pollMs');
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const stopGraceMs = options.stopGraceMs ?? 30_000;
  const emit = options.onEvent ?? (() => {});
  const summary: JobWorkerSummary = { owner, completed: 0, failed: 0, dead: 0, lost: 0, released: 0 };
  const running = new Map<string, Running>();
  const stop = options.signal ?? new AbortController().signal;

  // One promise the loop waits on: resolved when a job ends or the worker is told to stop.
  let wake: () => void = () => {};
  let woken = new Promise<void>((resolve) => (wake = resolve));
  const notify = (): void => {
    wake();
    woken = new Promise<void>((resolve) => (wake = resolve));
  };
  stop.addEventListener('abort', notify, { once: true });
  options.onWakeable?.(notify);
  // Where the store can tell us (PostgreSQL's LISTEN), jobs another process queues wake us at once;
  // the poll stays as the fallback (a dropped listen connection, a job whose backoff ran out).
  const unwatch = await jobs.watch?.(kinds, notify).catch((error: unknown) => {
    storeError(error);
    return undefined;
  });
  const exitWhenIdle = typeof options.exitWhenIdle === 'function' ? options.exitWhenIdle : () => options.exitWhenIdle === true;

  const storeError = (error: unknown): void => emit({ type: 'store-error', error: describeError(error) });

  const markLost = (entry: Running): void => {
    if (entry.lost) return;
    entry.lost = true;
    entry.controller.abort(new FabrikError('store_error', `job ${entry.job.id}: the lease of ${owner} was lost to another worker`));
    summary.lost += 1;
    emit({ type: 'lost', job: entry.job });
  };

  const start = (job: JobRecord): void => {
    const handler = handlers[job.kind];
    if (handler === undefined) throw new Error(`programming error: leased a job of kind ${job.kind}, which has no handler`);
    const controller = new AbortController();
    const entry: Running = { job, controller, lost: false, settling: false, completed: false, done: Promise.resolve() };
    const context: JobContext = {
      job,
      attempt: job.attempts,
      owner,
      signal: controller.signal,
      complete: async (result, through = jobs) => {
        entry.settling = true;
        if (entry.lost || !(await through.complete(job.id, owner, result ?? null))) {
          markLost(entry);
          throw new FabrikError('store_error', `job ${job.id}: cannot complete it, the lease of ${owner} was lost to another worker`);
        }
        entry.completed = true;
      },
    };
    emit({ type: 'leased', job });
    entry.done = (async () => {
      const started = performance.now();
      try {
        let result: JobValue | void;
        try {
          result = await handler(job.payload, context);
        } catch (error) {
          entry.settling = true;
          if (entry.lost) return;
          await failed(entry, error);
          return;
        }
        entry.settling = true;
        if (entry.lost) return;
        if (!entry.completed && !(await jobs.complete(job.id, owner, result ?? null))) {
          markLost(entry);
          return;
        }
        summary.completed += 1;
        emit({ type: 'completed', job, durationMs: Math.round(performance.now() - started) });
      } catch (error) {
        // The store failed under us: the lease runs out and another attempt (here or elsewhere) runs the job again.
        storeError(error);
      } finally {
        running.delete(job.id);
        notify();
      }
    })();
    running.set(job.id, entry);
  };

  const failed = async (entry: Running, error: unknown): Promise<void> => {
    const { job } = entry;
    const message = describeError(error);
    const retryable = job.attempts < job.maxAttempts && (error as { retryable?: unknown } | null)?.retryable !== false;
    const retryAt = retryable ? Date.now() + backoffDelay(job.attempts, backoff) : null;
    if (!(await jobs.fail(job.id, owner, message, retryAt))) {
      markLost(entry);
      return;
    }
    if (retryAt === null) {
      summary.dead += 1;
      emit({ type: 'dead', job, error: message });
    } else {
      summary.failed += 1;
      emit({ type: 'failed', job, error: message, retryAt: new Date(retryAt).toISOString() });
    }
  };

  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    void (async () => {
      for (const entry of [...running.values()]) {
        if (entry.lost) continue;
        try {
          if (!(await jobs.heartbeat(entry.job.id, owner, leaseMs)) && !entry.settling) markLost(entry);
        } catch (error) {
          storeError(error);
        }
      }
    })().finally(() => (beating = false));
  }, heartbeatMs);

  emit({ type: 'started', owner, kinds });
  try {
    while (!stop.aborted) {
      // Taken before asking for work: a wake that comes while the lease is in flight (a job ended, or
      // the caller queued one the lease did not see) ends the wait below instead of being lost.
      const waiting = woken;
      const free = concurrency - running.size;
      let leased: JobRecord[] = [];
      if (free > 0) {
        try {
          leased = await jobs.lease(kinds, owner, free, leaseMs);
        } catch (error) {
          storeError(error);
        }
        for (const job of leased) start(job);
        if (leased.length > 0 && stop.aborted) break;
        if (leased.length === free) continue;
      }
      if (running.size === 0 && exitWhenIdle() && !(await workLeft(jobs, kinds).catch((error: unknown) => (storeError(error), true)))) break;
      // Idle (or full): wait for a job to end, the stop signal, or the next poll. The jitter keeps
      // idle workers from asking the store in lockstep.
      const poll = sleep(pollMs / 2 + Math.random() * (pollMs / 2), undefined, { ref: true });
      await Promise.race(running.size >= concurrency ? [waiting] : [waiting, poll]);
    }
    await stopRunning(running, stopGraceMs, async (entry) => {
      entry.lost = true;
      entry.controller.abort(new FabrikError('store_error', `job ${entry.job.id}: the worker stopped and gave the job back`));
      try {
        if (await jobs.release(entry.job.id, owner)) {
          summary.released += 1;
          emit({ type: 'released', job: entry.job });
        }
      } catch (error) {
        storeError(error);
      }
    });
  } finally {
    clearInterval(heartbeat);
    stop.removeEventListener('abort', notify);
    await unwatch?.().catch(storeError);
  }
  emit({ type: 'stopped', summary });
  return summary;
}

/** Waits up to `graceMs` for running jobs to finish, then gives back the ones still running. */
async function stopRunning(running: Map<string, Running>, graceMs: number, release: (entry: Running) => Promise<void>): Promise<void> {
  if (running.size === 0) return;
  const all = Promise.all([...running.values()].map((entry) => entry.done));
  const timer = sleep(graceMs, 'timeout' as const, { ref: false });
  if ((await Promise.race([all.then(() => 'done' as const), timer])) === 'done') return;
  for (const entry of [...running.values()]) await release(entry);
}

/** Whether any job of these kinds is still queued or leased (by this worker or another). */
async function workLeft(jobs: JobStore, kinds: readonly string[]): Promise<boolean> {
  const stats = await jobs.stats();
  return stats.kinds.some((counts) => kinds.includes(counts.kind) && counts.queued + counts.leased > 0);
}

/** An error as `code: message` (a FabrikError's code, else `internal`), what a job's lastError records. */
export function describeError(error: unknown): string {
  const fabrik = toFabrikError(error);
  return `${fabrik.code}: ${fabrik.message}`;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 1) throw new FabrikError('invalid_option', `${name} must be a number of at least 1; got ${value}`, { param: name });
  return Math.floor(value);
}
