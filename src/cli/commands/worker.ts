import { PARSER_CATALOG } from '../../foundry/parsers/parser-catalog.ts';
import { FabrikError } from '../../shared/errors.ts';
import { loadFabrikConfig } from '../../config/load-config.ts';
import { createParsePool } from '../../foundry/core/ingest.ts';
import { createJobHandlers, JOB_KINDS } from '../../foundry/jobs/job-handlers.ts';
import { runJobWorker, type JobWorkerEvent } from '../../foundry/core/run-job-worker.ts';
import { integerOption, stringOption, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { visible } from '../output.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run queued jobs (ingest, …) until stopped; start as many worker processes as you like.',
  usage: 'fabrik worker [--kinds ingest] [--concurrency N] [--workers N] [--lease SECONDS] [--json]',
  description: 'Leases jobs from the store, heartbeats while they run, retries failures with backoff and dead-letters a job after its last attempt. '
    + 'A worker that dies loses nothing: its leases run out and another worker takes the jobs. '
    + '`fabrik ingest --queue` queues ingest jobs for workers; a worker elsewhere needs the same database and blob store. '
    + 'Stops on SIGINT/SIGTERM, finishing the jobs it holds (or giving them back after 30 s). Prints one line per job event; --json prints them as JSON lines.',
  options: {
    kinds: { type: 'string', description: 'run only these job kinds (comma-separated)', defaultText: 'every kind this build has a handler for' },
    concurrency: { type: 'string', description: 'jobs run at once', defaultText: 'twice the parser threads' },
    workers: { type: 'string', description: 'parser threads', defaultText: 'number of CPU cores (FABRIK_WORKERS)' },
    lease: { type: 'string', description: 'seconds a job stays with this worker without a heartbeat: how soon another worker takes over the jobs of one that died', defaultText: '60' },
    json: { type: 'boolean', description: 'print each event as one JSON object per line on stdout' },
  },
  positionals: [0, 0],
  async run({ values }) {
    const kinds = selectKinds(JOB_KINDS, stringOption(values, 'kinds'));
    const config = loadFabrikConfig({ flags: values }).fabrik;
    const concurrency = integerOption(values, 'concurrency', config.workers * 2, 1, 256);
    const leaseMs = integerOption(values, 'lease', 60, 1, 86_400) * 1000;
    const context = await openContext(config);
    const pool = createParsePool(config, PARSER_CATALOG, Math.min(config.workers, concurrency));
    const available = createJobHandlers({ store: context.store, blobs: context.blobs, config, parsers: PARSER_CATALOG, actor: context.actor, pool });
    const handlers = Object.fromEntries(kinds.map((kind) => [kind, available[kind]!]));
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const print = values.json === true
      ? (event: JobWorkerEvent) => process.stdout.write(`${JSON.stringify(event)}\n`)
      : (event: JobWorkerEvent) => process.stdout.write(`${formatWorkerEvent(event, concurrency)}\n`);
    try {
      await runJobWorker({ jobs: context.store.jobs, handlers, concurrency, leaseMs, signal: stop.signal, onEvent: print });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await pool.close();
      // The checkpoint signs what this worker's jobs appended.
      await context.audit.checkpoint().catch(() => {});
      await context.close();
    }
    return 0;
  },
};

/** The kinds for `--kinds` (all of them when absent); a kind without a handler is an error naming the known ones. */
export function selectKinds(available: readonly string[], kinds: string | undefined): string[] {
  const known = [...available].sort();
  if (known.length === 0) throw new FabrikError('invalid_option', 'this build of fabrik has no job handlers: there is nothing for a worker to run', { param: 'kinds' });
  if (kinds === undefined) return known;
  const selected: string[] = [];
  for (const kind of kinds.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    if (!known.includes(kind)) throw new FabrikError('invalid_option', `--kinds: no handler for job kind ${JSON.stringify(kind)}; known kinds: ${known.join(', ')}`, { param: 'kinds' });
    if (!selected.includes(kind)) selected.push(kind);
  }
  if (selected.length === 0) throw new FabrikError('invalid_option', `--kinds must name at least one job kind; known kinds: ${known.join(', ')}`, { param: 'kinds' });
  return selected;
}

/** One progress line per worker event. */
export function formatWorkerEvent(event: JobWorkerEvent, concurrency: number): string {
  switch (event.type) {
    case 'started':
      return `worker ${event.owner}: running ${event.kinds.join(', ')} jobs, ${concurrency} at a time`;
    case 'leased':
      return `started   ${event.job.id} ${event.job.kind} (attempt ${event.job.attempts} of ${event.job.maxAttempts})`;
    case 'completed':
      return `done      ${event.job.id} ${event.job.kind} in ${event.durationMs} ms`;
    case 'failed':
      return `failed    ${event.job.id} ${event.job.kind} (attempt ${event.job.attempts} of ${event.job.maxAttempts}): ${visible(event.error)}; retry after ${event.retryAt}`;
    case 'dead':
      return `dead      ${event.job.id} ${event.job.kind} after ${event.job.attempts} attempt${event.job.attempts === 1 ? '' : 's'}: ${visible(event.error)} (\`fabrik jobs retry ${event.job.id}\` requeues it)`;
    case 'lost':
      return `lost      ${event.job.id} ${event.job.kind}: another worker took the lease; this run's outcome is dropped`;
    case 'released':
      return `released  ${event.job.id} ${event.job.kind}: given back unfinished`;
    case 'store-error':
      return `store error (will retry): ${visible(event.error)}`;
    case 'stopped': {
      const { completed, failed, dead, lost, released } = event.summary;
      return `worker stopped: ${completed} done, ${failed} failed and requeued, ${dead} dead, ${lost} lost, ${released} given back`;
    }
  }
}
