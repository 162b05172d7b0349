import { lstat, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FabrikError } from '../../shared/errors.ts';
import { sha256Hex } from '../../shared/hash.ts';
import { WorkerPool } from '../../shared/worker-pool.ts';
import { CHANNELS } from '../../shared/channels.ts';
import type { BlobStore } from '../../store/core/blob-store.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { BlobIndex, DocumentStore, FoundryStore, SourceStore } from '../../store/core/foundry-store.ts';
import type { JobRecord } from '../../store/core/job-store.ts';
import type { SourceVersionRecord } from '../../store/core/records.ts';
import { findCurrentDocument } from './find-current-document.ts';
import type { IngestSettings } from './ingest-settings.ts';
import type { ParserCatalog } from './parser-catalog.ts';
import { fileAccessError } from './file-access-error.ts';
import {
  createIngestJobHandler,
  fileResultOf,
  ingestDedupeKey,
  INGEST_JOB_KIND,
  recordIngestFailure,
  renameFile,
  type FileResult,
  type IngestJobPayload,
  type IngestStore,
} from './ingest-job.ts';
import { runJobWorker } from './run-job-worker.ts';
import { walkFiles, type WalkNote } from './walk-files.ts';

export type { FileOutcome, FileResult, IngestStore } from './ingest-job.ts';

