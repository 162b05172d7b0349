import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FabrikError } from '../../shared/errors.ts';
import { openSqliteJobStore } from '../../store/sqlite/sqlite-job-store.ts';
import { runJobWorker, type JobWorkerEvent } from './run-job-worker.ts';

function openJobs(t: TestContext): ReturnType<typeof openSqliteJobStore> {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-worker-'));
  const jobs = openSqliteJobStore({ path: join(directory, 'fabrik.db') });
  t.after(async () => {
    await jobs.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return jobs;
}

test('a worker runs every job once, concurrently, and records each result', async (t) => {
  const jobs = openJobs(t);
  const ids = await jobs.enqueue(Array.from({ length: 12 }, (_, n) => ({ kind: 'square', payload: n })));
  await jobs.enqueue([{ kind: 'other', payload: 'not mine' }]);
  let active = 0;
  let peak = 0;
  const events: JobWorkerEvent[] = [];
  const summary = await runJobWorker({
    jobs, concurrency: 4, pollMs: 20, exitWhenIdle: true, onEvent: (event) => events.push(event),
    handlers: {
      square: async (payload, context) => {
        active += 1;
        peak = Math.max(peak, active);
        await sleep(10);
        active -= 1;
        assert.equal(context.attempt, 1);
        return (payload as number) ** 2;
      },
    },
  });
  assert.equal(summary.completed, 12);
  assert.equal(peak, 4, 'four at a time');
  for (const [n, id] of ids.entries()) {
    const job = await jobs.get(id);
    assert.equal(job?.state, 'done');
    assert.equal(job?.result, n ** 2);
  }
  assert.equal((await jobs.list({ kind: 'other' }))[0]?.state, 'queued', 'a kind without a handler is left alone');
  assert.deepEqual(events.map((event) => event.type).filter((type) => type === 'started' || type === 'stopped'), ['started', 'stopped']);
});

test('a handler that always fails is retried with growing backoff, then dead-lettered with its last error', async (t) => {
  const jobs = openJobs(t);
  const [id = ''] = await jobs.enqueue([{ kind: 'flaky', payload: {}, maxAttempts: 4 }]);
  const attempts: Array<{ attempt: number; at: number }> = [];
  const events: JobWorkerEvent[] = [];
  const summary = await runJobWorker({
    jobs, pollMs: 5, exitWhenIdle: true, backoff: { baseMs: 40, maxMs: 1000 }, onEvent: (event) => events.push(event),
    handlers: {
      flaky: async (_payload, context) => {
        attempts.push({ attempt: context.attempt, at: performance.now() });
        throw new FabrikError('upstream_error', `engine down (attempt ${context.attempt})`);
      },
    },
  });
  assert.deepEqual(attempts.map((entry) => entry.attempt), [1, 2, 3, 4]);
  const gaps = attempts.slice(1).map((entry, n) => entry.at - (attempts[n]?.at ?? 0));
  // Equal jitter: the wait after attempt k is within [base·2^(k−1)/2, base·2^(k−1)].
  gaps.forEach((gap, n) => assert.ok(gap >= 40 * 2 ** n / 2 - 2, `gap ${n + 1} (${gap.toFixed(0)} ms) at least half its backoff`));
  assert.deepEqual({ failed: summary.failed, dead: summary.dead, completed: summary.completed }, { failed: 3, dead: 1, completed: 0 });
  const dead = await jobs.get(id);
  assert.equal(dead?.state, 'dead');
  assert.equal(dead?.attempts, 4);
  assert.equal(dead?.lastError, 'upstream_error: engine down (attempt 4)');
  assert.equal(events.filter((event) => event.type === 'failed').length, 3);
  assert.equal(events.at(-2)?.type, 'dead');
});

test('an error marked retryable: false dead-letters at once', async (t) => {
  const jobs = openJobs(t);
  const [id = ''] = await jobs.enqueue([{ kind: 'strict', payload: 1 }]);
  const summary = await runJobWorker({
    jobs, pollMs: 5, exitWhenIdle: true,
    handlers: { strict: async () => { throw Object.assign(new FabrikError('unsupported_format', 'not a PDF'), { retryable: false }); } },
  });
  assert.equal(summary.dead, 1);
  assert.equal((await jobs.get(id))?.attempts, 1);
});

test('a worker whose lease was taken cannot complete the job: its result is dropped, the new owner’s stands', async (t) => {
  const jobs = openJobs(t);
  const [id = ''] = await jobs.enqueue([{ kind: 'slow', payload: 1 }]);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const events: JobWorkerEvent[] = [];
  let aborted = false;
  const stop = new AbortController();
  // No heartbeat within the lease: the worker stalls past it, as a paused process would.
  const worker = runJobWorker({
    jobs, owner: 'stalled', leaseMs: 100, heartbeatMs: 60_000, pollMs: 10, signal: stop.signal,
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'lost') stop.abort();
    },
    handlers: {
      slow: async (_payload, context) => {
        context.signal.addEventListener('abort', () => (aborted = true));
        await gate;
        return 'stale result';
      },
    },
  });
  await sleep(150);
  const [taken] = await jobs.lease(['slow'], 'thief', 1, 60_000);
  assert.equal(taken?.id, id);
  assert.equal(taken?.attempts, 2, 'the expired lease counted an attempt');
  release();
  const summary = await Promise.race([worker, sleep(5000, 'timeout' as const, { ref: false })]);
  assert.notEqual(summary, 'timeout');
  assert.equal(typeof summary === 'object' && summary.lost, 1);
  assert.equal(aborted, true, 'the handler was told');
  assert.ok(events.some((event) => event.type === 'lost'));
  assert.equal((await jobs.get(id))?.leaseOwner, 'thief');
  assert.equal(await jobs.complete(id, 'thief', 'fresh result'), true);
  assert.equal((await jobs.get(id))?.result, 'fresh result');
});

