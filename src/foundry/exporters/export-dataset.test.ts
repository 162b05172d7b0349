import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { canonicalize } from '../../shared/canonical-json.ts';
import { FabrikError } from '../../shared/errors.ts';
import { sha256Hex } from '../../shared/hash.ts';
import { buildDataset, datasetVersionId } from '../core/build-dataset.ts';
import { createTestFoundry, SAMPLE_FILES } from '../core/create-test-foundry.ts';
import { exportDataset } from './export-dataset.ts';

const OPTIONS = { chunkTokens: 32, overlap: 0 };

function isDataIntegrity(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof FabrikError, String(error));
    assert.equal(error.code, 'data_integrity');
    assert.match(error.message, pattern);
    return true;
  };
}

test('export refuses a version whose chunk text was edited, and writes nothing', async (t) => {
  const foundry = await createTestFoundry(t, SAMPLE_FILES);
  const { version } = await buildDataset(foundry, 'sample', OPTIONS);
  const good = await exportDataset(foundry, 'sample', 'jsonl', join(foundry.home, 'good.jsonl'));
  assert.equal(good.contentVerified, true);
  assert.equal(good.record.lineCount, version.chunkCount);

  const [, second] = await foundry.store.chunksOfVersion(version.id);
  foundry.db.prepare("UPDATE chunks SET text = 'SELL EVERYTHING' WHERE id = ?").run(second?.id ?? '');
  const out = join(foundry.home, 'out', 'bad.jsonl');
  const exportsBefore = (await foundry.store.exportsForVersion(version.id)).length;
  await assert.rejects(exportDataset(foundry, 'sample', 'jsonl', out), isDataIntegrity(new RegExp(`chunk ${second?.id} no longer matches the content hash`)));
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(join(foundry.home, 'out')), [], 'no temporary file is left behind');
  assert.equal((await foundry.store.exportsForVersion(version.id)).length, exportsBefore);
  assert.doesNotMatch(readFileSync(join(foundry.home, 'good.jsonl'), 'utf8'), /SELL EVERYTHING/);
});

test('export refuses a version whose manifest was edited or whose chunks were removed', async (t) => {
  const foundry = await createTestFoundry(t, SAMPLE_FILES);
  const { version } = await buildDataset(foundry, 'sample', OPTIONS);
  foundry.db.prepare('DELETE FROM dataset_version_chunks WHERE version_id = ? AND ordinal = (SELECT MAX(ordinal) FROM dataset_version_chunks WHERE version_id = ?)').run(version.id, version.id);
  await assert.rejects(exportDataset(foundry, 'sample', 'csv', join(foundry.home, 'a.csv')), isDataIntegrity(/holds \d+ chunks but its manifest lists \d+/));
  foundry.db.prepare("UPDATE dataset_versions SET manifest = replace(manifest, 'alpha', 'omega') WHERE id = ?").run(version.id);
  await assert.rejects(exportDataset(foundry, 'sample', 'csv', join(foundry.home, 'a.csv')), isDataIntegrity(/manifest hashes to dsv_[0-9a-f]{24}, not to its id/));
});

test('a version built before content hashing still exports, and says its content was not checked', async (t) => {
  const foundry = await createTestFoundry(t, SAMPLE_FILES);
  const { version } = await buildDataset(foundry, 'sample', OPTIONS);
  const chunks = await foundry.store.chunksOfVersion(version.id);
  const documents = JSON.parse(version.manifest).documents.map(({ contentSha256: _, ...rest }: Record<string, unknown>) => rest);
  const manifest = canonicalize({ dataset: 'legacy', tokenizer: 'cl100k_base', chunker: 'old', options: OPTIONS, documents, chunks: chunks.map((chunk) => chunk.id) });
  const id = datasetVersionId(manifest);
  await foundry.store.transaction(async (tx) => {
    await tx.insertDatasetVersion({ id, dataset: 'legacy', manifest, chunkCount: chunks.length, tokenCount: 0, documentCount: documents.length, options: {}, createdAt: new Date().toISOString() }, chunks);
    await tx.audit.append({ actor: 'test', action: 'dataset.build', subjects: [id], options: { manifestSha256: sha256Hex(manifest) } });
  });
  const result = await exportDataset(foundry, 'legacy', 'jsonl', join(foundry.home, 'legacy.jsonl'));
  assert.equal(result.contentVerified, false);
  assert.equal(result.record.lineCount, chunks.length);
});
