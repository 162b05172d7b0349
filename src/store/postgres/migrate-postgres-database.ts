import type { MigrationReport } from '../core/migration-report.ts';
import { maskedUrl, PostgresDatabase } from './postgres-database.ts';
import { migratePostgres, POSTGRES_MIGRATIONS, postgresSchemaVersion } from './postgres-migrations.ts';

/** Applies pending schema steps to the PostgreSQL database at `url` (or, with statusOnly, reports where it stands). */
export async function migratePostgresDatabase(url: string, statusOnly: boolean): Promise<MigrationReport> {
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

