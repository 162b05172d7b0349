import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobStore } from './job-store.ts';

/** The job store's conformance suite; every adapter's test file runs it with its own factory (a fresh, empty store each call). */
export function runJobStoreSuite(adapter: string, open: (t: { after: (fn: () => Promise<void> | void) => void }) => Promise<JobStore>): void {
  const t0 = Date.parse('2026-12-01T00:00:00.000Z');
  const second = 1000;

  test(`${adapter} jobs: enqueue round-trips; a dedupe key is one unfinished job per kind`, async (t) => {
    const jobs = await open(t);
    const [a, b, c, d] = await jobs.enqueue([
      { kind: 'ingest', payload: { path: '/data/a.txt', n: [1, 2] }, dedupeKey: '/data/a.txt' },
      { kind: 'ingest', payload: { path: '/data/a.txt' }, dedupeKey: '/data/a.txt' },
      { kind: 'recipe', payload: 'x', dedupeKey: '/data/a.txt', maxAttempts: 2 },
      { kind: 'ingest', payload: null },
    ], t0);
    assert.match(a ?? '', /^job_[0-9a-f]{24}$/);
    assert.equal(b, a, 'the same key of the same kind is the same job');
    assert.notEqual(c, a, 'another kind may use the same key');
    assert.notEqual(d, a);
    assert.deepEqual(await jobs.enqueue([{ kind: 'ingest', payload: 1, dedupeKey: '/data/a.txt' }], t0 + second), [a], 'enqueueing it again later is still that job');
    assert.deepEqual(await jobs.get(a ?? ''), {
      id: a, kind: 'ingest', payload: { path: '/data/a.txt', n: [1, 2] }, dedupeKey: '/data/a.txt', state: 'queued', attempts: 0, maxAttempts: 5,
      runAfter: new Date(t0).toISOString(), leaseOwner: null, leaseExpiresAt: null, lastError: null, result: null,
      createdAt: new Date(t0).toISOString(), updatedAt: new Date(t0).toISOString(), finishedAt: null,
    });
    assert.equal((await jobs.get(c ?? ''))?.maxAttempts, 2);
    assert.equal(await jobs.get('job_000000000000000000000000'), null);
    await assert.rejects(jobs.enqueue([{ kind: 'ingest', payload: 1, maxAttempts: 0 }]), { code: 'invalid_option', param: 'maxAttempts' });

    const [leased] = await jobs.lease(['ingest'], 'w1', 1, 30 * second, t0 + second);
    assert.equal(leased?.id, a);
    assert.equal(await jobs.complete(a ?? '', 'w1', { documents: 1 }, t0 + 2 * second), true);
    const [again] = await jobs.enqueue([{ kind: 'ingest', payload: 2, dedupeKey: '/data/a.txt' }], t0 + 3 * second);
    assert.notEqual(again, a, 'once the job is done, the key is free for a new one');
  });

  test(`${adapter} jobs: a lease takes due jobs of the asked kinds, oldest first, and never the same job twice`, async (t) => {
    const jobs = await open(t);
    const ids = await jobs.enqueue(Array.from({ length: 10 }, (_, n) => ({ kind: 'ingest', payload: n })), t0);
    const [later] = await jobs.enqueue([{ kind: 'ingest', payload: 'later', runAfter: new Date(t0 + 60 * second).toISOString() }], t0);
    await jobs.enqueue([{ kind: 'recipe', payload: 'other kind' }], t0);
    assert.deepEqual(await jobs.lease([], 'w0', 5, 30 * second, t0), []);

    const [first, second_] = await Promise.all([
      jobs.lease(['ingest'], 'w1', 6, 300 * second, t0 + second),
      jobs.lease(['ingest'], 'w2', 6, 300 * second, t0 + second),
    ]);
    const taken = [...first, ...second_].map((job) => job.id);
    assert.equal(taken.length, 10, 'the ten due jobs, and not the one due later or of another kind');
    assert.deepEqual(new Set(taken), new Set(ids), 'each job leased once');
    for (const job of first) {
      assert.equal(job.state, 'leased');
      assert.equal(job.leaseOwner, 'w1');
      assert.equal(job.attempts, 1);
      assert.equal(job.leaseExpiresAt, new Date(t0 + 301 * second).toISOString());
    }
    const inOrder = first.map((job) => ids.indexOf(job.id));
    assert.deepEqual(inOrder, [...inOrder].sort((x, y) => x - y), 'oldest first');
    assert.deepEqual(await jobs.lease(['ingest'], 'w3', 5, 30 * second, t0 + 2 * second), []);
    const [due] = await jobs.lease(['ingest'], 'w3', 5, 30 * second, t0 + 60 * second);
    assert.equal(due?.id, later, 'a job is leasable from its runAfter on');
    assert.equal((await jobs.lease(['ingest', 'recipe'], 'w3', 5, 30 * second, t0 + 60 * second)).length, 1);
  });

  test(`${adapter} jobs: an expired lease is taken again and counts an attempt; the old owner is refused`, async (t) => {
    const jobs = await open(t);
    const [id = ''] = await jobs.enqueue([{ kind: 'ingest', payload: {}, maxAttempts: 3 }], t0);
    await jobs.lease(['ingest'], 'old', 1, 10 * second, t0);
    assert.equal(await jobs.heartbeat(id, 'old', 10 * second, t0 + 5 * second), true, 'a heartbeat extends the lease');
    assert.deepEqual(await jobs.lease(['ingest'], 'new', 1, 10 * second, t0 + 12 * second), [], 'extended: not expired at +12 s');
    const [taken] = await jobs.lease(['ingest'], 'new', 1, 10 * second, t0 + 16 * second);
    assert.equal(taken?.id, id);
    assert.equal(taken?.attempts, 2);
    assert.equal((await jobs.stats(t0 + 16 * second)).expiredLeases, 0);

    assert.equal(await jobs.heartbeat(id, 'old', 10 * second, t0 + 17 * second), false);
    assert.equal(await jobs.complete(id, 'old', 'stale', t0 + 17 * second), false);
    assert.equal(await jobs.fail(id, 'old', 'stale', null, t0 + 17 * second), false);
    assert.equal(await jobs.release(id, 'old', t0 + 17 * second), false);
    assert.equal((await jobs.get(id))?.leaseOwner, 'new', 'nothing the old owner did stuck');
    assert.equal(await jobs.complete(id, 'new', { ok: true }, t0 + 18 * second), true);
    const done = await jobs.get(id);
    assert.equal(done?.state, 'done');
    assert.deepEqual(done?.result, { ok: true });
    assert.equal(done?.finishedAt, new Date(t0 + 18 * second).toISOString());
    assert.equal(done?.leaseOwner, null);
    assert.equal(await jobs.complete(id, 'new', 'twice', t0 + 19 * second), false, 'a done job cannot be completed again');
    assert.equal(await jobs.heartbeat(id, 'new', second, t0 + 19 * second), false);
  });

  test(`${adapter} jobs: a failure waits for its retry time; the last attempt's failure or a worker death on it dead-letters`, async (t) => {
    const jobs = await open(t);
    const [id = '', other = ''] = await jobs.enqueue([{ kind: 'ingest', payload: 1, maxAttempts: 2 }, { kind: 'ingest', payload: 2, maxAttempts: 1 }], t0);
    await jobs.lease(['ingest'], 'w', 1, 10 * second, t0);
    assert.equal(await jobs.fail(id, 'w', 'parse_failed: boom', t0 + 5 * second, t0 + second), true);
    const waiting = await jobs.get(id);
    assert.equal(waiting?.state, 'queued');
    assert.equal(waiting?.lastError, 'parse_failed: boom');
    assert.equal(waiting?.runAfter, new Date(t0 + 5 * second).toISOString());
    const [early] = await jobs.lease(['ingest'], 'w', 1, 10 * second, t0 + 2 * second);
    assert.equal(early?.id, other, 'the failed job is not due yet; the other one is');
    const [retried] = await jobs.lease(['ingest'], 'w', 1, 10 * second, t0 + 5 * second);
    assert.equal(retried?.id, id);
    assert.equal(retried?.attempts, 2);
    assert.equal(await jobs.fail(id, 'w', 'parse_failed: boom again', t0 + 10 * second, t0 + 6 * second), true);
    const dead = await jobs.get(id);
    assert.equal(dead?.state, 'dead', 'no attempt left: dead even with a retry time');
    assert.equal(dead?.lastError, 'parse_failed: boom again');
    assert.equal(dead?.finishedAt, new Date(t0 + 6 * second).toISOString());

    // `other` (one attempt) is held by w and its worker dies: the next lease dead-letters it.
    assert.deepEqual(await jobs.lease(['ingest'], 'w2', 5, 10 * second, t0 + 20 * second), []);
    const expired = await jobs.get(other);
    assert.equal(expired?.state, 'dead');
    assert.match(expired?.lastError ?? '', /lease of w expired on attempt 1 of 1/);

    const stats = await jobs.stats(t0 + 20 * second);
    assert.deepEqual(stats.total, { queued: 0, leased: 0, done: 0, dead: 2 });
    assert.deepEqual(stats.kinds, [{ kind: 'ingest', queued: 0, leased: 0, done: 0, dead: 2 }]);
    assert.deepEqual((await jobs.list({ state: 'dead' })).map((job) => job.id), [id, other]);
  });

  test(`${adapter} jobs: fail with no retry time dead-letters at once; retry requeues a dead job with fresh attempts`, async (t) => {
    const jobs = await open(t);
    const [id = ''] = await jobs.enqueue([{ kind: 'ingest', payload: 1, dedupeKey: 'k' }], t0);
    await jobs.lease(['ingest'], 'w', 1, 10 * second, t0);
    assert.equal(await jobs.fail(id, 'w', 'unsupported_format: refused', null, t0 + second), true);
    assert.equal((await jobs.get(id))?.state, 'dead');
    assert.equal(await jobs.retry(id, t0 + 2 * second), true);
    const requeued = await jobs.get(id);
    assert.equal(requeued?.state, 'queued');
    assert.equal(requeued?.attempts, 0);
    assert.equal(requeued?.finishedAt, null);
    assert.equal(requeued?.lastError, 'unsupported_format: refused', 'the last error stays until the next attempt');
    assert.equal(await jobs.retry(id, t0 + 2 * second), false, 'only a dead job is retried');
    await assert.rejects(jobs.retry('job_ffffffffffffffffffffffff'), { code: 'not_found' });

    await jobs.lease(['ingest'], 'w', 1, 10 * second, t0 + 3 * second);
    await jobs.fail(id, 'w', 'again', null, t0 + 4 * second);
    const [fresh] = await jobs.enqueue([{ kind: 'ingest', payload: 2, dedupeKey: 'k' }], t0 + 5 * second);
    assert.notEqual(fresh, id, 'a dead job does not hold its key');
    await assert.rejects(jobs.retry(id), { code: 'already_exists', message: new RegExp(`held by unfinished job ${fresh}`) });
  });

  test(`${adapter} jobs: release gives a job back without counting the attempt`, async (t) => {
    const jobs = await open(t);
    const [id = ''] = await jobs.enqueue([{ kind: 'ingest', payload: 1 }], t0);
    await jobs.lease(['ingest'], 'w', 1, 10 * second, t0);
    assert.equal(await jobs.release(id, 'w', t0 + second), true);
    const released = await jobs.get(id);
    assert.equal(released?.state, 'queued');
    assert.equal(released?.attempts, 0);
    const [again] = await jobs.lease(['ingest'], 'w2', 1, 10 * second, t0 + second);
    assert.equal(again?.attempts, 1);
    assert.equal((await jobs.list({ state: 'leased', kind: 'ingest' }))[0]?.leaseOwner, 'w2');
    assert.deepEqual(await jobs.list({ kind: 'recipe' }), []);
    assert.equal((await jobs.list({ limit: 0 })).length, 0);
  });
}
