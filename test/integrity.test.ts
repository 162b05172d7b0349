import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { SAMPLE_FILES } from '../src/foundry/core/create-test-foundry.ts';
import { runFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

interface VerifyOutput {
  ok: boolean;
  audit: { ok: boolean };
  data: { ok: boolean; blobs: number; documents: number; datasetVersions: number; chunks: number; firstBad: { kind: string; id: string; reason: string } | null };
  error?: { code: string; type: string; param: string; message: string };
}

test('fabrik verify re-hashes the stored data; export refuses an edited chunk (issue 7, item 3)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const inputs = join(work, 'in');
  mkdirSync(inputs);
  for (const [name, text] of Object.entries(SAMPLE_FILES)) writeFileSync(join(inputs, name), text);
  assert.equal(runFabrik(home, ['ingest', inputs, '--json']).code, 0);
  const build = runFabrik(home, ['dataset', 'build', 'sample', '--chunk-tokens', '32', '--overlap', '0']);
  assert.equal(build.code, 0, build.stderr);
  assert.equal(build.stderr, '', 'no progress drawn when stderr is not a terminal');

  assert.match(runFabrik(home, ['verify', '--help']).stdout, /Usage: fabrik verify \[--json\]/);
  const clean = runFabrik(home, ['verify', '--json']);
  assert.equal(clean.code, 0, clean.stderr);
  const cleanReport = JSON.parse(clean.stdout) as VerifyOutput;
  assert.equal(cleanReport.ok, true);
  assert.deepEqual([cleanReport.audit.ok, cleanReport.data.blobs, cleanReport.data.documents, cleanReport.data.datasetVersions], [true, 3, 3, 1]);
  assert.match(runFabrik(home, ['verify']).stdout, /audit log OK: .*\ndata OK: 3 blobs, 3 documents, 1 dataset version, \d+ chunks\n/);

  // Edit one chunk's text by hand: the audit log still verifies, the data check does not.
  const db = new DatabaseSync(join(home, 'fabrik.db'));
  const chunk = db.prepare('SELECT chunk_id FROM dataset_version_chunks ORDER BY ordinal LIMIT 1 OFFSET 1').get() as { chunk_id: string };
  db.prepare("UPDATE chunks SET text = 'wire the money to account 12345' WHERE id = ?").run(chunk.chunk_id);
  db.close();
  assert.equal(runFabrik(home, ['audit', 'verify']).code, 0);
  const tampered = runFabrik(home, ['verify', '--json']);
  assert.equal(tampered.code, 3);
  const report = JSON.parse(tampered.stdout) as VerifyOutput;
  assert.equal(report.ok, false);
  assert.equal(report.audit.ok, true);
  assert.deepEqual({ kind: report.data.firstBad?.kind, id: report.data.firstBad?.id }, { kind: 'chunk', id: chunk.chunk_id });
  assert.deepEqual({ code: report.error?.code, type: report.error?.type, param: report.error?.param }, { code: 'data_integrity', type: 'integrity_error', param: chunk.chunk_id });
  assert.match(tampered.stderr, new RegExp(`fabrik: data_integrity: 1 problem; first: chunk ${chunk.chunk_id}`));
  assert.match(runFabrik(home, ['verify']).stdout, new RegExp(`data FAILED verification: 1 problem\\n  first mismatch: chunk ${chunk.chunk_id}`));

  const out = join(work, 'sample.jsonl');
  const exported = runFabrik(home, ['export', 'sample', '--out', out, '--json']);
  assert.equal(exported.code, 3);
  assert.equal((JSON.parse(exported.stdout) as { error: { code: string } }).error.code, 'data_integrity');
  assert.match(exported.stderr, new RegExp(`chunk ${chunk.chunk_id} no longer matches the content hash`));
  assert.equal(existsSync(out), false);
});
