import { FabrikError } from '../shared/errors.ts';
import { kindOfId } from '../shared/ids.ts';
import type { BlobStore } from '../store/core/blob-store.ts';
import type { FoundryStore } from '../store/core/foundry-store.ts';
import type { ChunkRecord, DocumentRecord, ElementRecord } from '../store/core/records.ts';

/** One object on a lineage walk, with what an auditor needs to find it again. */
export interface LineageNode {
  kind: 'export' | 'dataset-version' | 'chunk' | 'element' | 'document' | 'blob' | 'source-version';
  id: string;
  details: Record<string, unknown>;
}

export interface LineageReport {
  id: string;
  kind: LineageNode['kind'];
  /** From the object down to the source bytes: chunk → elements → document → blob → source versions. */
  down: LineageNode[];
  /** What uses the object: chunks, dataset versions, exports. */
  up: LineageNode[];
}

/** Walks any id down to the bytes it came from and up to the dataset versions and exports that use it. */
export function traceLineage(store: FoundryStore, blobs: BlobStore, rawId: string): LineageReport {
  const id = resolveAnyId(store, rawId.trim());
  const kind = kindOfId(id);
  const down: LineageNode[] = [];
  const up: LineageNode[] = [];
  const addChunkUp = (chunks: ChunkRecord[]): void => {
    for (const chunk of chunks) up.push(chunkNode(chunk));
    addVersionsUp(store, up, chunks.flatMap((chunk) => store.versionsForChunk(chunk.id).map((version) => version.id)));
  };
  switch (kind) {
    case 'chunk': {
      const chunk = store.getChunk(id) as ChunkRecord;
      down.push(chunkNode(chunk));
      for (const element of store.getElements(chunk.elementIds)) down.push(elementNode(element));
      addDocumentDown(store, blobs, down, chunk.documentId);
      addVersionsUp(store, up, store.versionsForChunk(chunk.id).map((version) => version.id));
      return { id, kind: 'chunk', down, up };
    }
    case 'element': {
      const element = store.getElement(id) as ElementRecord;
      down.push(elementNode(element));
      addDocumentDown(store, blobs, down, element.documentId);
      addChunkUp(store.chunksForElement(element.id));
      return { id, kind: 'element', down, up };
    }
    case 'document': {
      addDocumentDown(store, blobs, down, id);
      addChunkUp(store.chunksForDocument(id));
      return { id, kind: 'document', down, up };
    }
    case 'blob': {
      const sha256 = id.replace(/^sha256:/, '');
      addBlobDown(store, blobs, down, sha256);
      for (const edge of store.childrenOf(`sha256:${sha256}`)) {
        const document = store.getDocument(edge.child);
        if (document !== null) {
          up.push(documentNode(document));
          addChunkUp(store.chunksForDocument(document.id));
        }
      }
      return { id: `sha256:${sha256}`, kind: 'blob', down, up };
    }
    case 'version': {
      const version = store.getVersion(id);
      if (version === null) break;
      addBlobDown(store, blobs, down, version.sha256);
      return { ...traceLineage(store, blobs, `sha256:${version.sha256}`), id, kind: 'source-version', down };
    }
    case 'source': {
      const versions = store.listVersions(id);
      const latest = versions.at(-1);
      if (latest === undefined) break;
      return { ...traceLineage(store, blobs, latest.id), id };
    }
    case 'datasetVersion': {
      const version = store.getDatasetVersion(id);
      if (version === null) break;
      down.push({ kind: 'dataset-version', id, details: { dataset: version.dataset, chunks: version.chunkCount, tokens: version.tokenCount, documents: version.documentCount, options: version.options, createdAt: version.createdAt } });
      for (const edge of store.parentsOf(id)) {
        const document = store.getDocument(edge.parent);
        if (document !== null) down.push(documentNode(document));
      }
      addVersionsUp(store, up, [], [id]);
      return { id, kind: 'dataset-version', down, up };
    }
    case 'export': {
      const record = store.getExport(id);
      if (record === null) break;
      down.push({ kind: 'export', id, details: { path: record.path, format: record.format, sha256: record.sha256, lines: record.lineCount, createdAt: record.createdAt } });
      const inner = traceLineage(store, blobs, record.versionId);
      return { id, kind: 'export', down: [...down, ...inner.down], up: [] };
    }
    default:
      break;
  }
  throw new FabrikError('not_found', `no object with id ${rawId}`, { param: 'id' });
}

