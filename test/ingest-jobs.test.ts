import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { makePdf } from './helpers/make-fixtures.ts';
import { POSTGRES_SKIP_MESSAGE, startPostgres } from './helpers/postgres-server.ts';
import { runFabrik, startFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

interface WorkerEvent {
  type: string;
  job?: { id: string; attempts: number };
  owner?: string;
}

interface Worker {
  child: ChildProcess;
  events: WorkerEvent[];
  waitFor(match: (event: WorkerEvent) => boolean, timeoutMs?: number): Promise<WorkerEvent>;
  exited: Promise<number | null>;
}

/** `fabrik worker --json` in a child process, its events collected. */
function startWorker(home: string, env: Record<string, string>, args: string[] = []): Worker {
  const child = startFabrik(home, ['worker', '--json', '--lease', '3', '--workers', '1', '--concurrency', '2', ...args], env);
  const events: WorkerEvent[] = [];
  const waiters: Array<{ match: (event: WorkerEvent) => boolean; resolve: (event: WorkerEvent) => void }> = [];
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => void (stderr += data.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as WorkerEvent;
    events.push(event);
    for (const waiter of [...waiters]) {
      if (!waiter.match(event)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, events, exited,
    waitFor: (match, timeoutMs = 60_000) => {
      const seen = events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<WorkerEvent>((resolve) => waiters.push({ match, resolve })),
        sleep(timeoutMs, undefined, { ref: false }).then(() => {
          throw new Error(`no matching worker event within ${timeoutMs} ms; saw ${events.map((event) => event.type).join(' ')}; stderr: ${stderr}`);
        }),
      ]);
    },
  };
}

/** Text and Markdown files, and PDFs of a few pages so a job takes long enough to be killed in. */
async function writeInputs(folder: string, notes: number, pdfs: number): Promise<number> {
  mkdirSync(folder, { recursive: true });
  for (let index = 0; index < pdfs; index += 1) writeFileSync(join(folder, `manual-${index}.pdf`), await makePdf(12, `unit ${index}`));
  for (let index = 0; index < notes; index += 1) {
    const name = index % 2 === 0 ? `note-${index}.md` : `note-${index}.txt`;
    writeFileSync(join(folder, name), index % 2 === 0 ? `# Note ${index}\n\nInspection ${index} found nothing unusual.\n` : `Site note ${index}: the pump ran quietly.\n`);
  }
  // Two paths with one content: one document, two sources.
  writeFileSync(join(folder, 'copy-of-note-0.md'), '# Note 0\n\nInspection 0 found nothing unusual.\n');
  return notes + pdfs + 1;
}

interface Counts {
  queue: { queued: number; leased: number; done: number; dead: number };
  documentsPerSha: number;
  sourcesPerPath: number;
  documents: number;
  sources: number;
  versions: number;
  failures: number;
}

/** Queues `files` with `fabrik ingest --queue`, runs two workers (SIGKILLing the first while it holds a job when `kill`), and returns the counts once the queue is drained. */
async function queueAndRun(home: string, inputs: string, files: number, env: Record<string, string>, counts: () => Promise<Counts>, kill: boolean): Promise<{ counts: Counts; killedJob: string | null }> {
  const queued = runFabrik(home, ['ingest', '--queue', '--json', inputs], env);
  assert.equal(queued.code, 0, queued.stderr);
  const summary = JSON.parse(queued.stdout) as { files: number; queued: number; documents: number };
  assert.equal(summary.files, files);
  assert.equal(summary.queued, files, 'every file is queued');
  assert.equal(summary.documents, 0, 'nothing is parsed by --queue');
  assert.equal((await counts()).queue.queued, files);

  const first = startWorker(home, env);
  let second: Worker | undefined;
  let killedJob: string | null = null;
  try {
    const leased = await first.waitFor((event) => event.type === 'leased');
    second = startWorker(home, env);
    await second.waitFor((event) => event.type === 'started');
    if (kill) {
      // Mid-job: the first worker holds at least one job it has not reported done.
      const holding = first.events.filter((event) => event.type === 'leased' && !first.events.some((other) => other.type === 'completed' && other.job?.id === event.job?.id));
      killedJob = holding[0]?.job?.id ?? leased.job?.id ?? null;
      first.child.kill('SIGKILL');
      await first.exited;
    }
    const deadline = Date.now() + 120_000;
    let now = await counts();
    while (now.queue.done + now.queue.dead < files) {
      if (Date.now() > deadline) assert.fail(`the queue did not drain: ${JSON.stringify(now)}`);
      await sleep(100);
      now = await counts();
    }
    for (const worker of kill ? [second] : [first, second]) {
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0, 'a worker stops cleanly on SIGTERM');
    }
    return { counts: now, killedJob };
  } finally {
    first.child.kill('SIGKILL');
    second?.child.kill('SIGKILL');
  }
}

function assertExactlyOnce(counts: Counts, files: number): void {
  assert.deepEqual(counts.queue, { queued: 0, leased: 0, done: files, dead: 0 });
  assert.equal(counts.documentsPerSha, 1, 'one document per content');
  assert.equal(counts.sourcesPerPath, 1, 'one source per path');
  assert.equal(counts.sources, files);
  assert.equal(counts.versions, files);
  assert.equal(counts.documents, files - 1, 'the copy shares its document');
  assert.equal(counts.failures, 0);
}

