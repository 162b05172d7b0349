import type { AuditLog } from '../../audit/audit-log.ts';
import type { AuditAppender } from '../core/audit-store.ts';
import type { JobStore } from '../core/job-store.ts';
import { createSqliteJobStore } from './sqlite-job-store.ts';
import type {
  BlobIndex,
  CurrentDocument,
  DatasetStore,
  DocumentStore,
  FoundryStore,
  FoundryTransaction,
  LineageStore,
  SourceStore,
  StoreStats,
} from '../core/foundry-store.ts';
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
} from '../core/records.ts';
import { nullableString, toBlob, toChunk, toDatasetVersion, toDocument, toEdge, toElement, toExport, toFailure, toSource, toVersion } from '../core/record-rows.ts';
import { FabrikError } from '../../shared/errors.ts';
import { documentContentSha256 } from '../core/content-hash.ts';
import { migrate } from './migrations.ts';
import { openSqliteDatabase, SqliteDatabase, type SqliteOpenOptions } from './sqlite-database.ts';

export type SqliteStoreOptions = SqliteOpenOptions;

type Row = Record<string, unknown>;

/** Opens (creating on demand) the embedded store: one SQLite file in WAL mode. */
export function openSqliteStore(options: SqliteStoreOptions): FoundryStore & { readonly audit: AuditLog } {
  const { sql, audit } = openSqliteDatabase(options, 'store', migrate);
  // The queue shares the connection: a job completed inside a foundry transaction joins it.
  return new SqliteStore(sql, audit, createSqliteJobStore(sql));
}

/**
 * Every foundry slice over one connection. Reads run at once; writes go through `write`: on the
 * store, each in its own transaction (queued behind one that is open, never joining it); on a
 * transaction handle, straight into that transaction.
 */
class SqliteSlices implements SourceStore, BlobIndex, DocumentStore, DatasetStore, LineageStore {
  readonly #sql: SqliteDatabase;
  readonly #write: <T>(work: () => T) => Promise<T>;

  constructor(sql: SqliteDatabase, write: <T>(work: () => T) => Promise<T>) {
    this.#sql = sql;
    this.#write = write;
  }

  async findSourceByPath(path: string): Promise<SourceRecord | null> {
    const row = this.#sql.get('SELECT * FROM sources WHERE path = ?', path);
    return row === undefined ? null : toSource(row);
  }

  async getSource(id: string): Promise<SourceRecord | null> {
    const row = this.#sql.get('SELECT * FROM sources WHERE id = ?', id);
    return row === undefined ? null : toSource(row);
  }

  insertSource(source: NewSourceRecord): Promise<void> {
    return this.#write(() => void this.#sql.run('INSERT INTO sources (id, path, created_at, seen_at) VALUES (?, ?, ?, ?)', source.id, source.path, source.createdAt, source.createdAt));
  }

  async listSources(): Promise<SourceRecord[]> {
    return this.#sql.all('SELECT * FROM sources ORDER BY path').map(toSource);
  }

