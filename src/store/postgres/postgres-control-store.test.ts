import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { POSTGRES_SKIP_MESSAGE, startPostgres } from '../../../test/helpers/postgres-server.ts';
import type { ModelDefinition, UsageRecord } from '../core/control-store.ts';
import { runControlStoreSuite } from '../core/control-store.suite.ts';
import { openPostgresControlStore, type PostgresControlStoreOptions } from './postgres-control-store.ts';

// The control store on a real PostgreSQL server: store/core's conformance suite, and what only a
// server shared by several processes can show: leases from two pools never pass the limit, and a
// held lock fails fast.
const server = await startPostgres();
after(() => server?.stop());
const skip = server === null ? POSTGRES_SKIP_MESSAGE : false;
if (server === null) console.log(`# ${POSTGRES_SKIP_MESSAGE}`);

type Store = Awaited<ReturnType<typeof openPostgresControlStore>>;

async function options(t: { after: (fn: () => void) => void }): Promise<PostgresControlStoreOptions> {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-pg-control-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return { url: await server!.freshDatabase(), keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test' };
}

async function open(t: { after: (fn: () => Promise<void> | void) => void }, settings: PostgresControlStoreOptions): Promise<Store> {
  const store = await openPostgresControlStore(settings);
  t.after(() => store.close());
  return store;
}

if (server === null) test('postgres: the control store conformance suite', { skip }, () => {});
else {
  runControlStoreSuite('postgres', async (t) => {
    const settings = await options(t);
    const store = await open(t, settings);
    return { store, openAnother: () => open(t, settings), auditSize: () => store.audit.size() };
  });
}

const SECRET = 'sk-engine-0123456789abcdef';
const model = (name: string, apiKey?: string): ModelDefinition => ({
  name, aliases: [], upstreamModel: name, prices: { input: 1, output: 2 }, maxOutputTokens: 16,
  replicas: [{ url: 'http://10.0.0.5:8000', weight: 1, maxConcurrent: null, ...(apiKey === undefined ? {} : { apiKey }) }],
});
const usage = (requestId: string, teamId: string | null, status = 200): UsageRecord => ({
  requestId, time: 1_000, teamId, keyId: null, model: 'llama', replica: null, endpoint: '/v1/chat/completions', status, errorCode: status >= 400 ? 'upstream_error' : null,
  promptTokens: 10, completionTokens: 5, tokensSource: 'engine', ttftMs: 12.5, itlMs: null, durationMs: 40, costMicros: 7, stream: true,
});

test('postgres control: teams, keys and models; every change bumps the revision and is audited; engine keys sealed at rest', { skip }, async (t) => {
  const settings = await options(t);
  const store = await open(t, settings);
  assert.equal(await store.revision(), 0);
  const team = await store.createTeam({ name: 'research', limits: { tokensPerMinute: 100 }, logPayloads: false }, 'user:test');
  await assert.rejects(store.createTeam({ name: 'research', limits: {}, logPayloads: false }, 'user:test'), (error: { code?: string }) => error.code === 'already_exists');
  assert.deepEqual(await store.getTeam('research'), team);
  assert.deepEqual(await store.getTeam(team.id), team);
  const updated = await store.updateTeam('research', { logPayloads: true }, 'user:test');
  assert.equal(updated.logPayloads, true);
  assert.deepEqual(updated.limits, { tokensPerMinute: 100 });
  await assert.rejects(store.updateTeam('nobody', {}, 'user:test'), (error: { code?: string }) => error.code === 'not_found');
  const key = await store.createKey({ teamId: team.id, name: 'ci', prefix: 'fk_abc', hash: 'f'.repeat(64), role: 'user', models: ['llama'], limits: {}, expiresAt: null }, 'user:test');
  assert.deepEqual(await store.getKey(key.id), key);
  const revoked = await store.revokeKey(key.id, 'user:test');
  assert.ok(revoked.revokedAt !== null);
  assert.deepEqual(await store.revokeKey(key.id, 'user:test'), revoked, 'revoking twice changes nothing');
  assert.deepEqual(await store.listKeys(), []);
  assert.deepEqual((await store.listKeys({ includeRevoked: true })).map((entry) => entry.id), [key.id]);
  await store.putModel(model('llama', SECRET), 'user:test');
  await store.putModel(model('llama', SECRET), 'user:test');
  assert.equal((await store.listModels())[0]?.replicas[0]?.apiKey, SECRET);
  await assert.rejects(store.removeModel('none', 'user:test'), (error: { code?: string }) => error.code === 'not_found');
  assert.equal(await store.revision(), 6);
  const actions = (await store.audit.list()).map((entry) => entry.action);
  assert.deepEqual(actions, ['team.create', 'team.update', 'key.create', 'key.revoke', 'model.add', 'model.update']);

  const client = new pg.Client({ connectionString: settings.url });
  await client.connect();
  try {
    const stored = (await client.query('SELECT definition FROM gateway_models')).rows.map((row: { definition: string }) => row.definition).join();
    assert.ok(!stored.includes(SECRET), 'the database does not hold the engine key in plain text');
    assert.match(stored, /fabrik-sealed:v1:/);
    await assert.rejects(client.query('DELETE FROM audit_entries'), /append-only/);
    await assert.rejects(client.query("UPDATE audit_entries SET entry = '{}'"), /append-only/);
    await assert.rejects(client.query('TRUNCATE audit_nodes'), /append-only/);
  } finally {
    await client.end();
  }
  assert.equal((await store.audit.verify()).ok, true);
});

test('postgres control: two pools leasing one quota at once never grant more than the limit; adjustments return budget', { skip }, async (t) => {
  const settings = await options(t);
  const [one, two] = [await open(t, settings), await open(t, settings)];
  const request = { scope: 'team:a', metric: 'tokens', bucket: 100, fromBucket: 41, limit: 1_000, want: 7 };
  const lease = async (store: Store): Promise<number> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return (await store.leaseQuota([request], []))[0]?.granted ?? 0;
      } catch (error) {
        // A lease that found the lock held failed fast; the gateway retries, so does this test.
        if ((error as { code?: string }).code !== 'store_error' || attempt > 50) throw error;
      }
    }
  };
  const grants = await Promise.all(Array.from({ length: 200 }, (_, index) => lease(index % 2 === 0 ? one : two)));
  assert.equal(grants.reduce((sum, granted) => sum + granted, 0), 1_000, 'exactly the limit is granted, never more');
  assert.deepEqual(await one.quotaCommitted('team:a', 'tokens', 41), { committed: 1_000, oldestBucket: 100 });
  await two.adjustQuota([{ scope: 'team:a', metric: 'tokens', bucket: 100, delta: -300 }]);
  const [again] = await one.leaseQuota([{ ...request, want: 500 }], []);
  assert.deepEqual(again, { granted: 300, committed: 1_000 });
  // Buckets before the window are pruned by the next lease of a sliding window.
  const [later] = await one.leaseQuota([{ ...request, bucket: 200, fromBucket: 141, want: 5 }], []);
  assert.deepEqual(later, { granted: 5, committed: 5 });
});

