/**
 * Audit log on PostgreSQL: appends per second in caller transactions of 1,000 (the ingest
 * pattern) and in autocommit, and verify time, on a throw-away cluster with fsync and synchronous
 * commit on (test/helpers/postgres-server.ts starts it; FABRIK_TEST_DATABASE_URL names a server to
 * use instead). References measured in the same run: raw SHA-256 over the same canonical entries
 * (the floor any hash log pays) and plain INSERTs of the same entry texts in the same transactions
 * (the floor any log kept in PostgreSQL pays).
 *   node bench/audit-postgres.ts            (AUDIT_BENCH_ENTRIES=20000 for a quicker run)
 */
import { hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditLog, type AuditEntryInput } from '../src/audit/audit-log.ts';
import { canonicalize } from '../src/shared/canonical-json.ts';
import { createPostgresAuditStore } from '../src/store/postgres/postgres-audit-store.ts';
import { PostgresDatabase } from '../src/store/postgres/postgres-database.ts';
import { migratePostgres } from '../src/store/postgres/postgres-migrations.ts';
import { POSTGRES_SKIP_MESSAGE, startPostgres } from '../test/helpers/postgres-server.ts';

const ENTRIES = Number(process.env.AUDIT_BENCH_ENTRIES ?? 100_000);
const TRANSACTION_SIZE = 1000;
const AUTOCOMMIT_APPENDS = 1000;

function input(i: number): AuditEntryInput {
  return {
    actor: `user:${i % 97}`,
    action: i % 3 === 0 ? 'foundry.ingest' : 'foundry.refine',
    subjects: [`blob:${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0')}${'0'.repeat(56)}`, `document:${i}`],
    options: { recipe: 'default', stage: 'pii', page: i % 500, threshold: 0.85 },
  };
}

const server = await startPostgres({ durable: true });
if (server === null) {
  console.log(POSTGRES_SKIP_MESSAGE.replace('suites', 'bench'));
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'fabrik-bench-audit-pg-'));
const db = new PostgresDatabase(await server.createDatabase('fabrik_bench_audit'));
try {
  await migratePostgres(db);
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const log = openAuditLog(createPostgresAuditStore(db), { keyDir: join(dir, 'keys'), origin: 'bench.fabrik.local/audit', codeVersion: 'bench', now: () => new Date(clock++) });

  const texts: string[] = [];
  for (let i = 0; i < ENTRIES; i++) texts.push(canonicalize({ seq: i + 1, time: new Date(clock + i).toISOString(), codeVersion: 'bench', options: {}, ...input(i) }));
  for (const text of texts) /\u0000/.test(text); // flatten the rope strings, so the reference times hashing only
  let started = performance.now();
  for (const text of texts) hash('sha256', text, 'buffer');
  const hashRate = ENTRIES / ((performance.now() - started) / 1000);

  // Reference: the same texts in a plain table, one multi-row INSERT per transaction of 1,000.
  await db.execute('CREATE TABLE bench_plain (seq BIGINT PRIMARY KEY, entry TEXT NOT NULL)');
  started = performance.now();
  for (let i = 0; i < ENTRIES; i += TRANSACTION_SIZE) {
    const batch = texts.slice(i, i + TRANSACTION_SIZE);
    await db.transaction((tx) => tx.execute('INSERT INTO bench_plain (seq, entry) SELECT * FROM unnest($1::bigint[], $2::text[])', [batch.map((_, j) => i + j + 1), batch]));
  }
  const plainRate = ENTRIES / ((performance.now() - started) / 1000);
  texts.length = 0;

  started = performance.now();
  for (let i = 0; i < ENTRIES; i += TRANSACTION_SIZE) {
    await db.transaction(async (tx) => {
      const bound = log.bind(createPostgresAuditStore(tx));
      for (let j = i; j < Math.min(ENTRIES, i + TRANSACTION_SIZE); j++) await bound.append(input(j));
    });
  }
  const appendRate = ENTRIES / ((performance.now() - started) / 1000);

  started = performance.now();
  for (let i = 0; i < AUTOCOMMIT_APPENDS; i++) await log.append(input(ENTRIES + i));
  const autocommitRate = AUTOCOMMIT_APPENDS / ((performance.now() - started) / 1000);
  await log.checkpoint();
  const size = await log.size();

  started = performance.now();
  const report = await log.verify();
  const verifySeconds = (performance.now() - started) / 1000;
  if (!report.ok) throw new Error(`programming error: verify failed on an untouched log: ${JSON.stringify(report)}`);

  console.log(`entries: ${size.toLocaleString('en')} (${ENTRIES.toLocaleString('en')} in transactions of ${TRANSACTION_SIZE}, ${AUTOCOMMIT_APPENDS} autocommit), PostgreSQL on 127.0.0.1, fsync and synchronous_commit on`);
  console.log(`reference: raw SHA-256 of the same canonical entries ${Math.round(hashRate).toLocaleString('en')} entries/s`);
  console.log(`reference: plain INSERT of the same entry texts, ${TRANSACTION_SIZE} per transaction, ${Math.round(plainRate).toLocaleString('en')} rows/s`);
  console.log(`appends in transactions: ${Math.round(appendRate).toLocaleString('en')}/s = ${(appendRate / plainRate).toFixed(3)}× plain INSERT, ${(appendRate / hashRate).toFixed(3)}× raw hashing`);
  console.log(`appends in autocommit (one durable commit each): ${Math.round(autocommitRate).toLocaleString('en')}/s`);
  console.log(`verify: ${verifySeconds.toFixed(2)} s for ${size.toLocaleString('en')} entries = ${(verifySeconds / (size / hashRate)).toFixed(2)}× the time to hash them once`);
  console.log(`bench audit-postgres-append: ${Math.round(appendRate)} appends/s (target 5000)`);
  console.log(`bench audit-postgres-verify: ${verifySeconds.toFixed(2)} s per ${size} entries (target 10)`);
} finally {
  await db.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
