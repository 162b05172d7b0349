import { basename } from 'node:path';
import { FabrikError, toFabrikError } from '../../shared/errors.ts';
import { createId } from '../../shared/ids.ts';
import type { WorkerPool } from '../../shared/worker-pool.ts';
import type { BlobStore } from '../../store/core/blob-store.ts';
import type { BlobIndex, DocumentStore, FoundryStore, FoundryTransaction, SourceStore } from '../../store/core/foundry-store.ts';
import type { JobRecord, JobValue } from '../../store/core/job-store.ts';
import type { DocumentRecord, ElementRecord, SourceVersionRecord } from '../../store/core/records.ts';
import { findCurrentDocument } from './find-current-document.ts';
import type { ParserCatalog } from './parser-catalog.ts';
import { DEFAULT_PARSE_LIMITS, type ParsedDocument, type ParseLimits } from './parsed-document.ts';
import type { JobContext, JobHandler } from './run-job-worker.ts';
import { publishStageEnd, writeStageOutput, type StageOutput } from './stage.ts';

/** The job kind of one file's parse and recording. */
export const INGEST_JOB_KIND = 'ingest';

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

/**
 * An ingest job's payload: the file as the walk found it. Its bytes are already in the blob store
 * under `sha256`, so any worker sharing the blob store can run it, wherever the path lives.
 */
export interface IngestJobPayload {
  path: string;
  sha256: string;
  size: number;
  mtimeMs: number;
}

/** The store slices an ingest reads outside its per-file transactions, the transaction itself and the job queue. */
export type IngestStore = SourceStore & BlobIndex & DocumentStore & Pick<FoundryStore, 'transaction' | 'jobs'>;

/** The settings a job reads (FabrikConfig has them; core does not import the config layer). */
export interface IngestJobSettings {
  /** Largest file in bytes (FABRIK_MAX_FILE_BYTES). */
  maxFileBytes: number;
  /** Heap limit per parser thread (FABRIK_PARSE_MEMORY_MB). */
  parseMemoryMb: number;
}

export interface IngestJobOptions {
  store: IngestStore;
  blobs: BlobStore;
  config: IngestJobSettings;
  /** The parsers' current versions (parsers/parser-catalog.ts). */
  parsers: Pick<ParserCatalog, 'currentVersions' | 'versionFor'>;
  actor: string;
  /** The parser threads (createParsePool). */
  pool: WorkerPool;
  /** Called after a job's transaction committed, with what it recorded for the file. */
  onResult?: (job: JobRecord, result: FileResult, started: number) => void;
}

/** The dedupe key of a file's job: the same bytes at the same path are one job while it is unfinished. */
export function ingestDedupeKey(payload: IngestJobPayload): string {
  return `${payload.sha256}:${payload.path}`;
}

/** The parse limits of a run, from the configuration. */
export function parseLimits(config: IngestJobSettings): ParseLimits {
  return { ...DEFAULT_PARSE_LIMITS, maxBytes: config.maxFileBytes, maxMemoryBytes: config.parseMemoryMb * 1024 * 1024 };
}

/**
 * The `ingest` job handler: parses the file's blob (unless its content already has a document) and
 * records the source version, the document or the failure, their lineage edges and audit entries
 * AND the job's completion in one store transaction. A worker killed midway leaves nothing, and a
 * job run again finds what a committed attempt wrote (no second document, no second entry).
 * A file's own fault (a bad file, a parse timeout) is recorded and completes the job; only a store
 * or blob store failure throws, so the job is retried with backoff.
 */
export function createIngestJobHandler(options: IngestJobOptions): JobHandler {
  const limits = parseLimits(options.config);
  // Parses in flight by sha256, with the name of the file that started each: two paths with one
  // content parse it once in this process.
  const parses = new Map<string, { promise: Promise<ParsedDocument>; fileName: string }>();
  return async (payload, context) => {
    const file = toPayload(payload);
    const started = performance.now();
    const result = await ingestJobFile(file, { ...options, limits, parses }, context);
    options.onResult?.(context.job, result, started);
    return undefined;
  };
}

/** A stored job result back as the file's result. */
export function fileResultOf(value: JobValue | null, path: string): FileResult | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value.path !== path) return null;
  return value as unknown as FileResult;
}

interface RunOptions extends IngestJobOptions {
  limits: ParseLimits;
  parses: Map<string, { promise: Promise<ParsedDocument>; fileName: string }>;
}

