import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { loadConfig } from '../../config/load-config.ts';
import { FabrikError } from '../../shared/errors.ts';
import { migrate } from '../../store/sqlite/migrations.ts';
import { migrateControl } from '../../store/sqlite/sqlite-control-migrations.ts';
import { createPrivateDirectory } from '../../store/sqlite/sqlite-database.ts';
import { JSON_OPTION, type Command } from '../command.ts';
import { printJson } from '../output.ts';

/** What `fabrik migrate` reports, for either database. */
interface MigrateReport {
  database: 'postgresql' | 'sqlite';
  /** The PostgreSQL URL with its password masked, or the SQLite file. */
  location: string;
  /** One line per versioned schema: PostgreSQL has one, SQLite two (foundry, control). */
  schemas: { name: string; from: number; version: number; latest: number; applied: string[] }[];
}

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Bring the database schema up to date (PostgreSQL when FABRIK_DATABASE_URL or database.url is set, else the SQLite store in $FABRIK_HOME).',
  usage: 'fabrik migrate [--status] [--json]',
  description: [
    'Applies the schema steps this build of fabrik knows and the database lacks, in one transaction, and',
    'prints what it applied and the version now. Safe to run from several processes at once: on PostgreSQL',
    'the steps run under an advisory lock, so the second waits and finds nothing left to do. A database a',
    'newer fabrik migrated is refused. Every command also migrates on open; run this before starting a fleet',
    'of workers and gateways, or with --status to see where the database stands without changing it.',
  ].join('\n'),
  options: {
    status: { type: 'boolean', description: 'print the schema version and pending steps; change nothing' },
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const config = loadConfig();
    const statusOnly = values.status === true;
    const report = config.databaseUrl !== null ? await migratePostgresDatabase(config.databaseUrl, statusOnly) : migrateSqliteFile(config.home, statusOnly);
    if (values.json === true) {
      printJson({ ...report, status: statusOnly });
      return 0;
    }
    const lines = [`${report.database} ${report.location}`];
    for (const schema of report.schemas) {
      const pending = schema.latest - schema.version;
      if (schema.applied.length > 0) lines.push(`  ${schema.name}: applied ${schema.applied.length} step${schema.applied.length === 1 ? '' : 's'} (version ${schema.from} → ${schema.version}): ${schema.applied.join('; ')}`);
      else if (pending > 0) lines.push(`  ${schema.name}: version ${schema.version}, ${pending} step${pending === 1 ? '' : 's'} pending (latest ${schema.latest}); run fabrik migrate`);
      else lines.push(`  ${schema.name}: version ${schema.version}, up to date`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};

// The PostgreSQL driver loads only when a database URL is configured.
async function migratePostgresDatabase(url: string, statusOnly: boolean): Promise<MigrateReport> {
  const [{ PostgresDatabase, maskedUrl }, { migratePostgres, postgresSchemaVersion, POSTGRES_MIGRATIONS }] = await Promise.all([
    import('../../store/postgres/postgres-database.ts'),
    import('../../store/postgres/postgres-migrations.ts'),
  ]);
  const db = new PostgresDatabase(url, 1);
  try {
    await db.connect();
    const latest = POSTGRES_MIGRATIONS.length;
    if (statusOnly) {
      const version = await postgresSchemaVersion(db);
      return { database: 'postgresql', location: maskedUrl(url), schemas: [{ name: 'schema', from: version, version, latest, applied: [] }] };
    }
    const result = await migratePostgres(db);
    return { database: 'postgresql', location: maskedUrl(url), schemas: [{ name: 'schema', from: result.from, version: result.version, latest, applied: result.applied.map((step) => `${step.version} ${step.name}`) }] };
  } finally {
    await db.close();
  }
}

/**
 * The embedded store keeps two versions: the foundry's in `PRAGMA user_version` and the control
 * plane's in schema_components. The latest of each is read from a scratch in-memory database
 * migrated by the same functions, so this command never repeats their step counts.
 */
function migrateSqliteFile(home: string, statusOnly: boolean): MigrateReport {
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

function sqliteReport(path: string, from: { foundry: number; control: number }, now: { foundry: number; control: number }, latest: { foundry: number; control: number }, applied: boolean): MigrateReport {
  const schema = (name: 'foundry' | 'control') => ({
    name,
    from: from[name],
    version: now[name],
    latest: latest[name],
    applied: applied ? Array.from({ length: now[name] - from[name] }, (_, index) => `${from[name] + index + 1}`) : [],
  });
  return { database: 'sqlite', location: path, schemas: [schema('foundry'), schema('control')] };
}
