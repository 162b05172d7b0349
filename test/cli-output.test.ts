// What the CLI prints and writes for the cases a user stumbles on: failures in `documents`, file
// names with line breaks, an export to a place that cannot be written, a second `demo`.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

test('`documents` lists the files that failed, with their code, as its help says', (t) => {
  const home = temporaryDirectory(t);
  const input = temporaryDirectory(t, 'fabrik-input-');
  writeFileSync(join(input, 'good.txt'), 'The P-200 pump needs service every 500 hours.\n');
  writeFileSync(join(input, 'empty.txt'), '');
  assert.equal(runFabrik(home, ['ingest', input]).code, 2);
  const listed = runFabrik(home, ['documents']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /good\.txt/);
  assert.match(listed.stdout, /1 file failed to ingest/);
  assert.match(listed.stdout, /empty_file\s+\S*empty\.txt/);
});

test('a file name with a line break or a terminal escape stays on its row', (t) => {
  const home = temporaryDirectory(t);
  const input = temporaryDirectory(t, 'fabrik-input-');
  writeFileSync(join(input, 'first\nsecond.txt'), 'Line-break names are legal on Linux.\n');
  writeFileSync(join(input, 'bell\u0007\u001b[31mred.txt'), 'So are escape characters.\n');
  assert.equal(runFabrik(home, ['ingest', input]).code, 0);
  const listed = runFabrik(home, ['documents']);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = listed.stdout.trimEnd().split('\n');
  assert.equal(rows.length, 3, `a header and two rows:\n${listed.stdout}`);
  assert.ok(rows.some((row) => row.endsWith('first\\nsecond.txt')), listed.stdout);
  assert.ok(rows.some((row) => row.endsWith('bell\\u0007\\u001b[31mred.txt')), listed.stdout);
  assert.doesNotMatch(listed.stdout, /\u001b/);
});

test('an export to a place that cannot be written names that place, not a temporary file', (t) => {
  const home = temporaryDirectory(t);
  const input = temporaryDirectory(t, 'fabrik-input-');
  writeFileSync(join(input, 'notes.txt'), 'Seal kit SK-7 fits the P-200 and the P-250.\n');
  assert.equal(runFabrik(home, ['ingest', input]).code, 0);
  assert.equal(runFabrik(home, ['dataset', 'build', 'notes']).code, 0);
  const blocker = join(input, 'a-file');
  writeFileSync(blocker, 'not a folder');
  const out = join(blocker, 'notes.jsonl');
  const result = runFabrik(home, ['export', 'notes', '--out', out, '--json']);
  assert.equal(result.code, 1);
  const error = JSON.parse(result.stdout).error;
  assert.equal(error.code, 'write_failed');
  assert.equal(error.param, 'out');
  assert.equal(error.message, `cannot write the export to ${out}: a part of the path is a file, not a folder`);
  assert.doesNotMatch(result.stderr, /\.tmp|internal/);
  // And where it can be written, the named file is all that is left: no temporary beside it.
  const folder = join(input, 'out');
  mkdirSync(folder);
  const again = runFabrik(home, ['export', 'notes', '--out', join(folder, 'notes.jsonl')]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(readdirSync(folder), ['notes.jsonl']);
});

test('a second `demo` does no new work and adds nothing to the audit log', (t) => {
  const home = temporaryDirectory(t);
  const first = runFabrik(home, ['demo', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const second = runFabrik(home, ['demo', '--json']);
  assert.equal(second.code, 0, second.stderr);
  const [before, after] = [JSON.parse(first.stdout), JSON.parse(second.stdout)];
  assert.equal(after.ingest.unchanged, after.ingest.files);
  assert.equal(after.dataset.created, false);
  assert.deepEqual(after.exports.map((record: { id: string }) => record.id), before.exports.map((record: { id: string }) => record.id));
  assert.equal(after.audit.size, before.audit.size, 'no new audit entries');
});