function toPayload(payload: JobValue): IngestJobPayload {
  const fields = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {};
  const { path, sha256, size, mtimeMs } = fields;
  if (typeof path !== 'string' || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256) || typeof size !== 'number' || typeof mtimeMs !== 'number') {
    throw Object.assign(new FabrikError('invalid_option', `an ingest job's payload must be { path, sha256, size, mtimeMs }; got ${JSON.stringify(payload).slice(0, 200)}`, { param: 'payload' }), { retryable: false });
  }
  return { path, sha256, size, mtimeMs };
}

/** One file's job; a fault of the file becomes a recorded failure naming the file and the step. */
async function ingestJobFile(file: IngestJobPayload, options: RunOptions, context: JobContext): Promise<FileResult> {
  const step = { name: 'reading the blob' };
  const base: FileResult = { path: file.path, outcome: 'failed', sha256: file.sha256, documentId: null, versionId: null, pages: 0, elements: 0 };
  try {
    return await ingestJobSteps(file, options, context, base, step);
  } catch (error) {
    // A lost lease, a missing blob or a failing store is no fault of the file: the job is retried
    // (here or by another worker) rather than a failure remembered for the content.
    if (context.signal.aborted || step.name === 'reading the blob' || step.name === 'recording the document') throw error;
    const cause = error instanceof Error ? error.message : String(error);
    const failure = error instanceof FabrikError && error.code !== 'internal'
      ? error
      : new FabrikError('internal', `${file.path}: ${step.name} failed: ${cause}`, { param: file.path, cause: error });
    return recordIngestFailure(options.store, options.actor, base, failure, context);
  }
}

