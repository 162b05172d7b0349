import { setTimeout as sleep } from 'node:timers/promises';
import type { JobHandler } from '../../src/foundry/core/run-job-worker.ts';
import { FabrikError } from '../../src/shared/errors.ts';
import type { JobStore } from '../../src/store/core/job-store.ts';

/**
 * Where the test handler writes: one row per run into `job_results`, in one transaction with
 * the job's completion (`complete` is called inside it, through a store bound to it where needed).
 */
export interface ResultsTable {
  writeAndComplete(row: { jobId: string; owner: string; attempt: number }, complete: (through?: Pick<JobStore, 'complete'>) => Promise<void>): Promise<void>;
}

export const TEST_RESULT_KIND = 'test-result';
export const TEST_FAIL_KIND = 'test-fail';

/**
 * The test-only job kinds: `test-result` works for `payload.ms` then writes its row (with
 * `payload.hangFirstAttempt`, its first attempt never ends: the test kills that worker while it
 * holds the job); `test-fail` always fails.
 */
export function createTestHandlers(results: ResultsTable): Record<string, JobHandler> {
  return {
    [TEST_RESULT_KIND]: async (payload, context) => {
      const fields = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {};
      if (fields.hangFirstAttempt === true && context.attempt === 1) await new Promise(() => {});
      await sleep(typeof fields.ms === 'number' ? fields.ms : 0);
      await results.writeAndComplete({ jobId: context.job.id, owner: context.owner, attempt: context.attempt }, (through) => context.complete({ attempt: context.attempt }, through));
    },
    [TEST_FAIL_KIND]: async (_payload, context) => {
      throw new FabrikError('upstream_error', `always fails (attempt ${context.attempt})`);
    },
  };
}
