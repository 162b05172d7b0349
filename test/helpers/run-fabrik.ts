import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'fabrik.js');
/** ../shared/corpus beside the repository, when this checkout has it. */
export const CORPUS = join(REPO_ROOT, '..', 'shared', 'corpus');
export const HAS_CORPUS = existsSync(join(CORPUS, 'manifest.json'));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process with its own FABRIK_HOME. */
export function runFabrik(home: string, args: string[], env: Record<string, string> = {}): RunResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FABRIK_HOME: home, FABRIK_ACTOR: 'user:test', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI without waiting, for tests that kill it. */
export function startFabrik(home: string, args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [BIN, ...args], { env: { ...process.env, FABRIK_HOME: home, FABRIK_ACTOR: 'user:test', ...env }, stdio: 'pipe' });
}

/** A temporary folder removed when the test ends. */
export function temporaryDirectory(t: { after: (fn: () => void) => void }, prefix = 'fabrik-test-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}
