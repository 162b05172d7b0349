import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { POSTGRES_SKIP_MESSAGE, startPostgres, TEST_PASSWORD } from '../../../test/helpers/postgres-server.ts';
import { PostgresDatabase } from './postgres-database.ts';
import { migratePostgres, POSTGRES_MIGRATIONS, postgresSchemaVersion } from './postgres-migrations.ts';

const server = await startPostgres();
after(() => server?.stop());
const skip = server === null ? POSTGRES_SKIP_MESSAGE : false;
if (server === null) console.log(`# ${POSTGRES_SKIP_MESSAGE}`);

async function database(t: { after: (fn: () => Promise<void>) => void }, url?: string): Promise<PostgresDatabase> {
  const db = new PostgresDatabase(url ?? await server!.freshDatabase());
  t.after(() => db.close());
  return db;
}

test('postgres migrations: the first run applies every step, a second is a no-op', { skip }, async (t) => {
  const db = await database(t);
  assert.equal(await postgresSchemaVersion(db), 0);
  const first = await migratePostgres(db);
  assert.deepEqual(first.applied.map((step) => step.version), POSTGRES_MIGRATIONS.map((_, index) => index + 1));
  assert.equal(first.version, POSTGRES_MIGRATIONS.length);
  const second = await migratePostgres(db);
  assert.deepEqual(second, { from: POSTGRES_MIGRATIONS.length, version: POSTGRES_MIGRATIONS.length, latest: POSTGRES_MIGRATIONS.length, applied: [] });
  assert.equal((await db.query('SELECT COUNT(*) AS n FROM schema_migrations'))[0]?.n, POSTGRES_MIGRATIONS.length);
});

test('postgres migrations: four processes migrating one database at once apply each step once', { skip }, async (t) => {
  const url = await server!.freshDatabase();
  const pools = await Promise.all(Array.from({ length: 4 }, () => database(t, url)));
  // A later step, to show steps apply in order across racing migrators.
  const steps = [...POSTGRES_MIGRATIONS, { name: 'a test step', sql: "INSERT INTO control_meta (key, value) VALUES ('test-step', 1)" }];
  const results = await Promise.all(pools.map((db) => migratePostgres(db, steps)));
  assert.equal(results.reduce((sum, result) => sum + result.applied.length, 0), steps.length, 'each step applied by exactly one of them');
  assert.ok(results.every((result) => result.version === steps.length));
  assert.equal((await pools[0]!.query("SELECT value FROM control_meta WHERE key = 'test-step'"))[0]?.value, 1);
});

test('postgres migrations: a database a newer fabrik migrated is refused with a clear error', { skip }, async (t) => {
  const db = await database(t);
  await migratePostgres(db, [...POSTGRES_MIGRATIONS, { name: 'from the future', sql: 'SELECT 1' }]);
  await assert.rejects(migratePostgres(db), (error: Error & { code?: string; param?: string }) => {
    assert.equal(error.code, 'store_error');
    assert.equal(error.param, 'FABRIK_DATABASE_URL');
    assert.match(error.message, new RegExp(`schema version ${POSTGRES_MIGRATIONS.length + 1}, newer than this fabrik knows \\(${POSTGRES_MIGRATIONS.length}\\)`));
    assert.ok(!error.message.includes(TEST_PASSWORD), 'the password is masked');
    return true;
  });
});

test('postgres: a refused connection, a wrong password and a missing database are store_error naming FABRIK_DATABASE_URL, password masked', { skip }, async (t) => {
  const good = new URL(await server!.freshDatabase());
  const cases: Array<[string, RegExp]> = [];
  const wrongPassword = new URL(good);
  wrongPassword.password = 'not-the-password';
  cases.push([wrongPassword.toString(), /authentication failed/]);
  const missing = new URL(good);
  missing.pathname = '/no_such_database';
  cases.push([missing.toString(), /the database does not exist/]);
  const refused = new URL(good);
  refused.port = '1';
  cases.push([refused.toString(), /connection refused/]);
  for (const [url, reason] of cases) {
    const db = await database(t, url);
    await assert.rejects(db.connect(), (error: Error & { code?: string; param?: string }) => {
      assert.equal(error.code, 'store_error');
      assert.equal(error.param, 'FABRIK_DATABASE_URL');
      assert.match(error.message, reason);
      assert.match(error.message, /FABRIK_DATABASE_URL/);
      assert.match(error.message, /:\*\*\*@/);
      assert.ok(!error.message.includes('not-the-password') && !error.message.includes(TEST_PASSWORD), error.message);
      return true;
    });
  }
});
