import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openAuditLog, type AuditEntryInput, type AuditLog, type AuditLogOptions } from './audit-log.ts';
import { nodePosition } from './audit-store.ts';
import { leafHash, MerkleFrontier } from './merkle.ts';

/** A real SQLite file in a fresh temp dir, in WAL mode as the store opens it, for the audit tests. */
export interface TestLog {
  dir: string;
  path: string;
  keyDir: string;
  db: DatabaseSync;
  log: AuditLog;
  options: AuditLogOptions;
  reopen(): AuditLog;
  close(): void;
}

export function createTestLog(overrides: Partial<AuditLogOptions> = {}): TestLog {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-audit-test-'));
  const path = join(dir, 'fabrik.db');
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  let clock = Date.parse('2026-03-01T12:00:00.000Z');
  const options: AuditLogOptions = { keyDir: join(dir, 'keys'), origin: 'fabrik.test/audit', codeVersion: '0.1.0-test', now: () => new Date(clock++), ...overrides };
  const result: TestLog = {
    dir,
    path,
    keyDir: options.keyDir,
    db,
    options,
    log: openAuditLog(db, options),
    reopen: () => openAuditLog(db, options),
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

/** Appends entries 1..count in caller transactions of 100. */
export function fill(test: TestLog, count: number): void {
  for (let i = 0; i < count; i += 100) {
    test.db.exec('BEGIN');
    for (let j = i; j < Math.min(count, i + 100); j++) test.log.append(sampleInput(j + 1));
    test.db.exec('COMMIT');
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
