import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { canonicalize } from '../../shared/canonical-json.ts';
import { sha256Hex } from '../../shared/hash.ts';
import { buildDataset, datasetVersionId } from './build-dataset.ts';
import { createTestFoundry, SAMPLE_FILES, type TestFoundry } from './create-test-foundry.ts';
import { verifyData } from './verify-data.ts';

const OPTIONS = { chunkTokens: 32, overlap: 0 };

async function builtFoundry(t: { after: (fn: () => unknown) => void }): Promise<TestFoundry & { versionId: string }> {
  const foundry = await createTestFoundry(t, SAMPLE_FILES);
  const { version } = await buildDataset(foundry, 'sample', OPTIONS);
  return { ...foundry, versionId: version.id };
}

function chunkIds(foundry: TestFoundry, versionId: string): string[] {
  return foundry.db.prepare('SELECT chunk_id FROM dataset_version_chunks WHERE version_id = ? ORDER BY ordinal').all(versionId).map((row) => String(row.chunk_id));
}

test('an untouched store verifies, counting what it re-hashed', async (t) => {
  const foundry = await builtFoundry(t);
  const phases: string[] = [];
  const report = await verifyData(foundry, { onPhase: (phase) => phases.push(phase) });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.deepEqual({ blobs: report.blobs, documents: report.documents, datasetVersions: report.datasetVersions, unhashed: report.unhashedVersions }, { blobs: 3, documents: 3, datasetVersions: 1, unhashed: [] });
  assert.ok(report.chunks >= 3);
  assert.deepEqual(phases, ['blob', 'document', 'dataset-version']);
});

test('an edited chunk text is named, with its dataset version', async (t) => {
  const foundry = await builtFoundry(t);
  const [, second] = chunkIds(foundry, foundry.versionId);
  foundry.db.prepare("UPDATE chunks SET text = replace(text, 'a', 'o') WHERE id = ?").run(second ?? '');
  const report = await verifyData(foundry);
  assert.equal(report.ok, false);
  assert.equal(report.problems.length, 1);
  assert.deepEqual({ kind: report.firstBad?.kind, id: report.firstBad?.id }, { kind: 'chunk', id: second });
  assert.match(report.firstBad?.reason ?? '', new RegExp(`${foundry.versionId}.*no longer matches the hash its manifest records`));
});

test('an edited chunk page list or token count is caught too: the hash covers what an export writes', async (t) => {
  const foundry = await builtFoundry(t);
  const [first] = chunkIds(foundry, foundry.versionId);
  foundry.db.prepare('UPDATE chunks SET token_count = token_count + 1 WHERE id = ?').run(first ?? '');
  const report = await verifyData(foundry);
  assert.deepEqual({ kind: report.firstBad?.kind, id: report.firstBad?.id }, { kind: 'chunk', id: first });
});

test('a blob whose bytes changed, and a blob whose file is gone, are named', async (t) => {
  const foundry = await builtFoundry(t);
  const [changed] = await foundry.store.listBlobs();
  const path = foundry.blobs.locate(changed?.sha256 ?? '');
  chmodSync(path, 0o644);
  writeFileSync(path, 'not what was ingested\n');
  foundry.db.prepare('INSERT INTO blobs (sha256, size, media_type, created_at) VALUES (?, 1, NULL, ?)').run('f'.repeat(64), new Date().toISOString());
  const report = await verifyData(foundry);
  assert.equal(report.ok, false);
  assert.equal(report.firstBad?.id, `sha256:${changed?.sha256}`);
  assert.match(report.firstBad?.reason ?? '', /its bytes hash to [0-9a-f]{64}; the file was changed/);
  assert.ok(report.problems.some((problem) => problem.id === `sha256:${'f'.repeat(64)}` && /missing from the blob store/.test(problem.reason)), JSON.stringify(report.problems));
});

test('a document whose text or elements were edited is named; so is one whose recorded hash was removed', async (t) => {
  const foundry = await builtFoundry(t);
  const [first, second] = await foundry.store.listDocumentHashes();
  foundry.db.prepare("UPDATE elements SET text = 'rewritten' WHERE document_id = ? AND ordinal = 0").run(first?.id ?? '');
  foundry.db.prepare('UPDATE documents SET content_sha256 = NULL WHERE id = ?').run(second?.id ?? '');
  const report = await verifyData(foundry);
  const documents = report.problems.filter((problem) => problem.kind === 'document');
  assert.deepEqual(documents.map((problem) => problem.id), [first?.id, second?.id]);
  assert.match(documents[0]?.reason ?? '', /text or elements hash to .* not to the recorded/);
  assert.match(documents[1]?.reason ?? '', /no recorded content hash/);
  // The dataset version built from them no longer agrees with the recorded document hash either.
  assert.ok(report.problems.some((problem) => problem.kind === 'dataset-version' && problem.reason.includes(second?.id ?? '?')), JSON.stringify(report.problems));
});