test('a handler completing inside its own transaction commits its writes with the completion; a lost lease rolls both back', async (t) => {
  const jobs = openJobs(t);
  jobs.sql.db.exec('CREATE TABLE results (job_id TEXT NOT NULL)');
  const ids = await jobs.enqueue([{ kind: 'write', payload: 'ok' }, { kind: 'write', payload: 'stolen' }]);
  const stop = new AbortController();
  let settled = 0;
  const summary = await runJobWorker({
    jobs, owner: 'w', pollMs: 5, concurrency: 2, signal: stop.signal,
    onEvent: (event) => {
      if ((event.type === 'completed' || event.type === 'lost') && (settled += 1) === 2) stop.abort();
    },
    handlers: {
      write: async (payload, context) => {
        // Another worker takes this one before the handler commits.
        if (payload === 'stolen') await jobs.sql.transaction(async () => void jobs.sql.run(`UPDATE jobs SET lease_owner = 'thief' WHERE id = ?`, context.job.id));
        await jobs.sql.transaction(async () => {
          jobs.sql.run('INSERT INTO results (job_id) VALUES (?)', context.job.id);
          await context.complete({ wrote: 1 });
        });
      },
    },
  });
  assert.equal(summary.completed, 1);
  assert.equal(summary.lost, 1);
  assert.deepEqual(jobs.sql.all('SELECT job_id FROM results').map((row) => row.job_id), [ids[0]]);
  assert.deepEqual((await jobs.get(ids[0] ?? ''))?.result, { wrote: 1 });
  assert.equal((await jobs.get(ids[1] ?? ''))?.state, 'leased');
});

test('stopping lets running jobs finish within the grace time, then gives the rest back uncounted', async (t) => {
  const jobs = openJobs(t);
  const [quick = '', stuck = ''] = await jobs.enqueue([{ kind: 'quick', payload: 1 }, { kind: 'stuck', payload: 2 }]);
  const stop = new AbortController();
  const started: string[] = [];
  const worker = runJobWorker({
    jobs, signal: stop.signal, concurrency: 2, pollMs: 10, stopGraceMs: 200,
    handlers: {
      quick: async () => {
        started.push('quick');
        await sleep(50);
        return 'finished during the grace time';
      },
      stuck: async (_payload, context) => {
        started.push('stuck');
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        throw new Error('aborted');
      },
    },
  });
  while (started.length < 2) await sleep(5);
  stop.abort();
  const summary = await worker;
  assert.deepEqual({ completed: summary.completed, released: summary.released }, { completed: 1, released: 1 });
  assert.equal((await jobs.get(quick))?.state, 'done');
  const given = await jobs.get(stuck);
  assert.equal(given?.state, 'queued');
  assert.equal(given?.attempts, 0, 'a release does not use up an attempt');
});