function resolveAnyId(store: FoundryStore, raw: string): string {
  const kind = kindOfId(raw);
  if (kind === 'blob') return raw.startsWith('sha256:') ? raw : `sha256:${raw}`;
  if (kind === null) {
    throw new FabrikError('invalid_option', `id ${JSON.stringify(raw)} is not a fabrik id: expected a prefix src_, ver_, doc_, el_, chk_, dsv_ or exp_, or a 64-hex sha256`, { param: 'id' });
  }
  const full = store.resolveId(raw);
  if (full === null) throw new FabrikError('not_found', `no object with id ${raw}`, { param: 'id' });
  return full;
}

function chunkNode(chunk: ChunkRecord): LineageNode {
  return { kind: 'chunk', id: chunk.id, details: { tokens: chunk.tokenCount, pages: chunk.pages, charSpan: chunk.span, elements: chunk.elementIds.length, preview: preview(chunk.text) } };
}

function elementNode(element: ElementRecord): LineageNode {
  return {
    kind: 'element',
    id: element.id,
    details: { type: element.kind, page: element.page, bbox: element.bbox, charSpan: element.span, byteSpan: element.sourceSpan, preview: preview(element.text) },
  };
}

function documentNode(document: DocumentRecord | Omit<DocumentRecord, 'text'>): LineageNode {
  return { kind: 'document', id: document.id, details: { mediaType: document.mediaType, title: document.title, pages: document.pageCount, elements: document.elementCount, parser: document.parserVersion } };
}

function addDocumentDown(store: FoundryStore, blobs: BlobStore, down: LineageNode[], documentId: string): void {
  const document = store.getDocument(documentId);
  if (document === null) return;
  down.push(documentNode(document));
  addBlobDown(store, blobs, down, document.sha256);
}

function addBlobDown(store: FoundryStore, blobs: BlobStore, down: LineageNode[], sha256: string): void {
  const blob = store.getBlob(sha256);
  const erased = blob?.erasedAt ?? null;
  down.push({ kind: 'blob', id: `sha256:${sha256}`, details: { size: blob?.size ?? null, mediaType: blob?.mediaType ?? null, stored: erased === null ? blobs.locate(sha256) : null, erasedAt: erased } });
  // Every path that held these bytes, whatever its state: one content may live under several paths.
  for (const version of store.versionsForBlob(sha256)) {
    const latest = store.latestVersion(version.sourceId);
    const state = store.getSource(version.sourceId)?.state ?? null;
    down.push({ kind: 'source-version', id: version.id, details: { path: version.path, version: version.version, current: latest?.id === version.id, state, size: version.size, ingestedAt: version.createdAt } });
  }
}

function addVersionsUp(store: FoundryStore, up: LineageNode[], versionIds: string[], exportsOf: string[] = []): void {
  for (const id of [...new Set(versionIds)]) {
    const version = store.getDatasetVersion(id);
    if (version === null) continue;
    up.push({ kind: 'dataset-version', id, details: { dataset: version.dataset, chunks: version.chunkCount, createdAt: version.createdAt } });
    exportsOf.push(id);
  }
  for (const id of [...new Set(exportsOf)]) {
    for (const record of store.exportsForVersion(id)) {
      up.push({ kind: 'export', id: record.id, details: { path: record.path, format: record.format, sha256: record.sha256, lines: record.lineCount } });
    }
  }
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
