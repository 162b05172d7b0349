/**
 * The PostgreSQL server the job tests use: test/helpers/postgres-server.ts's `startPostgres` (a
 * throw-away cluster, or FABRIK_TEST_DATABASE_URL) where that helper exists, else
 * FABRIK_TEST_DATABASE_URL alone. The job layer was written beside that helper, on another branch:
 * loading it by a computed path keeps this file working on both sides of the merge.
 */
export interface JobTestPostgres {
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export const JOB_POSTGRES_SKIP = 'PostgreSQL job tests skipped: FABRIK_TEST_DATABASE_URL is not set and no throw-away cluster could be started (initdb/pg_ctl)';

interface ServerModule {
  startPostgres(): Promise<JobTestPostgres | null>;
}

/** A server to make test databases on, or null when none is available (skip with JOB_POSTGRES_SKIP). */
export async function startJobPostgres(): Promise<JobTestPostgres | null> {
  const helper = new URL('./postgres-server.ts', import.meta.url).href;
  const module = (await import(helper).catch(() => null)) as ServerModule | null;
  if (module !== null) return module.startPostgres();
  const url = process.env.FABRIK_TEST_DATABASE_URL;
  if (url === undefined || url === '') return null;
  const { default: pg } = await import('pg');
  const created: string[] = [];
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`programming error: test database name ${JSON.stringify(name)} must be a lowercase SQL identifier`);
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin(`CREATE DATABASE ${name} TEMPLATE template0`);
      created.push(name);
      const target = new URL(url);
      target.pathname = `/${name}`;
      return target.toString();
    },
    async stop() {
      for (const name of created.splice(0)) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    },
  };
}
