import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FabrikError } from '../shared/errors.ts';
import { checkProof, openAuditLog, serializeProof } from './audit-log.ts';
import { canonicalize } from '../shared/canonical-json.ts';
import { SIGNER_KEY_FILE, VERIFIER_KEY_FILE } from './load-signing-key.ts';
import { leafHash, rootFromLeafHashes } from './merkle.ts';
import { toHex } from './strict-encoding.ts';
import { createTestLog, fill, sampleInput } from './create-test-log.ts';

test('append writes canonical entries with consecutive seqs and RFC 9162 leaf hashes', async (t) => {
  const fixture = createTestLog();
  t.after(fixture.close);
  const { log } = fixture;
  assert.equal(await log.size(), 0);
  assert.equal(await log.checkpoint(), null);
  const first = await log.append({ actor: 'alice', action: 'foundry.ingest', subjects: ['blob:ab'], options: { z: 1, a: [true, null] } });
  assert.equal(first.seq, 1);
  const stored = fixture.db.prepare('SELECT entry FROM audit_entries WHERE seq = 1').get() as { entry: string };
  assert.equal(stored.entry, '{"action":"foundry.ingest","actor":"alice","codeVersion":"0.1.0-test","options":{"a":[true,null],"z":1},"seq":1,"subjects":["blob:ab"],"time":"2026-03-01T12:00:00.000Z"}');
  assert.equal(first.leafHash, toHex(leafHash(new TextEncoder().encode(stored.entry))));
  assert.deepEqual(await log.entry(1), JSON.parse(stored.entry));
  assert.equal((await log.append({ actor: 'bob', action: 'x', subjects: [] })).seq, 2);
  assert.deepEqual((await log.entry(2))?.options, {});
  assert.equal(await log.entry(3), null);
  assert.deepEqual((await log.list({ from: 2 })).map((entry) => entry.seq), [2]);
  assert.deepEqual((await log.list({ limit: 1 })).map((entry) => entry.seq), [1]);
});

test('bad input is refused with invalid_option naming the field, and nothing is written', async (t) => {
  const fixture = createTestLog();
  t.after(fixture.close);
  const cases: [unknown, string][] = [
    [{ actor: '', action: 'a', subjects: [] }, 'actor'],
    [{ actor: 'a', action: 7, subjects: [] }, 'action'],
    [{ actor: 'a', action: 'a', subjects: [1] }, 'subjects'],
    [{ actor: 'a', action: 'a', subjects: [], options: [] }, 'options'],
    [{ actor: 'a', action: 'a', subjects: [], options: { when: new Date() } }, '$.options.when'],
    [{ actor: 'a', action: 'a', subjects: [], options: { n: Number.POSITIVE_INFINITY } }, '$.options.n'],
  ];
  for (const [input, param] of cases) {
    await assert.rejects(
      () => fixture.log.append(input as never),
      (error: unknown) => error instanceof FabrikError && error.code === 'invalid_option' && error.param === param,
      param,
    );
  }
  assert.equal(await fixture.log.size(), 0);
  assert.equal((fixture.db.prepare('SELECT COUNT(*) AS n FROM audit_nodes').get() as { n: number }).n, 0);
});

