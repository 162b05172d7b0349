// bin/fabrik.js as a user meets it: started by an older system Node (a global `npm install -g .`)
// and under npx. Real processes, real signals; Linux's /proc finds the children.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const launcher = join(root, 'bin/fabrik.js');
const home = mkdtempSync(join(tmpdir(), 'fabrik-launcher-'));
// A regression would leave fabrik running and holding our pipes open: end whatever is left.
const started: number[] = [];
after(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

/** An older Node on the PATH (the system's), or null where there is none. */
function olderNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (Number(version.replace(/^v/, '').split('.')[0]) < 24) return candidate;
  }
  return null;
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill 0: read its state.
    return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a long-running fabrik command and resolves once it says it is listening. */
async function startSim(command: string, args: string[]): Promise<{ child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const child = spawn(command, [...args, 'engine-sim', '--port', '0', '--model', 'm'], { cwd: root, env: { ...process.env, FABRIK_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  await waitFor(() => output.includes('listening on'), 20_000, `"listening on" from ${command} ${args.join(' ')}; got: ${output}`);
  return { child, exited };
}

/** The Node 24 process that runs fabrik below `pid` (the deepest descendant). */
function fabrikProcess(pid: number): number {
  let current = pid;
  for (;;) {
    const next = children(current)[0];
    if (next === undefined) {
      started.push(current);
      return current;
    }
    current = next;
  }
}

const older = olderNode();
const reason = older === null ? 'no Node older than 24 on this machine: the launcher re-runs only under one' : false;

describe('bin/fabrik.js under an older Node', { skip: reason }, () => {
  test('a child killed by a signal kills the launcher with the same signal (128+n to a shell), not exit 1', async () => {
    const { child, exited } = await startSim(older as string, [launcher]);
    const real = fabrikProcess(child.pid as number);
    assert.notEqual(real, child.pid, 'the launcher runs fabrik in a child');
    process.kill(real, 'SIGKILL'); // what the OOM killer does
    const { code, signal } = await exited;
    assert.deepEqual({ code, signal }, { code: null, signal: 'SIGKILL' });
  });

  test('SIGTERM to the launcher reaches fabrik, which stops; nothing is left running', async () => {
    const { child, exited } = await startSim(older as string, [launcher]);
    const real = fabrikProcess(child.pid as number);
    child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, 'engine-sim stops cleanly on SIGTERM and the launcher passes its status on');
    await waitFor(() => !alive(real), 5_000, `fabrik's own process ${real} to end`);
  });
});

describe('under npx', () => {
  test('killing the npx process (npm exec) ends fabrik too', async () => {
    const { child } = await startSim('npx', ['fabrik']);
    const real = fabrikProcess(child.pid as number);
    assert.notEqual(real, child.pid);
    child.kill('SIGTERM');
    await waitFor(() => !alive(real), 5_000, `fabrik's process ${real} to end after npm exec was killed`);
  });
});

describe('on the PATH, as the README says (npm install -g from the checkout)', () => {
  test('`fabrik` runs from any folder, with the system Node first on the PATH', async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'fabrik-global-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'fabrik-elsewhere-'));
    try {
      const install = spawnSync('npm', ['install', '-g', root, '--prefix', prefix, '--no-audit', '--no-fund', '--offline'], { encoding: 'utf8' });
      assert.equal(install.status, 0, `npm install -g failed: ${install.stderr}`);
      // The user's PATH: the global bin folder and the system's programs, not our node_modules/.bin.
      const env = { ...process.env, PATH: `${join(prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin`, FABRIK_HOME: join(elsewhere, 'home') };
      const version = spawnSync('fabrik', ['--version'], { cwd: elsewhere, env, encoding: 'utf8' });
      assert.equal(version.status, 0, version.stderr);
      assert.match(version.stdout, /\d/);
      const notes = join(elsewhere, 'notes.txt');
      spawnSync('sh', ['-c', `printf 'pump P-200 service interval: 500 hours\\n' > ${notes}`]);
      const ingest = spawnSync('fabrik', ['ingest', notes, '--json'], { cwd: elsewhere, env, encoding: 'utf8' });
      assert.equal(ingest.status, 0, ingest.stderr);
      assert.equal(JSON.parse(ingest.stdout).ingested, 1);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
