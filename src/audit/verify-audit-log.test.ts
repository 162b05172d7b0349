import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import type { AuditVerifyReport } from './audit-log.ts';
import { nodePosition } from '../store/core/audit-store.ts';
import { canonicalize } from '../shared/canonical-json.ts';
import { leafHash } from './merkle.ts';
import { generateNoteSigner, signNote } from './signed-note.ts';
import { formatCheckpoint } from './checkpoint.ts';
import { createTestLog, dropAuditTriggers, fill, openTestLog, rewriteAllHashes, type TestLog } from './create-test-log.ts';

/**
 * Tampering by hand: each case copies a real, verified log file, drops the triggers (as an attacker
 * with file access would), edits the tables with plain SQL and checks that verify names the first
 * bad entry. verify must not rely on the triggers, so none of this goes through the AuditLog API.
 */

async function attack(base: TestLog, name: string, edit: (db: DatabaseSync) => void, verifyOptions: { workers?: number } = {}): Promise<AuditVerifyReport> {
  const path = join(base.dir, `${name}.db`);
  copyFileSync(base.path, path);
  const db = new DatabaseSync(path);
  db.exec('PRAGMA synchronous = OFF');
  dropAuditTriggers(db);
  db.exec('BEGIN');
  edit(db);
  db.exec('COMMIT');
  // Reopening recreates the dropped triggers (CREATE ... IF NOT EXISTS); verify must not care.
  const report = await openTestLog(db, base.options).verify(verifyOptions);
  db.close();
  return report;
}

function entryText(db: DatabaseSync, seq: number): string {
  return (db.prepare('SELECT entry FROM audit_entries WHERE seq = ?').get(seq) as { entry: string }).entry;
}

function setEntry(db: DatabaseSync, seq: number, change: (entry: Record<string, unknown>) => void): string {
  const entry = JSON.parse(entryText(db, seq)) as Record<string, unknown>;
  change(entry);
  const text = canonicalize(entry);
  db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = ?').run(text, seq);
  return text;
}

function assertFirstBad(report: AuditVerifyReport, seq: number, reason: RegExp): void {
  assert.equal(report.ok, false, 'verify passed a tampered log');
  assert.equal(report.firstBad?.seq, seq, `firstBad is ${JSON.stringify(report.firstBad)}`);
  assert.match(report.firstBad!.reason, reason);
}

