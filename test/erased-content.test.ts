// Content erased on request (`source forget`) as `verify` and `export` see it: blank by design,
// not tampering; and blanking that no audited erasure accounts for is still caught.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { runFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

interface VerifyReport { ok: boolean; data: { ok: boolean; erased: { blobs: number; documents: number; chunks: number }; firstBad: { kind: string; reason: string } | null }; error?: { code: string } }

function verify(home: string): { code: number; report: VerifyReport } {
  const result = runFabrik(home, ['verify', '--json']);
  return { code: result.code, report: JSON.parse(result.stdout) as VerifyReport };
}

test('verify counts audited erasures as erased, export refuses a version holding them, a new build leaves them out', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const tree = join(work, 'd');
  mkdirSync(tree);
  writeFileSync(join(tree, 'private.txt'), 'Alice Example, account 1234, asked to be forgotten.\n');
  writeFileSync(join(tree, 'public.txt'), 'The canteen opens at noon.\n');
  assert.equal(runFabrik(home, ['ingest', tree]).code, 0);
  const built = JSON.parse(runFabrik(home, ['dataset', 'build', 'docs', '--json']).stdout) as { version: string };
  assert.equal(runFabrik(home, ['source', 'forget', join(tree, 'private.txt')]).code, 0);

  const after = verify(home);
  assert.equal(after.code, 0, JSON.stringify(after.report.data.firstBad));
  assert.deepEqual(after.report.data.erased, { blobs: 1, documents: 1, chunks: 1 });

  const out = join(work, 'old.jsonl');
  const old = runFabrik(home, ['export', `docs@${built.version}`, '--out', out, '--json']);
  assert.equal(old.code, 1);
  assert.equal((JSON.parse(old.stdout) as { error: { code: string } }).error.code, 'content_erased');
  assert.equal(existsSync(out), false, 'nothing written');

  assert.equal(runFabrik(home, ['dataset', 'build', 'docs']).code, 0);
  const fresh = join(work, 'new.jsonl');
  assert.equal(runFabrik(home, ['export', 'docs', '--out', fresh]).code, 0);
  assert.equal(verify(home).code, 0);
});

test('blanked text or an erased mark that no source.forget entry accounts for is a data_integrity failure', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const tree = join(work, 'd');
  mkdirSync(tree);
  writeFileSync(join(tree, 'public.txt'), 'The canteen opens at noon.\n');
  writeFileSync(join(tree, 'other.txt'), 'The car park closes at ten.\n');
  assert.equal(runFabrik(home, ['ingest', tree]).code, 0);
  assert.equal(runFabrik(home, ['dataset', 'build', 'docs']).code, 0);

  // Someone with write access blanks a chunk to make it look erased.
  const db = new DatabaseSync(join(home, 'fabrik.db'));
  const row = db.prepare("SELECT c.id AS id, d.sha256 AS sha256 FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.text LIKE '%canteen%'").get() as { id: string; sha256: string };
  db.prepare("UPDATE chunks SET text = '' WHERE id = ?").run(row.id);
  const blanked = verify(home);
  assert.equal(blanked.code, 3);
  assert.equal(blanked.report.error?.code, 'data_integrity');
  assert.equal(blanked.report.data.firstBad?.kind, 'chunk');
  assert.equal(runFabrik(home, ['export', 'docs', '--out', join(work, 'x.jsonl')]).code, 3);

  // And marks the other blob erased, with no audit entry behind it.
  const other = db.prepare("SELECT sha256 FROM documents WHERE text LIKE '%car park%'").get() as { sha256: string };
  db.prepare('UPDATE blobs SET erased_at = ? WHERE sha256 = ?').run(new Date().toISOString(), other.sha256);
  db.close();
  const marked = verify(home);
  assert.equal(marked.code, 3);
  assert.equal(marked.report.data.firstBad?.kind, 'blob');
  assert.match(marked.report.data.firstBad?.reason ?? '', /marked erased, but no source\.forget audit entry names it/);
});
