import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkContentSha256, documentContentSha256 } from './content-hash.ts';
import type { FoundryStore } from './foundry-store.ts';
import type { DocumentRecord, ElementRecord } from './records.ts';

/** The one store test suite; every adapter's test file runs it with its own factory. */
export function runFoundryStoreSuite(adapter: string, open: (t: { after: (fn: () => void) => void }) => FoundryStore): void {
  const now = '2026-11-23T00:00:00.000Z';
  const sha = (digit: string): string => digit.repeat(64);
  const document = (id: string, sha256: string): DocumentRecord => ({
    id, sha256, parserVersion: 'p1', mediaType: 'text/plain', title: 'T', pageCount: 1, elementCount: 1, text: 'hello world', warnings: [], metadata: { encoding: 'utf-8' }, createdAt: now,
  });
  const element = (documentId: string): ElementRecord => ({
    id: `el_${documentId}`, documentId, ordinal: 0, kind: 'paragraph', text: 'hello world', page: 1, bbox: { x0: 1, y0: 2, x1: 3, y1: 4 }, span: [0, 11], sourceSpan: [0, 11], level: null, attributes: { a: 'b' },
  });

  test(`${adapter}: sources, versions, blobs, documents and elements round-trip`, (t) => {
    const store = open(t);
    store.transaction(() => {
      store.putBlob({ sha256: sha('a'), size: 11, mediaType: 'text/plain', createdAt: now });
      assert.equal(store.putBlob({ sha256: sha('a'), size: 11, mediaType: 'text/plain', createdAt: now }), false, 'a blob is stored once');
      store.insertSource({ id: 'src_1', path: '/data/a.txt', createdAt: now });
      store.insertVersion({ id: 'ver_1', sourceId: 'src_1', path: '/data/a.txt', version: 1, sha256: sha('a'), size: 11, mtimeMs: 5, createdAt: now });
      store.insertDocument(document('doc_1', sha('a')), [element('doc_1')]);
      store.addEdge({ parent: `sha256:${sha('a')}`, child: 'doc_1', relation: 'parse' });
    });
    assert.equal(store.findSourceByPath('/data/a.txt')?.id, 'src_1');
    assert.equal(store.latestVersion('src_1')?.version, 1);
    assert.deepEqual(store.findDocument(sha('a'), 'p1'), document('doc_1', sha('a')));
    assert.deepEqual(store.listElements('doc_1'), [element('doc_1')]);
    assert.equal(store.currentDocuments()[0]?.path, '/data/a.txt');
    assert.equal(store.childrenOf(`sha256:${sha('a')}`)[0]?.child, 'doc_1');
    assert.equal(store.resolveId('doc_'), 'doc_1');
  });

  test(`${adapter}: a failed transaction leaves nothing behind, audit entries included`, (t) => {
    const store = open(t);
    const before = store.audit.size();
    assert.throws(() => store.transaction(() => {
      store.insertSource({ id: 'src_2', path: '/data/b.txt', createdAt: now });
      store.audit.append({ actor: 'test', action: 'source.ingest', subjects: ['src_2'] });
      throw new Error('disk on fire');
    }), /disk on fire/);
    assert.equal(store.findSourceByPath('/data/b.txt'), null);
    assert.equal(store.audit.size(), before);
    assert.equal(store.audit.verify().ok, true);
  });

  test(`${adapter}: deleted and forgotten sources leave the current documents; erasing blanks the derived text`, (t) => {
    const store = open(t);
    store.transaction(() => {
      store.putBlob({ sha256: sha('b'), size: 11, mediaType: 'text/plain', createdAt: now });
      for (const [id, path] of [['src_a', '/data/a.txt'], ['src_b', '/data/sub/b.txt'], ['src_c', '/data2/c.txt']] as const) {
        store.insertSource({ id, path, createdAt: now });
        store.insertVersion({ id: `ver_${id}`, sourceId: id, path, version: 1, sha256: sha('b'), size: 11, mtimeMs: 5, createdAt: now });
      }
      store.insertDocument(document('doc_b', sha('b')), [element('doc_b')]);
      store.insertDatasetVersion({ id: 'dsv_1', dataset: 'd', manifest: '{}', chunkCount: 1, tokenCount: 2, documentCount: 1, options: {}, createdAt: now },
        [{ id: 'chk_1', documentId: 'doc_b', text: 'hello world', tokenCount: 2, span: [0, 11], pages: [1], elementIds: ['el_doc_b'] }]);
    });
    assert.deepEqual(store.listSources().map((source) => [source.path, source.state, source.seenAt]), [['/data/a.txt', 'live', now], ['/data/sub/b.txt', 'live', now], ['/data2/c.txt', 'live', now]]);
    assert.deepEqual(store.liveSourcesUnder('/data').map((source) => source.id), ['src_a', 'src_b'], '/data2 is not under /data');
    store.markSourcesSeen(['/data2/c.txt'], '2026-11-24T00:00:00.000Z');
    assert.equal(store.getSource('src_c')?.seenAt, '2026-11-24T00:00:00.000Z');
    store.setSourceState('src_a', 'deleted', '2026-11-25T00:00:00.000Z');
    assert.deepEqual(store.currentDocuments().map((entry) => [entry.path, entry.seenAt]), [['/data/sub/b.txt', now], ['/data2/c.txt', '2026-11-24T00:00:00.000Z']]);
    assert.deepEqual(store.liveSourcesUnder('/data/').map((source) => source.id), ['src_b']);
    assert.equal(store.getSource('src_a')?.stateChangedAt, '2026-11-25T00:00:00.000Z');
    assert.equal(store.eraseContent(sha('b'), '2026-11-26T00:00:00.000Z'), 1);
    assert.equal(store.getDocument('doc_b')?.text, '');
    assert.equal(store.getDocument('doc_b')?.title, null);
    assert.equal(store.listElements('doc_b')[0]?.text, '');
    assert.equal(store.getChunk('chk_1')?.text, '');
    assert.equal(store.getBlob(sha('b'))?.erasedAt, '2026-11-26T00:00:00.000Z');
    assert.deepEqual(store.currentDocuments(), [], 'erased content is no current document, even under a live source');
  });

  test(`${adapter}: erased content stored again: the blob's mark clears and the document and elements are replaced; old chunks stay blank (issue 7)`, (t) => {
    const store = open(t);
    const second: ElementRecord = { ...element('doc_e'), id: 'el_doc_e_1', ordinal: 1, text: 'second', span: [12, 18], sourceSpan: null, bbox: null, attributes: null };
    store.transaction(() => {
      store.putBlob({ sha256: sha('e'), size: 18, mediaType: 'text/plain', createdAt: now });
      store.insertDocument({ ...document('doc_e', sha('e')), elementCount: 2 }, [element('doc_e'), second]);
      store.insertDatasetVersion({ id: 'dsv_e', dataset: 'd', manifest: '{}', chunkCount: 1, tokenCount: 3, documentCount: 1, options: {}, createdAt: now },
        [{ id: 'chk_e', documentId: 'doc_e', text: 'hello world second', tokenCount: 3, span: [0, 18], pages: [1], elementIds: ['el_doc_e', 'el_doc_e_1'] }]);
      store.eraseContent(sha('e'), now);
    });
    assert.equal(store.restoreBlob(sha('f')), false, 'no such blob');
    assert.throws(() => store.replaceDocument(document('doc_none', sha('e')), []), /no stored document to replace/);
    // The new parse has one element fewer; the old chunk's link to it goes rather than block the delete.
    const fresh: DocumentRecord = { ...document('doc_e', sha('e')), title: 'Fresh', text: 'hello world', createdAt: '2026-11-27T00:00:00.000Z' };
    store.transaction(() => {
      store.replaceDocument(fresh, [element('doc_e')]);
      assert.equal(store.restoreBlob(sha('e')), true);
    });
    assert.equal(store.getBlob(sha('e'))?.erasedAt, null);
    assert.equal(store.restoreBlob(sha('e')), false, 'already restored');
    assert.deepEqual(store.getDocument('doc_e'), fresh);
    assert.deepEqual(store.listElements('doc_e'), [element('doc_e')]);
    assert.deepEqual(store.listDocumentHashes(), [{ id: 'doc_e', contentSha256: documentContentSha256(fresh, [element('doc_e')]) }]);
    assert.equal(store.getChunk('chk_e')?.text, '', 'a chunk built before the erasure stays blank');
    assert.deepEqual(store.chunksForElement('el_doc_e').map((chunk) => chunk.id), ['chk_e']);
    assert.equal(store.getElement('el_doc_e_1'), null);
  });

  test(`${adapter}: the recorded content hash is the hash of the document as read back, odd text included`, (t) => {
    const store = open(t);
    // A lone surrogate cannot be stored as UTF-8; the hash must not depend on which side of the store it is taken.
    const odd: DocumentRecord = { ...document('doc_odd', sha('c')), text: 'broken \ud800 pair' };
    const oddElement: ElementRecord = { ...element('doc_odd'), text: 'broken \ud800 pair', bbox: null, attributes: { z: 1, a: [1, 'x'] } };
    store.transaction(() => {
      store.putBlob({ sha256: sha('c'), size: 11, mediaType: 'text/plain', createdAt: now });
      store.insertDocument(odd, [oddElement]);
    });
    const stored = store.getDocument('doc_odd');
    assert.ok(stored !== null);
    assert.deepEqual(store.listDocumentHashes(), [{ id: 'doc_odd', contentSha256: documentContentSha256(stored, store.listElements('doc_odd')) }]);
    assert.equal(store.listDocumentHashes()[0]?.contentSha256, documentContentSha256(odd, [oddElement]));
    assert.deepEqual(store.listBlobs().map((blob) => blob.sha256), [sha('c')]);
    const chunk = { id: 'chk_1', documentId: 'doc_odd', text: 'pair \udc00', tokenCount: 2, span: [0, 6] as [number, number], pages: [1], elementIds: [oddElement.id] };
    store.transaction(() => store.insertDatasetVersion({ id: 'dsv_1', dataset: 'd', manifest: '{}', chunkCount: 1, tokenCount: 2, documentCount: 1, options: {}, createdAt: now }, [chunk]));
    assert.equal(chunkContentSha256(store.getChunk('chk_1') ?? chunk), chunkContentSha256(chunk));
  });

  test(`${adapter}: an ambiguous id prefix is an error`, (t) => {
    const store = open(t);
    store.insertSource({ id: 'src_abc1', path: '/x', createdAt: now });
    store.insertSource({ id: 'src_abc2', path: '/y', createdAt: now });
    assert.throws(() => store.resolveId('src_abc'), /matches more than one/);
    assert.equal(store.resolveId('src_abc2'), 'src_abc2');
    assert.equal(store.resolveId('src_zzz'), null);
  });
}