test('a manifest rewritten together with its version id is caught by the dataset.build audit entry', async (t) => {
  const foundry = await builtFoundry(t);
  const row = foundry.db.prepare('SELECT manifest FROM dataset_versions WHERE id = ?').get(foundry.versionId) as { manifest: string };
  const manifest = JSON.parse(row.manifest) as { chunks: Array<{ id: string; sha256: string }> };
  manifest.chunks.pop();
  const forged = canonicalize(manifest);
  const forgedId = datasetVersionId(forged);
  foundry.db.exec('PRAGMA foreign_keys = OFF');
  foundry.db.prepare('UPDATE dataset_versions SET id = ?, manifest = ?, chunk_count = chunk_count - 1 WHERE id = ?').run(forgedId, forged, foundry.versionId);
  foundry.db.prepare('DELETE FROM dataset_version_chunks WHERE version_id = ? AND ordinal = (SELECT MAX(ordinal) FROM dataset_version_chunks WHERE version_id = ?)').run(foundry.versionId, foundry.versionId);
  foundry.db.prepare('UPDATE dataset_version_chunks SET version_id = ? WHERE version_id = ?').run(forgedId, foundry.versionId);
  const report = await verifyData(foundry);
  assert.equal(report.problems.length, 1, JSON.stringify(report.problems));
  assert.deepEqual({ kind: report.firstBad?.kind, id: report.firstBad?.id }, { kind: 'dataset-version', id: forgedId });
  assert.match(report.firstBad?.reason ?? '', /no dataset\.build audit entry records its manifest hash/);
});

test('an edited manifest, and chunks removed from or reordered in a version, are named', async (t) => {
  const foundry = await builtFoundry(t);
  foundry.db.prepare("UPDATE dataset_versions SET manifest = replace(manifest, '\"dataset\":\"sample\"', '\"dataset\":\"other\"') WHERE id = ?").run(foundry.versionId);
  let report = await verifyData(foundry);
  assert.equal(report.firstBad?.kind, 'dataset-version');
  assert.match(report.firstBad?.reason ?? '', /manifest hashes to dsv_[0-9a-f]{24}, not to its id/);

  const other = await builtFoundry(t);
  const ids = chunkIds(other, other.versionId);
  other.db.prepare('DELETE FROM dataset_version_chunks WHERE version_id = ? AND ordinal = 0').run(other.versionId);
  report = await verifyData(other);
  assert.deepEqual({ kind: report.firstBad?.kind, id: report.firstBad?.id }, { kind: 'chunk', id: ids[1] });
  assert.match(report.firstBad?.reason ?? '', /membership was changed/);
});

test('a version built before manifests hashed content is listed as unhashed, not failed; its chunk order is still checked', async (t) => {
  const foundry = await builtFoundry(t);
  const chunks = await foundry.store.chunksOfVersion(foundry.versionId);
  // The old manifest form: bare chunk ids, documents without content hashes.
  const manifest = canonicalize({ dataset: 'legacy', tokenizer: 'cl100k_base', chunker: 'old', options: OPTIONS, documents: [], chunks: chunks.map((chunk) => chunk.id) });
  const id = datasetVersionId(manifest);
  await foundry.store.transaction(async (tx) => {
    await tx.insertDatasetVersion({ id, dataset: 'legacy', manifest, chunkCount: chunks.length, tokenCount: 0, documentCount: 0, options: {}, createdAt: new Date().toISOString() }, chunks);
    await tx.audit.append({ actor: 'test', action: 'dataset.build', subjects: [id], options: { manifestSha256: sha256Hex(manifest) } });
  });
  let report = await verifyData(foundry);
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.deepEqual(report.unhashedVersions, [id]);
  // Swap the first two chunks.
  for (const [from, to] of [[0, -1], [1, 0], [-1, 1]]) foundry.db.prepare('UPDATE dataset_version_chunks SET ordinal = ? WHERE version_id = ? AND ordinal = ?').run(to ?? 0, id, from ?? 0);
  report = await verifyData(foundry);
  assert.equal(report.ok, false);
  assert.equal(report.firstBad?.kind, 'chunk');
});
