import { lstat, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FabrikError, toFabrikError } from '../../shared/errors.ts';
import { sha256Hex } from '../../shared/hash.ts';
import { createId } from '../../shared/ids.ts';
import { WorkerPool } from '../../shared/worker-pool.ts';
import { CHANNELS } from '../../shared/channels.ts';
import type { BlobStore } from '../../store/core/blob-store.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { BlobIndex, DocumentStore, FoundryStore, FoundryTransaction, SourceStore } from '../../store/core/foundry-store.ts';
import type { DocumentRecord, ElementRecord, SourceVersionRecord } from '../../store/core/records.ts';
import type { IngestSettings } from './ingest-settings.ts';
import type { ParserCatalog } from './parser-catalog.ts';
import { findCurrentDocument } from './find-current-document.ts';
import { fileAccessError } from './file-access-error.ts';
import { publishStageEnd, writeStageOutput, type StageOutput } from './stage.ts';
import { DEFAULT_PARSE_LIMITS, type ParsedDocument, type ParseLimits } from './parsed-document.ts';
import { walkFiles, type WalkNote } from './walk-files.ts';

export type FileOutcome = 'ingested' | 'new-version' | 'unchanged' | 'failed';

export interface FileResult {
  path: string;
  outcome: FileOutcome;
  sha256: string | null;
  documentId: string | null;
  versionId: string | null;
  pages: number;
  elements: number;
  error?: { code: string; message: string };
}

export interface IngestSummary {
  files: number;
  ingested: number;
  newVersions: number;
  unchanged: number;
  failed: number;
  documents: number;
  pages: number;
  elements: number;
  failuresByReason: Record<string, number>;
  failures: Array<{ path: string; code: string; message: string }>;
  skipped: WalkNote[];
  /** Sources under a re-ingested folder that are gone from disk: marked deleted, left out of new builds. */
  deleted: Array<{ sourceId: string; path: string }>;
  durationMs: number;
}

/** The store slices an ingest reads outside its per-file transactions, and the transaction itself. */
export type IngestStore = SourceStore & BlobIndex & DocumentStore & Pick<FoundryStore, 'transaction'>;

export interface IngestOptions {
  store: IngestStore;
  /** The log the per-file transactions append to: a checkpoint is signed when the run ends. */
  audit: Pick<AuditLog, 'checkpoint'>;
  blobs: BlobStore;
  config: IngestSettings;
  /** The parsers: their current versions and the worker-thread entry that runs them (parsers/parser-catalog.ts). */
  parsers: ParserCatalog;
  actor: string;
  /** Parse again files whose last attempt failed, even when unchanged. */
  retryFailed?: boolean;
  /** Hash every file instead of trusting an unchanged size and modification time. */
  rehash?: boolean;
  onProgress?: (done: number, total: number, result: FileResult) => void;
  /** Called once the file list is known. */
  onStart?: (total: number) => void;
  /** A long-lived parser pool (a server keeps one warm); by default each run makes and closes its own. */
  pool?: WorkerPool;
}

/** The pool of parser threads, with the configured time and heap limits per file. */
export function createParsePool(config: IngestSettings, parsers: Pick<ParserCatalog, 'workerUrl'>, size = config.workers): WorkerPool {
  return new WorkerPool(parsers.workerUrl, {
    size: Math.max(1, size),
    timeoutMs: config.parseTimeoutMs,
    memoryMb: config.parseMemoryMb,
  });
}

/**
 * Ingests files and folders: stores each file's bytes once by SHA-256, parses new content in
 * worker threads, and records source versions, documents, elements, lineage and audit entries,
 * one transaction per file. A file that fails is recorded and the run goes on.
 */
