import type { AuditAppender } from './audit-store.ts';
import type { JobStore } from './job-store.ts';
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

/** Paths fabrik has ingested and their versions. */
export interface SourceStore {
  findSourceByPath(path: string): Promise<SourceRecord | null>;
  getSource(id: string): Promise<SourceRecord | null>;
  insertSource(source: NewSourceRecord): Promise<void>;
  /** Every source, any state, ordered by path. */
  listSources(): Promise<SourceRecord[]>;
  /** The live sources at `directory` or below it. */
  liveSourcesUnder(directory: string): Promise<SourceRecord[]>;
  setSourceState(id: string, state: SourceState, at: string): Promise<void>;
  /** Records that an ingest found these paths now. */
  markSourcesSeen(paths: readonly string[], at: string): Promise<void>;
  latestVersion(sourceId: string): Promise<SourceVersionRecord | null>;
  listVersions(sourceId: string): Promise<SourceVersionRecord[]>;
  getVersion(id: string): Promise<SourceVersionRecord | null>;
  insertVersion(version: SourceVersionRecord): Promise<void>;
  versionsForBlob(sha256: string): Promise<SourceVersionRecord[]>;
}

/** The records of stored bytes (the bytes themselves are in a BlobStore). */
export interface BlobIndex {
  putBlob(blob: BlobRecord): Promise<boolean>;
  getBlob(sha256: string): Promise<BlobRecord | null>;
  /** Clears the erasure mark of a blob whose bytes are stored again (see `replaceDocument`); returns whether it was marked. */
  restoreBlob(sha256: string): Promise<boolean>;
  /** Every blob record, ordered by sha256 (what `fabrik verify` re-hashes). */
  listBlobs(): Promise<BlobRecord[]>;
}

/** Parsed documents, their elements, and the files that failed to parse. */
export interface DocumentStore {
  findDocument(sha256: string, parserVersion: string): Promise<DocumentRecord | null>;
  getDocument(id: string): Promise<DocumentRecord | null>;
  insertDocument(document: DocumentRecord, elements: ElementRecord[]): Promise<void>;
  listElements(documentId: string): Promise<ElementRecord[]>;
  /** Every document's recorded content hash (`documentContentSha256`, recorded on insert), ordered by id; null when none is recorded. */
  listDocumentHashes(): Promise<Array<{ id: string; contentSha256: string | null }>>;
  getElement(id: string): Promise<ElementRecord | null>;
  getElements(ids: readonly string[]): Promise<ElementRecord[]>;
  /**
   * Erases content on request: blanks the text, title and metadata of every document of this
   * blob, of their elements and chunks, and marks the blob erased. The rows (ids, hashes, spans)
   * stay so lineage and the audit log still resolve. Returns how many documents it blanked.
   */
  eraseContent(sha256: string, at: string): Promise<number>;
  /**
   * Erased content ingested again: replaces the blanked document row (same id) and its elements
   * (same ids, by ordinal) with a fresh parse and records its content hash again. Elements the new
   * parse lacks are removed, with their links to old chunks. Chunks are left as they are: dataset
   * versions built before the erasure keep their blanked text.
   */
  replaceDocument(document: DocumentRecord, elements: ElementRecord[]): Promise<void>;
  /** The newest document of every live source whose latest version parsed and is not erased, ordered by path. */
  currentDocuments(): Promise<CurrentDocument[]>;

  recordFailure(failure: Omit<FailureRecord, 'id'>): Promise<void>;
  /** The failure recorded for this content, if its latest attempt failed. */
  findFailure(sha256: string): Promise<FailureRecord | null>;
  listFailures(): Promise<FailureRecord[]>;
}

/** Dataset versions, their chunks and their exports. */
export interface DatasetStore {
  getDatasetVersion(id: string): Promise<DatasetVersionRecord | null>;
  latestDatasetVersion(dataset: string): Promise<DatasetVersionRecord | null>;
  listDatasetVersions(dataset?: string): Promise<DatasetVersionRecord[]>;
  insertDatasetVersion(version: DatasetVersionRecord, chunks: ChunkRecord[]): Promise<void>;
  chunksOfVersion(versionId: string): Promise<ChunkRecord[]>;
  getChunk(id: string): Promise<ChunkRecord | null>;
  chunksForElement(elementId: string): Promise<ChunkRecord[]>;
  chunksForDocument(documentId: string): Promise<ChunkRecord[]>;
  versionsForChunk(chunkId: string): Promise<DatasetVersionRecord[]>;

  insertExport(record: ExportRecord): Promise<void>;
  getExport(id: string): Promise<ExportRecord | null>;
  exportsForVersion(versionId: string): Promise<ExportRecord[]>;
}

/** The lineage graph: one edge per derivation (version → document → chunk → dataset → export). */
export interface LineageStore {
  addEdge(edge: LineageEdge): Promise<void>;
  parentsOf(id: string): Promise<LineageEdge[]>;
  childrenOf(id: string): Promise<LineageEdge[]>;
}

/** Every foundry slice, as one transaction sees it, with an audit appender bound to the same transaction. */
export interface FoundryTransaction extends SourceStore, BlobIndex, DocumentStore, DatasetStore, LineageStore {
  readonly audit: AuditAppender;
  /** The job queue bound to this transaction: a job completed through it commits or rolls back with the work it recorded. */
  readonly jobs: JobStore;
}

/**
 * The metadata store the foundry writes to. The SQLite adapter is the embedded default; the
 * PostgreSQL adapter implements the same interface. Every write the foundry makes for one file or
 * one build happens inside one `transaction`, together with its audit entries, through the
 * transaction handle; a method called on the store itself runs on its own (a write in its own
 * transaction). Consumers take the slices they use (`SourceStore & LineageStore`, …).
 */
export interface FoundryStore extends SourceStore, BlobIndex, DocumentStore, DatasetStore, LineageStore {
  /** The job queue in the same database (ingest, later recipes); closed with the store. */
  readonly jobs: JobStore;
  /**
   * Runs `work` in one write transaction and commits when its promise resolves (rolls back when it
   * rejects). Use only `tx` inside: calls on the store itself run outside the transaction.
   */
  transaction<T>(work: (tx: FoundryTransaction) => Promise<T>): Promise<T>;
  /** Expands a unique id prefix (at least 6 characters after the kind prefix) to the full id. */
  resolveId(prefix: string): Promise<string | null>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}
