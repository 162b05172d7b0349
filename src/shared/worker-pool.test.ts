import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FabrikError } from './errors.ts';
import { WorkerPool } from './worker-pool.ts';

const WORKER = new URL('../../test/fixtures/pool-worker.ts', import.meta.url);

test('a worker that hangs, runs out of memory or exits fails only its own task', async () => {
  // OOM must come before the time limit: a starved heap spends seconds in GC before V8 gives up.
  const pool = new WorkerPool(WORKER, { size: 2, timeoutMs: 1500, memoryMb: 64 });
  const roomy = new WorkerPool(WORKER, { size: 1, timeoutMs: 60_000, memoryMb: 64 });
  try {
    const results = await Promise.allSettled([
      pool.run({ mode: 'hang' }, [], 'hang.pdf'),
      roomy.run({ mode: 'oom' }, [], 'bomb.docx'),
      pool.run({ mode: 'exit' }, [], 'exit.html'),
      pool.run({ mode: 'fail' }, [], 'x.pdf'),
      pool.run({ mode: 'echo', value: 42 }, [], 'ok.txt'),
    ]);
    const codes = results.map((result) => (result.status === 'rejected' ? (result.reason as FabrikError).code : result.value));
    assert.deepEqual(codes, ['parse_timeout', 'parse_memory', 'parse_failed', 'parse_failed', 42]);
    const timeout = results[0] as PromiseRejectedResult;
    assert.ok(timeout.reason instanceof FabrikError);
    assert.match((timeout.reason as Error).message, /hang\.pdf: took longer than 1500 ms/);
    // The pool keeps working after losing workers.
    assert.equal(await pool.run({ mode: 'echo', value: 'again' }, [], 'again.txt'), 'again');
  } finally {
    await pool.close();
    await roomy.close();
  }
});