export async function ingestPaths(paths: readonly string[], options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const { store, config } = options;
  // fabrik's own files are never inputs; the demo's samples under $FABRIK_HOME are.
  const own = ['blobs', 'keys', 'exports', 'fabrik.db', 'fabrik.db-wal', 'fabrik.db-shm', 'log-origin'].map((name) => join(config.home, name));
  const walk = await walkFiles(paths, { exclude: own });
  // A forgotten source stays forgotten: an erasure request is not undone by the next ingest of its folder.
  const walked = walk.files.map((file) => file.path);
  const kept: typeof walk.files = [];
  for (const file of walk.files) {
    if ((await store.findSourceByPath(file.path))?.state !== 'forgotten') kept.push(file);
    else walk.notes.push({ path: file.path, reason: 'forgotten' });
  }
  walk.files = kept;
  // Largest first: a big file started last would leave the other threads idle at the end.
  const sizes = new Map<string, number>();
  for (let start = 0; start < walk.files.length; start += 256) {
    await Promise.all(walk.files.slice(start, start + 256).map(async (file) => sizes.set(file.path, await stat(file.path).then((info) => info.size, () => 0))));
  }
  walk.files.sort((a, b) => (sizes.get(b.path) ?? 0) - (sizes.get(a.path) ?? 0));
  const total = walk.files.length + walk.failures.length;
  options.onStart?.(total);
  const limits: ParseLimits = { ...DEFAULT_PARSE_LIMITS, maxBytes: config.maxFileBytes, maxMemoryBytes: config.parseMemoryMb * 1024 * 1024 };
  const pool = options.pool ?? createParsePool(config, options.parsers, Math.min(config.workers, Math.max(1, walk.files.length)));
  const summary: IngestSummary = {
    files: total, ingested: 0, newVersions: 0, unchanged: 0, failed: 0, documents: 0, pages: 0, elements: 0,
    failuresByReason: {}, failures: [], skipped: walk.notes, deleted: [], durationMs: 0,
  };
  const context: FileContext = { ...options, pool, limits, parses: new Map() };
  let done = 0;
  let next = 0;
  const finish = (result: FileResult, fileStarted: number): void => {
    if (CHANNELS.ingestFile.hasSubscribers) CHANNELS.ingestFile.publish({ ...result, durationMs: performance.now() - fileStarted });
    tally(summary, result);
    done += 1;
    options.onProgress?.(done, total, result);
  };
  const run = async (): Promise<void> => {
    while (next < walk.files.length) {
      const file = walk.files[next++];
      if (file === undefined) break;
      const fileStarted = performance.now();
      finish(await ingestFile(file.path, context), fileStarted);
    }
  };
  try {
    for (const failure of walk.failures) {
      finish(await fail(context, { path: failure.path, outcome: 'failed', sha256: null, documentId: null, versionId: null, pages: 0, elements: 0 }, failure.error), performance.now());
    }
    // Two files in flight per worker keep the workers busy while the main thread hashes and writes.
    // ingestFile never throws, so one file's fault cannot close the pool under the others.
    await Promise.all(Array.from({ length: Math.max(1, config.workers * 2) }, run));
    summary.deleted = await settleSources(store, walk.roots, walked, options.actor);
  } finally {
    if (options.pool === undefined) await pool.close();
    await options.audit.checkpoint();
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

/**
 * After a run: every walked path was seen now, and a live source under a walked folder whose file
 * is gone from disk is marked deleted (recorded and audited). Only a file the file system says is
 * absent counts; one the walk could not reach (a folder without permission) stays live.
 */
async function settleSources(store: SourceStore & Pick<FoundryStore, 'transaction'>, roots: readonly string[], walked: readonly string[], actor: string): Promise<Array<{ sourceId: string; path: string }>> {
  const present = new Set(walked);
  const gone: Array<{ sourceId: string; path: string }> = [];
  for (const root of roots) {
    for (const source of await store.liveSourcesUnder(root)) {
      if (present.has(source.path) || gone.some((entry) => entry.sourceId === source.id)) continue;
      const missing = await lstat(source.path).then(() => false, (error: NodeJS.ErrnoException) => error.code === 'ENOENT' || error.code === 'ENOTDIR');
      if (missing) gone.push({ sourceId: source.id, path: source.path });
    }
  }
  const now = new Date().toISOString();
  await store.transaction(async (tx) => {
    await tx.markSourcesSeen(walked, now);
    for (const entry of gone) {
      const latest = await tx.latestVersion(entry.sourceId);
      await tx.setSourceState(entry.sourceId, 'deleted', now);
      await tx.audit.append({ actor, action: 'source.delete', subjects: latest === null ? [entry.sourceId] : [entry.sourceId, latest.id], options: { path: entry.path, reason: 'gone from the re-ingested folder' } });
    }
  });
  return gone;
}

function tally(summary: IngestSummary, result: FileResult): void {
  if (result.outcome === 'failed') {
    summary.failed += 1;
    const code = result.error?.code ?? 'internal';
    summary.failuresByReason[code] = (summary.failuresByReason[code] ?? 0) + 1;
    summary.failures.push({ path: result.path, code, message: result.error?.message ?? '' });
    return;
  }
  if (result.outcome === 'unchanged') summary.unchanged += 1;
  if (result.outcome === 'ingested') summary.ingested += 1;
  if (result.outcome === 'new-version') summary.newVersions += 1;
  summary.documents += 1;
  summary.pages += result.pages;
  summary.elements += result.elements;
}

interface FileContext extends IngestOptions {
  pool: WorkerPool;
  limits: ParseLimits;
  /** Parses in flight by SHA-256: two paths with one content in one run parse it once. */
  /** Parses in flight by sha256, with the name of the file that started each. */
  parses: Map<string, { promise: Promise<ParsedDocument>; fileName: string }>;
}

/** Ingests one file; never throws: anything unexpected becomes an `internal` failure naming the file and the step. */
async function ingestFile(path: string, context: FileContext): Promise<FileResult> {
  const step = { name: 'stat' };
  const base: FileResult = { path, outcome: 'failed', sha256: null, documentId: null, versionId: null, pages: 0, elements: 0 };
  try {
    return await ingestFileSteps(path, context, base, step);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    const failure = error instanceof FabrikError && error.code !== 'internal'
      ? error
      : new FabrikError('internal', `${path}: ${step.name} failed: ${cause}`, { param: path, cause: error });
    try {
      return await fail(context, base, failure);
    } catch {
      // The store itself failed: report the file without recording it.
      return { ...base, outcome: 'failed', error: { code: failure.code, message: failure.message } };
    }
  }
}

async function ingestFileSteps(path: string, context: FileContext, base: FileResult, step: { name: string }): Promise<FileResult> {
  const started = performance.now();
  const { store } = context;
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    return fail(context, base, fileAccessError(path, error));
  }
  step.name = 'looking up the source';
  const source = await store.findSourceByPath(path);
  const latest = source === null ? null : await store.latestVersion(source.id);
  // The quick path: same size and modification time as the version we already have (a deleted
  // source that reappears, or --rehash, goes the long way).
  const quick = context.rehash !== true && source?.state === 'live';
  if (quick && latest !== null && latest.size === info.size && latest.mtimeMs === Math.trunc(info.mtimeMs)) {
    const known = await settled(store, latest, context.retryFailed === true, context.parsers);
    if (known !== null) return known;
  }
  if (info.size > context.config.maxFileBytes) {
    return fail(context, base, new FabrikError('file_too_large', `${path}: ${info.size} bytes is over the limit of ${context.config.maxFileBytes} (FABRIK_MAX_FILE_BYTES)`, { param: path }));
  }
  step.name = 'reading';
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    return fail(context, base, fileAccessError(path, error));
  }
  step.name = 'hashing';
  const sha256 = sha256Hex(bytes);
  base.sha256 = sha256;
  if (source?.state === 'live' && latest !== null && latest.sha256 === sha256) {
    const known = await settled(store, latest, context.retryFailed === true, context.parsers);
    if (known !== null) return known;
  }
  step.name = 'storing the blob';
  await context.blobs.put(sha256, bytes);
  // Content that `source forget` erased, ingested again (from another path): a fresh ingest that
  // parses it again, not a link to the blanked document.
  const existing = (await store.getBlob(sha256))?.erasedAt == null ? await findCurrentDocument(store, sha256, context.parsers) : null;
  let parsed: ParsedDocument | null = null;
  let failure: FabrikError | null = null;
  if (existing === null) {
    step.name = 'parsing';
    // The first path with this content starts the parse; another path with the same bytes waits for it.
    let parse = context.parses.get(sha256);
    if (parse === undefined) {
      const copy = bytes.slice();
      const promise = context.pool.run<ParsedDocument>({ bytes: copy, fileName: basename(path), limits: context.limits }, [copy.buffer as ArrayBuffer], path);
      parse = { promise, fileName: basename(path) };
      context.parses.set(sha256, parse);
      const forget = (): void => void context.parses.delete(sha256);
      promise.then(forget, forget);
    }
    try {
      parsed = await parse.promise;
    } catch (error) {
      failure = toFabrikError(error, 'parse_failed');
      // The parser named the file that started the parse; this path shares its bytes, not its name.
      if (parse.fileName !== basename(path)) failure = new FabrikError(failure.code, renameFile(failure.message, parse.fileName, basename(path)), { param: path, cause: error });
      if (failure.code === 'internal') failure = new FabrikError('internal', `${path}: parsing failed: ${failure.message}`, { param: path, cause: error });
    }
  }
  step.name = 'recording the document';
  const now = new Date().toISOString();
  const recorded: { parse: StageOutput<DocumentRecord> | null } = { parse: null };
  const result = await store.transaction((tx) => recordFile(tx, context, { path, base, info, bytes, sha256, existing, parsed, failure, now }, recorded));
  if (recorded.parse !== null) publishStageEnd({ name: PARSE_STAGE, version: recorded.parse.record.parserVersion }, recorded.parse, started);
  return result;
}

