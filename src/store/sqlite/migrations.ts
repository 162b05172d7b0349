import type { DatabaseSync } from 'node:sqlite';

/** Schema steps, applied in order; `PRAGMA user_version` records how many have run. */
const MIGRATIONS: string[] = [
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
  // Step 3: content hashes of documents, chunks and dataset versions (issue 7, item 3).
  `
  `,
];

/** Brings the database schema up to date inside one transaction. */
export function migrate(db: DatabaseSync): void {
  const current = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (current >= MIGRATIONS.length) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    const again = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    for (let step = again; step < MIGRATIONS.length; step += 1) {
      db.exec(MIGRATIONS[step] ?? '');
    }
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
