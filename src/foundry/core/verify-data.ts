import { sha256Hex } from '../../shared/hash.ts';
import type { BlobStore } from '../../store/core/blob-store.ts';
import { chunkContentSha256, documentContentSha256 } from '../../store/core/content-hash.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { BlobIndex, DatasetStore, DocumentStore } from '../../store/core/foundry-store.ts';
import { datasetVersionId, readManifest } from './build-dataset.ts';

/** What kind of stored object a data problem is about, in the order verify checks them. */
export type DataProblemKind = 'blob' | 'document' | 'dataset-version' | 'chunk';

export interface DataProblem {
  kind: DataProblemKind;
  id: string;
  reason: string;
}

export interface DataVerifyReport {
  ok: boolean;
  blobs: number;
  documents: number;
  datasetVersions: number;
  chunks: number;
  /** Versions built before manifests hashed content: their chunk ids and order are checked, not their text. */
  unhashedVersions: string[];
  /** Content erased on request (`source forget`, named by its audit entry): blobs, documents and chunks left blank by design. */
  erased: { blobs: number; documents: number; chunks: number };
  firstBad: DataProblem | null;
  problems: DataProblem[];
}

/** What `verifyData` reads: the store's records, the audit log's entries and the blob bytes. */
export interface DataVerifyServices {
  store: BlobIndex & DocumentStore & DatasetStore;
  audit: Pick<AuditLog, 'list'>;
  blobs: BlobStore;
}

export interface DataVerifyOptions {
  /** Called as each phase starts, with how many objects it checks. */
  onPhase?: (phase: DataProblemKind, total: number) => void;
  /** Called after each object of the current phase. */
  onProgress?: (done: number) => void;
}

/**
 * Recomputes the hashes of the foundry's stored data and compares them with what was recorded:
 * every blob's bytes against its sha256 (and size), every document's text and elements against
 * the content hash recorded when it was parsed, every dataset version's manifest against its id
 * and against the manifest hash in its `dataset.build` audit entry, and every chunk of every
 * version against the content hash its manifest lists, in the manifest's order.
 * `firstBad` is the first problem in that order.
 */
