import type { AuditLog } from '../../audit/audit-log.ts';
import type {
  BlobRecord,
  ChunkRecord,
  DatasetVersionRecord,
  DocumentRecord,
  ElementRecord,
  ExportRecord,
  FailureRecord,
  LineageEdge,
  NewSourceRecord,
  SourceRecord,
  SourceState,
  SourceVersionRecord,
} from './records.ts';

/** A document as the current version of one or more sources. */
export interface CurrentDocument {
  document: Omit<DocumentRecord, 'text'>;
  path: string;
  versionId: string;
  version: number;
  /** When an ingest last found this path (see SourceRecord.seenAt). */
  seenAt: string;
}

export interface StoreStats {
  sources: number;
  versions: number;
  blobs: number;
  documents: number;
  elements: number;
  failures: number;
  datasetVersions: number;
  chunks: number;
  exports: number;
}

/**
 * The metadata store the foundry writes to. The SQLite adapter is the embedded default;
 * a PostgreSQL adapter implements the same interface. Every write the foundry makes for one
 * file or one build happens inside one `transaction`, together with its audit entries.
 */
export interface FoundryStore {
  readonly audit: AuditLog;
  /** Runs `fn` in one write transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  close(): void;

  findSourceByPath(path: string): SourceRecord | null;
  getSource(id: string): SourceRecord | null;
  insertSource(source: NewSourceRecord): void;
  /** Every source, any state, ordered by path. */
  listSources(): SourceRecord[];
  /** The live sources at `directory` or below it. */
  liveSourcesUnder(directory: string): SourceRecord[];
  setSourceState(id: string, state: SourceState, at: string): void;
  /** Records that an ingest found these paths now. */
  markSourcesSeen(paths: readonly string[], at: string): void;
  latestVersion(sourceId: string): SourceVersionRecord | null;
  listVersions(sourceId: string): SourceVersionRecord[];
  getVersion(id: string): SourceVersionRecord | null;
  insertVersion(version: SourceVersionRecord): void;
  versionsForBlob(sha256: string): SourceVersionRecord[];

  putBlob(blob: BlobRecord): boolean;
  getBlob(sha256: string): BlobRecord | null;
  /** Clears the erasure mark of a blob whose bytes are stored again (see `replaceDocument`); returns whether it was marked. */
  restoreBlob(sha256: string): boolean;
  /** Every blob record, ordered by sha256 (what `fabrik verify` re-hashes). */
  listBlobs(): BlobRecord[];

  findDocument(sha256: string, parserVersion: string): DocumentRecord | null;
  getDocument(id: string): DocumentRecord | null;
  insertDocument(document: DocumentRecord, elements: ElementRecord[]): void;
  listElements(documentId: string): ElementRecord[];
  /** Every document's recorded content hash (`documentContentSha256`, recorded on insert), ordered by id; null when none is recorded. */
  listDocumentHashes(): Array<{ id: string; contentSha256: string | null }>;
  getElement(id: string): ElementRecord | null;
  getElements(ids: readonly string[]): ElementRecord[];
  /**
   * Erases content on request: blanks the text, title and metadata of every document of this
   * blob, of their elements and chunks, and marks the blob erased. The rows (ids, hashes, spans)
   * stay so lineage and the audit log still resolve. Returns how many documents it blanked.
   */
  eraseContent(sha256: string, at: string): number;
  /**
   * Erased content ingested again: replaces the blanked document row (same id) and its elements
   * (same ids, by ordinal) with a fresh parse and records its content hash again. Elements the new
   * parse lacks are removed, with their links to old chunks. Chunks are left as they are: dataset
   * versions built before the erasure keep their blanked text.
   */
  replaceDocument(document: DocumentRecord, elements: ElementRecord[]): void;
  /** The newest document of every live source whose latest version parsed and is not erased, ordered by path. */
  currentDocuments(): CurrentDocument[];

  recordFailure(failure: Omit<FailureRecord, 'id'>): void;
  /** The failure recorded for this content, if its latest attempt failed. */
  findFailure(sha256: string): FailureRecord | null;
  listFailures(): FailureRecord[];

  getDatasetVersion(id: string): DatasetVersionRecord | null;
  latestDatasetVersion(dataset: string): DatasetVersionRecord | null;
  listDatasetVersions(dataset?: string): DatasetVersionRecord[];
  insertDatasetVersion(version: DatasetVersionRecord, chunks: ChunkRecord[]): void;
  chunksOfVersion(versionId: string): ChunkRecord[];
  getChunk(id: string): ChunkRecord | null;
  chunksForElement(elementId: string): ChunkRecord[];
  chunksForDocument(documentId: string): ChunkRecord[];
  versionsForChunk(chunkId: string): DatasetVersionRecord[];

  insertExport(record: ExportRecord): void;
  getExport(id: string): ExportRecord | null;
  exportsForVersion(versionId: string): ExportRecord[];

  addEdge(edge: LineageEdge): void;
  parentsOf(id: string): LineageEdge[];
  childrenOf(id: string): LineageEdge[];

  /** Expands a unique id prefix (at least 6 characters after the kind prefix) to the full id. */
  resolveId(prefix: string): string | null;
  stats(): StoreStats;
}
