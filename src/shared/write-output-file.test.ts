import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FabrikError } from './errors.ts';
import { writeOutputFile } from './write-output-file.ts';

function folder(t: { after: (fn: () => void) => void }): string {
  const path = mkdtempSync(join(tmpdir(), 'fabrik-out-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  return path;
}

async function rejectsWrite(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof FabrikError && error.code === 'write_failed' && error.param === 'out' && error.message === message);
}

test('writes the file whole, making missing folders, and leaves nothing beside it', async (t) => {
  const root = folder(t);
  const target = join(root, 'a', 'b', 'proof.json');
  assert.equal(await writeOutputFile(target, '{"ok":true}\n', 'proof'), target);
  assert.equal(readFileSync(target, 'utf8'), '{"ok":true}\n');
  assert.deepEqual(readdirSync(join(root, 'a', 'b')), ['proof.json']);
});

test('a path through a file, or where folders cannot be made, is write_failed naming the path given', async (t) => {
  const root = folder(t);
  writeFileSync(join(root, 'file'), 'x');
  await rejectsWrite(writeOutputFile(join(root, 'file', 'proof.json'), 'x', 'proof'), `cannot write the proof to ${join(root, 'file', 'proof.json')}: a part of the path is a file, not a folder`);
  // /proc refuses new folders with ENOENT; Node's recursive mkdir spins on that forever.
  await rejectsWrite(writeOutputFile('/proc/fabrik-no-such/proof.json', 'x', 'proof'), 'cannot write the proof to /proc/fabrik-no-such/proof.json: its folder cannot be created');
  await rejectsWrite(writeOutputFile(root, 'x', 'proof'), `cannot write the proof to ${root}: it is a folder`);
  assert.deepEqual(readdirSync(root), ['file'], 'no temporary left behind');
});
