import { canonicalize } from '../../shared/canonical-json.ts';
import { FabrikError } from '../../shared/errors.ts';
import { sha256Hex } from '../../shared/hash.ts';
import { createId } from '../../shared/ids.ts';
import { chunkContentSha256, documentContentSha256 } from '../../store/core/content-hash.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { DatasetStore, DocumentStore, FoundryStore } from '../../store/core/foundry-store.ts';
import type { ChunkRecord, DatasetVersionRecord } from '../../store/core/records.ts';
import type { Chunker, ChunkOptions } from './chunker.ts';
import { runStage, type Stage, type StageOutput, type StageReuse } from './stage.ts';

/**
 * What a dataset version was built from and holds; its canonical JSON hashes to the version id.
 * Each chunk carries the hash of its content (`chunkContentSha256`) and each document its content
 * hash, so the id covers the text an export writes, not only the chunk ids.
 */
export interface DatasetManifest {
  dataset: string;
  tokenizer: string;
  chunker: string;
  options: ChunkOptions;
  documents: Array<{ id: string; sha256: string; contentSha256: string; path: string; version: number; mediaType: string; chunks: number }>;
  chunks: Array<{ id: string; sha256: string }>;
}

/**
 * A stored manifest as read back. Versions built before content hashing list bare chunk ids:
 * their chunks read `sha256: null` and `contentHashed` is false.
 */
export interface StoredManifest extends Omit<DatasetManifest, 'documents' | 'chunks'> {
  documents: Array<Omit<DatasetManifest['documents'][number], 'contentSha256'> & { contentSha256: string | null }>;
  chunks: Array<{ id: string; sha256: string | null }>;
  contentHashed: boolean;
}

export interface BuildResult {
  version: DatasetVersionRecord;
  created: boolean;
}

/** Progress callbacks for a long build: one step per document. */
export interface BuildProgress {
  onStart?: (documents: number) => void;
  onProgress?: (done: number, total: number, path: string) => void;
}

/** What a build works with: the documents it reads, the datasets it writes (in one transaction), the log it checkpoints, who acts and what cuts the chunks. */
export interface BuildServices {
  store: DocumentStore & DatasetStore & Pick<FoundryStore, 'transaction'>;
  audit: Pick<AuditLog, 'checkpoint'>;
  actor: string;
  /** The chunk stage (stages/chunk/document-chunker.ts); its version is the build stage's. */
  chunker: Chunker;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks a dataset name: letters, digits, '.', '_' and '-', starting with a letter or digit. */
export function validateDatasetName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new FabrikError('invalid_option', `dataset name must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(name)}`, { param: 'name' });
  }
  return name;
}

/**
 * Chunks the current version of every ingested document into an immutable dataset version.
 * The version id is the hash of the manifest, so the same documents and options always give
 * the same id; building it again changes nothing.
 */
export async function buildDataset(services: BuildServices, name: string, options: ChunkOptions, progress: BuildProgress = {}): Promise<BuildResult> {
  const { record, created } = await runStage(createDatasetBuildStage(services.chunker), { store: services.store, name, options, progress }, services);
  return { version: record, created };
}

interface BuildInput {
  store: DocumentStore & DatasetStore;
  name: string;
  options: ChunkOptions;
  progress: BuildProgress;
}

/** The build stage: documents in, one dataset version (its chunks, one `input` edge per document, a `dataset.build` entry) out. */
export function createDatasetBuildStage(chunker: Chunker): Stage<BuildInput, DatasetVersionRecord> {
  return { name: 'dataset.build', version: chunker.version, run: (input) => deriveDatasetVersion(input, chunker) };
}

