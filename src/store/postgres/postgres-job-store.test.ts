import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JOB_POSTGRES_SKIP, startJobPostgres, type JobTestPostgres } from '../../../test/helpers/job-postgres.ts';
import { runJobStoreSuite } from '../core/job-store.suite.ts';
import { createPostgresJobStore, migratePostgresJobs, openPostgresJobStore, poolDatabase } from './postgres-job-store.ts';
import pg from 'pg';

const server: JobTestPostgres | null = await startJobPostgres();
let databases = 0;

if (server === null) {
  test('postgres jobs', (t) => t.skip(JOB_POSTGRES_SKIP));
} else {
  after(() => server.stop());

  runJobStoreSuite('postgres', async (t) => {
    const url = await server.createDatabase(`fabrik_jobs_${process.pid}_${(databases += 1)}`);
    const jobs = await openPostgresJobStore(url);
    t.after(() => jobs.close());
    return jobs;
  });

  test('postgres jobs: a complete through a bound store commits or rolls back with the caller’s writes', async (t) => {
    const url = await server.createDatabase(`fabrik_jobs_${process.pid}_${(databases += 1)}`);
    const database = poolDatabase(new pg.Pool({ connectionString: url, max: 2 }));
    t.after(() => database.close());
    await migratePostgresJobs(database);
    await migratePostgresJobs(database);
    await database.execute('CREATE TABLE results (job_id TEXT PRIMARY KEY)');
    const jobs = createPostgresJobStore(database);
    const [id = ''] = await jobs.enqueue([{ kind: 'test', payload: 1 }]);
    await jobs.lease(['test'], 'w', 1, 60_000);
    await assert.rejects(database.transaction(async (tx) => {
      await tx.execute('INSERT INTO results (job_id) VALUES ($1)', [id]);
      assert.equal(await jobs.bind(tx).complete(id, 'w', 'r'), true);
      throw new Error('handler crashed after completing');
    }), /handler crashed/);
    assert.equal((await jobs.get(id))?.state, 'leased', 'the rollback took the completion with it');
    assert.deepEqual(await database.query('SELECT job_id FROM results'), []);
    await database.transaction(async (tx) => {
      await tx.execute('INSERT INTO results (job_id) VALUES ($1)', [id]);
      assert.equal(await jobs.bind(tx).complete(id, 'w', 'r'), true);
    });
    assert.equal((await jobs.get(id))?.state, 'done');
    assert.equal((await database.query('SELECT job_id FROM results')).length, 1);
  });

  test('postgres jobs: a watcher in one process hears jobs another queues, at commit, only for its kinds', async (t) => {
    const url = await server.createDatabase(`fabrik_jobs_${process.pid}_${(databases += 1)}`);
    const watching = await openPostgresJobStore(url);
    const queueing = await openPostgresJobStore(url);
    t.after(async () => {
      await watching.close();
      await queueing.close();
    });
    let heard = 0;
    let woken = (): void => {};
    const unwatch = await watching.watch!(['ingest'], () => {
      heard += 1;
      woken();
    });
    const next = (): Promise<void> => new Promise((resolve) => (woken = resolve));
    let wake = next();
    await queueing.enqueue([{ kind: 'other', payload: 1 }]);
    await queueing.enqueue([{ kind: 'ingest', payload: 2 }, { kind: 'ingest', payload: 3 }]);
    await wake;
    assert.equal(heard, 1, 'one notice per kind and commit; none for a kind the worker does not run');
    wake = next();
    const [leased] = await queueing.lease(['ingest'], 'w', 1, 60_000);
    assert.equal(await queueing.release(leased!.id, 'w'), true);
    await wake;
    assert.equal(heard, 2, 'a job handed back wakes the watchers too');
    await unwatch();
    await queueing.enqueue([{ kind: 'ingest', payload: 4 }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(heard, 2, 'nothing after unwatch');
  });
}
