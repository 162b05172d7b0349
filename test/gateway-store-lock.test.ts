import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';

/** Holds fabrik.db's write lock from another process (node:sqlite is synchronous: a second process is the honest holder). */
const HOLD_LOCK = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); }, Number(process.argv[2]));
`;

const LOCK_MS = 3000;
const DAY_LIMIT = 10_000;

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

test('a write lock held by another process does not stall the gateway; metering lands afterwards; quotas degrade to the leases in hand', async (t) => {
  const harness = await startGatewayHarness(t);
  const free = await harness.key('free');
  const metered = await harness.key('metered', { teamLimits: { tokensPerDay: DAY_LIMIT } });
  let sent = 0;
  const chat = async (secret: string): Promise<{ status: number; code: string | null; retryAfter: string | null; tokens: number; ms: number }> => {
    const started = performance.now();
    sent += 1;
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 20 }),
    });
    const body = (await response.json()) as { usage?: { total_tokens: number }; error?: { code: string } };
    return { status: response.status, code: body.error?.code ?? null, retryAfter: response.headers.get('retry-after'), tokens: body.usage?.total_tokens ?? 0, ms: performance.now() - started };
  };
  // Both teams have been seen (the metered one holds a lease) before the lock.
  assert.equal((await chat(free)).status, 200);
  assert.equal((await chat(metered)).status, 200);
  await harness.gateway.flush();

  const holder = spawn(process.execPath, ['-e', HOLD_LOCK, harness.storeOptions.path, String(LOCK_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    if (holder.exitCode === null) holder.kill('SIGKILL');
  });
  let output = '';
  holder.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  while (!output.includes('locked')) await once(holder.stdout, 'data');
  const until = performance.now() + LOCK_MS - 600;

  const health: number[] = [];
  const freeResults: Array<{ status: number; ms: number }> = [];
  const meteredResults: Array<{ status: number; code: string | null; retryAfter: string | null; tokens: number }> = [];
  await Promise.all([
    (async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const response = await fetch(`${harness.url}/health`);
        await response.arrayBuffer();
        health.push(performance.now() - started);
      }
    })(),
    (async () => {
      while (performance.now() < until) freeResults.push(await chat(free));
    })(),
    (async () => {
      while (performance.now() < until) meteredResults.push(await chat(metered));
    })(),
  ]);
  t.diagnostic(`while locked: ${health.length} /health (p99 ${percentile(health, 0.99).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms), ${freeResults.length} unlimited requests (p99 ${percentile(freeResults.map((result) => result.ms), 0.99).toFixed(1)} ms), metered team ${meteredResults.filter((result) => result.status === 200).length} admitted, ${meteredResults.filter((result) => result.status === 429).length} refused`);

  // Liveness, not speed: a stalled event loop takes the whole lock (seconds).
  assert.ok(health.length >= 20, `/health answered ${health.length} times in ${LOCK_MS - 600} ms`);
  // 400 ms, not 200: this machine is shared; a stalled loop measures the whole lock (seconds).
  assert.ok(percentile(health, 0.99) < 400, `/health p99 ${percentile(health, 0.99).toFixed(1)} ms while the store is locked`);
  assert.ok(freeResults.every((result) => result.status === 200), `unlimited team statuses: ${[...new Set(freeResults.map((result) => result.status))].join(', ')}`);
  assert.ok(percentile(freeResults.map((result) => result.ms), 0.99) < 400, 'unlimited team p99 under 400 ms while the store is locked');

  assert.ok(!output.includes('released'), 'the lock was held for the whole measurement');

  // The metered team uses the lease it holds, then is refused; never a 500, never beyond the lease.
  const admitted = meteredResults.filter((result) => result.status === 200);
  const refused = meteredResults.filter((result) => result.status === 429);
  assert.equal(admitted.length + refused.length, meteredResults.length, `metered team statuses: ${meteredResults.map((result) => result.status).join(', ')}`);
  assert.ok(admitted.length >= 1, 'the lease in hand is used while the store is locked');
  assert.ok(refused.length >= 1, 'once the lease in hand is spent, the team is refused');
  // Not quota_exceeded with a retry-after at the end of the day: the day's budget is not spent, the lease is.
  assert.ok(refused.every((result) => result.code === 'rate_limited' && result.retryAfter === '1'), `refusals: ${JSON.stringify(refused[0])}`);
  const slice = DAY_LIMIT / 20;
  const lockedTokens = admitted.reduce((sum, result) => sum + result.tokens, 0);
  assert.ok(lockedTokens <= slice, `${lockedTokens} tokens admitted while locked; the lease in hand was at most ${slice}`);

  if (holder.exitCode === null) await once(holder, 'exit');
  assert.ok(output.includes('released'));
  // The store is free again: leases refill and the team is admitted.
  assert.equal((await chat(metered)).status, 200);

  // Every request, including those answered while the store was locked, is metered once.
  await harness.gateway.flush();
  const rows = (await harness.store.queryUsage({ groupBy: [] }));
  assert.equal(rows[0]?.requests, sent);
  assert.equal((await harness.gateway.store.queryUsage({ groupBy: ['team'] })).find((row) => row.teamName === 'metered')?.requests, meteredResults.length + 2);
  const team = (await harness.store.getTeam('metered'));
  assert.ok((await harness.store.quotaCommitted(`team:${team?.id}`, 'tokens_day', Math.floor(Date.now() / 86_400_000))).committed <= DAY_LIMIT);
});