async function deriveDatasetVersion({ store, name, options, progress }: BuildInput, chunker: Chunker): Promise<StageOutput<DatasetVersionRecord> | StageReuse<DatasetVersionRecord>> {
  validateDatasetName(name);
  chunker.validateOptions(options);
  const current = await store.currentDocuments();
  if (current.length === 0) {
    throw new FabrikError('dataset_empty', `dataset ${name}: no documents have been ingested; run \`fabrik ingest <path>\` first`, { param: 'name' });
  }
  // One content under several live paths: the manifest (and every export line) names the path an
  // ingest found most recently, so the copy being worked on wins over an older archive copy.
  const preferred = new Map<string, (typeof current)[number]>();
  for (const entry of current) {
    const best = preferred.get(entry.document.id);
    if (best === undefined || entry.seenAt > best.seenAt) preferred.set(entry.document.id, entry);
  }
  const seen = new Set<string>();
  const recorded = new Map((await store.listDocumentHashes()).map((entry) => [entry.id, entry.contentSha256]));
  const chunks: ChunkRecord[] = [];
  const manifest: DatasetManifest = { dataset: name, tokenizer: chunker.tokenizer, chunker: chunker.version, options: { chunkTokens: options.chunkTokens, overlap: options.overlap }, documents: [], chunks: [] };
  progress.onStart?.(current.length);
  let done = 0;
  for (const listed of current) {
    done += 1;
    progress.onProgress?.(done, current.length, listed.path);
    // The same content under two paths is one document: chunk it once.
    if (seen.has(listed.document.id)) continue;
    seen.add(listed.document.id);
    const entry = preferred.get(listed.document.id) ?? listed;
    const document = await store.getDocument(entry.document.id);
    if (document === null) continue;
    const elements = await store.listElements(document.id);
    // A document whose text or elements changed since it was parsed would pass the change into a
    // dataset under fresh hashes: refuse it.
    const contentSha256 = documentContentSha256(document, elements);
    const expected = recorded.get(document.id) ?? null;
    if (contentSha256 !== expected) {
      throw new FabrikError('data_integrity', `dataset ${name}: document ${document.id} (${entry.path}) ${expected === null ? 'has no recorded content hash' : `no longer matches its recorded content hash (${expected.slice(0, 12)}…, now ${contentSha256.slice(0, 12)}…)`}; its stored text or elements were changed. \`fabrik verify\` lists every mismatch`, { param: document.id });
    }
    const pieces = chunker.chunk(document.text, elements, options);
    for (const piece of pieces) {
      let id = createId('chunk', document.id, piece.span[0], piece.span[1]);
      // A chunk built before `source forget` blanked it keeps its id and blank text for the versions
      // that hold it; content ingested again since gets ids of its own, marked by the time of that parse.
      if (piece.text !== '' && (await store.getChunk(id))?.text === '') id = createId('chunk', document.id, piece.span[0], piece.span[1], document.createdAt);
      const chunk: ChunkRecord = { id, documentId: document.id, text: piece.text, tokenCount: piece.tokenCount, span: piece.span, pages: piece.pages, elementIds: piece.elementIds };
      chunks.push(chunk);
      manifest.chunks.push({ id, sha256: chunkContentSha256(chunk) });
    }
    manifest.documents.push({ id: document.id, sha256: document.sha256, contentSha256, path: entry.path, version: entry.version, mediaType: document.mediaType, chunks: pieces.length });
  }
  const manifestJson = canonicalize(manifest);
  const id = datasetVersionId(manifestJson);
  const existing = await store.getDatasetVersion(id);
  if (existing !== null) return { existing };
  const version: DatasetVersionRecord = {
    id,
    dataset: name,
    manifest: manifestJson,
    chunkCount: chunks.length,
    tokenCount: chunks.reduce((sum, chunk) => sum + chunk.tokenCount, 0),
    documentCount: manifest.documents.length,
    options: { ...manifest.options, tokenizer: chunker.tokenizer, chunker: chunker.version },
    createdAt: new Date().toISOString(),
  };
  return {
    record: version,
    subject: id,
    write: (tx) => tx.insertDatasetVersion(version, chunks),
    parents: manifest.documents.map((document) => ({ id: document.id, relation: 'input' })),
    subjects: [id, ...manifest.documents.map((document) => document.id)],
    options: { dataset: name, ...version.options, chunks: version.chunkCount, tokens: version.tokenCount, manifestSha256: sha256Hex(manifestJson) },
    figures: { chunks: version.chunkCount, tokens: version.tokenCount },
  };
}

/** Finds `name`, `name@latest` or `name@<version id or prefix>`; errors name what is missing. */
export async function resolveDatasetVersion(store: DatasetStore, reference: string): Promise<DatasetVersionRecord> {
  const at = reference.indexOf('@');
  const name = at < 0 ? reference : reference.slice(0, at);
  const wanted = at < 0 ? 'latest' : reference.slice(at + 1);
  validateDatasetName(name);
  if (wanted === 'latest' || wanted === '') {
    const latest = await store.latestDatasetVersion(name);
    if (latest === null) throw new FabrikError('not_found', `dataset ${name} has no versions; build one with \`fabrik dataset build ${name}\``, { param: 'name' });
    return latest;
  }
  const candidates = (await store.listDatasetVersions(name)).filter((version) => version.id === wanted || version.id.startsWith(wanted) || version.id.startsWith(`dsv_${wanted}`));
  if (candidates.length === 0) throw new FabrikError('not_found', `dataset ${name} has no version ${wanted}; \`fabrik dataset show ${name}\` lists them`, { param: 'version' });
  if (candidates.length > 1) throw new FabrikError('ambiguous_id', `version prefix ${wanted} matches ${candidates.length} versions of ${name}; give more characters`, { param: 'version' });
  return candidates[0] as DatasetVersionRecord;
}

/** The manifest stored with a version, parsed; a manifest from before content hashing reads with null hashes. */
export function readManifest(version: DatasetVersionRecord): StoredManifest {
  const manifest = JSON.parse(version.manifest) as Omit<StoredManifest, 'chunks' | 'contentHashed'> & { chunks: Array<string | { id: string; sha256: string }> };
  const chunks = manifest.chunks.map((chunk) => (typeof chunk === 'string' ? { id: chunk, sha256: null } : chunk));
  return {
    ...manifest,
    documents: manifest.documents.map((document) => ({ ...document, contentSha256: document.contentSha256 ?? null })),
    chunks,
    contentHashed: chunks.every((chunk) => chunk.sha256 !== null) && manifest.documents.every((document) => typeof document.contentSha256 === 'string'),
  };
}

/** The version id a manifest's stored text hashes to. */
export function datasetVersionId(manifestJson: string): string {
  return `dsv_${sha256Hex(manifestJson).slice(0, 24)}`;
}
