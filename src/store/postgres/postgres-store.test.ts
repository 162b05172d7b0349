import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { POSTGRES_SKIP_MESSAGE, startPostgres } from '../../../test/helpers/postgres-server.ts';
import { chunkContentSha256, documentContentSha256 } from '../core/content-hash.ts';
import type { DocumentRecord, ElementRecord } from '../core/records.ts';
import { openPostgresStore } from './postgres-store.ts';

// The foundry store on a real PostgreSQL server: the same checks as the SQLite adapter's
// (store/core's conformance suite; the lead wires runFoundryStoreSuite here once it is async).
const server = await startPostgres();
after(() => server?.stop());
const skip = server === null ? POSTGRES_SKIP_MESSAGE : false;
if (server === null) console.log(`# ${POSTGRES_SKIP_MESSAGE}`);

async function open(t: { after: (fn: () => Promise<void> | void) => void }) {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-pg-store-'));
  const url = await server!.freshDatabase();
  const store = await openPostgresStore({ url, keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test' });
  t.after(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return store;
}

const now = '2026-11-23T00:00:00.000Z';
const sha = (digit: string): string => digit.repeat(64);
const document = (id: string, sha256: string): DocumentRecord => ({
  id, sha256, parserVersion: 'p1', mediaType: 'text/plain', title: 'T', pageCount: 1, elementCount: 1, text: 'hello world', warnings: [], metadata: { encoding: 'utf-8' }, createdAt: now,
});
const element = (documentId: string): ElementRecord => ({
  id: `el_${documentId}`, documentId, ordinal: 0, kind: 'paragraph', text: 'hello world', page: 1, bbox: { x0: 1, y0: 2, x1: 3, y1: 4 }, span: [0, 11], sourceSpan: [0, 11], level: null, attributes: { a: 'b' },
});

test('postgres: sources, versions, blobs, documents and elements round-trip', { skip }, async (t) => {
  const store = await open(t);
  await store.transaction(async (tx) => {
    await tx.putBlob({ sha256: sha('a'), size: 11, mediaType: 'text/plain', createdAt: now });
    assert.equal(await tx.putBlob({ sha256: sha('a'), size: 11, mediaType: 'text/plain', createdAt: now }), false, 'a blob is stored once');
    await tx.insertSource({ id: 'src_1', path: '/data/a.txt', createdAt: now });
    await tx.insertVersion({ id: 'ver_1', sourceId: 'src_1', path: '/data/a.txt', version: 1, sha256: sha('a'), size: 11, mtimeMs: 5, createdAt: now });
    await tx.insertDocument(document('doc_1', sha('a')), [element('doc_1')]);
    await tx.addEdge({ parent: `sha256:${sha('a')}`, child: 'doc_1', relation: 'parse' });
    await tx.audit.append({ actor: 'test', action: 'source.ingest', subjects: ['src_1'] });
  });
  assert.equal((await store.findSourceByPath('/data/a.txt'))?.id, 'src_1');
  assert.equal((await store.latestVersion('src_1'))?.version, 1);
  assert.deepEqual(await store.findDocument(sha('a'), 'p1'), document('doc_1', sha('a')));
  assert.deepEqual(await store.listElements('doc_1'), [element('doc_1')]);
  assert.deepEqual(await store.getElements(['el_doc_1', 'el_none']), [element('doc_1')]);
  assert.equal((await store.currentDocuments())[0]?.path, '/data/a.txt');
  assert.equal((await store.childrenOf(`sha256:${sha('a')}`))[0]?.child, 'doc_1');
  assert.equal(await store.resolveId('doc_'), 'doc_1');
  assert.equal(await store.audit.size(), 1);
  assert.equal((await store.stats()).elements, 1);
});

test('postgres: a failed transaction leaves nothing behind, audit entries included', { skip }, async (t) => {
  const store = await open(t);
  const before = await store.audit.size();
  await assert.rejects(store.transaction(async (tx) => {
    await tx.insertSource({ id: 'src_2', path: '/data/b.txt', createdAt: now });
    await tx.audit.append({ actor: 'test', action: 'source.ingest', subjects: ['src_2'] });
    throw new Error('disk on fire');
  }), /disk on fire/);
  assert.equal(await store.findSourceByPath('/data/b.txt'), null);
  assert.equal(await store.audit.size(), before);
  assert.equal((await store.audit.verify()).ok, true);
});

test('postgres: deleted and forgotten sources leave the current documents; erasing blanks the derived text', { skip }, async (t) => {
  const store = await open(t);
  await store.transaction(async (tx) => {
    await tx.putBlob({ sha256: sha('b'), size: 11, mediaType: 'text/plain', createdAt: now });
    for (const [id, path] of [['src_a', '/data/a.txt'], ['src_b', '/data/sub/b.txt'], ['src_c', '/data2/c.txt']] as const) {
      await tx.insertSource({ id, path, createdAt: now });
      await tx.insertVersion({ id: `ver_${id}`, sourceId: id, path, version: 1, sha256: sha('b'), size: 11, mtimeMs: 5, createdAt: now });
    }
    await tx.insertDocument(document('doc_b', sha('b')), [element('doc_b')]);
    await tx.insertDatasetVersion({ id: 'dsv_1', dataset: 'd', manifest: '{}', chunkCount: 1, tokenCount: 2, documentCount: 1, options: {}, createdAt: now },
      [{ id: 'chk_1', documentId: 'doc_b', text: 'hello world', tokenCount: 2, span: [0, 11], pages: [1], elementIds: ['el_doc_b'] }]);
  });
  assert.deepEqual((await store.listSources()).map((source) => [source.path, source.state, source.seenAt]), [['/data/a.txt', 'live', now], ['/data/sub/b.txt', 'live', now], ['/data2/c.txt', 'live', now]]);
  assert.deepEqual((await store.liveSourcesUnder('/data')).map((source) => source.id), ['src_a', 'src_b'], '/data2 is not under /data');
  await store.markSourcesSeen(['/data2/c.txt'], '2026-11-24T00:00:00.000Z');
  assert.equal((await store.getSource('src_c'))?.seenAt, '2026-11-24T00:00:00.000Z');
  await store.setSourceState('src_a', 'deleted', '2026-11-25T00:00:00.000Z');
  assert.deepEqual((await store.currentDocuments()).map((entry) => [entry.path, entry.seenAt]), [['/data/sub/b.txt', now], ['/data2/c.txt', '2026-11-24T00:00:00.000Z']]);
  assert.deepEqual((await store.liveSourcesUnder('/data/')).map((source) => source.id), ['src_b']);
  assert.equal((await store.getSource('src_a'))?.stateChangedAt, '2026-11-25T00:00:00.000Z');
  assert.equal(await store.eraseContent(sha('b'), '2026-11-26T00:00:00.000Z'), 1);
  assert.equal((await store.getDocument('doc_b'))?.text, '');
  assert.equal((await store.getDocument('doc_b'))?.title, null);
  assert.equal((await store.listElements('doc_b'))[0]?.text, '');
  assert.equal((await store.getChunk('chk_1'))?.text, '');
  assert.equal((await store.getBlob(sha('b')))?.erasedAt, '2026-11-26T00:00:00.000Z');
  assert.deepEqual(await store.currentDocuments(), [], 'erased content is no current document, even under a live source');
  assert.deepEqual((await store.versionsForChunk('chk_1')).map((version) => version.id), ['dsv_1']);
  assert.deepEqual((await store.chunksOfVersion('dsv_1')).map((chunk) => chunk.id), ['chk_1']);
});

test('postgres: erased content stored again: the blob\'s mark clears and the document and elements are replaced; old chunks stay blank', { skip }, async (t) => {
  const store = await open(t);
  const second: ElementRecord = { ...element('doc_e'), id: 'el_doc_e_1', ordinal: 1, text: 'second', span: [12, 18], sourceSpan: null, bbox: null, attributes: null };
  await store.transaction(async (tx) => {
    await tx.putBlob({ sha256: sha('e'), size: 18, mediaType: 'text/plain', createdAt: now });
    await tx.insertDocument({ ...document('doc_e', sha('e')), elementCount: 2 }, [element('doc_e'), second]);
    await tx.insertDatasetVersion({ id: 'dsv_e', dataset: 'd', manifest: '{}', chunkCount: 1, tokenCount: 3, documentCount: 1, options: {}, createdAt: now },
      [{ id: 'chk_e', documentId: 'doc_e', text: 'hello world second', tokenCount: 3, span: [0, 18], pages: [1], elementIds: ['el_doc_e', 'el_doc_e_1'] }]);
    await tx.eraseContent(sha('e'), now);
  });
  assert.equal(await store.restoreBlob(sha('f')), false, 'no such blob');
  await assert.rejects(store.replaceDocument(document('doc_none', sha('e')), []), /no stored document to replace/);
  const fresh: DocumentRecord = { ...document('doc_e', sha('e')), title: 'Fresh', text: 'hello world', createdAt: '2026-11-27T00:00:00.000Z' };
  await store.transaction(async (tx) => {
    await tx.replaceDocument(fresh, [element('doc_e')]);
    assert.equal(await tx.restoreBlob(sha('e')), true);
  });
  assert.equal((await store.getBlob(sha('e')))?.erasedAt, null);
  assert.equal(await store.restoreBlob(sha('e')), false, 'already restored');
  assert.deepEqual(await store.getDocument('doc_e'), fresh);
  assert.deepEqual(await store.listElements('doc_e'), [element('doc_e')]);
  assert.deepEqual(await store.listDocumentHashes(), [{ id: 'doc_e', contentSha256: documentContentSha256(fresh, [element('doc_e')]) }]);
  assert.equal((await store.getChunk('chk_e'))?.text, '', 'a chunk built before the erasure stays blank');
  assert.deepEqual((await store.chunksForElement('el_doc_e')).map((chunk) => chunk.id), ['chk_e']);
  assert.equal(await store.getElement('el_doc_e_1'), null);
});

test('postgres: the recorded content hash is the hash of the document as read back, odd text included', { skip }, async (t) => {
  const store = await open(t);
  const odd: DocumentRecord = { ...document('doc_odd', sha('c')), text: 'broken \ud800 pair' };
  const oddElement: ElementRecord = { ...element('doc_odd'), text: 'broken \ud800 pair', bbox: null, attributes: { z: 1, a: [1, 'x'] } };
  await store.transaction(async (tx) => {
    await tx.putBlob({ sha256: sha('c'), size: 11, mediaType: 'text/plain', createdAt: now });
    await tx.insertDocument(odd, [oddElement]);
  });
  const stored = await store.getDocument('doc_odd');
  assert.ok(stored !== null);
  assert.deepEqual(await store.listDocumentHashes(), [{ id: 'doc_odd', contentSha256: documentContentSha256(stored, await store.listElements('doc_odd')) }]);
  assert.equal((await store.listDocumentHashes())[0]?.contentSha256, documentContentSha256(odd, [oddElement]));
  assert.deepEqual((await store.listBlobs()).map((blob) => blob.sha256), [sha('c')]);
  const chunk = { id: 'chk_1', documentId: 'doc_odd', text: 'pair \udc00', tokenCount: 2, span: [0, 6] as [number, number], pages: [1], elementIds: [oddElement.id] };
  await store.transaction((tx) => tx.insertDatasetVersion({ id: 'dsv_1', dataset: 'd', manifest: '{}', chunkCount: 1, tokenCount: 2, documentCount: 1, options: {}, createdAt: now }, [chunk]));
  assert.equal(chunkContentSha256((await store.getChunk('chk_1')) ?? chunk), chunkContentSha256(chunk));
});

test('postgres: an ambiguous id prefix is an error; ids and paths sort by code point whatever the locale', { skip }, async (t) => {
  const store = await open(t);
  await store.insertSource({ id: 'src_abc1', path: '/x', createdAt: now });
  await store.insertSource({ id: 'src_abc2', path: '/Y', createdAt: now });
  await assert.rejects(store.resolveId('src_abc'), /matches more than one/);
  assert.equal(await store.resolveId('src_abc2'), 'src_abc2');
  assert.equal(await store.resolveId('src_zzz'), null);
  assert.deepEqual((await store.listSources()).map((source) => source.path), ['/Y', '/x']);
});

test('postgres: dataset versions keep their insertion order within one timestamp; exports replace by id; failures list in order', { skip }, async (t) => {
  const store = await open(t);
  for (const id of ['dsv_b', 'dsv_a']) {
    await store.insertDatasetVersion({ id, dataset: 'd', manifest: '{}', chunkCount: 0, tokenCount: 0, documentCount: 0, options: { id }, createdAt: now }, []);
  }
  assert.deepEqual((await store.listDatasetVersions('d')).map((version) => version.id), ['dsv_b', 'dsv_a']);
  assert.equal((await store.latestDatasetVersion('d'))?.id, 'dsv_a');
  await store.insertExport({ id: 'exp_1', versionId: 'dsv_a', format: 'jsonl', path: '/out/a', sha256: sha('1'), lineCount: 2, createdAt: now });
  await store.insertExport({ id: 'exp_1', versionId: 'dsv_a', format: 'jsonl', path: '/out/b', sha256: sha('2'), lineCount: 3, createdAt: now });
  assert.deepEqual((await store.exportsForVersion('dsv_a')).map((record) => [record.path, record.lineCount]), [['/out/b', 3]]);
  await store.recordFailure({ path: '/a.pdf', sha256: sha('9'), code: 'parse_failed', message: 'one', createdAt: now });
  await store.recordFailure({ path: '/a.pdf', sha256: sha('9'), code: 'encrypted_file', message: 'two', createdAt: now });
  assert.equal((await store.findFailure(sha('9')))?.code, 'encrypted_file');
  assert.deepEqual((await store.listFailures()).map((failure) => failure.message), ['one', 'two']);
});

test('postgres: two stores (two pools, as two processes) write the same database; their audit entries form one log that verifies', { skip }, async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-pg-store-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const url = await server!.freshDatabase();
  const options = { url, keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test', checkpointEvery: 7 };
  const [one, two] = await Promise.all([openPostgresStore(options), openPostgresStore(options)]);
  t.after(async () => {
    await one.close();
    await two.close();
  });
  // Each writer checks for the blob and inserts it in one transaction: only one may insert it.
  const ingest = (store: typeof one, index: number) => store.transaction(async (tx) => {
    if (await tx.getBlob(sha('d')) === null) await tx.putBlob({ sha256: sha('d'), size: 1, mediaType: null, createdAt: now });
    await tx.insertSource({ id: `src_${index}`, path: `/p/${index}`, createdAt: now });
    await tx.audit.append({ actor: 'test', action: 'source.ingest', subjects: [`src_${index}`] });
    await tx.audit.append({ actor: 'test', action: 'source.parse', subjects: [`src_${index}`] });
  });
  await Promise.all(Array.from({ length: 40 }, (_, index) => ingest(index % 2 === 0 ? one : two, index)));
  assert.equal(await one.audit.size(), 80);
  const report = await two.audit.verify();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.equal((await one.stats()).sources, 40);
});
