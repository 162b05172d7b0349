/**
 * A job worker process for the job system tests: `job-test-worker.ts sqlite <path>` or
 * `job-test-worker.ts postgres <url>` runs the test handlers (job-test-handlers.ts) until SIGTERM,
 * printing one JSON line per worker event. JOB_TEST_CONCURRENCY, JOB_TEST_LEASE_MS and
 * JOB_TEST_HEARTBEAT_MS tune it.
 */
import pg from 'pg';
import { runJobWorker, type JobWorkerEvent } from '../../src/foundry/core/run-job-worker.ts';
import type { JobStore } from '../../src/store/core/job-store.ts';
import { createPostgresJobStore, migratePostgresJobs, poolDatabase } from '../../src/store/postgres/postgres-job-store.ts';
import { openSqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.ts';
import { createTestHandlers, type ResultsTable } from './job-test-handlers.ts';

const [adapter, location] = process.argv.slice(2);
if ((adapter !== 'sqlite' && adapter !== 'postgres') || location === undefined) {
  process.stderr.write('usage: job-test-worker.ts sqlite <path> | postgres <url>\n');
  process.exit(2);
}

let jobs: JobStore;
let results: ResultsTable;
if (adapter === 'sqlite') {
  const store = openSqliteJobStore({ path: location });
  store.sql.db.exec('CREATE TABLE IF NOT EXISTS job_results (job_id TEXT NOT NULL, owner TEXT NOT NULL, attempt INTEGER NOT NULL)');
  jobs = store;
  results = {
    // The store shares this connection: complete() inside sql.transaction joins it.
    writeAndComplete: (row, complete) => store.sql.transaction(async () => {
      store.sql.run('INSERT INTO job_results (job_id, owner, attempt) VALUES (?, ?, ?)', row.jobId, row.owner, row.attempt);
      await complete();
    }),
  };
} else {
  const database = poolDatabase(new pg.Pool({ connectionString: location, max: 4 }));
  await migratePostgresJobs(database);
  await database.execute('CREATE TABLE IF NOT EXISTS job_results (job_id TEXT NOT NULL, owner TEXT NOT NULL, attempt INTEGER NOT NULL)');
  const store = createPostgresJobStore(database, { closeDatabase: true });
  jobs = store;
  results = {
    writeAndComplete: (row, complete) => database.transaction(async (tx) => {
      await tx.execute('INSERT INTO job_results (job_id, owner, attempt) VALUES ($1, $2, $3)', [row.jobId, row.owner, row.attempt]);
      await complete(store.bind(tx));
    }),
  };
}

const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());
const print = (event: JobWorkerEvent): void => {
  const line = 'job' in event ? { type: event.type, id: event.job.id, attempt: event.job.attempts } : event;
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
await runJobWorker({
  jobs,
  handlers: createTestHandlers(results),
  concurrency: Number(process.env.JOB_TEST_CONCURRENCY ?? 2),
  leaseMs: Number(process.env.JOB_TEST_LEASE_MS ?? 1000),
  heartbeatMs: Number(process.env.JOB_TEST_HEARTBEAT_MS ?? 250),
  pollMs: 20,
  backoff: { baseMs: 20, maxMs: 200 },
  signal: stop.signal,
  onEvent: print,
});
await jobs.close();
