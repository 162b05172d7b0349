import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { AuditLog } from './audit-log.ts';
import { canonicalize } from '../shared/canonical-json.ts';
import { CHECKPOINT_ANCHOR_FILE } from './checkpoint-anchor.ts';
import { createTestLog, dropAuditTriggers, openTestLog, rewriteAllHashes, sampleInput, type TestLog } from './create-test-log.ts';
import { FabrikError } from '../shared/errors.ts';

/**
 * The forgeries of issue 7, item 4, done by hand with plain SQL on a real database file, as an
 * attacker who can write the file (but not read the key) would: drop the triggers, edit, recompute
 * every stored hash, delete checkpoints. Each test checks verify fails and fabrik will not sign.
 */

/** 19 entries appended in autocommit, a checkpoint at the end of each "command" (5, 12, 19), as the CLI does. */
async function commandLog(t: { after: (fn: () => void) => void }, checkpointEvery = 1000): Promise<TestLog> {
  const fixture = createTestLog({ checkpointEvery });
  t.after(fixture.close);
  for (let seq = 1; seq <= 19; seq++) {
    await fixture.log.append(sampleInput(seq));
    if (seq === 5 || seq === 12 || seq === 19) await fixture.log.checkpoint();
  }
  return fixture;
}

/** Edits the live database file by hand (triggers dropped), then reopens the log on it as the next command would. */
function tamper(fixture: TestLog, edit: (db: DatabaseSync) => void): AuditLog {
  dropAuditTriggers(fixture.db);
  fixture.db.exec('BEGIN');
  edit(fixture.db);
  fixture.db.exec('COMMIT');
  return fixture.reopen();
}

function editEntry(db: DatabaseSync, seq: number): void {
  const entry = JSON.parse((db.prepare('SELECT entry FROM audit_entries WHERE seq = ?').get(seq) as { entry: string }).entry) as Record<string, unknown>;
  entry.actor = 'user:mallory';
  db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = ?').run(canonicalize(entry), seq);
}

async function assertAuditIntegrity(work: () => Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => error instanceof FabrikError && error.code === 'audit_integrity' && message.test(error.message));
}

test('fabrik keeps the last checkpoint it signed beside the key once it is committed, never while a transaction may still roll it back', async (t) => {
  const fixture = createTestLog({ checkpointEvery: 4 });
  t.after(fixture.close);
  const anchor = join(fixture.keyDir, CHECKPOINT_ANCHOR_FILE);
  const rolledBack = new Error('roll back');
  await assert.rejects(
    fixture.sql.transaction(async () => {
      for (let seq = 1; seq <= 5; seq++) await fixture.log.append(sampleInput(seq));
      await fixture.log.checkpoint();
      assert.equal(existsSync(anchor), false, 'a checkpoint that may still roll back is not kept');
      throw rolledBack;
    }),
    rolledBack,
  );
  for (let seq = 1; seq <= 6; seq++) await fixture.log.append(sampleInput(seq));
  // An autocommit append that signs (at 4) has committed it: it becomes the anchor at once.
  assert.match(readFileSync(anchor, 'utf8'), /^fabrik\.test\/audit\n4\n/);
  const latest = await fixture.log.checkpoint();
  assert.equal(readFileSync(anchor, 'utf8'), latest?.note);
  assert.equal((await fixture.log.verify()).ok, true);
});

test('the full forgery: triggers dropped, an entry edited, every hash recomputed, every checkpoint deleted', async (t) => {
  const fixture = await commandLog(t);
  const forged = tamper(fixture, (db) => {
    editEntry(db, 3);
    rewriteAllHashes(db);
    db.exec('DELETE FROM audit_checkpoints');
  });
  const report = await forged.verify();
  assert.equal(report.ok, false, 'verify passed the forged log');
  assert.ok(report.problems.some((problem) => /whose root differs from the root recomputed over entries 1\.\.19/.test(problem.reason)), JSON.stringify(report.problems));
  assert.ok(report.problems.some((problem) => /no longer has it: checkpoints were deleted/.test(problem.reason)), JSON.stringify(report.problems));
  // The next command's checkpoint, and an append that would sign one, are refused: nothing is signed over the forgery.
  await assertAuditIntegrity(() => forged.checkpoint(), /checkpoint at size 19 that fabrik last signed .* is missing from the database/);
  await forged.append(sampleInput(20));
  await assertAuditIntegrity(() => forged.checkpoint(), /missing from the database/);
  await assertAuditIntegrity(() => forged.proof(20), /missing from the database/);
  assert.equal((fixture.db.prepare('SELECT COUNT(*) AS n FROM audit_checkpoints').get() as { n: number }).n, 0, 'no checkpoint was signed');
});

test('the forgery with the checkpoint rows kept but the anchor row replaced cannot be signed over either', async (t) => {
  // The attacker leaves the old rows alone (their roots no longer match) and deletes only the latest,
  // so the log looks like it just needs a fresh checkpoint: fabrik checks consistency with its anchor.
  const fixture = await commandLog(t);
  const forged = tamper(fixture, (db) => {
    editEntry(db, 15);
    rewriteAllHashes(db);
    db.exec('DELETE FROM audit_checkpoints WHERE size = 19');
  });
  assert.equal((await forged.verify()).ok, false);
  await assertAuditIntegrity(() => forged.checkpoint(), /size 19 .* missing from the database/);
});