  async liveSourcesUnder(directory: string): Promise<SourceRecord[]> {
    // A range on the path index: every path that starts with "directory/" sorts between "directory/" and "directory0".
    const root = directory.endsWith('/') ? directory.slice(0, -1) : directory;
    return this.#sql.all(
      "SELECT * FROM sources WHERE state = 'live' AND (path = ? OR (path > ? AND path < ?)) ORDER BY path",
      root, `${root}/`, `${root}0`,
    ).map(toSource);
  }

  setSourceState(id: string, state: SourceState, at: string): Promise<void> {
    return this.#write(() => void this.#sql.run('UPDATE sources SET state = ?, state_changed_at = ? WHERE id = ?', state, at, id));
  }

  markSourcesSeen(paths: readonly string[], at: string): Promise<void> {
    return this.#write(() => {
      const update = this.#sql.statement('UPDATE sources SET seen_at = ? WHERE path = ?');
      for (const path of paths) update.run(at, path);
    });
  }

  eraseContent(sha256: string, at: string): Promise<number> {
    return this.#write(() => {
      const documents = this.#sql.all('SELECT id FROM documents WHERE sha256 = ?', sha256).map((row) => String(row.id));
      for (const id of documents) {
        this.#sql.run("UPDATE documents SET text = '', title = NULL, warnings = '[]', metadata = '{}' WHERE id = ?", id);
        this.#sql.run("UPDATE elements SET text = '', attributes = NULL WHERE document_id = ?", id);
        this.#sql.run("UPDATE chunks SET text = '' WHERE document_id = ?", id);
      }
      this.#sql.run('UPDATE blobs SET erased_at = ? WHERE sha256 = ?', at, sha256);
      return documents.length;
    });
  }

  async latestVersion(sourceId: string): Promise<SourceVersionRecord | null> {
    const row = this.#sql.get(`${VERSION_SELECT} WHERE v.source_id = ? ORDER BY v.version DESC LIMIT 1`, sourceId);
    return row === undefined ? null : toVersion(row);
  }

  async listVersions(sourceId: string): Promise<SourceVersionRecord[]> {
    return this.#sql.all(`${VERSION_SELECT} WHERE v.source_id = ? ORDER BY v.version`, sourceId).map(toVersion);
  }

  async getVersion(id: string): Promise<SourceVersionRecord | null> {
    const row = this.#sql.get(`${VERSION_SELECT} WHERE v.id = ?`, id);
    return row === undefined ? null : toVersion(row);
  }

  insertVersion(version: SourceVersionRecord): Promise<void> {
    return this.#write(() => {
      this.#sql.run(
        'INSERT INTO source_versions (id, source_id, version, sha256, size, mtime_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        version.id, version.sourceId, version.version, version.sha256, version.size, version.mtimeMs, version.createdAt,
      );
    });
  }

  async versionsForBlob(sha256: string): Promise<SourceVersionRecord[]> {
    return this.#sql.all(`${VERSION_SELECT} WHERE v.sha256 = ? ORDER BY s.path, v.version`, sha256).map(toVersion);
  }

  putBlob(blob: BlobRecord): Promise<boolean> {
    return this.#write(() => this.#sql.run('INSERT OR IGNORE INTO blobs (sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)', blob.sha256, blob.size, blob.mediaType, blob.createdAt) > 0);
  }

  async getBlob(sha256: string): Promise<BlobRecord | null> {
    const row = this.#sql.get('SELECT * FROM blobs WHERE sha256 = ?', sha256);
    return row === undefined ? null : toBlob(row);
  }

  restoreBlob(sha256: string): Promise<boolean> {
    return this.#write(() => this.#sql.run('UPDATE blobs SET erased_at = NULL WHERE sha256 = ? AND erased_at IS NOT NULL', sha256) > 0);
  }

  async listBlobs(): Promise<BlobRecord[]> {
    return this.#sql.all('SELECT * FROM blobs ORDER BY sha256').map(toBlob);
  }

  async findDocument(sha256: string, parserVersion: string): Promise<DocumentRecord | null> {
    const row = this.#sql.get('SELECT * FROM documents WHERE sha256 = ? AND parser_version = ?', sha256, parserVersion);
    return row === undefined ? null : toDocument(row);
  }

  async getDocument(id: string): Promise<DocumentRecord | null> {
    const row = this.#sql.get('SELECT * FROM documents WHERE id = ?', id);
    return row === undefined ? null : toDocument(row);
  }

  insertDocument(document: DocumentRecord, elements: ElementRecord[]): Promise<void> {
    return this.#write(() => {
      this.#sql.run(
        `INSERT INTO documents (id, sha256, parser_version, media_type, title, page_count, element_count, text, warnings, metadata, created_at, content_sha256)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        document.id, document.sha256, document.parserVersion, document.mediaType, document.title, document.pageCount,
        document.elementCount, document.text, JSON.stringify(document.warnings), JSON.stringify(document.metadata), document.createdAt,
        documentContentSha256(document, elements),
      );
      const insert = this.#sql.statement(
        `INSERT INTO elements (id, document_id, ordinal, kind, text, page, bbox, span_start, span_end, source_start, source_end, level, attributes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const element of elements) insert.run(...elementRow(element));
    });
  }

  replaceDocument(document: DocumentRecord, elements: ElementRecord[]): Promise<void> {
    return this.#write(() => {
      const changed = this.#sql.run(
        `UPDATE documents SET media_type = ?, title = ?, page_count = ?, element_count = ?, text = ?, warnings = ?, metadata = ?, created_at = ?, content_sha256 = ?
         WHERE id = ? AND sha256 = ? AND parser_version = ?`,
        document.mediaType, document.title, document.pageCount, document.elementCount, document.text, JSON.stringify(document.warnings),
        JSON.stringify(document.metadata), document.createdAt, documentContentSha256(document, elements), document.id, document.sha256, document.parserVersion,
      );
      if (changed === 0) throw new FabrikError('internal', `document ${document.id}: no stored document to replace for sha256:${document.sha256} and parser ${document.parserVersion}`);
      // Same bytes and parser give the same elements, so this is normally a no-op: an element the new
      // parse lacks goes, and the old (blanked) chunks lose their link to it rather than block the delete.
      const extra = 'SELECT id FROM elements WHERE document_id = ? AND ordinal >= ?';
      this.#sql.run(`DELETE FROM chunk_elements WHERE element_id IN (${extra})`, document.id, elements.length);
      this.#sql.run(`DELETE FROM elements WHERE id IN (${extra})`, document.id, elements.length);
      const upsert = this.#sql.statement(
        `INSERT INTO elements (id, document_id, ordinal, kind, text, page, bbox, span_start, span_end, source_start, source_end, level, attributes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET ordinal = excluded.ordinal, kind = excluded.kind, text = excluded.text, page = excluded.page, bbox = excluded.bbox,
           span_start = excluded.span_start, span_end = excluded.span_end, source_start = excluded.source_start, source_end = excluded.source_end,
           level = excluded.level, attributes = excluded.attributes`,
      );
      for (const element of elements) upsert.run(...elementRow(element));
    });
  }

  async listElements(documentId: string): Promise<ElementRecord[]> {
    return this.#sql.all('SELECT * FROM elements WHERE document_id = ? ORDER BY ordinal', documentId).map(toElement);
  }

  async listDocumentHashes(): Promise<Array<{ id: string; contentSha256: string | null }>> {
    return this.#sql.all('SELECT id, content_sha256 FROM documents ORDER BY id').map((row) => ({ id: String(row.id), contentSha256: nullableString(row.content_sha256) }));
  }

  async getElement(id: string): Promise<ElementRecord | null> {
    const row = this.#sql.get('SELECT * FROM elements WHERE id = ?', id);
    return row === undefined ? null : toElement(row);
  }

  async getElements(ids: readonly string[]): Promise<ElementRecord[]> {
    const elements: ElementRecord[] = [];
    for (const id of ids) {
      const row = this.#sql.get('SELECT * FROM elements WHERE id = ?', id);
      if (row !== undefined) elements.push(toElement(row));
    }
    return elements;
  }

  async currentDocuments(): Promise<CurrentDocument[]> {
    const rows = this.#sql.all(
      `SELECT s.path, s.seen_at, s.created_at AS source_created_at, v.id AS version_id, v.version, d.id, d.sha256, d.parser_version, d.media_type, d.title, d.page_count,
              d.element_count, d.warnings, d.metadata, d.created_at
       FROM sources s
       JOIN source_versions v ON v.source_id = s.id AND v.version = (SELECT MAX(version) FROM source_versions WHERE source_id = s.id)
       JOIN documents d ON d.id = (SELECT id FROM documents WHERE sha256 = v.sha256 ORDER BY created_at DESC LIMIT 1)
       JOIN blobs b ON b.sha256 = v.sha256 AND b.erased_at IS NULL
       WHERE s.state = 'live'
       ORDER BY s.path`,
    );
    return rows.map((row) => ({
      document: toDocumentSummary(row),
      path: String(row.path),
      versionId: String(row.version_id),
      version: Number(row.version),
      seenAt: String(row.seen_at ?? row.source_created_at),
    }));
  }

  recordFailure(failure: Omit<FailureRecord, 'id'>): Promise<void> {
    return this.#write(() => void this.#sql.run('INSERT INTO failures (path, sha256, code, message, created_at) VALUES (?, ?, ?, ?, ?)', failure.path, failure.sha256, failure.code, failure.message, failure.createdAt));
  }

  async findFailure(sha256: string): Promise<FailureRecord | null> {
    const row = this.#sql.get('SELECT * FROM failures WHERE sha256 = ? ORDER BY id DESC LIMIT 1', sha256);
    return row === undefined ? null : toFailure(row);
  }

  async listFailures(): Promise<FailureRecord[]> {
    return this.#sql.all('SELECT * FROM failures ORDER BY id').map(toFailure);
  }

  async getDatasetVersion(id: string): Promise<DatasetVersionRecord | null> {
    const row = this.#sql.get('SELECT * FROM dataset_versions WHERE id = ?', id);
    return row === undefined ? null : toDatasetVersion(row);
  }

  async latestDatasetVersion(dataset: string): Promise<DatasetVersionRecord | null> {
    const row = this.#sql.get('SELECT * FROM dataset_versions WHERE dataset = ? ORDER BY created_at DESC, rowid DESC LIMIT 1', dataset);
    return row === undefined ? null : toDatasetVersion(row);
  }

  async listDatasetVersions(dataset?: string): Promise<DatasetVersionRecord[]> {
    const rows = dataset === undefined
      ? this.#sql.all('SELECT * FROM dataset_versions ORDER BY dataset, created_at, rowid')
      : this.#sql.all('SELECT * FROM dataset_versions WHERE dataset = ? ORDER BY created_at, rowid', dataset);
    return rows.map(toDatasetVersion);
  }

  insertDatasetVersion(version: DatasetVersionRecord, chunks: ChunkRecord[]): Promise<void> {
    return this.#write(() => {
      this.#sql.run(
        `INSERT INTO dataset_versions (id, dataset, manifest, chunk_count, token_count, document_count, options, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        version.id, version.dataset, version.manifest, version.chunkCount, version.tokenCount, version.documentCount,
        JSON.stringify(version.options), version.createdAt,
      );
      const insertChunk = this.#sql.statement(
        `INSERT OR IGNORE INTO chunks (id, document_id, text, token_count, span_start, span_end, pages, element_ids)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insertChunkElement = this.#sql.statement('INSERT OR IGNORE INTO chunk_elements (chunk_id, element_id) VALUES (?, ?)');
      const insertMember = this.#sql.statement('INSERT INTO dataset_version_chunks (version_id, ordinal, chunk_id) VALUES (?, ?, ?)');
      chunks.forEach((chunk, ordinal) => {
        const inserted = insertChunk.run(
          chunk.id, chunk.documentId, chunk.text, chunk.tokenCount, chunk.span[0], chunk.span[1],
          JSON.stringify(chunk.pages), JSON.stringify(chunk.elementIds),
        ).changes;
        if (Number(inserted) > 0) {
          for (const elementId of chunk.elementIds) insertChunkElement.run(chunk.id, elementId);
        }
        insertMember.run(version.id, ordinal, chunk.id);
      });
    });
  }

  async chunksOfVersion(versionId: string): Promise<ChunkRecord[]> {
    return this.#sql.all(
      'SELECT c.* FROM dataset_version_chunks m JOIN chunks c ON c.id = m.chunk_id WHERE m.version_id = ? ORDER BY m.ordinal',
      versionId,
    ).map(toChunk);
  }

  async getChunk(id: string): Promise<ChunkRecord | null> {
    const row = this.#sql.get('SELECT * FROM chunks WHERE id = ?', id);
    return row === undefined ? null : toChunk(row);
  }

  async chunksForElement(elementId: string): Promise<ChunkRecord[]> {
    return this.#sql.all('SELECT c.* FROM chunk_elements ce JOIN chunks c ON c.id = ce.chunk_id WHERE ce.element_id = ? ORDER BY c.id', elementId).map(toChunk);
  }

  async chunksForDocument(documentId: string): Promise<ChunkRecord[]> {
    return this.#sql.all('SELECT * FROM chunks WHERE document_id = ? ORDER BY span_start, id', documentId).map(toChunk);
  }

  async versionsForChunk(chunkId: string): Promise<DatasetVersionRecord[]> {
    return this.#sql.all(
      'SELECT DISTINCT v.* FROM dataset_version_chunks m JOIN dataset_versions v ON v.id = m.version_id WHERE m.chunk_id = ? ORDER BY v.created_at',
      chunkId,
    ).map(toDatasetVersion);
  }

  insertExport(record: ExportRecord): Promise<void> {
    return this.#write(() => {
      this.#sql.run(
        'INSERT OR REPLACE INTO exports (id, version_id, format, path, sha256, line_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        record.id, record.versionId, record.format, record.path, record.sha256, record.lineCount, record.createdAt,
      );
    });
  }

  async getExport(id: string): Promise<ExportRecord | null> {
    const row = this.#sql.get('SELECT * FROM exports WHERE id = ?', id);
    return row === undefined ? null : toExport(row);
  }

  async exportsForVersion(versionId: string): Promise<ExportRecord[]> {
    return this.#sql.all('SELECT * FROM exports WHERE version_id = ? ORDER BY created_at', versionId).map(toExport);
  }

  addEdge(edge: LineageEdge): Promise<void> {
    return this.#write(() => void this.#sql.run('INSERT OR IGNORE INTO lineage_edges (parent, child, relation, created_at) VALUES (?, ?, ?, ?)', edge.parent, edge.child, edge.relation, new Date().toISOString()));
  }

  async parentsOf(id: string): Promise<LineageEdge[]> {
    return this.#sql.all('SELECT parent, child, relation FROM lineage_edges WHERE child = ? ORDER BY created_at, parent', id).map(toEdge);
  }

  async childrenOf(id: string): Promise<LineageEdge[]> {
    return this.#sql.all('SELECT parent, child, relation FROM lineage_edges WHERE parent = ? ORDER BY created_at, child', id).map(toEdge);
  }

}

