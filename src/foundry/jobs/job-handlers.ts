import { createIngestJobHandler, INGEST_JOB_KIND, type IngestJobOptions } from '../core/ingest-job.ts';
import type { JobHandler } from '../core/run-job-worker.ts';

/** What the handlers work with: the stores, the configuration, who they act as and the parser threads. */
export type JobHandlerOptions = Omit<IngestJobOptions, 'onResult'>;

/**
 * The job kinds a `fabrik worker` process can run, by kind: `ingest` (one file per job, its
 * records and the job's completion in one store transaction), and recipes after it.
 */
export function createJobHandlers(options: JobHandlerOptions): Record<string, JobHandler> {
  return { [INGEST_JOB_KIND]: createIngestJobHandler(options) };
}

/** The kinds createJobHandlers registers, for checking `--kinds` before anything is opened. */
export const JOB_KINDS: readonly string[] = [INGEST_JOB_KIND];
