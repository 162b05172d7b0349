import { FabrikError } from '../shared/errors.ts';
import { kindOfId } from '../shared/ids.ts';
import type { BlobStore } from '../store/core/blob-store.ts';
import type { BlobIndex, DatasetStore, DocumentStore, FoundryStore, LineageStore, SourceStore } from '../store/core/foundry-store.ts';
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

/** What a lineage walk reads: every record kind, the lineage edges, and where each blob's bytes are stored. */
export interface LineageServices {
  store: SourceStore & BlobIndex & DocumentStore & DatasetStore & LineageStore & Pick<FoundryStore, 'resolveId'>;
  blobs: Pick<BlobStore, 'locate'>;
}

type LineageReader = LineageServices['store'];

/** Walks any id to the bytes it came from and up to the dataset versions and exports that use it. */
export async function traceLineage(services: LineageServices, rawId: string): Promise<LineageReport> {
  const { store, blobs } = services;
  const id = await resolveAnyId(store, rawId.trim());
  const kind = kindOfId(id);
  const down: LineageNode[] = [];
  const up: LineageNode[] = [];
  const addChunkUp = async (chunks: ChunkRecord[]): Promise<void> => {
    const versionIds: string[] = [];
    for (const chunk of chunks) {
      up.push(chunkNode(chunk));
      for (const version of await store.versionsForChunk(chunk.id)) versionIds.push(version.id);
    }
    await addVersionsUp(store, up, versionIds);
  };
  switch (kind) {
    case 'chunk': {
      const chunk = (await store.getChunk(id)) as ChunkRecord;
      down.push(chunkNode(chunk));
      for (const element of await store.getElements(chunk.elementIds)) down.push(elementNode(element));
      await addDocumentDown(store, blobs, down, chunk.documentId);
      await addVersionsUp(store, up, (await store.versionsForChunk(chunk.id)).map((version) => version.id));
      return { id, kind: 'chunk', down, up };
    }
    case 'element': {
      const element = (await store.getElement(id)) as ElementRecord;
      down.push(elementNode(element));
      await addDocumentDown(store, blobs, down, element.documentId);
      await addChunkUp(await store.chunksForElement(element.id));
      return { id, kind: 'element', down, up };
    }
    case 'document': {
      await addDocumentDown(store, blobs, down, id);
      await addChunkUp(await store.chunksForDocument(id));
      return { id, kind: 'document', down, up };
    }
    case 'blob': {
      const sha256 = id.replace(/^sha256:/, '');
      await addBlobDown(store, blobs, down, sha256);
      for (const edge of await store.childrenOf(`sha256:${sha256}`)) {
        const document = await store.getDocument(edge.child);
        if (document !== null) {
          up.push(documentNode(document));
          await addChunkUp(await store.chunksForDocument(document.id));
        }
      }
      return { id: `sha256:${sha256}`, kind: 'blob', down, up };
    }
    case 'version': {
      const version = await store.getVersion(id);
      if (version === null) break;
      await addBlobDown(store, blobs, down, version.sha256);
      return { ...(await traceLineage(services, `sha256:${version.sha256}`)), id, kind: 'source-version', down };
    }
    case 'source': {
      const versions = await store.listVersions(id);
      const latest = versions.at(-1);
      if (latest === undefined) break;
      return { ...(await traceLineage(services, latest.id)), id };
    }
    case 'datasetVersion': {
      const version = await store.getDatasetVersion(id);
      if (version === null) break;
      down.push({ kind: 'dataset-version', id, details: { dataset: version.dataset, chunks: version.chunkCount, tokens: version.tokenCount, documents: version.documentCount, options: version.options, createdAt: version.createdAt } });
      for (const edge of await store.parentsOf(id)) {
        const document = await store.getDocument(edge.parent);
        if (document !== null) down.push(documentNode(document));
      }
      await addVersionsUp(store, up, [], [id]);
      return { id, kind: 'dataset-version', down, up };
    }
    case 'export': {
      const record = await store.getExport(id);
      if (record === null) break;
      down.push({ kind: 'export', id, details: { path: record.path, format: record.format, sha256: record.sha256, lines: record.lineCount, createdAt: record.createdAt } });
      const inner = await traceLineage(services, record.versionId);
      return { id, kind: 'export', down: [...down, ...inner.down], up: [] };
    }
    default:
      break;
  }
  throw new FabrikError('not_found', `no object with id ${rawId}`, { param: 'id' });
}

async function resolveAnyId(store: LineageReader, raw: string): Promise<string> {
  const kind = kindOfId(raw);
  if (kind === 'blob') return raw.startsWith('sha256:') ? raw : `sha256:${raw}`;
  if (kind === null) {
    throw new FabrikError('invalid_option', `id ${JSON.stringify(raw)} is not a fabrik id: expected a prefix src_, ver_, doc_, el_, chk_, dsv_ or exp_, or a 64-hex sha256`, { param: 'id' });
  }
  const full = await store.resolveId(raw);
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

async function addDocumentDown(store: LineageReader, blobs: LineageServices['blobs'], down: LineageNode[], documentId: string): Promise<void> {
  const document = await store.getDocument(documentId);
  if (document === null) return;
  down.push(documentNode(document));
  await addBlobDown(store, blobs, down, document.sha256);
}

async function addBlobDown(store: LineageReader, blobs: LineageServices['blobs'], down: LineageNode[], sha256: string): Promise<void> {
  const blob = await store.getBlob(sha256);
  const erased = blob?.erasedAt ?? null;
  down.push({ kind: 'blob', id: `sha256:${sha256}`, details: { size: blob?.size ?? null, mediaType: blob?.mediaType ?? null, stored: erased === null ? blobs.locate(sha256) : null, erasedAt: erased } });
  // Every path that held these bytes, whatever its state: one content may live under several paths.
  for (const version of await store.versionsForBlob(sha256)) {
    const latest = await store.latestVersion(version.sourceId);
    const state = (await store.getSource(version.sourceId))?.state ?? null;
    down.push({ kind: 'source-version', id: version.id, details: { path: version.path, version: version.version, current: latest?.id === version.id, state, size: version.size, ingestedAt: version.createdAt } });
  }
}

async function addVersionsUp(store: LineageReader, up: LineageNode[], versionIds: string[], exportsOf: string[] = []): Promise<void> {
  for (const id of [...new Set(versionIds)]) {
    const version = await store.getDatasetVersion(id);
    if (version === null) continue;
    up.push({ kind: 'dataset-version', id, details: { dataset: version.dataset, chunks: version.chunkCount, createdAt: version.createdAt } });
    exportsOf.push(id);
  }
  for (const id of [...new Set(exportsOf)]) {
    for (const record of await store.exportsForVersion(id)) {
      up.push({ kind: 'export', id: record.id, details: { path: record.path, format: record.format, sha256: record.sha256, lines: record.lineCount } });
    }
  }
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
