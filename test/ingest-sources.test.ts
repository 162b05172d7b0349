import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { BIN, CORPUS, HAS_CORPUS, runFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

interface Summary {
  files: number;
  ingested: number;
  newVersions: number;
  unchanged: number;
  failed: number;
  failures: Array<{ path: string; code: string; message: string }>;
  skipped: Array<{ path: string; reason: string }>;
  deleted: Array<{ sourceId: string; path: string }>;
}
interface AuditEntry { action: string; subjects: string[]; options: Record<string, unknown> }
interface Source { id: string; path: string; state: string; sha256: string | null }
interface Line { text: string; source: { path: string; document_id: string } }

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

function ingest(home: string, args: string[]): { code: number; summary: Summary; stderr: string } {
  const result = runFabrik(home, ['ingest', ...args, '--json']);
  return { code: result.code, summary: json<Summary>(result.stdout), stderr: result.stderr };
}

function auditLog(home: string): AuditEntry[] {
  return json<AuditEntry[]>(runFabrik(home, ['audit', 'log', '--json', '--limit', '100000']).stdout);
}

function sources(home: string): Source[] {
  return json<{ sources: Source[] }>(runFabrik(home, ['source', 'list', '--json']).stdout).sources;
}

function exportLines(home: string, out: string): Line[] {
  assert.equal(runFabrik(home, ['dataset', 'build', 'docs', '--json']).code, 0);
  const exported = runFabrik(home, ['export', 'docs', '--format', 'jsonl', '--out', out]);
  assert.equal(exported.code, 0, exported.stderr);
  return readFileSync(out, 'utf8').trim().split('\n').filter((line) => line !== '').map((line) => json<Line>(line));
}

test('two files with one content in one run: parsed once, both paths linked, exit 0 (issue 7, item 1)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const tree = join(work, 'd');
  mkdirSync(tree);
  // Same size, so they sort next to each other and are in flight together.
  writeFileSync(join(tree, 'a.txt'), 'the same words\n');
  writeFileSync(join(tree, 'b.txt'), 'the same words\n');
  writeFileSync(join(tree, 'c.txt'), 'other words here\n');
  const first = ingest(home, [tree, '--workers', '2']);
  assert.equal(first.code, 0, `${first.stderr} ${JSON.stringify(first.summary.failures)}`);
  assert.equal(first.summary.failed, 0);
  assert.equal(first.summary.ingested, 3);

  const db = new DatabaseSync(join(home, 'fabrik.db'), { readOnly: true });
  t.after(() => db.close());
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM documents').get() as { n: number }).n, 2, 'one document per content');
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM failures').get() as { n: number }).n, 0, 'no false failures');
  const log = auditLog(home);
  assert.equal(log.filter((entry) => entry.action === 'document.parse').length, 2, 'parsed once per content');
  assert.equal(log.filter((entry) => entry.action.endsWith('failed')).length, 0);

  // A re-run is all unchanged, and lineage of the shared document lists both paths.
  const again = ingest(home, [tree]);
  assert.equal(again.code, 0);
  assert.equal(again.summary.unchanged, 3);
  const listed = sources(home);
  const shared = listed.find((source) => source.path === join(tree, 'a.txt'));
  assert.equal(listed.find((source) => source.path === join(tree, 'b.txt'))?.sha256, shared?.sha256);
  const lineage = json<{ down: Array<{ kind: string; details: { path?: string } }> }>(runFabrik(home, ['lineage', `sha256:${shared?.sha256}`, '--json']).stdout);
  const paths = lineage.down.filter((node) => node.kind === 'source-version').map((node) => node.details.path);
  assert.deepEqual(paths.sort(), [join(tree, 'a.txt'), join(tree, 'b.txt')]);
});

test('an export line names the copy being ingested, not an older archive copy (issue 7, item 1)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  // The archive sorts first by path: without a preference it would be the path exported.
  mkdirSync(join(work, 'a-archive'));
  mkdirSync(join(work, 'docs'));
  writeFileSync(join(work, 'a-archive', 'report.txt'), 'Quarterly report: revenue grew.\n');
  writeFileSync(join(work, 'docs', 'report.txt'), 'Quarterly report: revenue grew.\n');
  assert.equal(ingest(home, [join(work, 'a-archive')]).code, 0);
  assert.equal(ingest(home, [join(work, 'docs')]).code, 0);
  const lines = exportLines(home, join(work, 'out.jsonl'));
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.source.path, join(work, 'docs', 'report.txt'));
});

