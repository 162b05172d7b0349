import { loadConfig } from '../../config/load-config.ts';
import { FabrikError } from '../../shared/errors.ts';
import { JOB_STATES, type JobRecord, type JobState, type JobStore } from '../../store/core/job-store.ts';
import { openFabrik } from '../../open-fabrik.ts';
import { integerOption, JSON_OPTION, stringOption, type Command } from '../command.ts';
import { printJson, table } from '../output.ts';

/** Runs `work` with the job queue open (the store the configuration names, through openFabrik), and closes it after. */
export async function withJobStore<T>(work: (jobs: JobStore) => Promise<T>): Promise<T> {
  const fabrik = openFabrik(loadConfig());
  try {
    return await work(await fabrik.jobs());
  } finally {
    await fabrik.close();
  }
}

export const jobsListCommand: Command = {
  name: 'jobs list',
  summary: 'Jobs in the queue, oldest first: state, attempts, lease owner and last error.',
  usage: 'fabrik jobs list [--state queued|leased|done|dead] [--kind <kind>] [--limit N] [--json]',
  options: {
    state: { type: 'string', description: 'only jobs in this state: queued, leased, done or dead' },
    kind: { type: 'string', description: 'only jobs of this kind (ingest, …)' },
    limit: { type: 'string', description: 'at most this many jobs', defaultText: '100' },
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const state = stringOption(values, 'state');
    if (state !== undefined && !JOB_STATES.includes(state as JobState)) {
      throw new FabrikError('invalid_option', `--state must be one of ${JOB_STATES.join(', ')}; got ${JSON.stringify(state)}`, { param: 'state' });
    }
    const kind = stringOption(values, 'kind');
    const limit = integerOption(values, 'limit', 100, 1, 100_000);
    const jobs = await withJobStore((store) => store.list({ ...(state === undefined ? {} : { state: state as JobState }), ...(kind === undefined ? {} : { kind }), limit }));
    if (values.json === true) {
      printJson(jobs);
      return 0;
    }
    if (jobs.length === 0) {
      process.stdout.write('no jobs\n');
      return 0;
    }
    process.stdout.write(table(['ID', 'KIND', 'STATE', 'ATTEMPTS', 'UPDATED', 'DETAIL'], jobs.map((job) => [job.id, job.kind, job.state, `${job.attempts}/${job.maxAttempts}`, job.updatedAt, detail(job)])));
    return 0;
  },
};

export const jobsRetryCommand: Command = {
  name: 'jobs retry',
  summary: 'Requeue a dead job with fresh attempts.',
  usage: 'fabrik jobs retry <id> [--json]',
  description: 'Only a dead job (one that failed all its attempts) can be retried; its last error stays until the next attempt.',
  options: { json: JSON_OPTION },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const id = positionals[0] ?? '';
    const job = await withJobStore(async (store) => {
      const found = await store.get(id);
      if (found === null) throw new FabrikError('not_found', `no job ${id}; \`fabrik jobs list --state dead\` lists the dead ones`, { param: 'id' });
      if (!(await store.retry(id))) throw new FabrikError('invalid_option', `job ${id} is ${found.state}; only a dead job can be retried`, { param: 'id' });
      return store.get(id);
    });
    if (values.json === true) printJson(job);
    else process.stdout.write(`requeued ${id}\n`);
    return 0;
  },
};

export const jobsStatsCommand: Command = {
  name: 'jobs stats',
  summary: 'How many jobs are queued, leased, done and dead, per kind.',
  usage: 'fabrik jobs stats [--json]',
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const stats = await withJobStore((store) => store.stats());
    if (values.json === true) {
      printJson(stats);
      return 0;
    }
    const rows = stats.kinds.map((counts) => [counts.kind, String(counts.queued), String(counts.leased), String(counts.done), String(counts.dead)]);
    rows.push(['total', String(stats.total.queued), String(stats.total.leased), String(stats.total.done), String(stats.total.dead)]);
    process.stdout.write(table(['KIND', 'QUEUED', 'LEASED', 'DONE', 'DEAD'], rows));
    if (stats.expiredLeases > 0) process.stdout.write(`${stats.expiredLeases} lease${stats.expiredLeases === 1 ? ' has' : 's have'} run out (a worker died or stalled): the next worker to ask takes ${stats.expiredLeases === 1 ? 'it' : 'them'}\n`);
    return 0;
  },
};

function detail(job: JobRecord): string {
  if (job.state === 'leased') return `${job.leaseOwner ?? ''} until ${job.leaseExpiresAt ?? ''}`;
  if (job.state === 'queued' && job.lastError !== null) return `retry after ${job.runAfter}: ${job.lastError}`;
  if (job.state === 'dead') return job.lastError ?? '';
  return '';
}
