import { openAuditLog, type AuditLog } from '../../audit/audit-log.ts';
import { FabrikError } from '../../shared/errors.ts';
import { documentContentSha256 } from '../core/content-hash.ts';
import type { CurrentDocument, FoundryStore, FoundryTransaction, StoreStats } from '../core/foundry-store.ts';
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
import { createPostgresAuditStore } from './postgres-audit-store.ts';
import { createPostgresJobStore, migratePostgresJobs, type PostgresJobStore } from './postgres-job-store.ts';
import { AUDIT_APPEND_LOCK, LOCK_CLASS, PostgresDatabase, type PostgresOpenOptions, type PostgresQueryable, type PostgresTransaction, type Row } from './postgres-database.ts';
import { migratePostgres } from './postgres-migrations.ts';

export type PostgresStoreOptions = PostgresOpenOptions;

/**
 * Opens the foundry's store in PostgreSQL (migrating the schema first, under a lock) with the
 * audit log in the same database. Connection failures are store_error naming FABRIK_DATABASE_URL.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<FoundryStore & { readonly audit: AuditLog }> {
  const db = new PostgresDatabase(options.url, options.poolSize);
  try {
    await db.connect();
    await migratePostgres(db);
    await migratePostgresJobs(db);
    const audit = openAuditLog(createPostgresAuditStore(db), {
      keyDir: options.keyDir,
      origin: options.origin,
      codeVersion: options.codeVersion,
      ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }),
    });
    return new PostgresStore(db, audit);
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * A foundry write transaction holds the audit log's append lock from its start, as SQLite's BEGIN
 * IMMEDIATE holds the write lock: every such transaction appends to the one log anyway, and taking
 * the lock first makes a read-then-write (is this blob's document parsed yet?) safe across
 * processes. Parsing happens before the transaction, so what waits is only the writing.
 */
const WRITE_LOCK = `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${AUDIT_APPEND_LOCK})`;

const ELEMENT_COLUMNS = 'id, document_id, ordinal, kind, text, page, bbox, span_start, span_end, source_start, source_end, level, attributes';
const ELEMENT_UNNEST = 'unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::int[], $10::bigint[], $11::bigint[], $12::int[], $13::text[])';
const VERSION_SELECT = 'SELECT v.*, s.path FROM source_versions v JOIN sources s ON s.id = v.source_id';

const ID_TABLES: Record<string, string> = {
  src: 'sources',
  ver: 'source_versions',
  doc: 'documents',
  el: 'elements',
  chk: 'chunks',
  dsv: 'dataset_versions',
  exp: 'exports',
};

/**
 * Every foundry query, over one connection or the pool. `write` runs a write: inside the
 * transaction when bound to one, else in a transaction of its own (several statements commit
 * together, and a write queues behind a transaction holding the lock as it would in SQLite).
 */
class FoundryQueries {
  protected readonly sql: PostgresQueryable;
  readonly #write: <T>(work: (queries: FoundryQueries) => Promise<T>) => Promise<T>;

  constructor(sql: PostgresQueryable, write: <T>(work: (queries: FoundryQueries) => Promise<T>) => Promise<T>) {
    this.sql = sql;
    this.#write = write;
  }

