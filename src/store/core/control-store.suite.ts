import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ControlStore, ModelDefinition, QuotaLeaseResult, UsageRecord } from './control-store.ts';

/** What an adapter's test file hands the suite: a store over a fresh database, and ways to look behind it. */
export interface ControlStoreFixture {
  store: ControlStore;
  /** A second store on the same database, as a second process opens it (another connection, another pool). */
  openAnother(): Promise<ControlStore>;
  /** Entries in the audit log the store's writes append to. */
  auditSize(): Promise<number>;
}

/** Closes what a fixture opened when the test ends; the factory registers its own cleanup with it. */
export interface SuiteContext {
  after(fn: () => Promise<void> | void): void;
}

/**
 * The control store conformance suite: every adapter's test file runs it with its own factory,
 * and only the ControlStore interface is used. Ledger calls may fail fast with store_error while
 * another connection holds the lock (that is the contract): the lease test counts such a call as
 * granting nothing, as the gateway does.
 */
export function runControlStoreSuite(adapter: string, open: (t: SuiteContext) => Promise<ControlStoreFixture>): void {
  const model = (name: string, apiKey?: string, aliases: string[] = []): ModelDefinition => ({
    name, aliases, upstreamModel: name, prices: { input: 1, output: 2 }, maxOutputTokens: 16,
    replicas: [{ url: 'http://10.0.0.5:8000', weight: 1, maxConcurrent: null, ...(apiKey === undefined ? {} : { apiKey }) }],
  });
  const usage = (requestId: string, teamId: string | null, fields: Partial<UsageRecord> = {}): UsageRecord => ({
    requestId, time: 1_000, teamId, keyId: null, model: 'llama', replica: null, endpoint: 'chat', status: 200, errorCode: null,
    promptTokens: 10, completionTokens: 5, tokensSource: 'engine', ttftMs: 10, itlMs: null, durationMs: 40, costMicros: 7, stream: false, ...fields,
  });
  const code = (expected: string) => (error: unknown): boolean => (error as { code?: unknown }).code === expected;

  test(`${adapter} control store: teams are created, read by id or name, updated; each change bumps the revision and appends one audit entry`, async (t) => {
    const { store, auditSize } = await open(t);
    const revision = await store.revision();
    const audited = await auditSize();
    const team = await store.createTeam({ name: 'research', limits: { tokensPerMinute: 100 }, logPayloads: false }, 'user:test');
    assert.match(team.id, /^team_/);
    assert.ok((await store.revision()) > revision, 'createTeam bumps the revision');
    assert.equal(await auditSize(), audited + 1);
    await assert.rejects(store.createTeam({ name: 'research', limits: {}, logPayloads: false }, 'user:test'), code('already_exists'));
    assert.equal(await auditSize(), audited + 1, 'a refused change appends nothing');
    assert.deepEqual(await store.getTeam('research'), team);
    assert.deepEqual(await store.getTeam(team.id), team);
    assert.equal(await store.getTeam('nobody'), null);

    const before = await store.revision();
    const payloads = await store.updateTeam('research', { logPayloads: true }, 'user:test');
    assert.deepEqual(payloads.limits, { tokensPerMinute: 100 }, 'fields left out are kept');
    assert.equal(payloads.logPayloads, true);
    const limits = await store.updateTeam(team.id, { limits: { requestsPerMinute: 5 } }, 'user:test');
    assert.deepEqual(limits.limits, { requestsPerMinute: 5 }, 'limits, when given, replace the old ones as a whole');
    assert.equal(limits.logPayloads, true);
    assert.ok((await store.revision()) > before);
    assert.equal(await auditSize(), audited + 3);
    await assert.rejects(store.updateTeam('nobody', {}, 'user:test'), code('not_found'));

    await store.createTeam({ name: 'alpha', limits: {}, logPayloads: false }, 'user:test');
    assert.deepEqual((await store.listTeams()).map((entry) => entry.name), ['alpha', 'research'], 'listed by name');
  });

  test(`${adapter} control store: keys are created for a team or none, listed, and revoked once`, async (t) => {
    const { store, auditSize } = await open(t);
    const team = await store.createTeam({ name: 'ops', limits: {}, logPayloads: false }, 'user:test');
    await assert.rejects(store.createKey({ teamId: 'team_missing', name: 'x', prefix: 'fk-x', hash: 'e'.repeat(64), role: 'user', models: null, limits: {}, expiresAt: null }, 'user:test'), code('not_found'));
    const audited = await auditSize();
    const key = await store.createKey({ teamId: team.id, name: 'ci', prefix: 'fk-abc', hash: 'f'.repeat(64), role: 'user', models: ['llama'], limits: { concurrentRequests: 2 }, expiresAt: '2030-01-01T00:00:00.000Z' }, 'user:test');
    const admin = await store.createKey({ teamId: null, name: 'admin', prefix: 'fk-adm', hash: 'a'.repeat(64), role: 'admin', models: null, limits: {}, expiresAt: null }, 'user:test');
    assert.equal(await auditSize(), audited + 2);
    assert.match(key.id, /^key_/);
    assert.equal(key.revokedAt, null);
    assert.deepEqual(await store.getKey(key.id), key);
    assert.equal(await store.getKey('key_missing'), null);
    assert.deepEqual((await store.listKeys()).map((entry) => entry.id).sort(), [key.id, admin.id].sort());
    assert.deepEqual((await store.listKeys({ teamId: team.id })).map((entry) => entry.id), [key.id]);

    const revision = await store.revision();
    const revoked = await store.revokeKey(key.id, 'user:test');
    assert.ok(revoked.revokedAt !== null);
    assert.ok((await store.revision()) > revision);
    assert.equal(await auditSize(), audited + 3);
    assert.deepEqual(await store.revokeKey(key.id, 'user:test'), revoked, 'revoking twice changes nothing');
    assert.equal(await auditSize(), audited + 3, 'nor appends');
    assert.deepEqual((await store.listKeys({ teamId: team.id })).map((entry) => entry.id), [], 'revoked keys are left out');
    assert.deepEqual((await store.listKeys({ teamId: team.id, includeRevoked: true })).map((entry) => entry.revokedAt), [revoked.revokedAt]);
    await assert.rejects(store.revokeKey('key_missing', 'user:test'), code('not_found'));
  });

  test(`${adapter} control store: models are added, updated and removed, engine keys read back`, async (t) => {
    const { store, auditSize } = await open(t);
    const audited = await auditSize();
    const revision = await store.revision();
    await store.putModel(model('llama', 'sk-engine-secret'), 'user:test');
    await store.putModel(model('mistral'), 'user:test');
    await store.putModel(model('llama', 'sk-engine-secret', ['default']), 'user:test');
    assert.ok((await store.revision()) > revision);
    assert.equal(await auditSize(), audited + 3);
    const models = await store.listModels();
    assert.deepEqual(models.map((entry) => entry.name), ['llama', 'mistral']);
    assert.deepEqual(models[0], model('llama', 'sk-engine-secret', ['default']), 'the update replaced the definition; the engine key reads back');
    await store.removeModel('mistral', 'user:test');
    assert.deepEqual((await store.listModels()).map((entry) => entry.name), ['llama']);
    assert.equal(await auditSize(), audited + 4);
    await assert.rejects(store.removeModel('mistral', 'user:test'), code('not_found'));
  });

  test(`${adapter} control store: leases from two stores on one database never pass the limit; adjustments return and charge`, async (t) => {
    const { store, openAnother } = await open(t);
    const other = await openAnother();
    const bucket = 29_000_000;
    const window = { scope: 'team:t1', metric: 'tokens_minute', bucket, fromBucket: bucket - 60, limit: 1000 };
    let failed = 0;
    const lease = async (from: ControlStore, want: number): Promise<QuotaLeaseResult> => {
      try {
        const [result] = await from.leaseQuota([{ ...window, want }], []);
        assert.ok(result !== undefined);
        return result;
      } catch (error) {
        // Another connection held the lock: fails fast, grants nothing (the gateway retries later).
        assert.ok(code('store_error')(error), String(error));
        failed += 1;
        return { granted: 0, committed: 0 };
      }
    };
    const results = await Promise.all(Array.from({ length: 60 }, (_, index) => lease(index % 2 === 0 ? store : other, 37)));
    let granted = results.reduce((sum, result) => sum + result.granted, 0);
    for (const result of results) assert.ok(result.committed <= 1000 && result.granted <= 37);
    // One at a time nothing can contend: the rest of the window goes to whoever asks.
    while (granted < 1000) {
      const result = await lease(granted % 2 === 0 ? other : store, 37);
      assert.ok(result.granted > 0, 'an uncontended lease with room left grants');
      granted += result.granted;
    }
    assert.equal(granted, 1000, `granted exactly the limit (${failed} calls found the lock held)`);
    assert.equal((await lease(store, 1)).granted, 0, 'a full window grants nothing');
    assert.deepEqual(await store.quotaCommitted('team:t1', 'tokens_minute', bucket - 60), { committed: 1000, oldestBucket: bucket });
    assert.deepEqual(await other.quotaCommitted('team:t1', 'tokens_minute', bucket - 60), { committed: 1000, oldestBucket: bucket }, 'both stores see one ledger');

    // Returns (negative) and overrun charges (positive), alone or with a lease in one call.
    await store.adjustQuota([{ scope: 'team:t1', metric: 'tokens_minute', bucket, delta: -300 }]);
    assert.equal((await other.quotaCommitted('team:t1', 'tokens_minute', bucket - 60)).committed, 700);
    const [mixed] = await other.leaseQuota([{ ...window, want: 500 }], [{ scope: 'team:t1', metric: 'tokens_minute', bucket, delta: 100 }]);
    assert.deepEqual(mixed, { granted: 200, committed: 1000 }, 'the adjustment applies before the grant');
    await store.adjustQuota([]);
    await store.adjustQuota([{ scope: 'team:t1', metric: 'tokens_minute', bucket, delta: -5000 }]);
    assert.equal((await store.quotaCommitted('team:t1', 'tokens_minute', bucket - 60)).committed, 0, 'a return never takes a bucket below zero');

    // A later window does not count older buckets (and a minute window prunes them).
    const [later] = await store.leaseQuota([{ ...window, bucket: bucket + 100, fromBucket: bucket + 40, want: 10 }], []);
    assert.deepEqual(later, { granted: 10, committed: 10 });
    assert.deepEqual(await store.quotaCommitted('team:t1', 'tokens_minute', bucket + 40), { committed: 10, oldestBucket: bucket + 100 });
    assert.deepEqual(await store.quotaCommitted('team:other', 'tokens_minute', 0), { committed: 0, oldestBucket: null });
  });

  test(`${adapter} control store: concurrency slots are shared across stores up to the limit and expire`, async (t) => {
    const { store, openAnother } = await open(t);
    const other = await openAnother();
    const now = 1_000_000;
    assert.equal(await store.claimSlots('team:c', 'a', 2, 3, now, 30_000), 2);
    assert.equal(await other.claimSlots('team:c', 'b', 2, 3, now, 30_000), 1, 'only one left of three');
    assert.equal(await other.claimSlots('team:c', 'b', 1, 3, now, 30_000), 1, 'a claim never lowers what a holder has');
    await store.setSlots('team:c', 'a', 0, now, 30_000);
    assert.equal(await other.claimSlots('team:c', 'b', 5, 3, now, 30_000), 3, 'a holder that let go frees its slots');
    await other.setSlots('team:c', 'b', 1, now, 30_000);
    assert.equal(await store.claimSlots('team:c', 'a', 3, 3, now, 30_000), 2);
    // b stops renewing: after its expiry its slot comes back by itself.
    assert.equal(await store.claimSlots('team:c', 'a', 3, 3, now + 31_000, 30_000), 3);
    assert.equal(await store.claimSlots('team:d', 'a', 1, 1, now, 30_000), 1, 'scopes are separate');
  });

  test(`${adapter} control store: usage is recorded in batches with one audit entry each and aggregated by team, key and model`, async (t) => {
    const { store, auditSize } = await open(t);
    const team = await store.createTeam({ name: 'research', limits: {}, logPayloads: true }, 'user:test');
    const audited = await auditSize();
    await store.recordUsage([], [], 'service:gateway');
    assert.equal(await auditSize(), audited, 'an empty batch appends nothing');
    await store.recordUsage([
      usage('r1', team.id, { keyId: 'key_1' }),
      usage('r2', team.id, { keyId: 'key_2', model: 'mistral', status: 429, errorCode: 'rate_limited', promptTokens: 0, completionTokens: 0, ttftMs: null, costMicros: 0 }),
      usage('r3', null, { time: 5_000, ttftMs: null }),
    ], [{ requestId: 'r1', teamId: team.id, time: 1_000, request: '{"q":1}', response: '{"a":1}' }], 'service:gateway');
    await store.recordUsage([usage('r4', team.id, { keyId: 'key_1', time: 2_000, ttftMs: 30 })], [], 'service:gateway');
    assert.equal(await auditSize(), audited + 2, 'one entry per batch');

    const byTeam = await store.queryUsage({ groupBy: ['team'] });
    const research = byTeam.find((row) => row.teamId === team.id);
    assert.deepEqual(research, {
      teamId: team.id, teamName: 'research', keyId: null, model: null, requests: 3, errors: 1, promptTokens: 20, completionTokens: 10, costMicros: 14, meanTtftMs: 20, meanDurationMs: 40,
    });
    assert.equal(byTeam.find((row) => row.teamId === null)?.requests, 1, 'requests without a team are a group of their own');
    const byModel = await store.queryUsage({ groupBy: ['model'] });
    assert.deepEqual(byModel.map((row) => [row.model, row.requests]), [['llama', 3], ['mistral', 1]]);
    const byKey = await store.queryUsage({ teamId: team.id, groupBy: ['key', 'model'] });
    assert.deepEqual(byKey.map((row) => [row.keyId, row.model, row.requests]), [['key_1', 'llama', 2], ['key_2', 'mistral', 1]]);
    const all = await store.queryUsage({ groupBy: [] });
    assert.equal(all.length, 1);
    assert.equal(all[0]?.requests, 4);
    assert.equal(all[0]?.meanTtftMs, 20, 'requests without a first token are left out of the mean');
    assert.equal((await store.queryUsage({ since: 2_000, until: 5_000, groupBy: [] }))[0]?.requests, 1, 'since inclusive, until exclusive');
    assert.equal((await store.queryUsage({ model: 'mistral', groupBy: [] }))[0]?.errors, 1);
    assert.deepEqual(await store.queryUsage({ keyId: 'key_none', groupBy: ['team'] }), []);
  });
}
