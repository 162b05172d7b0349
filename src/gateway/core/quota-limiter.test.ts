import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { openSqliteControlStore } from '../../store/sqlite/sqlite-control-store.ts';
import type { QuotaLedger } from '../../store/core/control-store.ts';
import { createQuotaLimiter, type Admission } from './quota-limiter.ts';

function openStore(t: { after: (fn: () => Promise<void>) => void }) {
  const home = mkdtempSync(join(tmpdir(), 'fabrik-quota-'));
  const store = openSqliteControlStore({ path: join(home, 'fabrik.db'), keyDir: join(home, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'test' });
  t.after(async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });
  return store;
}

const FREE = { input: 0, output: 0 };

test('two limiters on one store never grant more than the limit, and settling returns what was not used', async (t) => {
  const store = openStore(t);
  let now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const clock = (): number => now;
  const first = createQuotaLimiter(store, { holder: 'a', now: clock });
  const second = createQuotaLimiter(store, { holder: 'b', now: clock });
  const scopes = [{ scope: 'team:t1', limits: { tokensPerMinute: 1000 } }];
  const admitted: Admission[] = [];
  let refused = 0;
  for (let index = 0; index < 200; index += 1) {
    const limiter = index % 2 === 0 ? first : second;
    const result = await limiter.admit({ scopes, promptTokens: 10, completionTokens: 40, prices: FREE });
    if (result.ok) admitted.push(result);
    else refused += 1;
  }
  const reserved = admitted.reduce((sum, admission) => sum + (admission.reservation.entries[0]?.amount ?? 0), 0);
  assert.ok(reserved <= 1000, `reserved ${reserved}`);
  assert.ok(reserved >= 900, `slices left unused stay small: reserved ${reserved}`);
  assert.ok(refused > 0);
  assert.ok((await store.quotaCommitted('team:t1', 'tokens_minute', Math.floor(now / 1000) - 59)).committed <= 1000);

  // Each used 20 of its 50: the unused 30 come back to the limiter that admitted it, in the same second.
  admitted.forEach((admission, index) => (index % 2 === 0 ? first : second).settle(admission.reservation, { promptTokens: 10, completionTokens: 10 }));
  const again = await first.admit({ scopes, promptTokens: 10, completionTokens: 40, prices: FREE });
  assert.ok(again.ok);

  // A minute later the window has slid past every grant.
  now += 61_000;
  await first.tick();
  await second.tick();
  assert.equal((await store.quotaCommitted('team:t1', 'tokens_minute', Math.floor(now / 1000) - 59)).committed, 0);
  assert.ok((await first.admit({ scopes, promptTokens: 10, completionTokens: 40, prices: FREE })).ok);
});

test('admission is synchronous while the slices cover it; requests short together wait for one shared ledger call', async (t) => {
  const store = openStore(t);
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  let leases = 0;
  // The real store, counting its lease calls.
  const ledger: QuotaLedger = {
    leaseQuota: (requests, adjustments) => {
      leases += 1;
      return store.leaseQuota(requests, adjustments);
    },
    adjustQuota: (adjustments) => store.adjustQuota(adjustments),
    quotaCommitted: (scope, metric, from) => store.quotaCommitted(scope, metric, from),
    claimSlots: (...args) => store.claimSlots(...args),
    setSlots: (...args) => store.setSlots(...args),
  };
  const limiter = createQuotaLimiter(ledger, { holder: 'a', now: () => now, sliceDivisor: 2 });
  const scopes = [{ scope: 'team:t', limits: { tokensPerMinute: 10_000 } }];
  const first = Array.from({ length: 10 }, () => limiter.admit({ scopes, promptTokens: 10, completionTokens: 40, prices: FREE }));
  assert.ok(first.every((result) => result instanceof Promise), 'nothing leased yet: each waits for the refill');
  const admitted = await Promise.all(first);
  assert.ok(admitted.every((result) => result.ok));
  assert.equal(leases, 1, 'ten requests short at once share one lease');
  const next = limiter.admit({ scopes, promptTokens: 10, completionTokens: 40, prices: FREE });
  assert.ok(!(next instanceof Promise) && next.ok, 'the slice in hand answers without awaiting the ledger');
  assert.equal(leases, 1);
});

