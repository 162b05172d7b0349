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

test('sqlite jobs: a complete inside a transaction on the shared connection commits or rolls back with the caller’s writes', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-jobs-'));
  const jobs = openSqliteJobStore({ path: join(directory, 'fabrik.db') });
  t.after(async () => {
    await jobs.close();
    rmSync(directory, { recursive: true, force: true });
  });
  jobs.sql.db.exec('CREATE TABLE results (job_id TEXT PRIMARY KEY)');
  const [id = ''] = await jobs.enqueue([{ kind: 'test', payload: 1 }]);
  await jobs.lease(['test'], 'w', 1, 60_000);
  await assert.rejects(jobs.sql.transaction(async () => {
    jobs.sql.run('INSERT INTO results (job_id) VALUES (?)', id);
    assert.equal(await jobs.complete(id, 'w', 'r'), true);
    throw new Error('handler crashed after completing');
  }), /handler crashed/);
  assert.equal((await jobs.get(id))?.state, 'leased', 'the rollback took the completion with it');
  assert.deepEqual(jobs.sql.all('SELECT job_id FROM results'), []);
  await jobs.sql.transaction(async () => {
    jobs.sql.run('INSERT INTO results (job_id) VALUES (?)', id);
    assert.equal(await jobs.complete(id, 'w', 'r'), true);
  });
  assert.equal((await jobs.get(id))?.state, 'done');
  assert.equal(jobs.sql.all('SELECT job_id FROM results').length, 1);
});
