// Ingest throughput on the born-digital PDFs of ../shared/corpus, as a ratio to poppler's pdftotext
// over the same files with the same parallelism, measured in the same run.
//   npm run bench:ingest [-- --rounds N --workers N]
// With --postgres: `fabrik ingest --queue` run by two `fabrik worker` processes on PostgreSQL (a
// throw-away durable cluster, or FABRIK_TEST_DATABASE_URL), as a ratio to the default foreground
// `fabrik ingest` on SQLite over the same files and parser threads, measured in the same run.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createParsePool, ingestPaths } from '../src/foundry/core/ingest.ts';
import { PARSER_CATALOG } from '../src/foundry/parsers/parser-catalog.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { CODE_VERSION } from '../src/shared/version.ts';
import { createFsBlobStore } from '../src/store/blobs/fs-blob-store.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { bornDigitalPdfs } from './born-digital-pdfs.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, workers: { type: 'string', default: String(Math.min(2, availableParallelism())) }, postgres: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
const workers = Number(values.workers);
const corpus = new URL('../../shared/corpus/pdf/', import.meta.url).pathname;

if (!existsSync(corpus)) {
  console.error(`bench ingest: ${corpus} not found; this bench needs ../shared/corpus`);
  process.exit(1);
}
ensurePdftotext();

const files = bornDigitalPdfs(corpus);
const pagesPerRound = files.reduce((sum, file) => sum + file.pages, 0);
console.log(`${files.length} born-digital PDFs, ${pagesPerRound} pages; ${rounds} rounds; parallelism ${workers}`);

async function runPdftotext(): Promise<number> {
  const started = performance.now();
  for (let round = 0; round < rounds; round += 1) {
    let next = 0;
    await Promise.all(Array.from({ length: workers }, async () => {
      while (next < files.length) {
        const file = files[next++];
        if (file === undefined) break;
        await new Promise<void>((resolve, reject) => {
          const child = spawn('pdftotext', ['-q', file.path, '/dev/null']);
          child.on('exit', () => resolve());
          child.on('error', reject);
        });
      }
    }));
  }
  return (pagesPerRound * rounds) / ((performance.now() - started) / 1000);
}

/**
 * fabrik's full ingest (blobs, parse, elements, lineage, audit) into a fresh store each round, so
 * every file is really stored and parsed. Round 0 starts the parser threads (cold); later rounds
 * reuse them, as a long-running server does (warm). The headline is the warm rate.
 */
