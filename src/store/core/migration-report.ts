/** What a schema migration did (or would do), for either database: what `fabrik migrate` reports. */
export interface MigrationReport {
  database: 'postgresql' | 'sqlite';
  /** The PostgreSQL URL with its password masked, or the SQLite file. */
  location: string;
  /** One line per versioned schema: PostgreSQL has one, SQLite two (foundry, control). */
  schemas: { name: string; from: number; version: number; latest: number; applied: string[] }[];
}

