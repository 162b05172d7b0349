export type ElementKind =
  | 'title'
  | 'heading'
  | 'paragraph'
  | 'list-item'
  | 'table'
  | 'table-row'
  | 'caption'
  | 'code'
  | 'quote'
  | 'formula'
  | 'footnote'
  | 'page-header'
  | 'page-footer';

export const ELEMENT_KINDS: readonly ElementKind[] = [
  'title', 'heading', 'paragraph', 'list-item', 'table', 'table-row', 'caption', 'code', 'quote',
  'formula', 'footnote', 'page-header', 'page-footer',
];

/** PDF user-space box in points, origin at the page's top-left corner (y grows downwards). */
export interface BoundingBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}


/** live: in the tree; deleted: gone from a re-ingested tree (kept, left out of builds); forgotten: erased on request. */
export type SourceState = 'live' | 'deleted' | 'forgotten';

/** A path fabrik has ingested; its content over time is a list of versions. */
export interface SourceRecord {
  id: string;
  path: string;
  createdAt: string;
  state: SourceState;
  /** When the state last changed; null while it has always been live. */
  stateChangedAt: string | null;
  /** The last ingest that found the path (its creation, for a source never seen since). */
  seenAt: string;
}

/** What a new source needs; it starts live, seen when created. */
export type NewSourceRecord = Pick<SourceRecord, 'id' | 'path' | 'createdAt'>;

export interface SourceVersionRecord {
  id: string;
  sourceId: string;
  path: string;
  version: number;
  sha256: string;
  size: number;
  mtimeMs: number;
  createdAt: string;
}

export interface BlobRecord {
  sha256: string;
  size: number;
  mediaType: string | null;
  createdAt: string;
  /** Set when `source forget` erased the bytes and the text derived from them. */
  erasedAt?: string | null;
}

export interface DocumentRecord {
  id: string;
  sha256: string;
  parserVersion: string;
  mediaType: string;
  title: string | null;
  pageCount: number;
  elementCount: number;
  text: string;
  warnings: string[];
  metadata: Record<string, string | number | boolean>;
  createdAt: string;
}

export interface ElementRecord {
  id: string;
  documentId: string;
  ordinal: number;
  kind: ElementKind;
  text: string;
  page: number;
  bbox: BoundingBox | null;
  span: [number, number];
  sourceSpan: [number, number] | null;
  level: number | null;
  attributes: Record<string, unknown> | null;
}

export interface FailureRecord {
  id: number;
  path: string;
  sha256: string | null;
  code: string;
  message: string;
  createdAt: string;
}

export interface ChunkRecord {
  id: string;
  documentId: string;
  text: string;
  tokenCount: number;
  span: [number, number];
  pages: number[];
  elementIds: string[];
}

export interface DatasetVersionRecord {
  id: string;
  dataset: string;
  manifest: string;
  chunkCount: number;
  tokenCount: number;
  documentCount: number;
  options: Record<string, unknown>;
  createdAt: string;
}

export interface ExportRecord {
  id: string;
  versionId: string;
  format: string;
  path: string;
  sha256: string;
  lineCount: number;
  createdAt: string;
}

export interface LineageEdge {
  parent: string;
  child: string;
  relation: string;
}
