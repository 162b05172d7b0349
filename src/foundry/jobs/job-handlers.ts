import type { JobHandler } from './run-job-worker.ts';

/**
 * The job kinds a `fabrik worker` process can run, by kind. Empty until ingest is converted to the
 * async store: its handler (`ingest`, one file per job, dedupe key = the path, the file's writes
 * and the job's completion in one store transaction) is registered here then, and recipes after it.
 */
export function createJobHandlers(): Record<string, JobHandler> {
  return {};
}
