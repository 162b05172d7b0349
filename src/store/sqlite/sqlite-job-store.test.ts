import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runJobStoreSuite } from '../core/job-store.suite.ts';
import { migrateJobs, openSqliteJobStore } from './sqlite-job-store.ts';

runJobStoreSuite('sqlite', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-jobs-'));
  const jobs = openSqliteJobStore({ path: join(directory, 'fabrik.db') });
  t.after(async () => {
    await jobs.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return jobs;
});

test('sqlite jobs: the job tables migrate once, and opening again keeps the queue', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-jobs-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const path = join(directory, 'fabrik.db');
  const first = openSqliteJobStore({ path });
  const [id = ''] = await first.enqueue([{ kind: 'ingest', payload: 1 }]);
  migrateJobs(first.sql.db);
  await first.close();
  const second = openSqliteJobStore({ path });
  assert.equal((await second.get(id))?.state, 'queued');
  assert.deepEqual(second.sql.all('SELECT version FROM job_schema').map((row) => row.version), [1]);
  await second.close();
});