test('removed and renamed files are marked deleted, audited and left out of new builds; a file that comes back is live again (issue 7, item 2)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const tree = join(work, 'd');
  mkdirSync(join(tree, 'sub'), { recursive: true });
  writeFileSync(join(tree, 'keep.txt'), 'kept text\n');
  writeFileSync(join(tree, 'gone.txt'), 'removed text\n');
  writeFileSync(join(tree, 'sub', 'old-name.txt'), 'renamed text\n');
  assert.equal(ingest(home, [tree]).code, 0);
  assert.equal(exportLines(home, join(work, 'before.jsonl')).length, 3);

  rmSync(join(tree, 'gone.txt'));
  renameSync(join(tree, 'sub', 'old-name.txt'), join(tree, 'sub', 'new-name.txt'));
  const second = ingest(home, [tree]);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(second.summary.deleted.map((entry) => entry.path).sort(), [join(tree, 'gone.txt'), join(tree, 'sub', 'old-name.txt')]);
  const states = Object.fromEntries(sources(home).map((source) => [source.path.slice(tree.length + 1), source.state]));
  assert.deepEqual(states, { 'gone.txt': 'deleted', 'keep.txt': 'live', 'sub/new-name.txt': 'live', 'sub/old-name.txt': 'deleted' });
  const deletions = auditLog(home).filter((entry) => entry.action === 'source.delete');
  assert.deepEqual(deletions.map((entry) => entry.options.path).sort(), [join(tree, 'gone.txt'), join(tree, 'sub', 'old-name.txt')]);
  const paths = exportLines(home, join(work, 'after.jsonl')).map((line) => line.source.path).sort();
  assert.deepEqual(paths, [join(tree, 'keep.txt'), join(tree, 'sub', 'new-name.txt')]);
  const documents = json<{ documents: Array<{ path: string }> }>(runFabrik(home, ['documents', '--json']).stdout).documents;
  assert.equal(documents.length, 2);

  // Ingesting only a sub-folder judges only that sub-folder.
  assert.deepEqual(ingest(home, [join(tree, 'sub')]).summary.deleted, []);

  // The removed file comes back: live again, with an audit entry, and in the next build.
  writeFileSync(join(tree, 'gone.txt'), 'removed text\n');
  const third = ingest(home, [tree]);
  assert.equal(third.code, 0);
  assert.equal(third.summary.ingested, 1);
  assert.equal(sources(home).find((source) => source.path === join(tree, 'gone.txt'))?.state, 'live');
  assert.equal(auditLog(home).filter((entry) => entry.action === 'source.restore').length, 1);
  assert.equal(exportLines(home, join(work, 'again.jsonl')).length, 3);
});

