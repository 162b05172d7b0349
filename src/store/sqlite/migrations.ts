import type { DatabaseSync } from 'node:sqlite';
import type { ElementKind } from '../core/records.ts';
import { documentContentSha256 } from '../core/content-hash.ts';
import type { ElementRecord } from '../core/records.ts';

/** Schema steps, applied in order; `PRAGMA user_version` records how many have run. A step is SQL or, where SQL cannot compute it, a function. */
const MIGRATIONS: Array<string | ((db: DatabaseSync) => void)> = [
  `
  CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    media_type TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE source_versions (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources(id),
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    size INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (source_id, version)
  );
  CREATE INDEX source_versions_sha256 ON source_versions(sha256);
  CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    parser_version TEXT NOT NULL,
    media_type TEXT NOT NULL,
    title TEXT,
    page_count INTEGER NOT NULL,
    element_count INTEGER NOT NULL,
    text TEXT NOT NULL,
    warnings TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (sha256, parser_version)
  );
  CREATE TABLE elements (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    page INTEGER NOT NULL,
    bbox TEXT,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    source_start INTEGER,
    source_end INTEGER,
    level INTEGER,
    attributes TEXT,
    UNIQUE (document_id, ordinal)
  );
  CREATE TABLE failures (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX failures_sha256 ON failures(sha256);
  CREATE TABLE dataset_versions (
    id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    manifest TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    document_count INTEGER NOT NULL,
    options TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX dataset_versions_dataset ON dataset_versions(dataset, created_at);
  CREATE TABLE chunks (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    text TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    pages TEXT NOT NULL,
    element_ids TEXT NOT NULL
  );
  CREATE INDEX chunks_document ON chunks(document_id);
  CREATE TABLE chunk_elements (
    chunk_id TEXT NOT NULL REFERENCES chunks(id),
    element_id TEXT NOT NULL REFERENCES elements(id),
    PRIMARY KEY (chunk_id, element_id)
  ) WITHOUT ROWID;
  CREATE INDEX chunk_elements_element ON chunk_elements(element_id);
  CREATE TABLE dataset_version_chunks (
    version_id TEXT NOT NULL REFERENCES dataset_versions(id),
    ordinal INTEGER NOT NULL,
    chunk_id TEXT NOT NULL REFERENCES chunks(id),
    PRIMARY KEY (version_id, ordinal)
  ) WITHOUT ROWID;
  CREATE INDEX dataset_version_chunks_chunk ON dataset_version_chunks(chunk_id);
  CREATE TABLE exports (
    id TEXT PRIMARY KEY,
    version_id TEXT NOT NULL REFERENCES dataset_versions(id),
    format TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    line_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE lineage_edges (
    parent TEXT NOT NULL,
    child TEXT NOT NULL,
    relation TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (parent, child, relation)
  ) WITHOUT ROWID;
  CREATE INDEX lineage_edges_child ON lineage_edges(child);
  `,
  // Step 2: source paths linked to documents, deleted and forgotten sources (issue 7, items 1, 2).
  // A source is live, deleted (gone from a re-ingested tree) or forgotten (erased on request);
  // seen_at picks the path an export names when several sources hold one document.
  `
  ALTER TABLE sources ADD COLUMN state TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'deleted', 'forgotten'));
  ALTER TABLE sources ADD COLUMN state_changed_at TEXT;
  ALTER TABLE sources ADD COLUMN seen_at TEXT;
  ALTER TABLE blobs ADD COLUMN erased_at TEXT;
  `,
  // Step 3: content hashes of documents, chunks and dataset versions (issue 7, item 3). Chunks and
  // dataset versions are hashed in the manifest (a new build); documents get a recorded hash,
  // computed here for the rows that exist, so they are covered from this step on.
  (db) => {
    db.exec('ALTER TABLE documents ADD COLUMN content_sha256 TEXT');
    const update = db.prepare('UPDATE documents SET content_sha256 = ? WHERE id = ?');
    const elementsOf = db.prepare('SELECT * FROM elements WHERE document_id = ? ORDER BY ordinal');
    for (const row of db.prepare('SELECT id, sha256, parser_version, media_type, text FROM documents').iterate()) {
      const document = { id: String(row.id), sha256: String(row.sha256), parserVersion: String(row.parser_version), mediaType: String(row.media_type), text: String(row.text ?? '') };
      update.run(documentContentSha256(document, elementsOf.all(document.id).map(elementFromRow)), document.id);
    }
  },
];

// The store's own reading of an element row (sqlite-store.ts toElement), repeated here so that a
// migration does not depend on the store it migrates; migrations.test.ts checks they agree.
function elementFromRow(row: Record<string, unknown>): ElementRecord {
  const optional = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
  const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : null);
  const sourceStart = optional(row.source_start);
  const sourceEnd = optional(row.source_end);
  return {
    id: String(row.id),
    documentId: String(row.document_id),
    ordinal: Number(row.ordinal),
    kind: String(row.kind) as ElementKind,
    text: String(row.text),
    page: Number(row.page),
    bbox: json(row.bbox) as ElementRecord['bbox'],
    span: [Number(row.span_start), Number(row.span_end)],
    sourceSpan: sourceStart === null || sourceEnd === null ? null : [sourceStart, sourceEnd],
    level: optional(row.level),
    attributes: json(row.attributes) as ElementRecord['attributes'],
  };
}

/** Brings the database schema up to date inside one transaction. */
export function migrate(db: DatabaseSync): void {
  const current = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (current >= MIGRATIONS.length) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    const again = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    for (let step = again; step < MIGRATIONS.length; step += 1) {
      const migration = MIGRATIONS[step] ?? '';
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
    }
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
