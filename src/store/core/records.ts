import type { BoundingBox, ElementKind } from '../../foundry/core/parsed-document.ts';

/** A path fabrik has ingested; its content over time is a list of versions. */
export interface SourceRecord {
  id: string;
  path: string;
  createdAt: string;
}

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