/** The audit action and stage-end name of a parse; the parse itself runs in the worker pool. */
const PARSE_STAGE = 'document.parse';

/** What one file's transaction records, read and parsed before it starts. */
interface FileRecording {
  path: string;
  base: FileResult;
  info: { mtimeMs: number };
  bytes: Uint8Array;
  sha256: string;
  /** The document found for this content before parsing (null when it was parsed now, or erased). */
  existing: DocumentRecord | null;
  parsed: ParsedDocument | null;
  failure: FabrikError | null;
  now: string;
}

/** One file's writes, all in the caller's transaction: blob, source, version, document or failure, their lineage edges and audit entries. */
async function recordFile(tx: FoundryTransaction, context: FileContext, file: FileRecording, recorded: { parse: StageOutput<DocumentRecord> | null }): Promise<FileResult> {
  const { path, base, info, bytes, sha256, existing, parsed, failure, now } = file;
  // Looked up again inside the transaction: another path (or process) may have written them since.
  const erasedAt = (await tx.getBlob(sha256))?.erasedAt ?? null;
  const found = erasedAt === null ? await findCurrentDocument(tx, sha256, context.parsers) : null;
  const mediaType = found?.mediaType ?? parsed?.mediaType ?? null;
  await tx.putBlob({ sha256, size: bytes.byteLength, mediaType, createdAt: now });
  const known = await tx.findSourceByPath(path);
  let sourceId = known?.id;
  if (sourceId === undefined) {
    sourceId = createId('source', path);
    await tx.insertSource({ id: sourceId, path, createdAt: now });
  } else if (known?.state === 'deleted') {
    await tx.setSourceState(sourceId, 'live', now);
    await tx.audit.append({ actor: context.actor, action: 'source.restore', subjects: [sourceId], options: { path, reason: 'found again by ingest' } });
  }
  const current = await tx.latestVersion(sourceId);
  let version: SourceVersionRecord;
  let outcome: FileOutcome;
  if (current !== null && current.sha256 === sha256) {
    version = current;
    outcome = 'unchanged';
  } else {
    const number = (current?.version ?? 0) + 1;
    version = { id: createId('version', sourceId, number, sha256), sourceId, path, version: number, sha256, size: bytes.byteLength, mtimeMs: Math.trunc(info.mtimeMs), createdAt: now };
    await tx.insertVersion(version);
    await tx.addEdge({ parent: sourceId, child: version.id, relation: 'version' });
    await tx.addEdge({ parent: version.id, child: `sha256:${sha256}`, relation: 'content' });
    await tx.audit.append({ actor: context.actor, action: 'source.ingest', subjects: [sourceId, version.id, `sha256:${sha256}`], options: { path, version: number, size: bytes.byteLength } });
    outcome = current === null ? 'ingested' : 'new-version';
  }
  const result: FileResult = { ...base, versionId: version.id, outcome };
  // A failed parse of erased content leaves it erased: the blanked document is not brought back.
  if (failure !== null && found === null) {
    await tx.recordFailure({ path, sha256, code: failure.code, message: failure.message, createdAt: now });
    await tx.audit.append({ actor: context.actor, action: 'document.parse-failed', subjects: [`sha256:${sha256}`], options: { path, code: failure.code, message: failure.message, parserVersion: context.parsers.currentVersions.join(',') } });
    return { ...result, outcome: 'failed', error: { code: failure.code, message: failure.message } };
  }
  let document = found;
  if (document === null && parsed !== null) {
    const made = toDocumentRecord(sha256, parsed, now, context.parsers);
    const elements = toElementRecords(made.id, parsed);
    // Erased content keeps its ids: the blanked row and its elements take the new parse.
    const replace = erasedAt !== null && (await tx.getDocument(made.id)) !== null;
    const again = erasedAt === null ? {} : { afterErasure: erasedAt };
    recorded.parse = {
      record: made,
      subject: made.id,
      write: (handle) => (replace ? handle.replaceDocument(made, elements) : handle.insertDocument(made, elements)),
      parents: [{ id: `sha256:${sha256}`, relation: 'parse' }],
      subjects: [`sha256:${sha256}`, made.id],
      options: { path, mediaType: made.mediaType, parserVersion: made.parserVersion, pages: made.pageCount, elements: made.elementCount, ...again },
      figures: { pages: made.pageCount, elements: made.elementCount },
    };
    await writeStageOutput(tx, { name: PARSE_STAGE }, recorded.parse, context.actor);
    document = made;
  }
  if (document === null) throw new FabrikError('internal', `${path}: neither a document nor a failure was produced`);
  if (erasedAt !== null) await tx.restoreBlob(sha256);
  if (outcome === 'unchanged' && (existing === null || known?.state === 'deleted')) outcome = 'ingested';
  return { ...result, outcome, documentId: document.id, pages: document.pageCount, elements: document.elementCount };
}

