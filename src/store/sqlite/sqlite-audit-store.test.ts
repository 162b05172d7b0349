import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { openAuditLog } from '../../audit/audit-log.ts';
import { CHECKPOINT_ANCHOR_FILE } from '../../audit/checkpoint-anchor.ts';
import { dropAuditTriggers } from '../../audit/create-test-log.ts';
import { nodePosition } from '../core/audit-store.ts';
import { runAuditStoreSuite } from '../core/audit-store.suite.ts';
import { createSqliteAuditStore } from './sqlite-audit-store.ts';
import { SqliteDatabase } from './sqlite-database.ts';

/** A real SQLite file in WAL mode, as the stores open it. */
function openDatabase(t: { after: (fn: () => void) => void }): { dir: string; db: DatabaseSync; sql: SqliteDatabase } {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-sqlite-audit-'));
  const db = new DatabaseSync(join(dir, 'fabrik.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  t.after(() => {
    if (db.isOpen) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, db, sql: new SqliteDatabase(db) };
}

runAuditStoreSuite('sqlite', async (t) => {
  const { db, sql } = openDatabase(t);
  const store = createSqliteAuditStore(sql);
  // Tampering drops the triggers on the connection, as anyone who can write the file can.
  const edit = (statement: string, ...parameters: (number | string)[]): void => {
    dropAuditTriggers(db);
    db.prepare(statement).run(...parameters);
  };
  return {
    store,
    transaction: (work) => sql.transaction(() => work(store)),
    removeNode: async (level, index) => edit('DELETE FROM audit_nodes WHERE pos = ?', nodePosition(level, index)),
    replaceEntry: async (seq, text) => edit('UPDATE audit_entries SET entry = ? WHERE seq = ?', text, seq),
  };
});

const options = (dir: string) => ({ keyDir: join(dir, 'keys'), origin: 'fabrik.test/sqlite', codeVersion: 'test' });
const input = (i: number) => ({ actor: 'user:test', action: 'test.append', subjects: [`document:${i}`] });

test('sqlite: an append from outside an open async transaction queues behind it instead of joining it', async (t) => {
  const { dir, sql } = openDatabase(t);
  const log = openAuditLog(createSqliteAuditStore(sql), options(dir));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const failure = new Error('the transaction rolled back');
  const transaction = sql.transaction(async () => {
    await log.append(input(1));
    await held;
    throw failure;
  });
  // Started while the transaction is open and waiting, on another async path (the gateway's metering, say).
  await new Promise((resolve) => setImmediate(resolve));
  const outside = log.append(input(2));
  release();
  await assert.rejects(transaction, failure);
  assert.equal((await outside).seq, 1, 'the outside append committed on its own, after the rollback');
  assert.deepEqual((await log.list()).map((entry) => entry.subjects[0]), ['document:2']);
});

test('sqlite: verify reads its own snapshot on a second connection, so appends go on while it runs', async (t) => {
  const { dir, sql } = openDatabase(t);
  const log = openAuditLog(createSqliteAuditStore(sql), { ...options(dir), checkpointEvery: 10 });
  await sql.transaction(async () => {
    for (let i = 1; i <= 5000; i++) await log.append(input(i));
  });
  const appends: Promise<unknown>[] = [];
  let doneDuringVerify = 0;
  const report = await log.verify({
    workers: 0,
    // Between chunks, append on the main connection: verify's snapshot does not see them, and they do not wait for it.
    onProgress: () => void appends.push(log.append(input(0)).then(() => doneDuringVerify++)),
  });
  const seenByVerify = doneDuringVerify;
  assert.deepEqual(report, { ok: true, size: 5000, checkpoints: 500, firstBad: null, problems: [] });
  assert.ok(seenByVerify >= 1, 'an append completed while verify ran');
  await Promise.all(appends);
  assert.equal((await log.verify()).size, 5000 + appends.length);
});

test('sqlite: verify inside a caller\'s transaction sees that transaction\'s appends', async (t) => {
  const { dir, sql } = openDatabase(t);
  const log = openAuditLog(createSqliteAuditStore(sql), options(dir));
  await log.append(input(1));
  await sql.transaction(async () => {
    await log.append(input(2));
    assert.equal((await log.verify()).size, 2);
  });
});

test('sqlite: an autocommit append that signs keeps the anchor even when another transaction opens the moment it commits', async (t) => {
  const { dir, sql } = openDatabase(t);
  const log = openAuditLog(createSqliteAuditStore(sql), { ...options(dir), checkpointEvery: 2 });
  await log.append(input(1));
  // The append that signs at 2 runs its own transaction; the caller's transaction queued behind it
  // begins as soon as it commits, before the append's caller resumes.
  const signing = log.append(input(2));
  const queued = sql.transaction(async () => {
    await log.append(input(3));
  });
  await Promise.all([signing, queued]);
  assert.match(readFileSync(join(dir, 'keys', CHECKPOINT_ANCHOR_FILE), 'utf8'), /^fabrik\.test\/sqlite\n2\n/);
});