test('source forget erases the bytes and derived text, keeps the audit entry without content, and holds on re-ingest (issue 7, item 2)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const tree = join(work, 'd');
  mkdirSync(tree);
  writeFileSync(join(tree, 'private.txt'), 'Alice Example, account 1234, asked to be forgotten.\n');
  writeFileSync(join(tree, 'public.txt'), 'The canteen opens at noon.\n');
  writeFileSync(join(tree, 'copy-1.txt'), 'Shared minutes of the board.\n');
  writeFileSync(join(tree, 'copy-2.txt'), 'Shared minutes of the board.\n');
  assert.equal(ingest(home, [tree]).code, 0);
  const before = sources(home);
  const privateSource = before.find((source) => source.path.endsWith('private.txt'));
  const sha = privateSource?.sha256 ?? '';
  const blobPath = join(home, 'blobs', sha.slice(0, 2), sha.slice(2));
  assert.ok(existsSync(blobPath));
  assert.equal(runFabrik(home, ['dataset', 'build', 'docs']).code, 0);

  const forgot = runFabrik(home, ['source', 'forget', join(tree, 'private.txt'), '--json']);
  assert.equal(forgot.code, 0, forgot.stderr);
  assert.deepEqual(json<{ erased: string[] }>(forgot.stdout).erased, [sha]);
  assert.equal(existsSync(blobPath), false, 'the blob is gone');
  const db = new DatabaseSync(join(home, 'fabrik.db'), { readOnly: true });
  t.after(() => db.close());
  const texts = { ...db.prepare("SELECT d.text AS document, (SELECT group_concat(text, '') FROM elements WHERE document_id = d.id) AS elements, (SELECT group_concat(text, '') FROM chunks WHERE document_id = d.id) AS chunks FROM documents d WHERE d.sha256 = ?").get(sha) as Record<string, string | null> };
  assert.deepEqual(texts, { document: '', elements: '', chunks: '' }, 'document, element and chunk text are blanked');
  const entry = auditLog(home).find((candidate) => candidate.action === 'source.forget');
  assert.ok(entry?.subjects.includes(privateSource?.id ?? ''));
  assert.doesNotMatch(JSON.stringify(entry), /Alice|1234/, 'the audit entry holds no content');
  assert.equal(runFabrik(home, ['audit', 'verify']).code, 0, 'the log still verifies');

  // Forgotten stays forgotten: a re-ingest of the folder skips it; the next build leaves it out.
  const again = ingest(home, [tree]);
  assert.equal(again.code, 0);
  assert.ok(again.summary.skipped.some((note) => note.path === join(tree, 'private.txt') && note.reason === 'forgotten'));
  assert.equal(sources(home).find((source) => source.path.endsWith('private.txt'))?.state, 'forgotten');
  // copy-1 and copy-2 were found by the same ingest: the tie goes to the first by path.
  assert.deepEqual(exportLines(home, join(work, 'out.jsonl')).map((line) => line.source.path.slice(tree.length + 1)).sort(), ['copy-1.txt', 'public.txt']);

  // Content another live path holds now is kept, and the answer says so; by id works too.
  const copy = sources(home).find((source) => source.path.endsWith('copy-1.txt'));
  const kept = json<{ erased: string[]; kept: Array<{ heldBy: string }> }>(runFabrik(home, ['source', 'forget', copy?.id ?? '', '--json']).stdout);
  assert.deepEqual(kept.erased, []);
  assert.deepEqual(kept.kept.map((entry) => entry.heldBy), [join(tree, 'copy-2.txt')]);
  assert.equal(runFabrik(home, ['document', 'show', join(tree, 'copy-2.txt')]).stdout, 'Shared minutes of the board.\n');
  assert.match(runFabrik(home, ['source', 'forget', join(tree, 'nope.txt')]).stderr, /not_found: .*nope\.txt: no source has this id or path/);
});

test('content ingested again after source forget is a fresh ingest: stored, parsed, built and verified; older versions stay blank (issue 7)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const text = 'Alice Example asked to be forgotten, then sent the letter again.\n';
  mkdirSync(join(work, 'a'));
  writeFileSync(join(work, 'a', 'x.txt'), text);
  assert.equal(ingest(home, [join(work, 'a')]).code, 0);
  const sha = sources(home)[0]?.sha256 ?? '';
  const built = runFabrik(home, ['dataset', 'build', 'docs', '--json']);
  assert.equal(built.code, 0, built.stderr);
  const forgot = runFabrik(home, ['source', 'forget', join(work, 'a', 'x.txt'), '--json']);
  assert.deepEqual(json<{ erased: string[] }>(forgot.stdout).erased, [sha]);

  // The same bytes at another path.
  mkdirSync(join(work, 'b'));
  writeFileSync(join(work, 'b', 'y.txt'), text);
  const again = ingest(home, [join(work, 'b')]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.summary.ingested, 1);
  assert.equal(runFabrik(home, ['document', 'show', join(work, 'b', 'y.txt')]).stdout, text);
  assert.ok(existsSync(join(home, 'blobs', sha.slice(0, 2), sha.slice(2))), 'the bytes are stored again');
  const db = new DatabaseSync(join(home, 'fabrik.db'), { readOnly: true });
  t.after(() => db.close());
  assert.equal((db.prepare('SELECT erased_at FROM blobs WHERE sha256 = ?').get(sha) as { erased_at: string | null }).erased_at, null);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM documents').get() as { n: number }).n, 1, 'the blanked row is replaced, not joined by a second one');
  const parses = auditLog(home).filter((entry) => entry.action === 'document.parse');
  assert.equal(parses.length, 2);
  assert.equal(typeof parses[1]?.options.afterErasure, 'string', 'the second parse says it brought erased content back');

  // Forgetting the old path again (it finishes a crashed erasure) leaves the bytes b/y.txt holds now.
  assert.equal(json<{ changed: boolean }>(runFabrik(home, ['source', 'forget', join(work, 'a', 'x.txt'), '--json']).stdout).changed, false);
  assert.ok(existsSync(join(home, 'blobs', sha.slice(0, 2), sha.slice(2))));

  const lines = exportLines(home, join(work, 'out.jsonl'));
  assert.deepEqual(lines.map((line) => [line.text, line.source.path]), [[text.trim(), join(work, 'b', 'y.txt')]]);
  const blank = db.prepare("SELECT COUNT(*) AS n FROM chunks WHERE text = ''").get() as { n: number };
  assert.equal(blank.n, 1, 'the chunk of the version built before the forget stays blank');
  // Blobs and documents verify; the version built before the forget holds erased chunks (not judged here).
  const verified = json<{ data: { problems: Array<{ kind: string; reason: string }> } }>(runFabrik(home, ['verify', '--json']).stdout);
  assert.deepEqual(verified.data.problems.filter((problem) => problem.kind === 'blob' || problem.kind === 'document'), []);
});