/** The result for content we already settled: its document, or its remembered failure. */
async function settled(store: BlobIndex & DocumentStore, version: SourceVersionRecord, retryFailed: boolean, parsers: ParserCatalog): Promise<FileResult | null> {
  // Erased content has no document to offer, only the blanked row (a parse of it failed since).
  const document = (await store.getBlob(version.sha256))?.erasedAt == null ? await findCurrentDocument(store, version.sha256, parsers) : null;
  const base = { path: version.path, sha256: version.sha256, versionId: version.id };
  if (document !== null) {
    return { ...base, outcome: 'unchanged', documentId: document.id, pages: document.pageCount, elements: document.elementCount };
  }
  const failure = retryFailed ? null : await store.findFailure(version.sha256);
  // An `internal` failure was fabrik's fault, not the file's: try it again rather than repeat it.
  if (failure === null || failure.code === 'internal') return null;
  const message = renameFile(failure.message, basename(failure.path), basename(version.path));
  return { ...base, outcome: 'failed', documentId: null, pages: 0, elements: 0, error: { code: failure.code, message: `${message} (unchanged since it failed; --retry-failed parses it again)` } };
}

/** A parser's message (it starts with the file name) about another file with the same bytes. */
function renameFile(message: string, from: string, to: string): string {
  return from !== to && message.startsWith(from) ? `${to}${message.slice(from.length)}` : message;
}