test('a refusal carries retry-after and x-ratelimit headers; partial room caps the completion', async (t) => {
  const store = openStore(t);
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const limiter = createQuotaLimiter(store, { holder: 'a', now: () => now, sliceDivisor: 1 });
  const scopes = [{ scope: 'key:k1', limits: { tokensPerMinute: 100, requestsPerMinute: 3 } }];
  const first = await limiter.admit({ scopes, promptTokens: 10, completionTokens: 60, prices: FREE });
  assert.ok(first.ok);
  assert.equal(first.completionAllowance, 60);
  const second = await limiter.admit({ scopes, promptTokens: 10, completionTokens: 60, prices: FREE });
  assert.ok(second.ok);
  assert.equal(second.completionAllowance, 20, 'only 30 of the 100 were left: 10 prompt + 20 completion');
  const third = await limiter.admit({ scopes, promptTokens: 10, completionTokens: 60, prices: FREE });
  assert.ok(!third.ok);
  assert.equal(third.error.code, 'rate_limited');
  const headers = Object.fromEntries(third.headers);
  assert.equal(headers['x-ratelimit-limit-tokens'], '100');
  assert.equal(headers['x-ratelimit-remaining-tokens'], '0');
  assert.ok(Number(headers['retry-after']) >= 1 && Number(headers['retry-after']) <= 61, 'a grant counts for 60 to 61 s');
});

test('concurrency slots, the monthly budget and a day quota', async (t) => {
  const store = openStore(t);
  const now = Date.UTC(2026, 0, 31, 23, 59, 0);
  const a = createQuotaLimiter(store, { holder: 'a', now: () => now });
  const b = createQuotaLimiter(store, { holder: 'b', now: () => now });
  const scopes = [{ scope: 'team:c', limits: { concurrentRequests: 3 } }];
  const held = [];
  for (const limiter of [a, b, a, b]) held.push(await limiter.admit({ scopes, promptTokens: 0, completionTokens: 1, prices: FREE }));
  assert.deepEqual(held.map((result) => result.ok), [true, true, true, false]);
  const refused = held[3];
  assert.ok(refused !== undefined && !refused.ok && refused.error.code === 'rate_limited');
  const first = held[0];
  assert.ok(first?.ok);
  a.settle(first.reservation, { promptTokens: 0, completionTokens: 0 });
  await a.tick();
  assert.ok((await b.admit({ scopes, promptTokens: 0, completionTokens: 1, prices: FREE })).ok, 'a gave back its idle slot');

  // Budget: 0.001 per month at 1 per 1M prompt and 2 per 1M completion tokens = 1000 micro-units.
  const budget = [{ scope: 'team:money', limits: { budgetPerMonth: 0.001 } }];
  const prices = { input: 1, output: 2 };
  const spend = await a.admit({ scopes: budget, promptTokens: 100, completionTokens: 1000, prices });
  assert.ok(spend.ok);
  assert.equal(spend.completionAllowance, 450, '(1000 - 100) / 2');
  const broke = await a.admit({ scopes: budget, promptTokens: 100, completionTokens: 10, prices });
  assert.ok(!broke.ok && broke.error.code === 'quota_exceeded');
  const day = [{ scope: 'team:d', limits: { tokensPerDay: 50 } }];
  const used = await a.admit({ scopes: day, promptTokens: 20, completionTokens: 30, prices: FREE });
  assert.ok(used.ok);
  const out = await a.admit({ scopes: day, promptTokens: 1, completionTokens: 1, prices: FREE });
  assert.ok(!out.ok);
  assert.equal(out.error.code, 'quota_exceeded');
  assert.equal(Object.fromEntries(out.headers)['retry-after'], '60', 'the day ends in a minute');
});

