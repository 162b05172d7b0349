import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFileOnce, readIfPresent } from './create-file-once.ts';

test('the first text stays; a later call gets it back; the mode is applied; nothing is left aside', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-once-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'origin');
  assert.equal(readIfPresent(path), null);
  assert.equal(createFileOnce(path, 'first\n', 0o600), 'first\n');
  assert.equal(createFileOnce(path, 'second\n'), 'first\n');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  writeFileSync(join(dir, 'kept'), 'already here');
  assert.equal(createFileOnce(join(dir, 'kept'), 'other'), 'already here');
  assert.deepEqual(readdirSync(dir).sort(), ['kept', 'origin']);
});

test('processes racing to create one file all read the same, complete text', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-once-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const module = new URL('./create-file-once.ts', import.meta.url).href;
  // Each round: 6 processes wait for the same instant, then each tries to create the file with its
  // own 64 KB text (large enough that a create-then-write would be seen half written).
  for (let round = 0; round < 3; round += 1) {
    const path = join(dir, `file-${round}`);
    const start = Date.now() + 400;
    const script = `
      import { createFileOnce } from ${JSON.stringify(module)};
      const text = String(process.pid).padEnd(65536, '.') + '\\n';
      while (Date.now() < ${start});
      process.stdout.write(JSON.stringify(createFileOnce(${JSON.stringify(path)}, text)));`;
    const seen = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '--eval', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string) : reject(new Error(`child exited ${code}`))));
    })));
    const stored = readFileSync(path, 'utf8');
    assert.equal(stored.length, 65537);
    for (const text of seen) assert.equal(text, stored);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
  }
});