async function fail(context: FileContext, base: FileResult, error: FabrikError): Promise<FileResult> {
  const now = new Date().toISOString();
  await context.store.transaction(async (tx) => {
    await tx.recordFailure({ path: base.path, sha256: base.sha256, code: error.code, message: error.message, createdAt: now });
    await tx.audit.append({ actor: context.actor, action: 'source.ingest-failed', subjects: base.sha256 === null ? [] : [`sha256:${base.sha256}`], options: { path: base.path, code: error.code, message: error.message } });
  });
  return { ...base, outcome: 'failed', error: { code: error.code, message: error.message } };
}

function toDocumentRecord(sha256: string, parsed: ParsedDocument, createdAt: string, parsers: Pick<ParserCatalog, 'versionFor'>): DocumentRecord {
  // The worker stamps the version of the parser that ran; the table says it for the main thread.
  const parserVersion = String(parsed.metadata.parserVersion ?? parsers.versionFor(parsed.mediaType));
  return {
    id: createId('document', sha256, parserVersion),
    sha256,
    parserVersion,
    mediaType: parsed.mediaType,
    title: parsed.title,
    pageCount: parsed.pageCount,
    elementCount: parsed.elements.length,
    text: parsed.text,
    warnings: parsed.warnings,
    metadata: parsed.metadata,
    createdAt,
  };
}

function toElementRecords(documentId: string, parsed: ParsedDocument): ElementRecord[] {
  return parsed.elements.map((element, ordinal) => ({
    id: createId('element', documentId, ordinal),
    documentId,
    ordinal,
    kind: element.kind,
    text: element.text,
    page: element.page,
    bbox: element.bbox ?? null,
    span: element.span,
    sourceSpan: element.sourceSpan ?? null,
    level: element.level ?? null,
    attributes: element.attributes ?? null,
  }));
}
