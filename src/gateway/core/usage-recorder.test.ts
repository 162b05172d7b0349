import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { UsageRecord } from '../../store/core/control-store.ts';
import { openSqliteControlStore } from '../../store/sqlite/sqlite-control-store.ts';
import { createUsageRecorder } from './usage-recorder.ts';

const record = (requestId: string): UsageRecord => ({
  requestId, time: Date.now(), teamId: null, keyId: null, model: 'm', replica: null, endpoint: 'chat', status: 200, errorCode: null,
  promptTokens: 1, completionTokens: 2, tokensSource: 'engine', ttftMs: null, itlMs: null, durationMs: 1, costMicros: 0, stream: false,
});

test('records written while another writer holds the lock are kept, not waited for, and land when it is released', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fabrik-usage-'));
  const path = join(home, 'fabrik.db');
  const store = openSqliteControlStore({ path, keyDir: join(home, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'test' });
  const other = new DatabaseSync(path);
  t.after(async () => {
    if (other.isTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });
  const recorder = createUsageRecorder({ store, actor: 'service:test', flushMs: 20 });
  recorder.record(record('r1'));
  await recorder.flush();
  other.exec('BEGIN IMMEDIATE');
  recorder.record(record('r2'));
  recorder.record(record('r3'));
  const started = performance.now();
  await recorder.flush();
  assert.ok(performance.now() - started < 1000, 'a flush against a locked store fails fast');
  assert.equal((await store.queryUsage({ groupBy: [] }))[0]?.requests, 1, 'nothing more could be written yet');
  // Closing while the lock is still held waits (asynchronously) for it, then writes the rest.
  setTimeout(() => other.exec('COMMIT'), 200);
  await recorder.close();
  assert.equal((await store.queryUsage({ groupBy: [] }))[0]?.requests, 3);
  assert.equal(recorder.dropped, 0);
});
