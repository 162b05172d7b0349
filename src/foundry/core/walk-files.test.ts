import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { walkFiles } from './walk-files.ts';

test('walks files in name order, follows links inside the tree only, and never loops', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fabrik-walk-'));
  const outside = mkdtempSync(join(tmpdir(), 'fabrik-outside-'));
  t.after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  const tree = join(root, 'tree');
  mkdirSync(join(tree, 'b', 'deep'), { recursive: true });
  mkdirSync(join(tree, 'a'));
  mkdirSync(join(tree, '.fabrik'));
  writeFileSync(join(tree, 'a', '1.txt'), 'one');
  writeFileSync(join(tree, 'b', 'deep', '2.txt'), 'two');
  writeFileSync(join(tree, 'z.txt'), 'zed');
  writeFileSync(join(tree, '.fabrik', 'fabrik.db'), 'store');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(tree, join(tree, 'b', 'deep', 'loop'));
  symlinkSync(join(outside, 'secret.txt'), join(tree, 'escape.txt'));
  symlinkSync(outside, join(tree, 'escape-dir'));
  symlinkSync(join(tree, 'z.txt'), join(tree, 'a', 'link-to-z.txt'));
  symlinkSync(join(tree, 'missing'), join(tree, 'broken'));

  const result = await walkFiles([tree], { exclude: [join(tree, '.fabrik')] });
  assert.deepEqual(result.files.map((file) => file.path.slice(tree.length + 1)), ['z.txt', 'a/1.txt', 'b/deep/2.txt']);
  const reasons = Object.fromEntries(result.notes.map((note) => [note.path.slice(tree.length + 1), note.reason]));
  assert.equal(reasons['escape.txt'], 'symlink-outside-tree');
  assert.equal(reasons['escape-dir'], 'symlink-outside-tree');
  assert.equal(reasons.broken, 'broken-symlink');
  assert.equal(reasons['a/link-to-z.txt'], 'duplicate');
  assert.equal(reasons['.fabrik'], 'excluded');
});

test('a missing path is an error naming it', async () => {
  await assert.rejects(walkFiles(['/nonexistent/fabrik-path']), /\/nonexistent\/fabrik-path: no such file or directory/);
});