test('an edit that keeps size and mtime is found with --rehash (issue 7, item 6)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const file = join(work, 'note.txt');
  writeFileSync(file, 'version one\n');
  const { atime, mtime } = statSync(file);
  assert.equal(ingest(home, [file]).summary.ingested, 1);
  writeFileSync(file, 'version two\n');
  utimesSync(file, atime, mtime);
  // The shortcut (same size and mtime) is what --rehash is for.
  assert.equal(ingest(home, [file]).summary.unchanged, 1);
  const rehashed = ingest(home, [file, '--rehash']);
  assert.equal(rehashed.code, 0, rehashed.stderr);
  assert.equal(rehashed.summary.newVersions, 1);
  assert.match(runFabrik(home, ['document', 'show', file]).stdout, /version two/);
  assert.match(runFabrik(home, ['ingest', '--help']).stdout, /--rehash .*cp -p, rsync -a/);
});

test('an internal error during ingest names the file and the step, and the run goes on (issue 7, item 13)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  mkdirSync(home);
  // A file where the blob folder should be: storing any blob fails with a real ENOTDIR.
  writeFileSync(join(home, 'blobs'), 'not a folder');
  mkdirSync(join(work, 'd'));
  writeFileSync(join(work, 'd', 'one.txt'), 'one\n');
  writeFileSync(join(work, 'd', 'two.txt'), 'two\n');
  const run = ingest(home, [join(work, 'd')]);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.summary.failed, 2);
  for (const failure of run.summary.failures) {
    assert.equal(failure.code, 'internal');
    assert.ok(failure.message.startsWith(`${failure.path}: storing the blob failed: `), failure.message);
  }
});

test('a false internal failure left by the old crash is parsed again, not repeated as "unchanged since it failed" (issue 7, item 1)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const file = join(work, 'innocent.txt');
  writeFileSync(file, 'an innocent file\n');
  assert.equal(ingest(home, [file]).code, 0);
  // The state the crash left: the version recorded, no document, an internal failure for its content.
  const db = new DatabaseSync(join(home, 'fabrik.db'));
  const { id, sha256 } = db.prepare('SELECT id, sha256 FROM documents').get() as { id: string; sha256: string };
  db.prepare('DELETE FROM elements WHERE document_id = ?').run(id);
  db.prepare('DELETE FROM documents WHERE id = ?').run(id);
  db.prepare("INSERT INTO failures (path, sha256, code, message, created_at) VALUES (?, ?, 'internal', 'worker pool is closed', '2026-11-30T00:00:00.000Z')").run(file, sha256);
  db.close();
  const again = ingest(home, [file]);
  assert.equal(again.code, 0, JSON.stringify(again.summary.failures));
  assert.equal(again.summary.ingested, 1);
  assert.match(runFabrik(home, ['document', 'show', file]).stdout, /an innocent file/);
});