async function runFabrik(): Promise<{ cold: number; warm: number; failed: number }> {
  const work = mkdtempSync(join(tmpdir(), 'fabrik-bench-ingest-'));
  const config = { ...loadConfig({}), workers };
  const pool = createParsePool(config, PARSER_CATALOG);
  try {
    let warmSeconds = 0;
    let coldSeconds = 0;
    let failed = 0;
    for (let round = 0; round <= rounds; round += 1) {
      const home = join(work, `home-${round}`);
      const inputs = join(work, `in-${round}`);
      mkdirSync(inputs, { recursive: true });
      for (const file of files) copyFileSync(file.path, join(inputs, file.path.split('/').pop() as string));
      const store = openSqliteStore({ path: join(home, 'fabrik.db'), keyDir: join(home, 'keys'), origin: 'fabrik.local/bench', codeVersion: CODE_VERSION });
      const started = performance.now();
      const summary = await ingestPaths([inputs], { store, audit: store.audit, blobs: createFsBlobStore(join(home, 'blobs')), config: { ...config, home }, parsers: PARSER_CATALOG, actor: 'bench', pool });
      const seconds = (performance.now() - started) / 1000;
      if (round === 0) coldSeconds = seconds;
      else warmSeconds += seconds;
      await store.close();
      failed += summary.failed;
    }
    return { cold: pagesPerRound / coldSeconds, warm: (pagesPerRound * rounds) / warmSeconds, failed };
  } finally {
    await pool.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (values.postgres === true) {
  await benchPostgresWorkers();
  process.exit(0);
}

const reference = await runPdftotext();
const fabrik = await runFabrik();
console.log(`pdftotext:      ${reference.toFixed(1)} pages/s`);
console.log(`fabrik (cold):  ${fabrik.cold.toFixed(1)} pages/s  first round, parser threads starting`);
console.log(`fabrik (warm):  ${fabrik.warm.toFixed(1)} pages/s  blobs, parse, elements, lineage, audit; ${fabrik.failed} failed files`);
console.log(`bench ingest-pages-per-second: ${fabrik.warm.toFixed(1)} pages/s (reference pdftotext ${reference.toFixed(1)})`);
console.log(`bench ingest-cold-vs-pdftotext: ${(fabrik.cold / reference).toFixed(2)} ratio (no target)`);
console.log(`bench ingest-vs-pdftotext: ${(fabrik.warm / reference).toFixed(2)} ratio (target 0.5)`);

/**
 * The same files through the CLI both ways, a fresh store each round: the SQLite default (one
 * `fabrik ingest` process, `workers` parser threads) against `fabrik ingest --queue` and two
 * `fabrik worker` processes sharing those threads on one PostgreSQL database. The workers are
 * started (and idle) before the clock starts; the clock stops when the last job is done.
 */
async function benchPostgresWorkers(): Promise<void> {
  const { startPostgres, POSTGRES_SKIP_MESSAGE } = await import('../test/helpers/postgres-server.ts');
  const server = await startPostgres({ durable: true });
  if (server === null) {
    console.log(`bench ingest-postgres-2-workers: skipped (${POSTGRES_SKIP_MESSAGE})`);
    return;
  }
  const { default: pg } = await import('pg');
  const bin = new URL('../bin/fabrik.js', import.meta.url).pathname;
  const work = mkdtempSync(join(tmpdir(), 'fabrik-bench-ingest-pg-'));
  const env = (home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, FABRIK_HOME: home, FABRIK_ACTOR: 'bench', ...extra });
  const run = (args: string[], environment: NodeJS.ProcessEnv): Promise<void> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: environment, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fabrik ${args.join(' ')} exited ${code}`))));
  });
  const perWorker = Math.max(1, Math.floor(workers / 2));
  let sqliteSeconds = 0;
  let postgresSeconds = 0;
  try {
    for (let round = 0; round < rounds; round += 1) {
      const inputs = join(work, `in-${round}`);
      mkdirSync(inputs, { recursive: true });
      for (const file of files) copyFileSync(file.path, join(inputs, file.path.split('/').pop() as string));

      let started = performance.now();
      await run(['ingest', inputs], env(join(work, `sqlite-${round}`), { FABRIK_WORKERS: String(workers) }));
      sqliteSeconds += (performance.now() - started) / 1000;

      const url = await server.freshDatabase();
      const home = join(work, `pg-${round}`);
      const pgEnv = env(home, { FABRIK_DATABASE_URL: url });
      await run(['migrate'], pgEnv);
      const workerProcesses: ChildProcess[] = [];
      const ready: Array<Promise<void>> = [];
      for (let index = 0; index < 2; index += 1) {
        const child = spawn(process.execPath, [bin, 'worker', '--json', '--workers', String(perWorker), '--concurrency', String(perWorker * 2)], { env: pgEnv, stdio: ['ignore', 'pipe', 'inherit'] });
        workerProcesses.push(child);
        ready.push(new Promise((resolve) => child.stdout?.on('data', (data: Buffer) => (data.toString().includes('"started"') ? resolve() : undefined))));
      }
      await Promise.all(ready);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        started = performance.now();
        await run(['ingest', '--queue', inputs], pgEnv);
        for (;;) {
          const row = (await client.query(`SELECT count(*) FILTER (WHERE state IN ('done', 'dead')) AS finished, count(*) AS total FROM jobs WHERE kind = 'ingest'`)).rows[0] as { finished: string; total: string };
          if (Number(row.finished) === Number(row.total)) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        postgresSeconds += (performance.now() - started) / 1000;
      } finally {
        await client.end();
        for (const child of workerProcesses) child.kill('SIGTERM');
        await Promise.all(workerProcesses.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)))));
      }
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const sqliteRate = (pagesPerRound * rounds) / sqliteSeconds;
  const postgresRate = (pagesPerRound * rounds) / postgresSeconds;
  console.log(`fabrik ingest, SQLite (foreground, ${workers} parser threads):          ${sqliteRate.toFixed(1)} pages/s`);
  console.log(`fabrik ingest --queue + 2 fabrik worker, PostgreSQL (${perWorker} thread each): ${postgresRate.toFixed(1)} pages/s`);
  console.log(`bench ingest-postgres-2-workers: ${(postgresRate / sqliteRate).toFixed(2)}x (target ≥0.8x)`);
}

function ensurePdftotext(): void {
  const found = spawnSync('pdftotext', ['-v']).error === undefined;
  if (found) return;
  if (process.getuid?.() === 0) {
    console.error('bench ingest: installing poppler-utils (pdftotext) with apt-get');
    try {
      execFileSync('apt-get', ['install', '-y', '-q', 'poppler-utils'], { stdio: 'inherit' });
      return;
    } catch {
      // fall through to the request below
    }
  }
  console.error('bench ingest: needs poppler-utils for the pdftotext reference: apt-get install poppler-utils');
  process.exit(1);
}