export async function verifyData(services: DataVerifyServices, options: DataVerifyOptions = {}): Promise<DataVerifyReport> {
  const { store, audit, blobs } = services;
  const problems: DataProblem[] = [];
  const problem = (kind: DataProblemKind, id: string, reason: string): void => {
    problems.push({ kind, id, reason });
  };

  const facts = await readAuditFacts(audit);
  const forgotten = facts?.forgotten ?? new Set<string>();
  // Blank text of content an audited `source forget` erased is the erasure, not a change.
  const isErased = (sha256: string | undefined, text: string): boolean => text === '' && sha256 !== undefined && forgotten.has(sha256);
  const erased = { blobs: 0, documents: 0, chunks: 0 };
  const blobRecords = await store.listBlobs();
  options.onPhase?.('blob', blobRecords.length);
  let done = 0;
  for (const blob of blobRecords) {
    if (blob.erasedAt != null) {
      // Erased bytes are gone by design; an erasure no `source.forget` entry accounts for is not.
      if (forgotten.has(blob.sha256)) erased.blobs += 1;
      else if (facts !== null) problem('blob', `sha256:${blob.sha256}`, `blob sha256:${blob.sha256} is marked erased, but no source.forget audit entry names it`);
      options.onProgress?.((done += 1));
      continue;
    }
    let bytes: Uint8Array | null = null;
    try {
      bytes = await blobs.get(blob.sha256);
    } catch {
      problem('blob', `sha256:${blob.sha256}`, `blob sha256:${blob.sha256} is missing from the blob store (${blobs.locate(blob.sha256)})`);
    }
    if (bytes !== null) {
      const actual = sha256Hex(bytes);
      if (actual !== blob.sha256) problem('blob', `sha256:${blob.sha256}`, `blob sha256:${blob.sha256} (${blobs.locate(blob.sha256)}): its bytes hash to ${actual}; the file was changed`);
      else if (bytes.byteLength !== blob.size) problem('blob', `sha256:${blob.sha256}`, `blob sha256:${blob.sha256}: ${bytes.byteLength} bytes, but its record says ${blob.size}`);
    }
    options.onProgress?.((done += 1));
  }

  const documentHashes = await store.listDocumentHashes();
  options.onPhase?.('document', documentHashes.length);
  done = 0;
  for (const { id, contentSha256 } of documentHashes) {
    const document = await store.getDocument(id);
    if (document !== null && isErased(document.sha256, document.text)) {
      erased.documents += 1;
    } else if (document !== null) {
      const actual = documentContentSha256(document, await store.listElements(id));
      if (contentSha256 === null) problem('document', id, `document ${id} has no recorded content hash; it was removed from the store`);
      else if (actual !== contentSha256) problem('document', id, `document ${id}: its text or elements hash to ${actual}, not to the recorded ${contentSha256}; they were changed after parsing`);
    }
    options.onProgress?.((done += 1));
  }

  const documentsById = new Map(documentHashes.map((entry) => [entry.id, entry]));
  const buildHashes = facts?.buildHashes ?? null;
  const versions = await store.listDatasetVersions();
  options.onPhase?.('dataset-version', versions.length);
  done = 0;
  let chunkCount = 0;
  const unhashedVersions: string[] = [];
  for (const version of versions) {
    const manifestSha256 = sha256Hex(version.manifest);
    const recorded = buildHashes === null ? null : buildHashes.get(version.id);
    if (datasetVersionId(version.manifest) !== version.id) {
      problem('dataset-version', version.id, `dataset version ${version.id} (${version.dataset}): its manifest hashes to ${datasetVersionId(version.manifest)}, not to its id; the manifest was changed`);
    } else if (recorded === null) {
      // The audit log itself does not read back; the audit check reports it.
    } else if (recorded === undefined) {
      problem('dataset-version', version.id, `dataset version ${version.id} (${version.dataset}): no dataset.build audit entry records its manifest hash`);
    } else if (recorded !== manifestSha256) {
      problem('dataset-version', version.id, `dataset version ${version.id} (${version.dataset}): its manifest hashes to ${manifestSha256}, but its dataset.build audit entry records ${recorded}`);
    }
    const manifest = readManifest(version);
    if (!manifest.contentHashed) unhashedVersions.push(version.id);
    for (const entry of manifest.documents) {
      const recordedDocument = documentsById.get(entry.id);
      if (recordedDocument === undefined) problem('dataset-version', version.id, `dataset version ${version.id}: document ${entry.id} of its manifest is not in the store`);
      else if (entry.contentSha256 !== null && recordedDocument.contentSha256 !== entry.contentSha256) problem('dataset-version', version.id, `dataset version ${version.id}: document ${entry.id} was built from content hashing to ${entry.contentSha256}, but the document's recorded hash is now ${recordedDocument.contentSha256}`);
    }
    const contentOf = new Map(manifest.documents.map((entry) => [entry.id, entry.sha256]));
    const chunks = await store.chunksOfVersion(version.id);
    chunkCount += chunks.length;
    const length = Math.max(chunks.length, manifest.chunks.length);
    for (let index = 0; index < length; index += 1) {
      const chunk = chunks[index];
      const expected = manifest.chunks[index];
      if (chunk === undefined) {
        problem('chunk', expected?.id ?? version.id, `dataset version ${version.id}: chunk ${index + 1} of ${manifest.chunks.length}, ${expected?.id}, is missing`);
        break;
      }
      if (expected === undefined) {
        problem('chunk', chunk.id, `dataset version ${version.id}: holds ${chunks.length} chunks but its manifest lists ${manifest.chunks.length}; the first extra is ${chunk.id}`);
        break;
      }
      if (expected.id !== chunk.id) {
        problem('chunk', chunk.id, `dataset version ${version.id}: chunk ${index + 1} is ${chunk.id} but the manifest lists ${expected.id}; its membership was changed`);
        break;
      }
      if (expected.sha256 !== null && chunkContentSha256(chunk) !== expected.sha256) {
        if (isErased(contentOf.get(chunk.documentId), chunk.text)) {
          erased.chunks += 1;
          continue;
        }
        problem('chunk', chunk.id, `chunk ${chunk.id} of dataset version ${version.id}: its content no longer matches the hash its manifest records; its text, tokens, span, pages or elements were changed`);
      }
    }
    if (version.chunkCount !== manifest.chunks.length) problem('dataset-version', version.id, `dataset version ${version.id}: its record says ${version.chunkCount} chunks, its manifest lists ${manifest.chunks.length}`);
    options.onProgress?.((done += 1));
  }

  return {
    ok: problems.length === 0,
    blobs: blobRecords.length,
    documents: documentHashes.length,
    datasetVersions: versions.length,
    chunks: chunkCount,
    unhashedVersions,
    erased,
    firstBad: problems[0] ?? null,
    problems,
  };
}

const AUDIT_PAGE = 10_000;

/** What the audit log says about stored data: the manifest hash of each build, and erased content. */
export interface AuditFacts {
  /** The manifest hash each dataset.build entry recorded, by version id. */
  buildHashes: Map<string, string>;
  /** The sha256 of every content a source.forget entry erased. */
  forgotten: Set<string>;
}

// The audit log is tamper-evident, so a manifest rewritten together with its version id, or an
// erasure staged by blanking text, still shows up here. Null when the log cannot be read entry by
// entry: the audit check names that problem.
export async function readAuditFacts(audit: Pick<AuditLog, 'list'>): Promise<AuditFacts | null> {
  const facts: AuditFacts = { buildHashes: new Map(), forgotten: new Set() };
  try {
    for (let from = 1; ;) {
      const entries = await audit.list({ from, limit: AUDIT_PAGE });
      for (const entry of entries) {
        const manifestSha256 = entry.options?.manifestSha256;
        const id = entry.subjects[0];
        if (entry.action === 'dataset.build' && typeof manifestSha256 === 'string' && id !== undefined) facts.buildHashes.set(id, manifestSha256);
        if (entry.action === 'source.forget') {
          for (const subject of entry.subjects) if (subject.startsWith('sha256:')) facts.forgotten.add(subject.slice('sha256:'.length));
        }
      }
      const last = entries.at(-1);
      if (entries.length < AUDIT_PAGE || last === undefined) return facts;
      from = last.seq + 1;
    }
  } catch {
    return null;
  }
}