describe('verify names the first bad entry after tampering by hand (300 entries, checkpoint every 50)', () => {
  let base: TestLog;
  before(async () => {
    base = createTestLog({ checkpointEvery: 50 });
    await fill(base, 300);
    assert.equal((await base.log.verify()).ok, true);
    base.db.close(); // folds the WAL into the file so copies are complete
  });
  after(() => base.close());

  test('control: an untouched copy verifies', async () => {
    assert.deepEqual(await attack(base, 'control', () => {}), { ok: true, size: 300, checkpoints: 6, firstBad: null, problems: [] });
  });

  test('modified: a field of entry 123 changed (still canonical JSON)', async () => {
    const report = await attack(base, 'modified', (db) => setEntry(db, 123, (entry) => (entry.actor = 'mallory')));
    assertFirstBad(report, 123, /entry 123 does not match its stored leaf hash/);
    assert.ok(report.problems.some((problem) => /checkpoint at size 150/.test(problem.reason) && problem.seq === 123));
  });

  test('modified: entry 123 rewritten as non-canonical JSON with the same meaning', async () => {
    const report = await attack(base, 'non-canonical', (db) => db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 123').run(JSON.stringify(JSON.parse(entryText(db, 123)), null, 1)));
    assertFirstBad(report, 123, /not RFC 8785 canonical/);
  });

  test('modified: entry 123 replaced by text that is not JSON', async () => {
    assertFirstBad(await attack(base, 'garbage', (db) => db.exec("UPDATE audit_entries SET entry = 'oops' WHERE seq = 123")), 123, /not valid JSON/);
  });

  test('deleted: row 123 removed', async () => {
    const report = await attack(base, 'deleted', (db) => db.exec('DELETE FROM audit_entries WHERE seq = 123'));
    assertFirstBad(report, 123, /entry 123 is missing/);
    assert.ok(report.problems.length < 10, 'one deletion must not cascade into a problem per later row');
  });

  test('deleted: rows 123..130 removed and the rest renumbered to close the gap', async () => {
    const report = await attack(base, 'deleted-renumbered', (db) => {
      db.exec('DELETE FROM audit_entries WHERE seq BETWEEN 123 AND 130');
      db.exec('UPDATE audit_entries SET seq = -(seq - 8) WHERE seq > 130');
      db.exec('UPDATE audit_entries SET seq = -seq WHERE seq < 0');
    });
    assertFirstBad(report, 123, /row at seq 123 holds entry 131/);
  });

  test('inserted: a forged row slipped in at 123, later rows renumbered', async () => {
    const report = await attack(base, 'inserted', (db) => {
      const forged = JSON.parse(entryText(db, 123)) as Record<string, unknown>;
      forged.action = 'forged';
      db.exec('UPDATE audit_entries SET seq = -(seq + 1) WHERE seq >= 123');
      db.exec('UPDATE audit_entries SET seq = -seq WHERE seq < 0');
      db.prepare('INSERT INTO audit_entries (seq, entry) VALUES (123, ?)').run(canonicalize(forged));
    });
    assertFirstBad(report, 123, /entry 123 does not match its stored leaf hash/);
  });

  test('inserted: a row appended after 300 without touching the hashes', async () => {
    const report = await attack(base, 'appended', (db) => {
      const entry = JSON.parse(entryText(db, 300)) as Record<string, unknown>;
      entry.seq = 301;
      db.prepare('INSERT INTO audit_entries (seq, entry) VALUES (301, ?)').run(canonicalize(entry));
    });
    assertFirstBad(report, 301, /entry 301 has no stored leaf hash/);
  });

  test('inserted: a row placed before entry 1', async () => {
    const report = await attack(base, 'before-first', (db) => db.prepare('INSERT INTO audit_entries (seq, entry) VALUES (0, ?)').run(entryText(db, 1)));
    assertFirstBad(report, 0, /lies before entry 1/);
  });

  test('reordered: rows 123 and 124 swapped', async () => {
    const report = await attack(base, 'reordered', (db) => {
      const a = entryText(db, 123);
      const b = entryText(db, 124);
      db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 123').run(b);
      db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 124').run(a);
    });
    assertFirstBad(report, 123, /row at seq 123 holds entry 124/);
  });

  test('reordered: rows 123 and 124 swapped with their seq fields rewritten to fit', async () => {
    const report = await attack(base, 'reordered-rewritten', (db) => {
      const a = JSON.parse(entryText(db, 123)) as Record<string, unknown>;
      const b = JSON.parse(entryText(db, 124)) as Record<string, unknown>;
      [a.seq, b.seq] = [124, 123];
      db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 123').run(canonicalize(b));
      db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 124').run(canonicalize(a));
    });
    assertFirstBad(report, 123, /entry 123 does not match its stored leaf hash/);
  });

  test('truncated: rows after 260 removed (a checkpoint at 300 still stands)', async () => {
    assertFirstBad(await attack(base, 'truncated', (db) => db.exec('DELETE FROM audit_entries WHERE seq > 260')), 261, /entry 261 has a stored leaf hash but no row|truncated/);
  });

  test('truncated: rows and their hashes after 260 removed; the signed checkpoint at 300 still catches it', async () => {
    const report = await attack(base, 'truncated-hashes', (db) => {
      db.exec('DELETE FROM audit_entries WHERE seq > 260');
      db.exec(`DELETE FROM audit_nodes WHERE pos > ${260 * 64 + 63}`);
    });
    assertFirstBad(report, 261, /checkpoint at size 300 is signed but the log has 260 entries/);
  });

  test('modified with every stored hash rewritten to match: the signed checkpoints narrow it to 101..150', async () => {
    const report = await attack(base, 'rewritten', (db) => {
      setEntry(db, 123, (entry) => (entry.actor = 'mallory'));
      rewriteAllHashes(db);
    });
    assertFirstBad(report, 101, /checkpoint at size 150 .*entries 101\.\.150.*first entry is named/);
  });

  test('modified with only its leaf hash rewritten: the first stored node above it narrows it to 123..124', async () => {
    const report = await attack(base, 'leaf-rewritten', (db) => {
      const text = setEntry(db, 124, (entry) => (entry.actor = 'mallory'));
      db.prepare('UPDATE audit_nodes SET hash = ? WHERE pos = ?').run(leafHash(text), nodePosition(0, 123));
    });
    assertFirstBad(report, 123, /entries 123\.\.124 .*first entry is named/);
  });

  test('an interior node hash edited while the entries stay intact', async () => {
    const report = await attack(base, 'node-edited', (db) => db.prepare('UPDATE audit_nodes SET hash = zeroblob(32) WHERE pos = ?').run(nodePosition(2, 30)));
    assertFirstBad(report, 121, /entries 121\.\.124 \(level 2, index 30\)/);
  });

  test('a checkpoint note edited, or replaced by one signed with another key', async () => {
    const edited = await attack(base, 'note-edited', (db) => db.exec("UPDATE audit_checkpoints SET note = replace(note, '\n150\n', '\n151\n') WHERE size = 150"));
    assertFirstBad(edited, 101, /checkpoint at size 150: note signature .* does not verify/);
    const forged = await attack(base, 'note-forged', (db) => {
      const row = db.prepare('SELECT root FROM audit_checkpoints WHERE size = 150').get() as { root: string };
      const note = signNote(formatCheckpoint('fabrik.test/audit', 150, Buffer.from(row.root, 'hex')), generateNoteSigner('fabrik.test/audit'));
      db.prepare('UPDATE audit_checkpoints SET note = ? WHERE size = 150').run(note);
    });
    assertFirstBad(forged, 101, /checkpoint at size 150: note has no signature by key/);
  });
});

describe('verify on worker threads gives the same answers (40,000 entries)', () => {
  let base: TestLog;
  before(async () => {
    base = createTestLog({ checkpointEvery: 1000 });
    await fill(base, 40_000);
    base.db.close();
  });
  after(() => base.close());

  const cases: [string, (db: DatabaseSync) => void, number, RegExp][] = [
    ['control', () => {}, 0, /./],
    ['modified', (db) => setEntry(db, 33_333, (entry) => (entry.actor = 'mallory')), 33_333, /entry 33333 does not match/],
    ['deleted', (db) => db.exec('DELETE FROM audit_entries WHERE seq = 33333'), 33_333, /entry 33333 is missing/],
    [
      'rewritten',
      (db) => {
        setEntry(db, 33_333, (entry) => (entry.actor = 'mallory'));
        rewriteAllHashes(db);
      },
      33_001,
      /entries 33001\.\.34000/,
    ],
    ['truncated', (db) => db.exec('DELETE FROM audit_entries WHERE seq > 39000'), 39_001, /39001/],
    [
      'a hash above the chunk size edited, and a later row deleted',
      (db) => {
        db.prepare('UPDATE audit_nodes SET hash = zeroblob(32) WHERE pos = ?').run(nodePosition(13, 1));
        db.exec('DELETE FROM audit_entries WHERE seq = 30000');
      },
      8193,
      /entries 8193\.\.16384 \(level 13, index 1\)/,
    ],
  ];
  for (const [name, edit, seq, reason] of cases) {
    test(name, async () => {
      const threaded = await attack(base, `${name}-threads`, edit, { workers: 2 });
      const inline = await attack(base, `${name}-inline`, edit, { workers: 0 });
      assert.deepEqual(threaded, inline);
      if (seq === 0) assert.equal(threaded.ok, true, JSON.stringify(threaded.firstBad));
      else assertFirstBad(threaded, seq, reason);
    });
  }
});