class SqliteStore extends SqliteSlices implements FoundryStore {
  readonly audit: AuditLog;
  readonly jobs: JobStore;
  readonly #sql: SqliteDatabase;

  constructor(sql: SqliteDatabase, audit: AuditLog, jobs: JobStore) {
    super(sql, (work) => sql.transaction(async () => work()));
    this.#sql = sql;
    this.audit = audit;
    this.jobs = jobs;
  }

  async transaction<T>(work: (tx: FoundryTransaction) => Promise<T>): Promise<T> {
    return this.#sql.transaction(async () => {
      const tx = new SqliteTransaction(this.#sql, this.audit, this.jobs);
      try {
        return await work(tx);
      } finally {
        tx.end();
      }
    });
  }

  async resolveId(prefix: string): Promise<string | null> {
    const table = ID_TABLES[prefix.slice(0, prefix.indexOf('_'))];
    if (table === undefined) return null;
    const rows = this.#sql.all(`SELECT id FROM ${table} WHERE id >= ? AND id < ? ORDER BY id LIMIT 2`, prefix, `${prefix}\uffff`);
    if (rows.length > 1) throw new FabrikError('ambiguous_id', `id prefix ${prefix} matches more than one object; give more characters`, { param: 'id' });
    return rows.length === 1 ? String(rows[0]?.id) : null;
  }

  async stats(): Promise<StoreStats> {
    const count = (table: string): number => Number((this.#sql.get(`SELECT COUNT(*) AS n FROM ${table}`) as Row).n);
    return {
      sources: count('sources'),
      versions: count('source_versions'),
      blobs: count('blobs'),
      documents: count('documents'),
      elements: count('elements'),
      failures: count('failures'),
      datasetVersions: count('dataset_versions'),
      chunks: count('chunks'),
      exports: count('exports'),
    };
  }

  async close(): Promise<void> {
    this.#sql.close();
  }
}

/** The handle `transaction` passes to its work: writes join the open transaction; the audit log's appends join it too (one connection). */
class SqliteTransaction extends SqliteSlices implements FoundryTransaction {
  readonly audit: AuditAppender;
  /** The store's own queue: on this connection its writes join the open transaction. */
  readonly jobs: JobStore;
  #open = true;

  constructor(sql: SqliteDatabase, audit: AuditAppender, jobs: JobStore) {
    super(sql, async (work) => {
      // A write after the commit would run on its own, outside any transaction: a caller's bug.
      if (!this.#open) throw new Error('programming error: a foundry transaction handle was used after its transaction ended');
      return work();
    });
    this.audit = audit;
    this.jobs = jobs;
  }

  /** Called when the transaction commits or rolls back. */
  end(): void {
    this.#open = false;
  }
}

const ID_TABLES: Record<string, string> = {
  src: 'sources',
  ver: 'source_versions',
  doc: 'documents',
  el: 'elements',
  chk: 'chunks',
  dsv: 'dataset_versions',
  exp: 'exports',
};

const VERSION_SELECT = 'SELECT v.*, s.path FROM source_versions v JOIN sources s ON s.id = v.source_id';

/** An element's column values in the order of the elements table. */
function elementRow(element: ElementRecord): Array<string | number | null> {
  return [
    element.id, element.documentId, element.ordinal, element.kind, element.text, element.page,
    element.bbox === null ? null : JSON.stringify(element.bbox), element.span[0], element.span[1],
    element.sourceSpan?.[0] ?? null, element.sourceSpan?.[1] ?? null, element.level,
    element.attributes === null ? null : JSON.stringify(element.attributes),
  ];
}

function toDocumentSummary(row: Row): Omit<DocumentRecord, 'text'> {
  const { text: _text, ...summary } = toDocument(row);
  return summary;
}