test('append joins the caller transaction: rollback removes entries, hashes and checkpoints together', async (t) => {
  const fixture = createTestLog({ checkpointEvery: 4 });
  t.after(fixture.close);
  const { db, sql, log } = fixture;
  await log.append(sampleInput(1));
  const rolledBack = new Error('roll back');
  await assert.rejects(
    sql.transaction(async () => {
      for (let i = 2; i <= 6; i++) await log.append(sampleInput(i));
      assert.equal(await log.size(), 6);
      throw rolledBack;
    }),
    rolledBack,
  );
  assert.equal(await log.size(), 1);
  const count = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  assert.equal(count('audit_nodes'), 1);
  assert.equal(count('audit_checkpoints'), 0);
  await sql.transaction(async () => {
    for (let i = 2; i <= 6; i++) await log.append(sampleInput(i));
  });
  assert.equal(await log.size(), 6);
  assert.equal(count('audit_checkpoints'), 1);
  assert.equal((await log.verify()).ok, true);
  // A failed append inside a transaction leaves the caller's transaction usable and clean.
  await sql.transaction(async () => {
    await log.append(sampleInput(7));
    await assert.rejects(log.append({ actor: 'a', action: 'a', subjects: [], options: { bad: Number.NaN } }));
    await log.append(sampleInput(8));
  });
  assert.deepEqual((await log.list()).map((entry) => entry.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal((await log.verify()).ok, true);
});

test('the stored tree is the RFC 9162 tree of the canonical entries, and checkpoints sign its root', async (t) => {
  const fixture = createTestLog({ checkpointEvery: 10 });
  t.after(fixture.close);
  await fill(fixture, 37);
  const { log, db } = fixture;
  const texts = (db.prepare('SELECT entry FROM audit_entries ORDER BY seq').all() as { entry: string }[]).map((row) => row.entry);
  const leaves = texts.map((text) => leafHash(new TextEncoder().encode(text)));
  const checkpoints = db.prepare('SELECT size, root, note FROM audit_checkpoints ORDER BY size').all() as { size: number; root: string; note: string }[];
  assert.deepEqual(checkpoints.map((row) => row.size), [10, 20, 30]);
  checkpoints.forEach((row, index) => {
    assert.equal(row.root, toHex(rootFromLeafHashes(leaves.slice(0, row.size))));
    // Each names the one signed before it (the first names the empty tree), so a deleted one shows.
    const previousSize = index === 0 ? 0 : checkpoints[index - 1]!.size;
    const previousRoot = toHex(rootFromLeafHashes(leaves.slice(0, previousSize)));
    const body = `fabrik.test/audit\n${row.size}\n${Buffer.from(row.root, 'hex').toString('base64')}\nfabrik-previous ${previousSize} ${Buffer.from(previousRoot, 'hex').toString('base64')}\n`;
    assert.ok(row.note.startsWith(`${body}\n\u2014 fabrik.test/audit `), row.note);
  });
  const made = await log.checkpoint();
  assert.equal(made?.size, 37);
  assert.equal(made?.rootHash, toHex(rootFromLeafHashes(leaves)));
  assert.deepEqual(await log.checkpoint(), made, 'a second checkpoint at the same size is a no-op');
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM audit_checkpoints').get() as { n: number }).n, 4);
  // Amortised O(1) node writes: 2n - popcount(n) hashes for n leaves.
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM audit_nodes').get() as { n: number }).n, 2 * 37 - 3);
});

test('the key pair is made once: private key 0600, public verifier key beside it, reused on reopen', async (t) => {
  const fixture = createTestLog();
  t.after(fixture.close);
  const signerPath = join(fixture.keyDir, SIGNER_KEY_FILE);
  assert.equal(statSync(signerPath).mode & 0o777, 0o600);
  assert.match(readFileSync(signerPath, 'utf8'), /^PRIVATE\+KEY\+fabrik\.test\/audit\+[0-9a-f]{8}\+/);
  assert.equal(readFileSync(join(fixture.keyDir, VERIFIER_KEY_FILE), 'utf8'), `${fixture.log.verifierKey}\n`);
  assert.match(fixture.log.verifierKey, /^fabrik\.test\/audit\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
  await fixture.log.append(sampleInput(1));
  const again = fixture.reopen();
  assert.equal(again.verifierKey, fixture.log.verifierKey);
  assert.equal(await again.size(), 1);
  assert.equal((await again.verify()).ok, true);
  assert.throws(() => openAuditLog(fixture.store, { ...fixture.options, origin: 'has space' }), FabrikError);
  assert.throws(() => openAuditLog(fixture.store, { ...fixture.options, checkpointEvery: 0 }), FabrikError);
});

test('triggers refuse UPDATE, DELETE and INSERT OR REPLACE on the audit tables', async (t) => {
  const fixture = createTestLog({ checkpointEvery: 2 });
  t.after(fixture.close);
  await fill(fixture, 4);
  const { db } = fixture;
  const refused = [
    "UPDATE audit_entries SET entry = '{}' WHERE seq = 1",
    'DELETE FROM audit_entries WHERE seq = 4',
    "INSERT OR REPLACE INTO audit_entries (seq, entry) VALUES (2, '{}')",
    "INSERT INTO audit_entries (seq, entry) VALUES (9, '{}')",
    'UPDATE audit_nodes SET hash = zeroblob(32)',
    'DELETE FROM audit_nodes',
    'INSERT OR REPLACE INTO audit_nodes (pos, level, idx, hash) SELECT pos, level, idx, zeroblob(32) FROM audit_nodes WHERE level = 0 LIMIT 1',
    "UPDATE audit_checkpoints SET note = ''",
    'DELETE FROM audit_checkpoints',
  ];
  for (const sql of refused) assert.throws(() => db.exec(sql), /append-only|constraint/i, sql);
  assert.equal((await fixture.log.verify()).ok, true);
});

test('proof() covers an entry with the latest checkpoint, signing one when none covers it', async (t) => {
  const fixture = createTestLog({ checkpointEvery: 8 });
  t.after(fixture.close);
  await fill(fixture, 21);
  const { log } = fixture;
  const early = await log.proof(3);
  assert.equal(early.treeSize, 16, 'the latest checkpoint already covers seq 3');
  const late = await log.proof(20);
  assert.equal(late.treeSize, 21, 'a checkpoint at 21 was signed for seq 20');
  assert.equal((await log.checkpoint())?.size, 21);
  for (const seq of [1, 2, 3, 8, 16, 17, 21]) {
    const proof = await log.proof(seq);
    assert.equal(proof.leafIndex, seq - 1);
    assert.equal(canonicalize(proof.entry), canonicalize(await log.entry(seq)));
    const checked = checkProof(serializeProof(proof), { verifierKey: log.verifierKey });
    assert.deepEqual([checked.seq, checked.treeSize, checked.trustedEmbeddedKey], [seq, 21, false]);
  }
  await assert.rejects(log.proof(22), (error: unknown) => error instanceof FabrikError && error.code === 'not_found');
  await assert.rejects(log.proof(0), (error: unknown) => error instanceof FabrikError && error.code === 'invalid_option');
});

test('verify reports progress and a clean log', async (t) => {
  const fixture = createTestLog({ checkpointEvery: 50 });
  t.after(fixture.close);
  await fill(fixture, 120);
  const progress: [number, number][] = [];
  const report = await fixture.log.verify({ onProgress: (done, total) => progress.push([done, total]) });
  assert.deepEqual(report, { ok: true, size: 120, checkpoints: 2, firstBad: null, problems: [] });
  assert.deepEqual(progress.at(-1), [120, 120]);
});