export interface IngestSummary {
  files: number;
  ingested: number;
  newVersions: number;
  unchanged: number;
  failed: number;
  /** Files left as queued `ingest` jobs for `fabrik worker` processes (`queue: true`); 0 in a foreground run. */
  queued: number;
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
  /** Only store the files' bytes and queue their `ingest` jobs, for `fabrik worker` processes to run; do not run them here. */
  queue?: boolean;
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
 * Ingests files and folders: stores each file's bytes once by SHA-256 and queues one `ingest` job
 * per file whose content or path is new, then runs those jobs here, parsing in worker threads and
 * recording source versions, documents, elements, lineage and audit entries with each job's
 * completion, one transaction per file (`queue: true` leaves them to `fabrik worker` processes).
 * A file that fails is recorded and the run goes on.
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
  const summary: IngestSummary = {
    files: total, ingested: 0, newVersions: 0, unchanged: 0, failed: 0, queued: 0, documents: 0, pages: 0, elements: 0,
    failuresByReason: {}, failures: [], skipped: walk.notes, deleted: [], durationMs: 0,
  };
  let done = 0;
  const finish = (result: FileResult, fileStarted: number): void => {
    if (CHANNELS.ingestFile.hasSubscribers) CHANNELS.ingestFile.publish({ ...result, durationMs: performance.now() - fileStarted });
    tally(summary, result);
    done += 1;
    options.onProgress?.(done, total, result);
  };
  let pool: WorkerPool | undefined;
  try {
    for (const failure of walk.failures) {
      finish(await recordIngestFailure(store, options.actor, { path: failure.path, outcome: 'failed', sha256: null, documentId: null, versionId: null, pages: 0, elements: 0 }, failure.error), performance.now());
    }
    // Hash and store the files (a few at a time: reading overlaps hashing); settled ones finish here.
    // Each other file is queued as soon as its blob is stored, and (unless --queue) this run's worker
    // parses while the rest are still being read: largest first, as they were sorted.
    const own = new Map<string, string>();
    let queueing = true;
    let wakeWorker = (): void => {};
    let worker: Promise<void> | null = null;
    if (options.queue !== true && walk.files.length > 0) {
      pool = options.pool ?? createParsePool(config, options.parsers, Math.min(config.workers, walk.files.length));
      worker = runOwnJobs(own, { ...options, pool }, finish, { done: () => !queueing, wakeable: (wake) => (wakeWorker = wake) });
    }
    let next = 0;
    try {
      await Promise.all(Array.from({ length: Math.max(2, Math.min(8, config.workers * 2)) }, async () => {
        while (next < walk.files.length) {
          const file = walk.files[next++];
          if (file === undefined) break;
          const fileStarted = performance.now();
          const prepared = await prepareFile(file.path, options);
          if (!('payload' in prepared)) {
            finish(prepared.result, fileStarted);
            continue;
          }
          const { payload } = prepared;
          const [id] = await store.jobs.enqueue([{ kind: INGEST_JOB_KIND, payload: { ...payload }, dedupeKey: ingestDedupeKey(payload) }]);
          if (id !== undefined) own.set(id, payload.path);
          wakeWorker();
        }
      }));
    } finally {
      queueing = false;
      wakeWorker();
      await worker;
    }
    if (options.queue === true) summary.queued = own.size;
    summary.deleted = await settleSources(store, walk.roots, walked, options.actor);
  } finally {
    if (options.pool === undefined) await pool?.close();
    await options.audit.checkpoint();
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

/** The lease of a foreground run's jobs (a worker's default is 60 s). */
const FOREGROUND_LEASE_MS = 10_000;

/**
 * Runs the queue here until no ingest job is left (the run's own, and any a `--queue` run or an
 * interrupted one left), as one more worker beside any `fabrik worker` processes; then reports
 * the run's own files, whoever ran them.
 */
async function runOwnJobs(
  ours: Map<string, string>,
  options: IngestOptions & { pool: WorkerPool },
  finish: (result: FileResult, started: number) => void,
  queueing: { done: () => boolean; wakeable: (wake: () => void) => void },
): Promise<void> {
  const onResult = (job: JobRecord, result: FileResult, started: number): void => {
    if (ours.delete(job.id)) finish(result, started);
  };
  const handler = createIngestJobHandler({ store: options.store, blobs: options.blobs, config: options.config, parsers: options.parsers, actor: options.actor, pool: options.pool, onResult });
  // Two files in flight per parser thread keep the threads busy while the main thread writes. A
  // short lease: an interrupted `fabrik ingest` run again waits at most this long for the jobs the
  // killed run held (heartbeats keep a long parse's lease).
  await runJobWorker({ jobs: options.store.jobs, handlers: { [INGEST_JOB_KIND]: handler }, concurrency: Math.max(1, options.config.workers * 2), leaseMs: FOREGROUND_LEASE_MS, pollMs: 250, exitWhenIdle: queueing.done, onWakeable: queueing.wakeable });
  // Jobs another worker ran (or that died there): their outcome is in the queue.
  for (const [id, path] of ours) {
    const job = await options.store.jobs.get(id);
    const base: FileResult = { path, outcome: 'failed', sha256: null, documentId: null, versionId: null, pages: 0, elements: 0 };
    const result = job?.state === 'done' ? fileResultOf(job.result, path) : null;
    const error = job === null ? 'internal: the job is gone from the queue' : job.lastError ?? `internal: the job ended ${job.state}`;
    const split = error.indexOf(': ');
    finish(result ?? { ...base, error: { code: split > 0 ? error.slice(0, split) : 'internal', message: split > 0 ? error.slice(split + 2) : error } }, performance.now());
  }
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

/** A file's result when the walk settles it (unchanged, unreadable, a remembered failure), else its job, its bytes stored. */
type Prepared = { result: FileResult } | { payload: IngestJobPayload };

/** Stats, looks up, reads, hashes and stores one file; never throws: anything unexpected becomes an `internal` failure naming the file and the step. */
async function prepareFile(path: string, options: IngestOptions): Promise<Prepared> {
  const step = { name: 'stat' };
  const base: FileResult = { path, outcome: 'failed', sha256: null, documentId: null, versionId: null, pages: 0, elements: 0 };
  const failed = async (error: FabrikError): Promise<Prepared> => ({ result: await recordIngestFailure(options.store, options.actor, base, error) });
  try {
    return await prepareSteps(path, options, base, step, failed);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    const failure = error instanceof FabrikError && error.code !== 'internal'
      ? error
      : new FabrikError('internal', `${path}: ${step.name} failed: ${cause}`, { param: path, cause: error });
    try {
      return await failed(failure);
    } catch {
      // The store itself failed: report the file without recording it.
      return { result: { ...base, outcome: 'failed', error: { code: failure.code, message: failure.message } } };
    }
  }
}

async function prepareSteps(path: string, options: IngestOptions, base: FileResult, step: { name: string }, failed: (error: FabrikError) => Promise<Prepared>): Promise<Prepared> {
  const { store } = options;
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    return failed(fileAccessError(path, error));
  }
  step.name = 'looking up the source';
  const source = await store.findSourceByPath(path);
  const latest = source === null ? null : await store.latestVersion(source.id);
  // The quick path: same size and modification time as the version we already have (a deleted
  // source that reappears, or --rehash, goes the long way).
  const quick = options.rehash !== true && source?.state === 'live';
  if (quick && latest !== null && latest.size === info.size && latest.mtimeMs === Math.trunc(info.mtimeMs)) {
    const known = await settled(store, latest, options.retryFailed === true, options.parsers);
    if (known !== null) return { result: known };
  }
  if (info.size > options.config.maxFileBytes) {
    return failed(new FabrikError('file_too_large', `${path}: ${info.size} bytes is over the limit of ${options.config.maxFileBytes} (FABRIK_MAX_FILE_BYTES)`, { param: path }));
  }
  step.name = 'reading';
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    return failed(fileAccessError(path, error));
  }
  step.name = 'hashing';
  const sha256 = sha256Hex(bytes);
  base.sha256 = sha256;
  if (source?.state === 'live' && latest !== null && latest.sha256 === sha256) {
    const known = await settled(store, latest, options.retryFailed === true, options.parsers);
    if (known !== null) return { result: known };
  }
  step.name = 'storing the blob';
  await options.blobs.put(sha256, bytes);
  return { payload: { path, sha256, size: bytes.byteLength, mtimeMs: Math.trunc(info.mtimeMs) } };
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
