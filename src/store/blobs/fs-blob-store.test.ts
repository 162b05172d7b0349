import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256Hex } from '../../shared/hash.ts';
import { createFsBlobStore } from './fs-blob-store.ts';

test('blob folders are private (0700) and blob files read-only, whatever the umask', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fabrik-blobs-'));
  const previous = process.umask(0);
  t.after(() => {
    process.umask(previous);
    rmSync(home, { recursive: true, force: true });
  });
  const root = join(home, 'blobs');
  const bytes = new TextEncoder().encode('salary list, confidential\n');
  const sha256 = sha256Hex(bytes);
  const blobs = createFsBlobStore(root);
  await blobs.put(sha256, bytes);
  assert.equal(statSync(root).mode & 0o777, 0o700);
  assert.equal(statSync(join(root, sha256.slice(0, 2))).mode & 0o777, 0o700);
  assert.equal(statSync(blobs.locate(sha256)).mode & 0o777, 0o444);
  assert.deepEqual(await blobs.get(sha256), bytes);
});
