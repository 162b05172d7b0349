/**
 * Audit log benchmark: appends per second (in caller transactions of 1,000, the ingest pattern, and
 * in autocommit), verify time over 1,000,000 entries and inclusion-proof time at that size. The
 * same-run reference is plain SHA-256 over the same canonical entries, the floor any hash log pays.
 *   node bench/audit.ts            (AUDIT_BENCH_ENTRIES=200000 for a quicker run)
 */
import { hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { checkProof, openAuditLog, serializeProof, type AuditEntryInput } from '../src/audit/audit-log.ts';
import { canonicalize } from '../src/shared/canonical-json.ts';
import { createSqliteAuditStore } from '../src/store/sqlite/sqlite-audit-store.ts';
import { SqliteDatabase } from '../src/store/sqlite/sqlite-database.ts';

const ENTRIES = Number(process.env.AUDIT_BENCH_ENTRIES ?? 1_000_000);
const TRANSACTION_SIZE = 1000;
const AUTOCOMMIT_APPENDS = 5000;
const PROOFS = 500;

function cpuMicroseconds(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

function input(i: number): AuditEntryInput {
  return {
    actor: `user:${i % 97}`,
    action: i % 3 === 0 ? 'foundry.ingest' : 'foundry.refine',
    subjects: [`blob:${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0')}${'0'.repeat(56)}`, `document:${i}`],
    options: { recipe: 'default', stage: 'pii', page: i % 500, threshold: 0.85 },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'fabrik-bench-audit-'));
try {
  const db = new DatabaseSync(join(dir, 'fabrik.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const sql = new SqliteDatabase(db);
  const log = openAuditLog(createSqliteAuditStore(sql), { keyDir: join(dir, 'keys'), origin: 'bench.fabrik.local/audit', codeVersion: 'bench', now: () => new Date(clock++) });

  // Reference: SHA-256 of the canonical JSON of the same entries, nothing else.
  const texts: string[] = [];
  for (let i = 0; i < ENTRIES; i++) texts.push(canonicalize({ seq: i + 1, time: new Date(clock + i).toISOString(), codeVersion: 'bench', options: {}, ...input(i) }));
  // canonicalize returns concatenated (rope) strings; flatten them first so the reference times hashing only.
  for (const text of texts) /\u0000/.test(text);
  let started = performance.now();
  for (const text of texts) hash('sha256', text, 'buffer');
  const hashSeconds = (performance.now() - started) / 1000;
  texts.length = 0;
  const hashRate = ENTRIES / hashSeconds;

  started = performance.now();
  // CPU time too: on a machine other jobs share, wall-clock rates follow their load; CPU per append much less so.
  let cpu = process.cpuUsage();
  for (let i = 0; i < ENTRIES; i += TRANSACTION_SIZE) {
    await sql.transaction(async () => {
      for (let j = i; j < Math.min(ENTRIES, i + TRANSACTION_SIZE); j++) await log.append(input(j));
    });
  }
  const appendRate = ENTRIES / ((performance.now() - started) / 1000);
  const appendCpuUs = cpuMicroseconds(process.cpuUsage(cpu)) / ENTRIES;

  started = performance.now();
  cpu = process.cpuUsage();
  for (let i = 0; i < AUTOCOMMIT_APPENDS; i++) await log.append(input(ENTRIES + i));
  const autocommitRate = AUTOCOMMIT_APPENDS / ((performance.now() - started) / 1000);
  const autocommitCpuUs = cpuMicroseconds(process.cpuUsage(cpu)) / AUTOCOMMIT_APPENDS;
  await log.checkpoint();
  const size = await log.size();

  started = performance.now();
  const report = await log.verify();
  const verifySeconds = (performance.now() - started) / 1000;
  if (!report.ok) throw new Error(`verify failed on an untouched log: ${JSON.stringify(report.firstBad)}`);

  const seqs = Array.from({ length: PROOFS }, (_, i) => 1 + ((i * 7919 * 104729) % size));
  await log.proof(seqs[0]!); // the first call may sign a checkpoint; time the steady state
  started = performance.now();
  const files: Uint8Array[] = [];
  for (const seq of seqs) files.push(serializeProof(await log.proof(seq)));
  const proofMs = (performance.now() - started) / PROOFS;
  started = performance.now();
  for (const file of files) checkProof(file, { verifierKey: log.verifierKey });
  const checkMs = (performance.now() - started) / PROOFS;

  console.log(`entries: ${size.toLocaleString('en')} (${ENTRIES.toLocaleString('en')} in transactions of ${TRANSACTION_SIZE}, ${AUTOCOMMIT_APPENDS} autocommit), WAL, synchronous=NORMAL`);
  console.log(`reference: raw SHA-256 of the same canonical entries ${Math.round(hashRate).toLocaleString('en')} entries/s (${hashSeconds.toFixed(2)} s)`);
  console.log(`appends in transactions: ${Math.round(appendRate).toLocaleString('en')}/s = ${(appendRate / hashRate).toFixed(3)}× raw hashing (${appendCpuUs.toFixed(1)} µs CPU each)`);
  console.log(`appends in autocommit: ${Math.round(autocommitRate).toLocaleString('en')}/s = ${(autocommitRate / hashRate).toFixed(3)}× raw hashing (${autocommitCpuUs.toFixed(1)} µs CPU each)`);
  console.log(`verify: ${verifySeconds.toFixed(2)} s for ${size.toLocaleString('en')} entries = ${(verifySeconds / (size / hashRate)).toFixed(2)}× the time to hash them once (${report.checkpoints} checkpoints)`);
  console.log(`proof: ${proofMs.toFixed(3)} ms to build, ${checkMs.toFixed(3)} ms to check offline (${files[0]!.byteLength} bytes)`);
  console.log(`bench audit-append: ${Math.round(appendRate)} appends/s (target 20000)`);
  console.log(`bench audit-append-autocommit: ${Math.round(autocommitRate)} appends/s (target 20000)`);
  console.log(`bench audit-verify: ${verifySeconds.toFixed(2)} s per ${size} entries (target 10)`);
  console.log(`bench audit-proof: ${proofMs.toFixed(3)} ms (target 10)`);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
