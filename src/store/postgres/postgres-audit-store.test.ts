import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkConsistencyProof, checkProof, openAuditLog, serializeConsistencyProof, serializeProof } from '../../audit/audit-log.ts';
import { POSTGRES_SKIP_MESSAGE, startPostgres } from '../../../test/helpers/postgres-server.ts';
import { nodePosition } from '../core/audit-store.ts';
import { runAuditStoreSuite } from '../core/audit-store.suite.ts';
import { createPostgresAuditStore } from './postgres-audit-store.ts';
import { PostgresDatabase } from './postgres-database.ts';
import { migratePostgres } from './postgres-migrations.ts';

// The audit log over PostgreSQL: store/core's AuditStore conformance suite (the same tree,
// checkpoints and proofs as over SQLite), and appends from several pools at once as several
// processes would make them.
const server = await startPostgres();
after(() => server?.stop());
const skip = server === null ? POSTGRES_SKIP_MESSAGE : false;
if (server === null) console.log(`# ${POSTGRES_SKIP_MESSAGE}`);

if (server === null) test('postgres: the audit store conformance suite', { skip }, () => {});
else {
  runAuditStoreSuite('postgres', async (t) => {
    const db = new PostgresDatabase(await server.freshDatabase());
    t.after(() => db.close());
    await migratePostgres(db);
    // Tampering goes around the triggers, as anyone who owns the tables can.
    const edit = (statement: string, values: unknown[]) => db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.execute(statement, values);
    });
    return {
      store: createPostgresAuditStore(db),
      transaction: (work) => db.transaction((tx) => work(createPostgresAuditStore(tx))),
      removeNode: (level, index) => edit('DELETE FROM audit_nodes WHERE pos = $1', [nodePosition(level, index)]),
      replaceEntry: (seq, text) => edit('UPDATE audit_entries SET entry = $1 WHERE seq = $2', [text, seq]),
    };
  });
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, pools = 1) {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-pg-audit-'));
  const url = await server!.freshDatabase();
  const databases = Array.from({ length: pools }, () => new PostgresDatabase(url));
  t.after(async () => {
    for (const db of databases) await db.close();
    rmSync(directory, { recursive: true, force: true });
  });
  await migratePostgres(databases[0]!);
  const options = { keyDir: join(directory, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'test', checkpointEvery: 16 };
  return databases.map((db) => ({ db, log: openAuditLog(createPostgresAuditStore(db), options) }));
}

const entry = (i: number) => ({ actor: `user:${i % 3}`, action: 'test.append', subjects: [`object:${i}`], options: { i } });

test('postgres audit: appends from three pools at once, each in its own transaction, form one log that verifies, with proofs that check offline', { skip }, async (t) => {
  const logs = await setup(t, 3);
  const appended = await Promise.all(Array.from({ length: 90 }, (_, i) => logs[i % 3]!.log.append(entry(i))));
  assert.deepEqual(appended.map((row) => row.seq).sort((a, b) => a - b), Array.from({ length: 90 }, (_, i) => i + 1), 'every seq once');
  const { log } = logs[1]!;
  assert.equal(await log.size(), 90);
  const report = await log.verify();
  assert.equal(report.ok, true, JSON.stringify(report));
  const proof = await log.proof(37);
  assert.equal(checkProof(serializeProof(proof), { verifierKey: log.verifierKey }).seq, 37);
  const consistency = await log.consistency(16);
  assert.ok(checkConsistencyProof(serializeConsistencyProof(consistency), { verifierKey: log.verifierKey }));
  assert.equal((await log.list({ from: 89 })).length, 2);
});

test('postgres audit: appends batched in caller transactions (two pools at once); a rolled back batch leaves no trace', { skip }, async (t) => {
  const logs = await setup(t, 2);
  const batch = ({ db, log }: (typeof logs)[number], start: number, fail = false) => db.transaction(async (tx) => {
    const bound = log.bind(createPostgresAuditStore(tx));
    for (let i = start; i < start + 50; i += 1) await bound.append(entry(i));
    if (fail) throw new Error('rolled back on purpose');
  });
  await Promise.all([batch(logs[0]!, 0), batch(logs[1]!, 50), batch(logs[0]!, 100), assert.rejects(batch(logs[1]!, 150, true), /on purpose/)]);
  const { log } = logs[0]!;
  assert.equal(await log.size(), 150);
  assert.equal((await log.verify()).ok, true);
  assert.equal((await log.checkpoint())?.size, 150);
  await logs[1]!.log.append(entry(999));
  assert.equal((await logs[1]!.log.verify()).ok, true);
});

test('postgres audit: the tables refuse rewrites (defence in depth; verify is what decides)', { skip }, async (t) => {
  const { db, log } = (await setup(t))[0]!;
  await log.append(entry(1));
  await assert.rejects(db.execute('INSERT INTO audit_entries (seq, entry) VALUES (5, $1)', ['{}']), /seq must be the next number/);
  await assert.rejects(db.execute("UPDATE audit_entries SET entry = '{}'"), /append-only/);
  await assert.rejects(db.execute('DELETE FROM audit_nodes'), /append-only/);
  await assert.rejects(db.execute('INSERT INTO audit_nodes (pos, level, idx, hash) VALUES (64, 0, 0, $1)', [Buffer.alloc(32)]), /duplicate key/, 'a stored hash cannot be replaced');
  await assert.rejects(db.transaction(async (tx) => {
    // The rows of one statement are checked as a set: the next seq, then a gap, is refused.
    await tx.execute('INSERT INTO audit_entries (seq, entry) VALUES (2, $1), (4, $1)', ['{}']);
  }), /seq must be the next number/);
  assert.equal((await log.verify()).ok, true);
});
