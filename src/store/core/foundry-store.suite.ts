import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkContentSha256, documentContentSha256 } from './content-hash.ts';
import type { FoundryStore } from './foundry-store.ts';
import type { ChunkRecord, DatasetVersionRecord, DocumentRecord, ElementRecord } from './records.ts';

/** What an adapter's factory gives the suite: a fresh, empty store and a way to count its audit entries. */
export interface FoundryStoreUnderTest {
  store: FoundryStore;
  /** How many entries the audit log the store's transactions append to holds, as committed. */
  auditSize(): Promise<number>;
}

/** The one store test suite; every adapter's test file runs it with its own factory (which cleans up through `t.after`). */
export function runFoundryStoreSuite(adapter: string, open: (t: { after: (fn: () => unknown) => void }) => Promise<FoundryStoreUnderTest>): void {
  const now = '2026-11-23T00:00:00.000Z';
  const later = '2026-11-24T00:00:00.000Z';
  const sha = (digit: string): string => digit.repeat(64);
  const document = (id: string, sha256: string): DocumentRecord => ({
    id, sha256, parserVersion: 'p1', mediaType: 'text/plain', title: 'T', pageCount: 1, elementCount: 1, text: 'hello world', warnings: [], metadata: { encoding: 'utf-8' }, createdAt: now,
  });
  const element = (documentId: string): ElementRecord => ({
    id: `el_${documentId}`, documentId, ordinal: 0, kind: 'paragraph', text: 'hello world', page: 1, bbox: { x0: 1, y0: 2, x1: 3, y1: 4 }, span: [0, 11], sourceSpan: [0, 11], level: null, attributes: { a: 'b' },
  });
  const datasetVersion = (id: string, dataset: string, createdAt: string, chunkCount = 1): DatasetVersionRecord => ({
    id, dataset, manifest: `{"id":"${id}"}`, chunkCount, tokenCount: 2 * chunkCount, documentCount: 1, options: { chunkTokens: 32 }, createdAt,
  });
  const chunk = (id: string, documentId: string, elementIds: string[], start = 0): ChunkRecord => ({
    id, documentId, text: 'hello world', tokenCount: 2, span: [start, start + 11], pages: [1], elementIds,
  });
  /** One blob, source, version and document with one element, written in one transaction. */
  const seed = async (store: FoundryStore, digit: string, path: string): Promise<void> => {
    await store.transaction(async (tx) => {
      await tx.putBlob({ sha256: sha(digit), size: 11, mediaType: 'text/plain', createdAt: now });
      await tx.insertSource({ id: `src_${digit}`, path, createdAt: now });
      await tx.insertVersion({ id: `ver_${digit}`, sourceId: `src_${digit}`, path, version: 1, sha256: sha(digit), size: 11, mtimeMs: 5, createdAt: now });
      await tx.insertDocument(document(`doc_${digit}`, sha(digit)), [element(`doc_${digit}`)]);
    });
  };

  test(`${adapter}: sources, versions, blobs, documents and elements round-trip`, async (t) => {
    const { store } = await open(t);
    const result = await store.transaction(async (tx) => {
      assert.equal(await tx.putBlob({ sha256: sha('a'), size: 11, mediaType: 'text/plain', createdAt: now }), true);
      assert.equal(await tx.putBlob({ sha256: sha('a'), size: 11, mediaType: 'text/plain', createdAt: now }), false, 'a blob is stored once');
      await tx.insertSource({ id: 'src_1', path: '/data/a.txt', createdAt: now });
      await tx.insertVersion({ id: 'ver_1', sourceId: 'src_1', path: '/data/a.txt', version: 1, sha256: sha('a'), size: 11, mtimeMs: 5, createdAt: now });
      await tx.insertVersion({ id: 'ver_2', sourceId: 'src_1', path: '/data/a.txt', version: 2, sha256: sha('a'), size: 11, mtimeMs: 6, createdAt: later });
      await tx.insertDocument(document('doc_1', sha('a')), [element('doc_1')]);
      // The transaction reads its own writes.
      assert.equal((await tx.findSourceByPath('/data/a.txt'))?.id, 'src_1');
      return 'committed';
    });
    assert.equal(result, 'committed', 'transaction returns what its work returns');
    assert.deepEqual(await store.findSourceByPath('/data/a.txt'), { id: 'src_1', path: '/data/a.txt', createdAt: now, state: 'live', stateChangedAt: null, seenAt: now });
    assert.equal((await store.getSource('src_1'))?.path, '/data/a.txt');
    assert.equal(await store.getSource('src_none'), null);
    assert.equal(await store.findSourceByPath('/data/none.txt'), null);
    assert.equal((await store.latestVersion('src_1'))?.version, 2);
    assert.equal(await store.latestVersion('src_none'), null);
    assert.deepEqual((await store.listVersions('src_1')).map((version) => [version.id, version.version, version.mtimeMs]), [['ver_1', 1, 5], ['ver_2', 2, 6]]);
    assert.deepEqual(await store.getVersion('ver_1'), { id: 'ver_1', sourceId: 'src_1', path: '/data/a.txt', version: 1, sha256: sha('a'), size: 11, mtimeMs: 5, createdAt: now });
    assert.equal(await store.getVersion('ver_none'), null);
    assert.deepEqual((await store.versionsForBlob(sha('a'))).map((version) => version.id), ['ver_1', 'ver_2']);
    assert.deepEqual(await store.getBlob(sha('a')), { sha256: sha('a'), size: 11, mediaType: 'text/plain', createdAt: now, erasedAt: null });
    assert.equal(await store.getBlob(sha('f')), null);
    assert.deepEqual(await store.findDocument(sha('a'), 'p1'), document('doc_1', sha('a')));
    assert.equal(await store.findDocument(sha('a'), 'p2'), null, 'another parser version is another document');
    assert.deepEqual(await store.getDocument('doc_1'), document('doc_1', sha('a')));
    assert.deepEqual(await store.listElements('doc_1'), [element('doc_1')]);
    assert.deepEqual(await store.getElement('el_doc_1'), element('doc_1'));
    assert.equal(await store.getElement('el_none'), null);
    assert.deepEqual(await store.getElements(['el_none', 'el_doc_1']), [element('doc_1')], 'missing ids are left out');
    const [current] = await store.currentDocuments();
    assert.deepEqual(current && { path: current.path, versionId: current.versionId, version: current.version, id: current.document.id, text: 'text' in current.document },
      { path: '/data/a.txt', versionId: 'ver_2', version: 2, id: 'doc_1', text: false });
  });

  test(`${adapter}: failures are recorded and the latest one per content is found`, async (t) => {
    const { store } = await open(t);
    assert.equal(await store.findFailure(sha('a')), null);
    await store.recordFailure({ path: '/data/a.pdf', sha256: sha('a'), code: 'parse_failed', message: 'a.pdf: broken', createdAt: now });
    await store.recordFailure({ path: '/data/unreadable', sha256: null, code: 'file_unreadable', message: 'no permission', createdAt: now });
    await store.transaction((tx) => tx.recordFailure({ path: '/data/b.pdf', sha256: sha('a'), code: 'encrypted_file', message: 'b.pdf: encrypted', createdAt: later }));
    const latest = await store.findFailure(sha('a'));
    assert.deepEqual(latest && { path: latest.path, code: latest.code, createdAt: latest.createdAt }, { path: '/data/b.pdf', code: 'encrypted_file', createdAt: later });
    assert.deepEqual((await store.listFailures()).map((failure) => [failure.path, failure.sha256, failure.code]),
      [['/data/a.pdf', sha('a'), 'parse_failed'], ['/data/unreadable', null, 'file_unreadable'], ['/data/b.pdf', sha('a'), 'encrypted_file']]);
  });

  test(`${adapter}: dataset versions, shared chunks and exports`, async (t) => {
    const { store } = await open(t);
    await seed(store, 'a', '/data/a.txt');
    const first = chunk('chk_1', 'doc_a', ['el_doc_a']);
    const second = chunk('chk_2', 'doc_a', ['el_doc_a'], 20);
    await store.transaction(async (tx) => {
      await tx.insertDatasetVersion(datasetVersion('dsv_1', 'd', now, 2), [second, first]);
      // chk_1 again, in a second version of another dataset: stored once, a member of both.
      await tx.insertDatasetVersion(datasetVersion('dsv_2', 'e', later), [first]);
    });
    await store.insertDatasetVersion(datasetVersion('dsv_3', 'd', later), [second]);
    assert.deepEqual(await store.getDatasetVersion('dsv_1'), datasetVersion('dsv_1', 'd', now, 2));
    assert.equal(await store.getDatasetVersion('dsv_none'), null);
    assert.equal((await store.latestDatasetVersion('d'))?.id, 'dsv_3');
    assert.equal(await store.latestDatasetVersion('none'), null);
    assert.deepEqual((await store.listDatasetVersions()).map((version) => version.id), ['dsv_1', 'dsv_3', 'dsv_2'], 'by dataset, then by time');
    assert.deepEqual((await store.listDatasetVersions('d')).map((version) => version.id), ['dsv_1', 'dsv_3']);
    assert.deepEqual(await store.chunksOfVersion('dsv_1'), [second, first], 'in the order the version holds them');
    assert.deepEqual(await store.getChunk('chk_1'), first);
    assert.equal(await store.getChunk('chk_none'), null);
    assert.deepEqual((await store.chunksForElement('el_doc_a')).map((entry) => entry.id), ['chk_1', 'chk_2']);
    assert.deepEqual((await store.chunksForDocument('doc_a')).map((entry) => entry.id), ['chk_1', 'chk_2'], 'in text order');
    assert.deepEqual((await store.versionsForChunk('chk_1')).map((version) => version.id), ['dsv_1', 'dsv_2']);
    const record = { id: 'exp_1', versionId: 'dsv_1', format: 'jsonl', path: '/out/d.jsonl', sha256: sha('e'), lineCount: 2, createdAt: now };
    await store.transaction((tx) => tx.insertExport(record));
    // The same export written again replaces its record.
    await store.insertExport({ ...record, createdAt: later });
    await store.insertExport({ ...record, id: 'exp_2', format: 'csv', path: '/out/d.csv', createdAt: later });
    assert.deepEqual(await store.getExport('exp_1'), { ...record, createdAt: later });
    assert.equal(await store.getExport('exp_none'), null);
    assert.deepEqual((await store.exportsForVersion('dsv_1')).map((entry) => entry.id).sort(), ['exp_1', 'exp_2']);
    assert.deepEqual(await store.exportsForVersion('dsv_2'), []);
  });

  test(`${adapter}: lineage edges are stored once and walk both ways`, async (t) => {
    const { store } = await open(t);
    await store.transaction(async (tx) => {
      await tx.addEdge({ parent: 'src_1', child: 'ver_1', relation: 'version' });
      await tx.addEdge({ parent: 'ver_1', child: `sha256:${sha('a')}`, relation: 'content' });
      await tx.addEdge({ parent: 'ver_1', child: `sha256:${sha('a')}`, relation: 'content' });
    });
    await store.addEdge({ parent: `sha256:${sha('a')}`, child: 'doc_1', relation: 'parse' });
    assert.deepEqual(await store.childrenOf('ver_1'), [{ parent: 'ver_1', child: `sha256:${sha('a')}`, relation: 'content' }]);
    assert.deepEqual(await store.parentsOf(`sha256:${sha('a')}`), [{ parent: 'ver_1', child: `sha256:${sha('a')}`, relation: 'content' }]);
    assert.deepEqual(await store.childrenOf(`sha256:${sha('a')}`), [{ parent: `sha256:${sha('a')}`, child: 'doc_1', relation: 'parse' }]);
    assert.deepEqual(await store.parentsOf('src_1'), []);
  });

  test(`${adapter}: a failed transaction leaves nothing behind, audit entries included`, async (t) => {
    const { store, auditSize } = await open(t);
    await store.transaction((tx) => tx.audit.append({ actor: 'test', action: 'test.first', subjects: [] }));
    const before = await auditSize();
    assert.equal(before, 1, 'an entry appended in a committed transaction stays');
    await assert.rejects(store.transaction(async (tx) => {
      await tx.insertSource({ id: 'src_2', path: '/data/b.txt', createdAt: now });
      await tx.putBlob({ sha256: sha('b'), size: 1, mediaType: null, createdAt: now });
      await tx.addEdge({ parent: 'src_2', child: 'ver_2', relation: 'version' });
      await tx.audit.append({ actor: 'test', action: 'source.ingest', subjects: ['src_2'] });
      throw new Error('disk on fire');
    }), /disk on fire/);
    assert.equal(await store.findSourceByPath('/data/b.txt'), null);
    assert.equal(await store.getBlob(sha('b')), null);
    assert.deepEqual(await store.childrenOf('src_2'), []);
    assert.equal(await auditSize(), before);
    // The log goes on from where the committed entries end.
    await store.transaction((tx) => tx.audit.append({ actor: 'test', action: 'test.after', subjects: [] }));
    assert.equal(await auditSize(), before + 1);
  });

  test(`${adapter}: a write made on the store while a transaction is open is not part of it`, async (t) => {
    const { store } = await open(t);
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const failing = store.transaction(async (tx) => {
      await tx.insertSource({ id: 'src_tx', path: '/data/tx.txt', createdAt: now });
      entered();
      await gate;
      throw new Error('rolled back');
    });
    await inside;
    // Called on the store from outside the transaction's work: it must neither join the open
    // transaction (and roll back with it) nor deadlock behind it.
    const outside = store.insertSource({ id: 'src_out', path: '/data/out.txt', createdAt: now });
    proceed();
    await assert.rejects(failing, /rolled back/);
    await outside;
    assert.equal(await store.findSourceByPath('/data/tx.txt'), null);
    assert.equal((await store.findSourceByPath('/data/out.txt'))?.id, 'src_out');
  });

  test(`${adapter}: transactions started together each commit whole`, async (t) => {
    const { store, auditSize } = await open(t);
    await Promise.all(['1', '2', '3', '4'].map((digit) => store.transaction(async (tx) => {
      await tx.insertSource({ id: `src_${digit}`, path: `/data/${digit}.txt`, createdAt: now });
      await tx.audit.append({ actor: 'test', action: 'source.ingest', subjects: [`src_${digit}`] });
      await tx.addEdge({ parent: `src_${digit}`, child: `ver_${digit}`, relation: 'version' });
    })));
    assert.equal((await store.listSources()).length, 4);
    assert.equal(await auditSize(), 4);
    for (const digit of ['1', '2', '3', '4']) assert.equal((await store.childrenOf(`src_${digit}`)).length, 1);
  });

  test(`${adapter}: a transaction handle used after its transaction ended is refused`, async (t) => {
    const { store } = await open(t);
    const kept = await store.transaction(async (tx) => tx);
    await assert.rejects(kept.insertSource({ id: 'src_late', path: '/late', createdAt: now }), /programming error/);
    assert.equal(await store.getSource('src_late'), null);
  });

  test(`${adapter}: deleted and forgotten sources leave the current documents; erasing blanks the derived text`, async (t) => {
    const { store } = await open(t);
    await store.transaction(async (tx) => {
      await tx.putBlob({ sha256: sha('b'), size: 11, mediaType: 'text/plain', createdAt: now });
      for (const [id, path] of [['src_a', '/data/a.txt'], ['src_b', '/data/sub/b.txt'], ['src_c', '/data2/c.txt']] as const) {
        await tx.insertSource({ id, path, createdAt: now });
        await tx.insertVersion({ id: `ver_${id}`, sourceId: id, path, version: 1, sha256: sha('b'), size: 11, mtimeMs: 5, createdAt: now });
      }
      await tx.insertDocument(document('doc_b', sha('b')), [element('doc_b')]);
      await tx.insertDatasetVersion(datasetVersion('dsv_1', 'd', now), [chunk('chk_1', 'doc_b', ['el_doc_b'])]);
    });
    assert.deepEqual((await store.listSources()).map((source) => [source.path, source.state, source.seenAt]), [['/data/a.txt', 'live', now], ['/data/sub/b.txt', 'live', now], ['/data2/c.txt', 'live', now]]);
    assert.deepEqual((await store.liveSourcesUnder('/data')).map((source) => source.id), ['src_a', 'src_b'], '/data2 is not under /data');
    await store.markSourcesSeen(['/data2/c.txt'], later);
    assert.equal((await store.getSource('src_c'))?.seenAt, later);
    await store.setSourceState('src_a', 'deleted', '2026-11-25T00:00:00.000Z');
    assert.deepEqual((await store.currentDocuments()).map((entry) => [entry.path, entry.seenAt]), [['/data/sub/b.txt', now], ['/data2/c.txt', later]]);
    assert.deepEqual((await store.liveSourcesUnder('/data/')).map((source) => source.id), ['src_b']);
    assert.equal((await store.getSource('src_a'))?.stateChangedAt, '2026-11-25T00:00:00.000Z');
    await store.transaction((tx) => tx.setSourceState('src_b', 'forgotten', later));
    assert.deepEqual((await store.currentDocuments()).map((entry) => entry.path), ['/data2/c.txt']);
    assert.equal(await store.eraseContent(sha('b'), '2026-11-26T00:00:00.000Z'), 1);
    assert.equal((await store.getDocument('doc_b'))?.text, '');
    assert.equal((await store.getDocument('doc_b'))?.title, null);
    assert.equal((await store.listElements('doc_b'))[0]?.text, '');
    assert.equal((await store.getChunk('chk_1'))?.text, '');
    assert.equal((await store.getBlob(sha('b')))?.erasedAt, '2026-11-26T00:00:00.000Z');
    assert.deepEqual(await store.currentDocuments(), [], 'erased content is no current document, even under a live source');
    assert.equal(await store.transaction((tx) => tx.eraseContent(sha('f'), now)), 0, 'no documents of unknown content');
  });

  test(`${adapter}: erased content stored again: the blob's mark clears and the document and elements are replaced; old chunks stay blank (issue 7)`, async (t) => {
    const { store } = await open(t);
    const second: ElementRecord = { ...element('doc_e'), id: 'el_doc_e_1', ordinal: 1, text: 'second', span: [12, 18], sourceSpan: null, bbox: null, attributes: null };
    await store.transaction(async (tx) => {
      await tx.putBlob({ sha256: sha('e'), size: 18, mediaType: 'text/plain', createdAt: now });
      await tx.insertDocument({ ...document('doc_e', sha('e')), elementCount: 2 }, [element('doc_e'), second]);
      await tx.insertDatasetVersion(datasetVersion('dsv_e', 'd', now),
        [{ id: 'chk_e', documentId: 'doc_e', text: 'hello world second', tokenCount: 3, span: [0, 18], pages: [1], elementIds: ['el_doc_e', 'el_doc_e_1'] }]);
      await tx.eraseContent(sha('e'), now);
    });
    assert.equal(await store.restoreBlob(sha('f')), false, 'no such blob');
    await assert.rejects(store.replaceDocument(document('doc_none', sha('e')), []), /no stored document to replace/);
    // The new parse has one element fewer; the old chunk's link to it goes rather than block the delete.
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
    assert.deepEqual((await store.chunksForElement('el_doc_e')).map((entry) => entry.id), ['chk_e']);
    assert.equal(await store.getElement('el_doc_e_1'), null);
  });

  test(`${adapter}: the recorded content hash is the hash of the document as read back, odd text included`, async (t) => {
    const { store } = await open(t);
    // A lone surrogate cannot be stored as UTF-8; the hash must not depend on which side of the store it is taken.
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
    const oddChunk = { id: 'chk_1', documentId: 'doc_odd', text: 'pair \udc00', tokenCount: 2, span: [0, 6] as [number, number], pages: [1], elementIds: [oddElement.id] };
    await store.transaction((tx) => tx.insertDatasetVersion(datasetVersion('dsv_1', 'd', now), [oddChunk]));
    assert.equal(chunkContentSha256((await store.getChunk('chk_1')) ?? oddChunk), chunkContentSha256(oddChunk));
  });

  test(`${adapter}: id prefixes resolve to one object; an ambiguous prefix is an error`, async (t) => {
    const { store } = await open(t);
    await store.insertSource({ id: 'src_abc1', path: '/x', createdAt: now });
    await store.insertSource({ id: 'src_abc2', path: '/y', createdAt: now });
    await assert.rejects(store.resolveId('src_abc'), /matches more than one/);
    assert.equal(await store.resolveId('src_abc2'), 'src_abc2');
    assert.equal(await store.resolveId('src_zzz'), null);
    assert.equal(await store.resolveId('zzz_abc'), null, 'an unknown kind');
    await seed(store, 'd', '/data/d.txt');
    assert.equal(await store.resolveId('doc_'), 'doc_d');
    assert.equal(await store.resolveId('ver_d'), 'ver_d');
    assert.equal(await store.resolveId('el_doc'), 'el_doc_d');
  });

  test(`${adapter}: stats count every kind of record`, async (t) => {
    const { store } = await open(t);
    assert.deepEqual(await store.stats(), { sources: 0, versions: 0, blobs: 0, documents: 0, elements: 0, failures: 0, datasetVersions: 0, chunks: 0, exports: 0 });
    await seed(store, 'a', '/data/a.txt');
    await store.recordFailure({ path: '/data/b.pdf', sha256: null, code: 'parse_failed', message: 'b.pdf: broken', createdAt: now });
    await store.insertDatasetVersion(datasetVersion('dsv_1', 'd', now, 2), [chunk('chk_1', 'doc_a', ['el_doc_a']), chunk('chk_2', 'doc_a', [], 20)]);
    await store.insertExport({ id: 'exp_1', versionId: 'dsv_1', format: 'jsonl', path: '/out/d.jsonl', sha256: sha('e'), lineCount: 2, createdAt: now });
    assert.deepEqual(await store.stats(), { sources: 1, versions: 1, blobs: 1, documents: 1, elements: 1, failures: 1, datasetVersions: 1, chunks: 2, exports: 1 });
  });
}
