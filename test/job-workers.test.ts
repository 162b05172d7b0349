import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { JobStore } from '../src/store/core/job-store.ts';
import { openPostgresJobStore } from '../src/store/postgres/postgres-job-store.ts';
import { openSqliteJobStore } from '../src/store/sqlite/sqlite-job-store.ts';
import { JOB_POSTGRES_SKIP, startJobPostgres } from './helpers/job-postgres.ts';
import { TEST_FAIL_KIND, TEST_RESULT_KIND } from './helpers/job-test-handlers.ts';
import { REPO_ROOT, temporaryDirectory } from './helpers/run-fabrik.ts';

const ENTRY = join(REPO_ROOT, 'test', 'helpers', 'job-test-worker.ts');
const JOBS = 50;

interface WorkerProcess {
  child: ChildProcess;
  events: Array<{ type: string; id?: string; attempt?: number; owner?: string }>;
  /** Resolves with the first event that matches. */
  waitFor(match: (event: { type: string; id?: string }) => boolean, timeoutMs?: number): Promise<{ type: string; id?: string }>;
  exited: Promise<number | null>;
}

function startWorker(adapter: string, location: string): WorkerProcess {
  const child = spawn(process.execPath, [ENTRY, adapter, location], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, JOB_TEST_CONCURRENCY: '2', JOB_TEST_LEASE_MS: '1000', JOB_TEST_HEARTBEAT_MS: '250' } });
  const events: WorkerProcess['events'] = [];
  const waiters: Array<{ match: (event: { type: string; id?: string }) => boolean; resolve: (event: { type: string; id?: string }) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as WorkerProcess['events'][number];
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.match(event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, events, exited,
    waitFor: (match, timeoutMs = 20_000) => {
      const seen = events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<{ type: string; id?: string }>((resolve) => waiters.push({ match, resolve })),
        sleep(timeoutMs, undefined, { ref: false }).then(() => { throw new Error(`no matching worker event within ${timeoutMs} ms; saw ${events.length} events`); }),
      ]);
    },
  };
}

/** Two worker processes on one store; one is SIGKILLed while it holds a job. Every job ends done exactly once. */
async function twoWorkersOneKilled(adapter: string, location: string, jobs: JobStore, resultRows: () => Promise<Array<{ job_id: string; owner: string }>>): Promise<void> {
  // The first job hangs on its first attempt: whoever leases it first (the victim, started alone) dies holding it.
  const [hung = ''] = await jobs.enqueue([{ kind: TEST_RESULT_KIND, payload: { n: 0, ms: 20, hangFirstAttempt: true }, dedupeKey: 'item-0' }]);
  const ids = [hung, ...await jobs.enqueue(Array.from({ length: JOBS - 1 }, (_, index) => ({ kind: TEST_RESULT_KIND, payload: { n: index + 1, ms: 20 + (index % 5) * 5 }, dedupeKey: `item-${index + 1}` })))];
  const failing = await jobs.enqueue([{ kind: TEST_FAIL_KIND, payload: {}, maxAttempts: 3 }]);
  const victim = startWorker(adapter, location);
  let survivor: WorkerProcess | undefined;
  try {
    await victim.waitFor((event) => event.type === 'leased' && event.id === hung);
    survivor = startWorker(adapter, location);
    // Killed mid-job: the victim holds the hung job (and maybe another) while the survivor works.
    await survivor.waitFor((event) => event.type === 'started');
    victim.child.kill('SIGKILL');
    await victim.exited;
    assert.equal(victim.events.some((event) => event.id === hung && event.type !== 'leased'), false, 'the victim died holding the hung job');

    const deadline = Date.now() + 30_000;
    for (;;) {
      const stats = await jobs.stats();
      if (stats.total.done === JOBS && stats.total.dead === 1) break;
      if (Date.now() > deadline) assert.fail(`jobs did not finish: ${JSON.stringify(stats)}`);
      await sleep(50);
    }
    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exited, 0, 'the survivor stops cleanly on SIGTERM');
    const survivorOwner = survivor.events.find((event) => event.type === 'started')?.owner;

    const rows = await resultRows();
    assert.equal(rows.length, JOBS, 'one result row per job: none lost, none twice');
    assert.deepEqual(new Set(rows.map((row) => row.job_id)), new Set(ids));
    const job = await jobs.get(hung);
    assert.equal(job?.state, 'done');
    assert.equal(job?.attempts, 2, 'the killed worker\'s lease expired and counted an attempt');
    assert.deepEqual(rows.filter((row) => row.job_id === hung).map((row) => row.owner), [survivorOwner], 'its one result came from the survivor');
    const dead = await jobs.get(failing[0] ?? '');
    assert.equal(dead?.state, 'dead');
    assert.equal(dead?.attempts, 3);
    assert.equal(dead?.lastError, 'upstream_error: always fails (attempt 3)');
  } finally {
    victim.child.kill('SIGKILL');
    survivor?.child.kill('SIGKILL');
  }
}

test('two worker processes on one SQLite file, one SIGKILLed mid-job: every job done exactly once', async (t) => {
  const path = join(temporaryDirectory(t, 'fabrik-job-workers-'), 'fabrik.db');
  const jobs = openSqliteJobStore({ path });
  t.after(() => jobs.close());
  jobs.sql.db.exec('CREATE TABLE IF NOT EXISTS job_results (job_id TEXT NOT NULL, owner TEXT NOT NULL, attempt INTEGER NOT NULL)');
  await twoWorkersOneKilled('sqlite', path, jobs, async () => jobs.sql.all('SELECT job_id, owner FROM job_results') as Array<{ job_id: string; owner: string }>);
});

const server = await startJobPostgres();
if (server === null) {
  test('two worker processes on one PostgreSQL database', (t) => t.skip(JOB_POSTGRES_SKIP));
} else {
  after(() => server.stop());
  test('two worker processes on one PostgreSQL database, one SIGKILLed mid-job: every job done exactly once', async (t) => {
    const url = await server.createDatabase(`fabrik_job_workers_${process.pid}`);
    const jobs = await openPostgresJobStore(url);
    t.after(() => jobs.close());
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    t.after(() => client.end());
    await client.query('CREATE TABLE IF NOT EXISTS job_results (job_id TEXT NOT NULL, owner TEXT NOT NULL, attempt INTEGER NOT NULL)');
    await twoWorkersOneKilled('postgres', url, jobs, async () => (await client.query('SELECT job_id, owner FROM job_results')).rows as Array<{ job_id: string; owner: string }>);
  });
}
