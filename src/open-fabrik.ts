import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AuditLog } from './audit/audit-log.ts';
import type { FabrikConfig } from './config/fabrik-config.ts';
import { createFileOnce } from './shared/create-file-once.ts';
import { CODE_VERSION } from './shared/version.ts';
import type { BlobStore } from './store/core/blob-store.ts';
import type { ControlStore } from './store/core/control-store.ts';
import type { FoundryStore } from './store/core/foundry-store.ts';
import type { MigrationReport } from './store/core/migration-report.ts';
import type { JobStore } from './store/core/job-store.ts';
import { createFsBlobStore } from './store/blobs/fs-blob-store.ts';
import { createPrivateDirectory } from './store/sqlite/sqlite-database.ts';

/** The stores and logs one process works with, each from the adapter the configuration names. */
export interface Fabrik {
  readonly config: FabrikConfig;
  /** `sqlite` (embedded, in $FABRIK_HOME) or `postgres` (FABRIK_DATABASE_URL). */
  readonly database: 'sqlite' | 'postgres';
  readonly blobs: BlobStore;
  /** Opened on first use; every store shares one audit log (the same tables, the same signing key). */
  foundry(): Promise<FoundryStore>;
  control(): Promise<ControlStore>;
  /**
   * The job queue, in the foundry's database and on its connections (opening the foundry store):
   * a job completed inside a foundry transaction (`tx.jobs`) commits with its work.
   */
  jobs(): Promise<JobStore>;
  /** The audit log of the first store opened (opening the foundry store when none is). */
  audit(): Promise<AuditLog>;
  close(): Promise<void>;
}

type WithAudit<T> = T & { readonly audit: AuditLog };

/**
 * The composition root: the one place that picks adapters, from the configuration. The CLI and
 * the server both open fabrik through it. The PostgreSQL driver is loaded only when
 * `databaseUrl` is set; blobs stay in $FABRIK_HOME/blobs in both cases.
 */
export function openFabrik(config: FabrikConfig): Fabrik {
  createPrivateDirectory(config.home);
  const keyDir = join(config.home, 'keys');
  const common = { keyDir, origin: logOrigin(config.home), codeVersion: CODE_VERSION, checkpointEvery: config.checkpointEvery };
  const url = config.databaseUrl ?? null;
  let foundry: Promise<WithAudit<FoundryStore>> | undefined;
  let control: Promise<WithAudit<ControlStore>> | undefined;

  const openFoundry = async (): Promise<WithAudit<FoundryStore>> => {
    if (url !== null) {
      const { openPostgresStore } = await import('./store/postgres/postgres-store.ts');
      return await openPostgresStore({ url, ...common });
    }
    const { openSqliteStore } = await import('./store/sqlite/sqlite-store.ts');
    return openSqliteStore({ path: join(config.home, 'fabrik.db'), ...common });
  };
  const openControl = async (): Promise<WithAudit<ControlStore>> => {
    if (url !== null) {
      const { openPostgresControlStore } = await import('./store/postgres/postgres-control-store.ts');
      return await openPostgresControlStore({ url, ...common });
    }
    const { openSqliteControlStore } = await import('./store/sqlite/sqlite-control-store.ts');
    return openSqliteControlStore({ path: join(config.home, 'fabrik.db'), ...common });
  };

  return {
    config,
    database: url === null ? 'sqlite' : 'postgres',
    blobs: createFsBlobStore(join(config.home, 'blobs')),
    foundry: () => (foundry ??= openFoundry()),
    control: () => (control ??= openControl()),
    jobs: async () => (await (foundry ??= openFoundry())).jobs,
    async audit() {
      const opened = control !== undefined && foundry === undefined ? await control : await (foundry ??= openFoundry());
      return opened.audit;
    },
    async close() {
      const opened = await Promise.allSettled([foundry, control].filter((store) => store !== undefined));
      await Promise.all(opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value.close()] : [])));
    },
  };
}

/** The audit log's origin line: unique to this installation, made once and kept in $FABRIK_HOME. */
function logOrigin(home: string): string {
  return createFileOnce(join(home, 'log-origin'), `fabrik.local/audit/${randomBytes(8).toString('hex')}\n`).trim();
}

/**
 * Applies the schema steps this build knows to the configured database (PostgreSQL when
 * `databaseUrl` is set, else the SQLite store in $FABRIK_HOME), or with statusOnly reports where it
 * stands without changing anything: `fabrik migrate`.
 */
export async function migrateDatabase(config: FabrikConfig, statusOnly: boolean): Promise<MigrationReport> {
  if (config.databaseUrl !== null) {
    const { migratePostgresDatabase } = await import('./store/postgres/migrate-postgres-database.ts');
    return migratePostgresDatabase(config.databaseUrl, statusOnly);
  }
  const { migrateSqliteFile } = await import('./store/sqlite/migrate-sqlite-file.ts');
  return migrateSqliteFile(config.home, statusOnly);
}
