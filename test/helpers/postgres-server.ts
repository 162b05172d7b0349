import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** A PostgreSQL server for tests: a throw-away cluster of our own, or the one FABRIK_TEST_DATABASE_URL names. */
export interface PostgresServer {
  /** The URL of a database made for this server (the cluster's own, or the one FABRIK_TEST_DATABASE_URL names). */
  readonly url: string;
  /** Creates an empty database and returns its URL (a name already taken is dropped first). */
  createDatabase(name: string): Promise<string>;
  /** Creates a database with a name unique to this process and call (test files may share an outside server). */
  freshDatabase(): Promise<string>;
  /** Stops a cluster this harness started and removes its folder; leaves an outside server running. */
  stop(): Promise<void>;
}

export const POSTGRES_SKIP_MESSAGE = 'PostgreSQL suites skipped: no initdb/pg_ctl found and FABRIK_TEST_DATABASE_URL is not set';

/** The password of a cluster this harness starts: tests check it never reaches a message. */
export const TEST_PASSWORD = 'fabrik-test-secret';
const USER = 'fabrik';

export interface StartPostgresOptions {
  /**
   * Keep fsync and synchronous commit on (a benchmark measures what a real server does). Tests
   * turn them off: a throw-away cluster need not survive a power cut, and commits get ~10× faster.
   */
  durable?: boolean;
}

/**
 * Starts a throw-away PostgreSQL cluster (initdb in a temp folder, 127.0.0.1 on a free port, its
 * unix socket in the folder, password auth) or, when FABRIK_TEST_DATABASE_URL is set, uses that
 * server. Returns null when neither is available, so a suite can skip with POSTGRES_SKIP_MESSAGE.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer | null> {
  const outside = process.env.FABRIK_TEST_DATABASE_URL;
  if (outside !== undefined && outside !== '') return serverAt(outside, noop);
  const binaries = findBinaries();
  if (binaries === null) return null;
  return startCluster(binaries, options);
}

let databases = 0;

function serverAt(url: string, stopCluster: () => Promise<void>): PostgresServer {
  const created = new Set<string>();
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`programming error: test database name ${JSON.stringify(name)} must be a lowercase SQL identifier`);
      await admin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        // FILE_COPY copies the template's files (a few ms for an empty database); PostgreSQL 15's
        // default, WAL_LOG, writes every page through the WAL and takes several times longer.
        await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' STRATEGY FILE_COPY`).catch(async (error: { code?: string }) => {
          if (error.code !== '42601' && error.code !== '42704') throw error;
          await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`); // before PostgreSQL 15: no STRATEGY
        });
      });
      created.add(name);
      const target = new URL(url);
      target.pathname = `/${name}`;
      return target.toString();
    },
    freshDatabase() {
      databases += 1;
      return this.createDatabase(`fabrik_t${process.pid}_${databases}`);
    },
    async stop() {
      // An outside server keeps running; drop what the tests made on it.
      if (created.size > 0 && stopCluster === noop) {
        await admin(async (client) => {
          for (const name of created) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        }).catch(() => {});
      }
      created.clear();
      await stopCluster();
    },
  };
}

async function noop(): Promise<void> {}

interface Binaries {
  initdb: string;
  pgCtl: string;
}

/** initdb and pg_ctl from PATH, else from Debian's /usr/lib/postgresql/<version>/bin (newest first). */
function findBinaries(): Binaries | null {
  const folders = (process.env.PATH ?? '').split(':').filter((folder) => folder !== '');
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    folders.push(...versions.map((version) => join(debian, version, 'bin')));
  }
  for (const folder of folders) {
    const initdb = join(folder, 'initdb');
    const pgCtl = join(folder, 'pg_ctl');
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl };
  }
  return null;
}

/** PostgreSQL refuses to run as root: as root, run its programs as the `postgres` user (or `nobody`). */
function runAs(): { uid: number; gid: number; user: string } | null {
  if (process.getuid?.() !== 0) return null;
  for (const user of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (id.status === 0 && group.status === 0) return { uid: Number(id.stdout.trim()), gid: Number(group.stdout.trim()), user };
  }
  throw new Error('programming error: running as root and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('programming error: no port'))));
    });
  });
}

async function startCluster(binaries: Binaries, options: StartPostgresOptions): Promise<PostgresServer> {
  const folder = mkdtempSync(join(tmpdir(), 'fabrik-pg-'));
  const owner = runAs();
  const run = (program: string, args: string[]): void => {
    const command = owner === null ? [program, ...args] : ['runuser', '-u', owner.user, '--', program, ...args];
    const result = spawnSync(command[0] ?? program, command.slice(1), { encoding: 'utf8', cwd: folder });
    if (result.status !== 0) throw new Error(`programming error: ${program} ${args[0] ?? ''} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  const data = join(folder, 'data');
  const passwordFile = join(folder, 'password');
  writeFileSync(passwordFile, `${TEST_PASSWORD}\n`, { mode: 0o600 });
  if (owner !== null) {
    chownSync(folder, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      // immediate: a throw-away cluster needs no clean shutdown checkpoint.
      const command = owner === null ? [binaries.pgCtl] : ['runuser', '-u', owner.user, '--', binaries.pgCtl];
      spawnSync(command[0] ?? binaries.pgCtl, [...command.slice(1), 'stop', '-D', data, '-m', 'immediate', '-w'], { encoding: 'utf8', cwd: folder });
    }
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    run(binaries.initdb, ['-D', data, '-U', USER, '--pwfile', passwordFile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const settings = ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${folder}`, '-c', 'max_connections=200'];
    if (options.durable !== true) settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    // A port taken between freePort and the server's bind makes pg_ctl fail: try another.
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      try {
        run(binaries.pgCtl, ['start', '-D', data, '-l', join(folder, 'server.log'), '-w', '-t', '60', '-o', [...settings, '-p', String(port)].join(' ')]);
        started = true;
        const base = `postgres://${USER}:${TEST_PASSWORD}@127.0.0.1:${port}/postgres`;
        const server = serverAt(base, stop);
        const url = await server.createDatabase('fabrik_test');
        process.once('exit', () => void stop());
        return { url, createDatabase: (name) => server.createDatabase(name), freshDatabase: () => server.freshDatabase(), stop: () => server.stop() };
      } catch (error) {
        if (attempt >= 3 || started) throw error;
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * `node test/helpers/postgres-server.ts serve <file>`: .ci/run's cluster. Starts one, writes the
 * URL of a test database and of a database for the demo to <file> (one a line), and stops the
 * cluster on SIGTERM or SIGINT.
 */
async function serve(file: string): Promise<void> {
  const server = await startPostgres();
  if (server === null) {
    console.error(POSTGRES_SKIP_MESSAGE);
    process.exit(1);
  }
  const demo = await server.createDatabase('fabrik_demo');
  writeFileSync(`${file}.partial`, `${server.url}\n${demo}\n`, { mode: 0o600 });
  renameSync(`${file}.partial`, file);
  const stop = (): void => void server.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  setInterval(() => {}, 1 << 30);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'serve' && process.argv[3] !== undefined) await serve(process.argv[3]);