function assertVerified(home: string, env: Record<string, string>): void {
  const audit = runFabrik(home, ['audit', 'verify'], env);
  assert.equal(audit.code, 0, `audit verify: ${audit.stdout}${audit.stderr}`);
  const verify = runFabrik(home, ['verify'], env);
  assert.equal(verify.code, 0, `verify: ${verify.stdout}${verify.stderr}`);
}

const SQL = {
  documentsPerSha: 'SELECT coalesce(max(n), 0) AS n FROM (SELECT count(*) AS n FROM documents GROUP BY sha256) AS per',
  sourcesPerPath: 'SELECT coalesce(max(n), 0) AS n FROM (SELECT count(*) AS n FROM sources GROUP BY path) AS per',
  documents: 'SELECT count(*) AS n FROM documents',
  sources: 'SELECT count(*) AS n FROM sources',
  versions: 'SELECT count(*) AS n FROM source_versions',
  failures: 'SELECT count(*) AS n FROM failures',
  queue: "SELECT state, count(*) AS n FROM jobs WHERE kind = 'ingest' GROUP BY state",
};

test('fabrik ingest --queue, then two fabrik worker processes on one SQLite home: every file ingested exactly once, the audit log verifies', async (t) => {
  const work = temporaryDirectory(t, 'fabrik-ingest-jobs-');
  const home = join(work, 'home');
  const inputs = join(work, 'in');
  const files = await writeInputs(inputs, 14, 3);
  const counts = async (): Promise<Counts> => {
    const db = new DatabaseSync(join(home, 'fabrik.db'), { readOnly: true });
    try {
      const one = (sql: string): number => Number((db.prepare(sql).get() as { n: number }).n);
      const queue = { queued: 0, leased: 0, done: 0, dead: 0 };
      for (const row of db.prepare(SQL.queue).all() as Array<{ state: keyof typeof queue; n: number }>) queue[row.state] = Number(row.n);
      return { queue, documentsPerSha: one(SQL.documentsPerSha), sourcesPerPath: one(SQL.sourcesPerPath), documents: one(SQL.documents), sources: one(SQL.sources), versions: one(SQL.versions), failures: one(SQL.failures) };
    } finally {
      db.close();
    }
  };
  const { counts: drained } = await queueAndRun(home, inputs, files, {}, counts, false);
  assertExactlyOnce(drained, files);
  assertVerified(home, {});
  // The foreground finds every file already ingested.
  const again = runFabrik(home, ['ingest', '--json', inputs]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).unchanged, files);
});

const server = await startPostgres();
if (server === null) {
  test('fabrik ingest --queue and two workers on one PostgreSQL database', (t) => t.skip(POSTGRES_SKIP_MESSAGE));
} else {
  after(() => server.stop());
  test('two fabrik workers on one PostgreSQL database, one SIGKILLed mid-job: every document exactly once, audit verify and verify ok', async (t) => {
    const work = temporaryDirectory(t, 'fabrik-ingest-jobs-pg-');
    const home = join(work, 'home');
    const inputs = join(work, 'in');
    const files = await writeInputs(inputs, 30, 10);
    const url = await server.freshDatabase();
    const env = { FABRIK_DATABASE_URL: url };
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    t.after(() => client.end());
    const one = async (sql: string): Promise<number> => Number((await client.query(sql)).rows[0]?.n ?? 0);
    const counts = async (): Promise<Counts> => {
      const queue = { queued: 0, leased: 0, done: 0, dead: 0 };
      const rows = await client.query(SQL.queue).catch(() => ({ rows: [] as Array<{ state: string; n: string }> }));
      for (const row of rows.rows as Array<{ state: keyof typeof queue; n: string }>) queue[row.state] = Number(row.n);
      return { queue, documentsPerSha: await one(SQL.documentsPerSha), sourcesPerPath: await one(SQL.sourcesPerPath), documents: await one(SQL.documents), sources: await one(SQL.sources), versions: await one(SQL.versions), failures: await one(SQL.failures) };
    };
    const { counts: drained, killedJob } = await queueAndRun(home, inputs, files, env, counts, true);
    assertExactlyOnce(drained, files);
    assert.notEqual(killedJob, null);
    const killed = (await client.query('SELECT state, attempts FROM jobs WHERE id = $1', [killedJob])).rows[0] as { state: string; attempts: number };
    assert.equal(killed.state, 'done', 'the job the killed worker held was finished by the other');
    // 2 when the kill came before its transaction committed (the usual case), 1 when just after.
    t.diagnostic(`the killed worker's job took ${killed.attempts} attempt(s); ${await one('SELECT count(*) AS n FROM jobs WHERE attempts > 1')} job(s) ran twice`);
    // One audit entry per version: none written twice by a retried job.
    assert.equal(await one("SELECT count(*) AS n FROM audit_entries WHERE entry::jsonb->>'action' = 'source.ingest'"), files);
    assert.equal(await one("SELECT count(*) AS n FROM audit_entries WHERE entry::jsonb->>'action' = 'document.parse'"), files - 1);
    assertVerified(home, env);
  });
}
