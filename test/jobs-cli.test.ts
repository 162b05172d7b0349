import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteJobStore } from '../src/store/sqlite/sqlite-job-store.ts';
import { runFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

test('fabrik jobs list, stats and retry read and requeue the queue in $FABRIK_HOME', async (t) => {
  const home = temporaryDirectory(t, 'fabrik-jobs-cli-');
  const jobs = openSqliteJobStore({ path: join(home, 'fabrik.db') });
  const [done = '', dead = '', queued = ''] = await jobs.enqueue([{ kind: 'ingest', payload: { path: '/a' } }, { kind: 'ingest', payload: { path: '/b' }, maxAttempts: 1 }, { kind: 'recipe', payload: 'r' }]);
  await jobs.lease(['ingest'], 'w', 2, 60_000);
  await jobs.complete(done, 'w', { documents: 1 });
  await jobs.fail(dead, 'w', 'parse_failed: /b: truncated', Date.now());
  await jobs.close();

  const stats = runFabrik(home, ['jobs', 'stats', '--json']);
  assert.equal(stats.code, 0, stats.stderr);
  assert.deepEqual(JSON.parse(stats.stdout).total, { queued: 1, leased: 0, done: 1, dead: 1 });
  const text = runFabrik(home, ['jobs', 'stats']);
  assert.match(text.stdout, /^ingest\s+0\s+0\s+1\s+1$/m);
  assert.match(text.stdout, /^total\s+1\s+0\s+1\s+1$/m);

  const list = runFabrik(home, ['jobs', 'list', '--state', 'dead']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${dead}\\s+ingest\\s+dead\\s+1/1\\s+\\S+\\s+parse_failed: /b: truncated$`, 'm'));
  assert.doesNotMatch(list.stdout, new RegExp(done));
  const all = JSON.parse(runFabrik(home, ['jobs', 'list', '--json']).stdout) as Array<{ id: string }>;
  assert.deepEqual(all.map((job) => job.id), [done, dead, queued]);
  assert.equal(JSON.parse(runFabrik(home, ['jobs', 'list', '--kind', 'recipe', '--json']).stdout).length, 1);

  const retried = runFabrik(home, ['jobs', 'retry', dead]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(retried.stdout, `requeued ${dead}\n`);
  const again = runFabrik(home, ['jobs', 'retry', dead]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /invalid_option: job job_\w+ is queued; only a dead job can be retried/);
  assert.match(runFabrik(home, ['jobs', 'retry', 'job_000000000000000000000000']).stderr, /not_found: no job job_0+/);
  assert.match(runFabrik(home, ['jobs', 'list', '--state', 'stuck']).stderr, /invalid_option: --state must be one of queued, leased, done, dead; got "stuck"/);
});

test('fabrik worker refuses a job kind it has no handler for, naming the rule', (t) => {
  const home = temporaryDirectory(t, 'fabrik-jobs-cli-');
  const result = runFabrik(home, ['worker', '--kinds', 'nonsense']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^fabrik: invalid_option: /);
  assert.match(runFabrik(home, ['worker', '--concurrency', '0']).stderr, /invalid_option/);
});