async function ingestJobSteps(file: IngestJobPayload, options: RunOptions, context: JobContext, base: FileResult, step: { name: string }): Promise<FileResult> {
  const started = performance.now();
  const { store } = options;
  const { path, sha256 } = file;
  const bytes = await options.blobs.get(sha256);
  step.name = 'looking up the document';
  // Content that `source forget` erased, ingested again (from another path): a fresh ingest that
  // parses it again, not a link to the blanked document.
  const existing = (await store.getBlob(sha256))?.erasedAt == null ? await findCurrentDocument(store, sha256, options.parsers) : null;
  let parsed: ParsedDocument | null = null;
  let failure: FabrikError | null = null;
  if (existing === null) {
    step.name = 'parsing';
    // The first path with this content starts the parse; another path with the same bytes waits for it.
    let parse = options.parses.get(sha256);
    if (parse === undefined) {
      const copy = bytes.slice();
      const promise = options.pool.run<ParsedDocument>({ bytes: copy, fileName: basename(path), limits: options.limits }, [copy.buffer as ArrayBuffer], path);
      parse = { promise, fileName: basename(path) };
      options.parses.set(sha256, parse);
      const forget = (): void => void options.parses.delete(sha256);
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
  const result = await store.transaction(async (tx) => {
    const result = await recordFile(tx, options.actor, options.parsers, { path, base, mtimeMs: file.mtimeMs, size: bytes.byteLength, sha256, existing, parsed, failure, now }, recorded);
    // In the same transaction: the file's records and the job's completion commit together.
    await context.complete(toJobValue(result), tx.jobs);
    return result;
  });
  if (recorded.parse !== null) publishStageEnd({ name: PARSE_STAGE, version: recorded.parse.record.parserVersion }, recorded.parse, started);
  return result;
}

/** The audit action and stage-end name of a parse; the parse itself runs in the worker pool. */
const PARSE_STAGE = 'document.parse';

/** What one file's transaction records, read and parsed before it starts. */
interface FileRecording {
  path: string;
  base: FileResult;
  mtimeMs: number;
  size: number;
  sha256: string;
  /** The document found for this content before parsing (null when it was parsed now, or erased). */
  existing: DocumentRecord | null;
  parsed: ParsedDocument | null;
  failure: FabrikError | null;
  now: string;
}

/** One file's writes, all in the caller's transaction: blob, source, version, document or failure, their lineage edges and audit entries. */
async function recordFile(tx: FoundryTransaction, actor: string, parsers: IngestJobOptions['parsers'], file: FileRecording, recorded: { parse: StageOutput<DocumentRecord> | null }): Promise<FileResult> {
  const { path, base, mtimeMs, size, sha256, existing, parsed, failure, now } = file;
  // Looked up again inside the transaction: another path (or process) may have written them since.
  const erasedAt = (await tx.getBlob(sha256))?.erasedAt ?? null;
  const found = erasedAt === null ? await findCurrentDocument(tx, sha256, parsers) : null;
  const mediaType = found?.mediaType ?? parsed?.mediaType ?? null;
  await tx.putBlob({ sha256, size, mediaType, createdAt: now });
  const known = await tx.findSourceByPath(path);
  let sourceId = known?.id;
  if (sourceId === undefined) {
    sourceId = createId('source', path);
    await tx.insertSource({ id: sourceId, path, createdAt: now });
  } else if (known?.state === 'deleted') {
    await tx.setSourceState(sourceId, 'live', now);
    await tx.audit.append({ actor, action: 'source.restore', subjects: [sourceId], options: { path, reason: 'found again by ingest' } });
  }
  const current = await tx.latestVersion(sourceId);
  let version: SourceVersionRecord;
  let outcome: FileOutcome;
  if (current !== null && current.sha256 === sha256) {
    version = current;
    outcome = 'unchanged';
  } else {
    const number = (current?.version ?? 0) + 1;
    version = { id: createId('version', sourceId, number, sha256), sourceId, path, version: number, sha256, size, mtimeMs: Math.trunc(mtimeMs), createdAt: now };
    await tx.insertVersion(version);
    await tx.addEdge({ parent: sourceId, child: version.id, relation: 'version' });
    await tx.addEdge({ parent: version.id, child: `sha256:${sha256}`, relation: 'content' });
    await tx.audit.append({ actor, action: 'source.ingest', subjects: [sourceId, version.id, `sha256:${sha256}`], options: { path, version: number, size } });
    outcome = current === null ? 'ingested' : 'new-version';
  }
  const result: FileResult = { ...base, versionId: version.id, outcome };
  // A failed parse of erased content leaves it erased: the blanked document is not brought back.
  if (failure !== null && found === null) {
    await tx.recordFailure({ path, sha256, code: failure.code, message: failure.message, createdAt: now });
    await tx.audit.append({ actor, action: 'document.parse-failed', subjects: [`sha256:${sha256}`], options: { path, code: failure.code, message: failure.message, parserVersion: parsers.currentVersions.join(',') } });
    return { ...result, outcome: 'failed', error: { code: failure.code, message: failure.message } };
  }
  let document = found;
  if (document === null && parsed !== null) {
    const made = toDocumentRecord(sha256, parsed, now, parsers);
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
    await writeStageOutput(tx, { name: PARSE_STAGE }, recorded.parse, actor);
    document = made;
  }
  if (document === null) throw new FabrikError('internal', `${path}: neither a document nor a failure was produced`);
  if (erasedAt !== null) await tx.restoreBlob(sha256);
  if (outcome === 'unchanged' && (existing === null || known?.state === 'deleted')) outcome = 'ingested';
  return { ...result, outcome, documentId: document.id, pages: document.pageCount, elements: document.elementCount };
}

/**
 * Records a file that failed (and its audit entry) in one transaction; inside a job, the job's
 * completion commits with it.
 */
export async function recordIngestFailure(store: Pick<FoundryStore, 'transaction'>, actor: string, base: FileResult, error: FabrikError, job?: JobContext): Promise<FileResult> {
  const now = new Date().toISOString();
  const result: FileResult = { ...base, outcome: 'failed', error: { code: error.code, message: error.message } };
  await store.transaction(async (tx) => {
    await tx.recordFailure({ path: base.path, sha256: base.sha256, code: error.code, message: error.message, createdAt: now });
    await tx.audit.append({ actor, action: 'source.ingest-failed', subjects: base.sha256 === null ? [] : [`sha256:${base.sha256}`], options: { path: base.path, code: error.code, message: error.message } });
    if (job !== undefined) await job.complete(toJobValue(result), tx.jobs);
  });
  return result;
}

/** A parser's message (it starts with the file name) about another file with the same bytes. */
export function renameFile(message: string, from: string, to: string): string {
  return from !== to && message.startsWith(from) ? `${to}${message.slice(from.length)}` : message;
}

function toJobValue(result: FileResult): JobValue {
  return JSON.parse(JSON.stringify(result)) as JobValue;
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