test('postgres control: concurrency slots claimed from two pools never pass the limit; expired holders are dropped', { skip }, async (t) => {
  const settings = await options(t);
  const [one, two] = [await open(t, settings), await open(t, settings)];
  const claim = async (store: Store, holder: string): Promise<number> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await store.claimSlots('team:a', holder, 3, 10, 1_000, 5_000);
      } catch (error) {
        if ((error as { code?: string }).code !== 'store_error' || attempt > 50) throw error;
      }
    }
  };
  const held = await Promise.all(Array.from({ length: 8 }, (_, index) => claim(index % 2 === 0 ? one : two, `gateway-${index}`)));
  assert.equal(held.reduce((sum, count) => sum + count, 0), 10);
  await one.setSlots('team:a', 'gateway-0', 0, 1_000, 5_000);
  assert.equal(await two.claimSlots('team:a', 'gateway-9', 10, 10, 1_000, 5_000), held[0]);
  assert.equal(await two.claimSlots('team:a', 'gateway-10', 10, 10, 10_000, 5_000), 10, 'every other holder expired');
});

test('postgres control: a ledger call that finds the lock held fails fast as store_error, without the password', { skip }, async (t) => {
  const settings = await options(t);
  const store = await open(t, settings);
  const client = new pg.Client({ connectionString: settings.url });
  await client.connect();
  try {
    // Another writer holds the audit log (a foundry transaction, say): metering gives up at once.
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(1717727793, 1)');
    const started = Date.now();
    await assert.rejects(store.recordUsage([usage('req_9', null)], [], 'gateway'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'store_error');
      assert.match(error.message, /another writer holds the lock/);
      assert.ok(!error.message.includes('fabrik-test-secret'));
      return true;
    });
    assert.ok(Date.now() - started < 2_000, 'it did not wait for the lock');
    const leased = await store.leaseQuota([{ scope: 'team:b', metric: 'requests', bucket: 1, fromBucket: 1, limit: 5, want: 1 }], []);
    assert.equal(leased[0]?.granted, 1, 'a lease does not wait for the audit log');
    await client.query('ROLLBACK');
  } finally {
    await client.end();
  }
  await store.recordUsage([usage('req_9', null)], [], 'gateway');
});
