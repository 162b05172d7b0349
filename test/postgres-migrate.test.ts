import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/postgres-migrations.ts';
import { POSTGRES_SKIP_MESSAGE, startPostgres, TEST_PASSWORD } from './helpers/postgres-server.ts';
import { BIN, runFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

const server = await startPostgres();
after(() => server?.stop());
const skip = server === null ? POSTGRES_SKIP_MESSAGE : false;
if (server === null) console.log(`# ${POSTGRES_SKIP_MESSAGE}`);

const LATEST = POSTGRES_MIGRATIONS.length;

test('fabrik migrate on PostgreSQL: --status, then the steps, then up to date; the password never printed', { skip }, async (t) => {
  const home = temporaryDirectory(t);
  const env = { FABRIK_DATABASE_URL: await server!.freshDatabase() };
  const status = runFabrik(home, ['migrate', '--status'], env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`version 0, ${LATEST} steps? pending`));
  const first = runFabrik(home, ['migrate', '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout) as { database: string; location: string; schemas: { version: number; applied: string[] }[] };
  assert.equal(report.database, 'postgresql');
  assert.deepEqual(report.schemas.map((schema) => [schema.version, schema.applied.length]), [[LATEST, LATEST]]);
  const second = runFabrik(home, ['migrate'], env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`version ${LATEST}, up to date`));
  for (const output of [status, first, second]) assert.ok(!(output.stdout + output.stderr).includes(TEST_PASSWORD));
});

test('fabrik migrate from three processes at once: each step applied once, all succeed', { skip }, async (t) => {
  const home = temporaryDirectory(t);
  const url = await server!.freshDatabase();
  const runs = await Promise.all(Array.from({ length: 3 }, () => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'migrate', '--json'], { env: { ...process.env, FABRIK_HOME: home, FABRIK_DATABASE_URL: url } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  })));
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const applied = runs.map((run) => (JSON.parse(run.stdout) as { schemas: { applied: string[] }[] }).schemas[0]?.applied.length ?? 0);
  assert.equal(applied.reduce((sum, count) => sum + count, 0), LATEST);
});

test('fabrik migrate with an unreachable database: store_error naming FABRIK_DATABASE_URL, password masked', { skip }, async (t) => {
  const home = temporaryDirectory(t);
  const url = new URL(server!.url);
  url.password = 'wrong-password';
  const result = runFabrik(home, ['migrate'], { FABRIK_DATABASE_URL: url.toString() });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /store_error/);
  assert.match(result.stderr, /FABRIK_DATABASE_URL/);
  assert.ok(!result.stderr.includes('wrong-password'));
});

test('fabrik migrate without FABRIK_DATABASE_URL migrates the SQLite store in $FABRIK_HOME', (t) => {
  const home = temporaryDirectory(t);
  const status = runFabrik(home, ['migrate', '--status', '--json'], { FABRIK_DATABASE_URL: '' });
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual((JSON.parse(status.stdout) as { schemas: { version: number }[] }).schemas.map((schema) => schema.version), [0, 0]);
  const applied = runFabrik(home, ['migrate', '--json'], { FABRIK_DATABASE_URL: '' });
  assert.equal(applied.code, 0, applied.stderr);
  const report = JSON.parse(applied.stdout) as { database: string; schemas: { version: number; latest: number; applied: string[] }[] };
  assert.equal(report.database, 'sqlite');
  assert.ok(report.schemas.every((schema) => schema.version === schema.latest && schema.applied.length === schema.latest));
  const again = runFabrik(home, ['migrate'], { FABRIK_DATABASE_URL: '' });
  assert.match(again.stdout, /foundry: version \d+, up to date/);
});