  async #one(text: string, values: readonly unknown[]): Promise<Row | undefined> {
    return (await this.sql.query(text, values))[0];
  }

  async findSourceByPath(path: string): Promise<SourceRecord | null> {
    const row = await this.#one('SELECT * FROM sources WHERE path = $1', [path]);
    return row === undefined ? null : toSource(row);
  }

  async getSource(id: string): Promise<SourceRecord | null> {
    const row = await this.#one('SELECT * FROM sources WHERE id = $1', [id]);
    return row === undefined ? null : toSource(row);
  }

  insertSource(source: NewSourceRecord): Promise<void> {
    return this.#write(async (q) => void await q.sql.execute('INSERT INTO sources (id, path, created_at, seen_at) VALUES ($1, $2, $3, $3)', [source.id, source.path, source.createdAt]));
  }

  async listSources(): Promise<SourceRecord[]> {
    return (await this.sql.query('SELECT * FROM sources ORDER BY path')).map(toSource);
  }

  async liveSourcesUnder(directory: string): Promise<SourceRecord[]> {
    // A range on the path index (C collation): every path that starts with "directory/" sorts between "directory/" and "directory0".
    const root = directory.endsWith('/') ? directory.slice(0, -1) : directory;
    return (await this.sql.query("SELECT * FROM sources WHERE state = 'live' AND (path = $1 OR (path > $2 AND path < $3)) ORDER BY path", [root, `${root}/`, `${root}0`])).map(toSource);
  }

  setSourceState(id: string, state: SourceState, at: string): Promise<void> {
    return this.#write(async (q) => void await q.sql.execute('UPDATE sources SET state = $1, state_changed_at = $2 WHERE id = $3', [state, at, id]));
  }

  markSourcesSeen(paths: readonly string[], at: string): Promise<void> {
    if (paths.length === 0) return Promise.resolve();
    return this.#write(async (q) => void await q.sql.execute('UPDATE sources SET seen_at = $1 WHERE path = ANY($2::text[])', [at, paths]));
  }

  eraseContent(sha256: string, at: string): Promise<number> {
    return this.#write(async (q) => {
      const documents = (await q.sql.query('SELECT id FROM documents WHERE sha256 = $1', [sha256])).map((row) => String(row.id));
      if (documents.length > 0) {
        await q.sql.execute("UPDATE documents SET text = '', title = NULL, warnings = '[]', metadata = '{}' WHERE id = ANY($1::text[])", [documents]);
        await q.sql.execute("UPDATE elements SET text = '', attributes = NULL WHERE document_id = ANY($1::text[])", [documents]);
        await q.sql.execute("UPDATE chunks SET text = '' WHERE document_id = ANY($1::text[])", [documents]);
      }
      await q.sql.execute('UPDATE blobs SET erased_at = $1 WHERE sha256 = $2', [at, sha256]);
      return documents.length;
    });
  }

  async latestVersion(sourceId: string): Promise<SourceVersionRecord | null> {
    const row = await this.#one(`${VERSION_SELECT} WHERE v.source_id = $1 ORDER BY v.version DESC LIMIT 1`, [sourceId]);
    return row === undefined ? null : toVersion(row);
  }

  async listVersions(sourceId: string): Promise<SourceVersionRecord[]> {
    return (await this.sql.query(`${VERSION_SELECT} WHERE v.source_id = $1 ORDER BY v.version`, [sourceId])).map(toVersion);
  }

  async getVersion(id: string): Promise<SourceVersionRecord | null> {
    const row = await this.#one(`${VERSION_SELECT} WHERE v.id = $1`, [id]);
    return row === undefined ? null : toVersion(row);
  }

  insertVersion(version: SourceVersionRecord): Promise<void> {
    return this.#write(async (q) => void await q.sql.execute(
      'INSERT INTO source_versions (id, source_id, version, sha256, size, mtime_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [version.id, version.sourceId, version.version, version.sha256, version.size, Math.trunc(version.mtimeMs), version.createdAt],
    ));
  }

  async versionsForBlob(sha256: string): Promise<SourceVersionRecord[]> {
    return (await this.sql.query(`${VERSION_SELECT} WHERE v.sha256 = $1 ORDER BY s.path, v.version`, [sha256])).map(toVersion);
  }

  putBlob(blob: BlobRecord): Promise<boolean> {
    return this.#write(async (q) => (await q.sql.execute(
      'INSERT INTO blobs (sha256, size, media_type, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING',
      [blob.sha256, blob.size, blob.mediaType, blob.createdAt],
    )) > 0);
  }

  async getBlob(sha256: string): Promise<BlobRecord | null> {
    const row = await this.#one('SELECT * FROM blobs WHERE sha256 = $1', [sha256]);
    return row === undefined ? null : toBlob(row);
  }

  restoreBlob(sha256: string): Promise<boolean> {
    return this.#write(async (q) => (await q.sql.execute('UPDATE blobs SET erased_at = NULL WHERE sha256 = $1 AND erased_at IS NOT NULL', [sha256])) > 0);
  }

  async listBlobs(): Promise<BlobRecord[]> {
    return (await this.sql.query('SELECT * FROM blobs ORDER BY sha256')).map(toBlob);
  }

  async findDocument(sha256: string, parserVersion: string): Promise<DocumentRecord | null> {
    const row = await this.#one('SELECT * FROM documents WHERE sha256 = $1 AND parser_version = $2', [sha256, parserVersion]);
    return row === undefined ? null : toDocument(row);
  }

  async getDocument(id: string): Promise<DocumentRecord | null> {
    const row = await this.#one('SELECT * FROM documents WHERE id = $1', [id]);
    return row === undefined ? null : toDocument(row);
  }

  insertDocument(document: DocumentRecord, elements: ElementRecord[]): Promise<void> {
    return this.#write(async (q) => {
      await q.sql.execute(
        `INSERT INTO documents (id, sha256, parser_version, media_type, title, page_count, element_count, text, warnings, metadata, created_at, content_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [document.id, document.sha256, document.parserVersion, document.mediaType, document.title, document.pageCount, document.elementCount, document.text,
          JSON.stringify(document.warnings), JSON.stringify(document.metadata), document.createdAt, documentContentSha256(document, elements)],
      );
      // One statement for all elements (arrays unnested), not a round trip per element.
      if (elements.length > 0) await q.sql.execute(`INSERT INTO elements (${ELEMENT_COLUMNS}) SELECT * FROM ${ELEMENT_UNNEST}`, elementColumns(elements));
    });
  }

  replaceDocument(document: DocumentRecord, elements: ElementRecord[]): Promise<void> {
    return this.#write(async (q) => {
      const changed = await q.sql.execute(
        `UPDATE documents SET media_type = $1, title = $2, page_count = $3, element_count = $4, text = $5, warnings = $6, metadata = $7, created_at = $8, content_sha256 = $9
         WHERE id = $10 AND sha256 = $11 AND parser_version = $12`,
        [document.mediaType, document.title, document.pageCount, document.elementCount, document.text, JSON.stringify(document.warnings),
          JSON.stringify(document.metadata), document.createdAt, documentContentSha256(document, elements), document.id, document.sha256, document.parserVersion],
      );
      if (changed === 0) throw new FabrikError('internal', `document ${document.id}: no stored document to replace for sha256:${document.sha256} and parser ${document.parserVersion}`);
      // An element the new parse lacks goes, and the old (blanked) chunks lose their link to it rather than block the delete.
      const extra = 'SELECT id FROM elements WHERE document_id = $1 AND ordinal >= $2';
      await q.sql.execute(`DELETE FROM chunk_elements WHERE element_id IN (${extra})`, [document.id, elements.length]);
      await q.sql.execute(`DELETE FROM elements WHERE id IN (${extra})`, [document.id, elements.length]);
      if (elements.length > 0) {
        await q.sql.execute(
          `INSERT INTO elements (${ELEMENT_COLUMNS}) SELECT * FROM ${ELEMENT_UNNEST}
           ON CONFLICT (id) DO UPDATE SET ordinal = excluded.ordinal, kind = excluded.kind, text = excluded.text, page = excluded.page, bbox = excluded.bbox,
             span_start = excluded.span_start, span_end = excluded.span_end, source_start = excluded.source_start, source_end = excluded.source_end,
             level = excluded.level, attributes = excluded.attributes`,
          elementColumns(elements),
        );
      }
    });
  }

  async listElements(documentId: string): Promise<ElementRecord[]> {
    return (await this.sql.query('SELECT * FROM elements WHERE document_id = $1 ORDER BY ordinal', [documentId])).map(toElement);
  }

  async listDocumentHashes(): Promise<Array<{ id: string; contentSha256: string | null }>> {
    return (await this.sql.query('SELECT id, content_sha256 FROM documents ORDER BY id')).map((row) => ({ id: String(row.id), contentSha256: nullableString(row.content_sha256) }));
  }

  async getElement(id: string): Promise<ElementRecord | null> {
    const row = await this.#one('SELECT * FROM elements WHERE id = $1', [id]);
    return row === undefined ? null : toElement(row);
  }

  async getElements(ids: readonly string[]): Promise<ElementRecord[]> {
    if (ids.length === 0) return [];
    const byId = new Map((await this.sql.query('SELECT * FROM elements WHERE id = ANY($1::text[])', [ids])).map((row) => [String(row.id), toElement(row)]));
    return ids.map((id) => byId.get(id)).filter((element): element is ElementRecord => element !== undefined);
  }

  async currentDocuments(): Promise<CurrentDocument[]> {
    const rows = await this.sql.query(
      `SELECT s.path, s.seen_at, s.created_at AS source_created_at, v.id AS version_id, v.version, d.id, d.sha256, d.parser_version, d.media_type, d.title, d.page_count,
              d.element_count, d.warnings, d.metadata, d.created_at
       FROM sources s
       JOIN source_versions v ON v.source_id = s.id AND v.version = (SELECT MAX(version) FROM source_versions WHERE source_id = s.id)
       JOIN documents d ON d.id = (SELECT id FROM documents WHERE sha256 = v.sha256 ORDER BY created_at DESC LIMIT 1)
       JOIN blobs b ON b.sha256 = v.sha256 AND b.erased_at IS NULL
       WHERE s.state = 'live'
       ORDER BY s.path`,
    );
    return rows.map((row) => {
      const { text: _text, ...document } = toDocument({ ...row, text: '' });
      return { document, path: String(row.path), versionId: String(row.version_id), version: Number(row.version), seenAt: String(row.seen_at ?? row.source_created_at) };
    });
  }

  recordFailure(failure: Omit<FailureRecord, 'id'>): Promise<void> {
    return this.#write(async (q) => void await q.sql.execute(
      'INSERT INTO failures (path, sha256, code, message, created_at) VALUES ($1, $2, $3, $4, $5)',
      [failure.path, failure.sha256, failure.code, failure.message, failure.createdAt],
    ));
  }

  async findFailure(sha256: string): Promise<FailureRecord | null> {
    const row = await this.#one('SELECT * FROM failures WHERE sha256 = $1 ORDER BY id DESC LIMIT 1', [sha256]);
    return row === undefined ? null : toFailure(row);
  }

  async listFailures(): Promise<FailureRecord[]> {
    return (await this.sql.query('SELECT * FROM failures ORDER BY id')).map(toFailure);
  }

  async getDatasetVersion(id: string): Promise<DatasetVersionRecord | null> {
    const row = await this.#one('SELECT * FROM dataset_versions WHERE id = $1', [id]);
    return row === undefined ? null : toDatasetVersion(row);
  }

  async latestDatasetVersion(dataset: string): Promise<DatasetVersionRecord | null> {
    const row = await this.#one('SELECT * FROM dataset_versions WHERE dataset = $1 ORDER BY created_at DESC, ord DESC LIMIT 1', [dataset]);
    return row === undefined ? null : toDatasetVersion(row);
  }

  async listDatasetVersions(dataset?: string): Promise<DatasetVersionRecord[]> {
    const rows = dataset === undefined
      ? await this.sql.query('SELECT * FROM dataset_versions ORDER BY dataset, created_at, ord')
      : await this.sql.query('SELECT * FROM dataset_versions WHERE dataset = $1 ORDER BY created_at, ord', [dataset]);
    return rows.map(toDatasetVersion);
  }

  insertDatasetVersion(version: DatasetVersionRecord, chunks: ChunkRecord[]): Promise<void> {
    return this.#write(async (q) => {
      await q.sql.execute(
        `INSERT INTO dataset_versions (id, dataset, manifest, chunk_count, token_count, document_count, options, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [version.id, version.dataset, version.manifest, version.chunkCount, version.tokenCount, version.documentCount, JSON.stringify(version.options), version.createdAt],
      );
      if (chunks.length === 0) return;
      // A chunk already stored (same id: same content) keeps its row and its element links; only new ones get links.
      const inserted = (await q.sql.query(
        `INSERT INTO chunks (id, document_id, text, token_count, span_start, span_end, pages, element_ids)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[])
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [chunks.map((chunk) => chunk.id), chunks.map((chunk) => chunk.documentId), chunks.map((chunk) => chunk.text), chunks.map((chunk) => chunk.tokenCount),
          chunks.map((chunk) => chunk.span[0]), chunks.map((chunk) => chunk.span[1]), chunks.map((chunk) => JSON.stringify(chunk.pages)), chunks.map((chunk) => JSON.stringify(chunk.elementIds))],
      )).map((row) => String(row.id));
      const fresh = new Set(inserted);
      const links = chunks.filter((chunk) => fresh.has(chunk.id)).flatMap((chunk) => chunk.elementIds.map((elementId) => [chunk.id, elementId] as const));
      if (links.length > 0) {
        await q.sql.execute('INSERT INTO chunk_elements (chunk_id, element_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING', [links.map(([chunk]) => chunk), links.map(([, element]) => element)]);
      }
      await q.sql.execute(
        'INSERT INTO dataset_version_chunks (version_id, ordinal, chunk_id) SELECT $1, ordinality - 1, chunk_id FROM unnest($2::text[]) WITH ORDINALITY AS t(chunk_id, ordinality)',
        [version.id, chunks.map((chunk) => chunk.id)],
      );
    });
  }

  async chunksOfVersion(versionId: string): Promise<ChunkRecord[]> {
    return (await this.sql.query('SELECT c.* FROM dataset_version_chunks m JOIN chunks c ON c.id = m.chunk_id WHERE m.version_id = $1 ORDER BY m.ordinal', [versionId])).map(toChunk);
  }

  async getChunk(id: string): Promise<ChunkRecord | null> {
    const row = await this.#one('SELECT * FROM chunks WHERE id = $1', [id]);
    return row === undefined ? null : toChunk(row);
  }

  async chunksForElement(elementId: string): Promise<ChunkRecord[]> {
    return (await this.sql.query('SELECT c.* FROM chunk_elements ce JOIN chunks c ON c.id = ce.chunk_id WHERE ce.element_id = $1 ORDER BY c.id', [elementId])).map(toChunk);
  }

  async chunksForDocument(documentId: string): Promise<ChunkRecord[]> {
    return (await this.sql.query('SELECT * FROM chunks WHERE document_id = $1 ORDER BY span_start, id', [documentId])).map(toChunk);
  }

  async versionsForChunk(chunkId: string): Promise<DatasetVersionRecord[]> {
    return (await this.sql.query(
      'SELECT v.* FROM dataset_versions v WHERE v.id IN (SELECT version_id FROM dataset_version_chunks WHERE chunk_id = $1) ORDER BY v.created_at, v.ord',
      [chunkId],
    )).map(toDatasetVersion);
  }

  insertExport(record: ExportRecord): Promise<void> {
    return this.#write(async (q) => void await q.sql.execute(
      `INSERT INTO exports (id, version_id, format, path, sha256, line_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET version_id = excluded.version_id, format = excluded.format, path = excluded.path, sha256 = excluded.sha256,
         line_count = excluded.line_count, created_at = excluded.created_at`,
      [record.id, record.versionId, record.format, record.path, record.sha256, record.lineCount, record.createdAt],
    ));
  }

  async getExport(id: string): Promise<ExportRecord | null> {
    const row = await this.#one('SELECT * FROM exports WHERE id = $1', [id]);
    return row === undefined ? null : toExport(row);
  }

  async exportsForVersion(versionId: string): Promise<ExportRecord[]> {
    return (await this.sql.query('SELECT * FROM exports WHERE version_id = $1 ORDER BY created_at', [versionId])).map(toExport);
  }

  addEdge(edge: LineageEdge): Promise<void> {
    return this.#write(async (q) => void await q.sql.execute(
      'INSERT INTO lineage_edges (parent, child, relation, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [edge.parent, edge.child, edge.relation, new Date().toISOString()],
    ));
  }

  async parentsOf(id: string): Promise<LineageEdge[]> {
    return (await this.sql.query('SELECT parent, child, relation FROM lineage_edges WHERE child = $1 ORDER BY created_at, parent', [id])).map(toEdge);
  }

  async childrenOf(id: string): Promise<LineageEdge[]> {
    return (await this.sql.query('SELECT parent, child, relation FROM lineage_edges WHERE parent = $1 ORDER BY created_at, child', [id])).map(toEdge);
  }

  async resolveId(prefix: string): Promise<string | null> {
    const table = ID_TABLES[prefix.slice(0, prefix.indexOf('_'))];
    if (table === undefined) return null;
    const rows = await this.sql.query(`SELECT id FROM ${table} WHERE id >= $1 AND id < $2 ORDER BY id LIMIT 2`, [prefix, `${prefix}\uffff`]);
    if (rows.length > 1) throw new FabrikError('ambiguous_id', `id prefix ${prefix} matches more than one object; give more characters`, { param: 'id' });
    return rows.length === 1 ? String(rows[0]?.id) : null;
  }

  async stats(): Promise<StoreStats> {
    const tables = ['sources', 'source_versions', 'blobs', 'documents', 'elements', 'failures', 'dataset_versions', 'chunks', 'exports'];
    const [row] = await this.sql.query(`SELECT ${tables.map((table) => `(SELECT COUNT(*) FROM ${table}) AS ${table}`).join(', ')}`);
    const count = (table: string): number => Number(row?.[table] ?? 0);
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
}

class PostgresStore extends FoundryQueries implements FoundryStore {
  readonly audit: AuditLog;
  /** The queue on the same pool; a foundry transaction binds it to its connection (see createTransaction). */
  readonly jobs: PostgresJobStore;
  readonly #db: PostgresDatabase;

  constructor(db: PostgresDatabase, audit: AuditLog) {
    // A write on the store runs in a transaction of its own; being only the store's statements, it may be retried.
    super(db, (work) => db.transaction((tx) => work(boundQueries(tx)), { retry: true }));
    this.#db = db;
    this.audit = audit;
    this.jobs = createPostgresJobStore(db);
  }

  transaction<T>(work: (tx: FoundryTransaction) => Promise<T>): Promise<T> {
    return this.#db.transaction((connection) => work(createTransaction(connection, this.audit, this.jobs)), { prelude: WRITE_LOCK, exclusive: true });
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

/** The transaction handle: every slice over one connection, and the audit log and the job queue bound to it. */
function createTransaction(connection: PostgresTransaction, audit: AuditLog, jobs: PostgresJobStore): FoundryTransaction {
  return Object.assign(boundQueries(connection), { audit: audit.bind(createPostgresAuditStore(connection)), jobs: jobs.bind(connection) }) as unknown as FoundryTransaction;
}

/** Queries over one transaction: their writes run in it. */
function boundQueries(connection: PostgresTransaction): FoundryQueries {
  const queries: FoundryQueries = new FoundryQueries(connection, (work) => work(queries));
  return queries;
}

/** The elements as 13 column arrays, in the order of ELEMENT_COLUMNS. */
function elementColumns(elements: readonly ElementRecord[]): unknown[][] {
  return [
    elements.map((element) => element.id),
    elements.map((element) => element.documentId),
    elements.map((element) => element.ordinal),
    elements.map((element) => element.kind),
    elements.map((element) => element.text),
    elements.map((element) => element.page),
    elements.map((element) => (element.bbox === null ? null : JSON.stringify(element.bbox))),
    elements.map((element) => element.span[0]),
    elements.map((element) => element.span[1]),
    elements.map((element) => element.sourceSpan?.[0] ?? null),
    elements.map((element) => element.sourceSpan?.[1] ?? null),
    elements.map((element) => element.level),
    elements.map((element) => (element.attributes === null ? null : JSON.stringify(element.attributes))),
  ];
}