test('a rewrite after the anchor\'s size that keeps everything up to it is signed only as a consistent extension', async (t) => {
  const fixture = await commandLog(t);
  // Entries 1..19 untouched; the attacker rewrites nothing fabrik signed, only appends: that is fine.
  await fixture.log.append(sampleInput(20));
  assert.equal((await fixture.log.checkpoint())?.size, 20);
  // Now the attacker rewrites entry 3 and every hash, leaving the checkpoint rows: the next signing is refused.
  const forged = tamper(fixture, (db) => {
    editEntry(db, 3);
    rewriteAllHashes(db);
  });
  await forged.append(sampleInput(21));
  await assertAuditIntegrity(() => forged.checkpoint(), /refusing to sign a checkpoint at size 21: the log is not a consistent extension of the checkpoint at size 20/);
});

test('deleting one older checkpoint is detected: each checkpoint names the one signed before it', async (t) => {
  const fixture = await commandLog(t);
  assert.equal((await fixture.log.verify()).ok, true);
  const forged = tamper(fixture, (db) => db.exec('DELETE FROM audit_checkpoints WHERE size = 12'));
  const report = await forged.verify();
  assert.equal(report.ok, false, 'verify missed a deleted checkpoint');
  assert.equal(report.firstBad?.seq, 6);
  assert.match(report.firstBad!.reason, /the checkpoint at size 19 was signed after one at size 12, which is not in the database \(the one before it there is at size 5\): a checkpoint was deleted/);
});

test('deleting the first checkpoint is detected too', async (t) => {
  const fixture = await commandLog(t);
  const report = await tamper(fixture, (db) => db.exec('DELETE FROM audit_checkpoints WHERE size = 5')).verify();
  assert.equal(report.firstBad?.seq, 1);
  assert.match(report.firstBad!.reason, /signed after one at size 5, which is not in the database/);
});

test('deleting the latest checkpoint is detected by the copy kept beside the key', async (t) => {
  const fixture = await commandLog(t);
  const report = await tamper(fixture, (db) => db.exec('DELETE FROM audit_checkpoints WHERE size = 19')).verify();
  assert.equal(report.ok, false);
  assert.match(report.firstBad!.reason, /holds the checkpoint signed at size 19, and the database no longer has it/);
});

test('verify fails when no signed checkpoint covers the log beyond the window of checkpointEvery - 1 entries', async (t) => {
  const fixture = createTestLog({ checkpointEvery: 10 });
  t.after(fixture.close);
  for (let seq = 1; seq <= 35; seq++) await fixture.log.append(sampleInput(seq));
  // The documented window: 5 entries after the checkpoint at 30 wait for the next one.
  assert.deepEqual((await fixture.log.verify()).problems, []);
  // All checkpoints deleted and (say) no anchor kept: 35 uncovered entries are more than the window.
  const forged = tamper(fixture, (db) => db.exec('DELETE FROM audit_checkpoints'));
  rmSync(join(fixture.keyDir, CHECKPOINT_ANCHOR_FILE), { force: true });
  const report = await forged.verify();
  assert.equal(report.ok, false);
  assert.equal(report.firstBad?.seq, 1);
  assert.match(report.firstBad!.reason, /entries 1\.\.35 are not covered by any signed checkpoint \(there is none\), but one is signed at least every 10 entries: checkpoints were deleted/);
});

test('verify --against a saved checkpoint catches a rewrite before it, even one re-signed with the real key', async (t) => {
  const fixture = await commandLog(t);
  const saved = (await fixture.log.checkpoint())!.note; // the auditor keeps this (size 19)
  await fixture.log.append(sampleInput(20));
  await fixture.log.checkpoint();
  const against = [{ source: 'saved.checkpoint', note: saved }];
  assert.equal((await fixture.log.verify({ against })).ok, true);

  // Whoever holds the key rewrites entry 3, recomputes the hashes, deletes every checkpoint and
  // fabrik's own copy of the last one, and signs afresh: on its own the log now verifies.
  const forged = tamper(fixture, (db) => {
    editEntry(db, 3);
    rewriteAllHashes(db);
    db.exec('DELETE FROM audit_checkpoints');
  });
  rmSync(join(fixture.keyDir, CHECKPOINT_ANCHOR_FILE));
  await forged.checkpoint();
  assert.equal((await forged.verify()).ok, true, 'a key holder can re-sign a rewritten log; only a saved checkpoint shows it');
  const report = await forged.verify({ against });
  assert.equal(report.ok, false, 'verify --against missed the rewrite');
  assert.match(report.firstBad!.reason, /saved\.checkpoint holds a checkpoint at size 19 whose root differs from the root recomputed over entries 1\.\.19/);

  // A saved checkpoint from after a truncation point, and one not signed by this log's key.
  const other = createTestLog();
  t.after(other.close);
  await other.log.append(sampleInput(1));
  const foreign = await forged.verify({ against: [{ source: 'foreign.checkpoint', note: (await other.log.checkpoint())!.note }] });
  assert.match(foreign.firstBad!.reason, /foreign\.checkpoint: note has no signature by key fabrik\.test\/audit\+[0-9a-f]{8}/);
});

test('a copy of the database file opened with the same key verifies when untouched (the anchor is shared, not per connection)', async (t) => {
  const fixture = await commandLog(t);
  fixture.db.close();
  const copy = join(fixture.dir, 'copy.db');
  copyFileSync(fixture.path, copy);
  const db = new DatabaseSync(copy);
  t.after(() => db.close());
  assert.equal((await openTestLog(db, fixture.options).verify()).ok, true);
});
