import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openAuditLog, type AuditEntryInput, type AuditLog, type AuditLogOptions } from './audit-log.ts';

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