/** Runs the CLI as an unprivileged user when this process is root, where permission bits do not deny reads. */
function runUnprivileged(home: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const asRoot = process.getuid?.() === 0;
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FABRIK_HOME: home, FABRIK_ACTOR: 'user:test' },
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

test('an unreadable folder or file is a permission_denied failure, exit 2 (issue 7, item 5)', (t) => {
  const work = temporaryDirectory(t);
  chmodSync(work, 0o755);
  const home = join(work, 'home');
  const tree = join(work, 'd');
  mkdirSync(home);
  mkdirSync(join(tree, 'locked'), { recursive: true });
  writeFileSync(join(tree, 'ok.txt'), 'readable\n');
  writeFileSync(join(tree, 'secret.txt'), 'unreadable\n');
  writeFileSync(join(tree, 'locked', 'inside.txt'), 'inside\n');
  if (process.getuid?.() === 0) {
    for (const path of [home, tree, join(tree, 'ok.txt')]) chownSync(path, 65534, 65534);
  }
  chmodSync(join(tree, 'secret.txt'), 0o000);
  chmodSync(join(tree, 'locked'), 0o000);
  try {
    checkDenied(t, home, tree);
  } finally {
    // So the temporary folder can be removed by a user without root.
    chmodSync(join(tree, 'locked'), 0o755);
  }
});

function checkDenied(t: { skip: (message: string) => void }, home: string, tree: string): void {
  const probe = spawnSync(process.execPath, ['-e', `require('node:fs').readFileSync(${JSON.stringify(join(tree, 'secret.txt'))})`], process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {});
  if (probe.status === 0) {
    t.skip('this user can read a mode-000 file (and cannot drop privileges), so a denied read cannot be produced here');
    return;
  }
  const run = runUnprivileged(home, ['ingest', tree, '--json']);
  assert.equal(run.code, 2, run.stderr);
  const summary = json<Summary>(run.stdout);
  const codes = Object.fromEntries(summary.failures.map((failure) => [failure.path.slice(tree.length + 1), failure.code]));
  assert.deepEqual(codes, { locked: 'permission_denied', 'secret.txt': 'permission_denied' });
  assert.ok(summary.failures.every((failure) => failure.message.startsWith(`${failure.path}: permission denied`)));
  assert.equal(summary.ingested, 1);
  assert.ok(!summary.skipped.some((note) => note.path.endsWith('locked')), 'not a skip');
  assert.deepEqual(summary.deleted, [], 'files the walk could not reach are not deleted');

  // A file inside the unreadable folder, named directly: denied, not "no such file".
  const direct = runUnprivileged(home, ['ingest', join(tree, 'locked', 'inside.txt'), '--json']);
  assert.equal(direct.code, 2, direct.stderr);
  assert.equal(json<Summary>(direct.stdout).failures[0]?.code, 'permission_denied');
}

test('the shared corpus ingests with no internal failure, twice (issue 7, items 1 and 13)', { skip: HAS_CORPUS ? false : `no corpus at ${CORPUS}` }, (t) => {
  const home = join(temporaryDirectory(t), 'home');
  for (const run of [1, 2]) {
    const result = ingest(home, [CORPUS]);
    assert.ok(result.code === 0 || result.code === 2, `run ${run}: exit ${result.code}: ${result.stderr}`);
    assert.deepEqual(result.summary.failures.filter((failure) => failure.code === 'internal'), [], `run ${run}`);
    if (run === 2) assert.equal(result.summary.ingested + result.summary.newVersions, 0, 'a re-run does no new work');
  }
});

test('files with the same failing content each get a failure naming themselves, in one run and the next', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const tree = join(work, 'd');
  mkdirSync(tree);
  writeFileSync(join(tree, 'first-empty.json'), '');
  writeFileSync(join(tree, 'second-empty.html'), '');
  for (const run of [1, 2]) {
    const { code, summary } = ingest(home, [tree]);
    assert.equal(code, 2);
    const messages = Object.fromEntries(summary.failures.map((failure) => [failure.path.slice(tree.length + 1), failure.message]));
    assert.match(messages['first-empty.json'] ?? '', /^first-empty\.json is empty/, `run ${run}`);
    assert.match(messages['second-empty.html'] ?? '', /^second-empty\.html is empty/, `run ${run}`);
  }
});