test('a store locked by another writer: admissions use the leases in hand without waiting, then refuse; adjustments wait for the lock', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fabrik-quota-'));
  const path = join(home, 'fabrik.db');
  const store = openSqliteControlStore({ path, keyDir: join(home, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'test' });
  const other = new DatabaseSync(path);
  t.after(async () => {
    if (other.isTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });
  let now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const limiter = createQuotaLimiter(store, { holder: 'a', now: () => now });
  const day = [{ scope: 'team:d', limits: { tokensPerDay: 1000 } }];
  const slots = [{ scope: 'team:c', limits: { concurrentRequests: 2 } }];
  // Before the lock: a slice of 50 tokens (20 used) and one concurrency slot.
  const first = await limiter.admit({ scopes: day, promptTokens: 10, completionTokens: 10, prices: FREE });
  assert.ok(first.ok);
  assert.ok((await limiter.admit({ scopes: slots, promptTokens: 0, completionTokens: 1, prices: FREE })).ok);

  other.exec('BEGIN IMMEDIATE');
  const started = performance.now();
  assert.ok((await limiter.admit({ scopes: day, promptTokens: 10, completionTokens: 10, prices: FREE })).ok, 'the 30 left in hand admit one more');
  const spent = await limiter.admit({ scopes: day, promptTokens: 10, completionTokens: 10, prices: FREE });
  assert.ok(!spent.ok);
  assert.equal(spent.error.code, 'rate_limited');
  assert.match(spent.error.message, /quota store is locked/);
  assert.equal(Object.fromEntries(spent.headers)['retry-after'], '1');
  now += 200;
  const slot = await limiter.admit({ scopes: slots, promptTokens: 0, completionTokens: 1, prices: FREE });
  assert.ok(!slot.ok && /quota store is locked/.test(slot.error.message), 'a second slot needs the store');
  // An overrun settled while locked is charged once the lock goes, not lost.
  limiter.settle(first.reservation, { promptTokens: 10, completionTokens: 90 });
  await limiter.tick();
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1000, `admissions and the tick waited ${elapsed.toFixed(0)} ms for the lock`);

  other.exec('COMMIT');
  await limiter.tick();
  assert.equal((await store.quotaCommitted('team:d', 'tokens_day', Math.floor(now / 86_400_000))).committed, 120, 'the 50 leased plus the overrun of 70');
  now += 200;
  assert.ok((await limiter.admit({ scopes: day, promptTokens: 10, completionTokens: 10, prices: FREE })).ok, 'leases refill once the store is free');
  assert.ok((await limiter.admit({ scopes: slots, promptTokens: 0, completionTokens: 1, prices: FREE })).ok);
});

test('the minute window is a true sliding 60 s: bursts at one-second bucket edges never put more than the limit in any 60 s (issue 7, item 22i)', async (t) => {
  const store = openStore(t);
  const start = Date.UTC(2026, 0, 1, 12, 0, 0);
  let now = start;
  const limiter = createQuotaLimiter(store, { holder: 'a', now: () => now });
  const scopes = [{ scope: 'key:k1', limits: { requestsPerMinute: 100 } }];
  const admittedAt: number[] = [];
  const burst = async (at: number): Promise<void> => {
    now = at;
    await limiter.tick();
    for (let index = 0; index < 150; index += 1) {
      const result = await limiter.admit({ scopes, promptTokens: 0, completionTokens: 1, prices: FREE });
      if (result.ok) admittedAt.push(now);
    }
  };
  // Bursts at the last millisecond of one bucket and the first of another, for several minutes.
  for (let second = 0; second < 150; second += 1) {
    await burst(start + second * 1000 + 999);
    await burst(start + (second + 1) * 1000);
  }
  admittedAt.sort((a, b) => a - b);
  let worst = 0;
  let from = 0;
  for (let to = 0; to < admittedAt.length; to += 1) {
    while ((admittedAt[to] as number) - (admittedAt[from] as number) >= 60_000) from += 1;
    worst = Math.max(worst, to - from + 1);
  }
  assert.ok(worst <= 100, `a true 60 s window admitted ${worst} requests against requests/min 100`);
  // Honest but not stingy: over 150 s at least two windows' worth went through.
  assert.ok(admittedAt.length >= 200, `admitted ${admittedAt.length}`);
});
