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
}
