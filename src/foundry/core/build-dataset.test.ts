import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FabrikError } from '../../shared/errors.ts';
import { chunkContentSha256 } from '../../store/core/content-hash.ts';
import { buildDataset, readManifest } from './build-dataset.ts';
import { createTestFoundry, SAMPLE_FILES } from './create-test-foundry.ts';

const OPTIONS = { chunkTokens: 32, overlap: 0 };

test('the manifest hashes every chunk\'s content and every document\'s, so the version id covers what an export writes', async (t) => {
  const foundry = await createTestFoundry(t, SAMPLE_FILES);
  const { version } = await buildDataset(foundry, 'sample', OPTIONS);
  const manifest = readManifest(version);
  assert.equal(manifest.contentHashed, true);
  const stored = await foundry.store.chunksOfVersion(version.id);
  assert.deepEqual(manifest.chunks, stored.map((chunk) => ({ id: chunk.id, sha256: chunkContentSha256(chunk) })));
  const recorded = new Map((await foundry.store.listDocumentHashes()).map((entry) => [entry.id, entry.contentSha256]));
  for (const document of manifest.documents) assert.equal(document.contentSha256, recorded.get(document.id));
});

test('a build reports progress once per document, ending at the total', async (t) => {
  const foundry = await createTestFoundry(t, SAMPLE_FILES);
  const calls: Array<[number, number, string]> = [];
  let started = -1;
  await buildDataset(foundry, 'sample', OPTIONS, { onStart: (total) => { started = total; }, onProgress: (done, total, path) => calls.push([done, total, path]) });
  assert.equal(started, 3);
  assert.deepEqual(calls.map(([done, total]) => [done, total]), [[1, 3], [2, 3], [3, 3]]);
  assert.deepEqual(calls.map(([, , path]) => path.split('/').pop()), ['alpha.md', 'beta.md', 'gamma.txt']);
});

test('a build refuses a document whose stored text no longer matches its recorded hash, naming it', async (t) => {
  const foundry = await createTestFoundry(t, SAMPLE_FILES);
  const target = (await foundry.store.currentDocuments()).find((entry) => entry.path.endsWith('beta.md'));
  foundry.db.prepare("UPDATE documents SET text = replace(text, 'bread', 'cake') WHERE id = ?").run(target?.document.id ?? '');
  const before = await foundry.audit.size();
  await assert.rejects(buildDataset(foundry, 'sample', OPTIONS), (error: unknown) => {
    assert.ok(error instanceof FabrikError);
    assert.equal(error.code, 'data_integrity');
    assert.equal(error.param, target?.document.id);
    assert.match(error.message, /beta\.md\) no longer matches its recorded content hash/);
    return true;
  });
  assert.equal((await foundry.store.listDatasetVersions()).length, 0);
  assert.equal(await foundry.audit.size(), before);
});
