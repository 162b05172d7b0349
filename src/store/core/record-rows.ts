/**
 * Rows of the foundry's tables as records. Both adapters (SQLite and PostgreSQL) name their columns
 * alike and store JSON as text, so one set of converters serves both.
 */
import type {
  BlobRecord,
  ChunkRecord,
  DatasetVersionRecord,
  DocumentRecord,
  ElementKind,
  ElementRecord,
  ExportRecord,
  FailureRecord,
  LineageEdge,
  SourceRecord,
  SourceState,
  SourceVersionRecord,
} from './records.ts';

/** A row as a driver returns it: column name to value. */
export type Row = Record<string, unknown>;

export function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function parseJson<T>(value: unknown, fallback: T): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : fallback;
}

export function toBlob(row: Row): BlobRecord {
  return { sha256: String(row.sha256), size: Number(row.size), mediaType: nullableString(row.media_type), createdAt: String(row.created_at), erasedAt: nullableString(row.erased_at) };
}

export function toChunk(row: Row): ChunkRecord {
  return {
    id: String(row.id),
    documentId: String(row.document_id),
    text: String(row.text),
    tokenCount: Number(row.token_count),
    span: [Number(row.span_start), Number(row.span_end)],
    pages: parseJson<number[]>(row.pages, []),
    elementIds: parseJson<string[]>(row.element_ids, []),
  };
}

export function toDatasetVersion(row: Row): DatasetVersionRecord {
  return {
    id: String(row.id),
    dataset: String(row.dataset),
    manifest: String(row.manifest),
    chunkCount: Number(row.chunk_count),
    tokenCount: Number(row.token_count),
    documentCount: Number(row.document_count),
    options: parseJson(row.options, {}),
    createdAt: String(row.created_at),
  };
}

export function toDocument(row: Row): DocumentRecord {
  return {
    id: String(row.id),
    sha256: String(row.sha256),
    parserVersion: String(row.parser_version),
    mediaType: String(row.media_type),
    title: nullableString(row.title),
    pageCount: Number(row.page_count),
    elementCount: Number(row.element_count),
    text: String(row.text ?? ''),
    warnings: parseJson<string[]>(row.warnings, []),
    metadata: parseJson<DocumentRecord['metadata']>(row.metadata, {}),
    createdAt: String(row.created_at),
  };
}

export function toEdge(row: Row): LineageEdge {
  return { parent: String(row.parent), child: String(row.child), relation: String(row.relation) };
}

export function toElement(row: Row): ElementRecord {
  const sourceStart = nullableNumber(row.source_start);
  const sourceEnd = nullableNumber(row.source_end);
  return {
    id: String(row.id),
    documentId: String(row.document_id),
    ordinal: Number(row.ordinal),
    kind: String(row.kind) as ElementKind,
    text: String(row.text),
    page: Number(row.page),
    bbox: parseJson(row.bbox, null),
    span: [Number(row.span_start), Number(row.span_end)],
    sourceSpan: sourceStart === null || sourceEnd === null ? null : [sourceStart, sourceEnd],
    level: nullableNumber(row.level),
    attributes: parseJson(row.attributes, null),
  };
}

export function toExport(row: Row): ExportRecord {
  return {
    id: String(row.id),
    versionId: String(row.version_id),
    format: String(row.format),
    path: String(row.path),
    sha256: String(row.sha256),
    lineCount: Number(row.line_count),
    createdAt: String(row.created_at),
  };
}

export function toSource(row: Row): SourceRecord {
  return {
    id: String(row.id),
    path: String(row.path),
    createdAt: String(row.created_at),
    state: String(row.state ?? 'live') as SourceState,
    stateChangedAt: nullableString(row.state_changed_at),
    seenAt: String(row.seen_at ?? row.created_at),
  };
}

export function toVersion(row: Row): SourceVersionRecord {
  return {
    id: String(row.id),
    sourceId: String(row.source_id),
    path: String(row.path),
    version: Number(row.version),
    sha256: String(row.sha256),
    size: Number(row.size),
    mtimeMs: Number(row.mtime_ms),
    createdAt: String(row.created_at),
  };
}

export function toFailure(row: Row): FailureRecord {
  return {
    id: Number(row.id),
    path: String(row.path),
    sha256: nullableString(row.sha256),
    code: String(row.code),
    message: String(row.message),
    createdAt: String(row.created_at),
  };
}
