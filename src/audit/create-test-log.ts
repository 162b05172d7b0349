import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openAuditLog, type AuditEntryInput, type AuditLog, type AuditLogOptions } from './audit-log.ts';
import { nodePosition, type AuditStore } from '../store/core/audit-store.ts';
import { createSqliteAuditStore } from '../store/sqlite/sqlite-audit-store.ts';
import { SqliteDatabase } from '../store/sqlite/sqlite-database.ts';
import { leafHash, MerkleFrontier } from './merkle.ts';

/** A real SQLite file in a fresh temp dir, in WAL mode as the store opens it, for the audit tests. */
export interface TestLog {
  dir: string;
  path: string;
  keyDir: string;
  db: DatabaseSync;
  /** The connection as the stores hold it: its transaction() is how callers append in one. */
  sql: SqliteDatabase;
  store: AuditStore;
  log: AuditLog;
  options: AuditLogOptions;
  /** A fresh log over the same connection, as the next command would open it (triggers recreated). */
  reopen(): AuditLog;
  close(): void;
}

export function createTestLog(overrides: Partial<AuditLogOptions> = {}): TestLog {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-audit-test-'));
  const path = join(dir, 'fabrik.db');
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  const sql = new SqliteDatabase(db);
  const store = createSqliteAuditStore(sql);
  let clock = Date.parse('2026-03-01T12:00:00.000Z');
  const options: AuditLogOptions = { keyDir: join(dir, 'keys'), origin: 'fabrik.test/audit', codeVersion: '0.1.0-test', now: () => new Date(clock++), ...overrides };
  const result: TestLog = {
    dir,
    path,
    keyDir: options.keyDir,
    db,
    sql,
    store,
    options,
    log: openAuditLog(store, options),
    reopen: () => openAuditLog(createSqliteAuditStore(sql), options),
    close: () => {
      if (db.isOpen) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return result;
}

/** A plausible entry: entry i of a test log. */
export function sampleInput(i: number): AuditEntryInput {
  return { actor: `user:${i % 5}`, action: i % 2 === 0 ? 'foundry.ingest' : 'foundry.chunk', subjects: [`document:${i}`], options: { page: i, recipe: 'default', ratio: i / 7 } };
}

/** The audit log over another connection to a database file (a tampered copy, say), as a command would open it. */
export function openTestLog(db: DatabaseSync, options: AuditLogOptions): AuditLog {
  return openAuditLog(createSqliteAuditStore(new SqliteDatabase(db)), options);
}

/** Appends entries 1..count in caller transactions of 100. */
export async function fill(test: TestLog, count: number): Promise<void> {
  for (let i = 0; i < count; i += 100) {
    await test.sql.transaction(async () => {
      for (let j = i; j < Math.min(count, i + 100); j++) await test.log.append(sampleInput(j + 1));
    });
  }
}

/** The triggers an attacker with write access to the file drops first. */
export const AUDIT_TRIGGERS = ['audit_entries', 'audit_nodes', 'audit_checkpoints'].flatMap((table) => [`${table}_no_update`, `${table}_no_delete`, `${table}_append_only`]);

/** Drops the audit triggers, as anyone who can write the database file can. */
export function dropAuditTriggers(db: DatabaseSync): void {
  for (const trigger of AUDIT_TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS ${trigger}`);
}

/** Rewrites every stored hash so it matches the entries table as it now is: a careful attacker. */
export function rewriteAllHashes(db: DatabaseSync): void {
  const rows = db.prepare('SELECT seq, entry FROM audit_entries ORDER BY seq').all() as { seq: number; entry: string }[];
  db.exec('DELETE FROM audit_nodes');
  const insert = db.prepare('INSERT INTO audit_nodes (pos, level, idx, hash) VALUES (?, ?, ?, ?)');
  const frontier = new MerkleFrontier();
  rows.forEach((row, index) => {
    const leaf = leafHash(row.entry);
    insert.run(nodePosition(0, index), 0, index, leaf);
    frontier.append(leaf, (level, nodeIndex, hash) => insert.run(nodePosition(level, nodeIndex), level, nodeIndex, hash));
  });
}
