import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { FabrikError } from '../../shared/errors.ts';
import type { MigrationReport } from '../core/migration-report.ts';
import { migrate } from './migrations.ts';
import { migrateControl } from './sqlite-control-migrations.ts';
import { createPrivateDirectory } from './sqlite-database.ts';

/**
 * The embedded store keeps two versions: the foundry's in `PRAGMA user_version` and the control
 * plane's in schema_components. The latest of each is read from a scratch in-memory database
 * migrated by the same functions, so this command never repeats their step counts.
 */
export function migrateSqliteFile(home: string, statusOnly: boolean): MigrationReport {
  const path = join(home, 'fabrik.db');
  const scratch = new DatabaseSync(':memory:');
  let latest: { foundry: number; control: number };
  try {
    latest = versions(scratch, true);
  } finally {
    scratch.close();
  }
  if (!existsSync(path)) {
    if (statusOnly) return sqliteReport(path, { foundry: 0, control: 0 }, { foundry: 0, control: 0 }, latest, false);
    createPrivateDirectory(home);
    closeSync(openSync(path, 'a', 0o600));
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec('PRAGMA busy_timeout = 10000');
  } catch (error) {
    throw new FabrikError('store_error', `cannot open the store at ${path}: ${(error as Error).message}`, { param: 'FABRIK_HOME', cause: error });
  }
  try {
    const from = versions(db, false);
    if (statusOnly) return sqliteReport(path, from, from, latest, false);
    db.exec('PRAGMA journal_mode = WAL');
    versions(db, true);
    return sqliteReport(path, from, versions(db, false), latest, true);
  } finally {
    db.close();
  }
}

function versions(db: DatabaseSync, apply: boolean): { foundry: number; control: number } {
  try {
    if (apply) {
      migrate(db);
      migrateControl(db);
    }
    const foundry = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    const hasComponents = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_components'").get() !== undefined;
    const control = hasComponents ? Number((db.prepare("SELECT version FROM schema_components WHERE component = 'control'").get() as { version: number } | undefined)?.version ?? 0) : 0;
    return { foundry, control };
  } catch (error) {
    if (error instanceof FabrikError) throw error;
    throw new FabrikError('store_error', `cannot migrate the store: ${(error as Error).message}`, { param: 'FABRIK_HOME', cause: error });
  }
}

function sqliteReport(path: string, from: { foundry: number; control: number }, now: { foundry: number; control: number }, latest: { foundry: number; control: number }, applied: boolean): MigrationReport {
  const schema = (name: 'foundry' | 'control') => ({
    name,
    from: from[name],
    version: now[name],
    latest: latest[name],
    applied: applied ? Array.from({ length: now[name] - from[name] }, (_, index) => `${from[name] + index + 1}`) : [],
  });
  return { database: 'sqlite', location: path, schemas: [schema('foundry'), schema('control')] };
}
