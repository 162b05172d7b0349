import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../cli/context.ts';
import { loadConfig } from '../../config/load-config.ts';
import { openSqliteControlStore } from './sqlite-control-store.ts';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

test('$FABRIK_HOME is created 0700 and fabrik.db, -wal and -shm 0600, whatever the umask (issue 7, item 22g)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fabrik-modes-'));
  // The loosest umask: every mode below must be set explicitly, not left to it.
  const previous = process.umask(0);
  t.after(() => {
    process.umask(previous);
    rmSync(root, { recursive: true, force: true });
  });
  const home = join(root, 'outer', 'home');
  const context = await openContext(loadConfig({ FABRIK_HOME: home }));
  try {
    assert.equal(mode(home), '700');
    assert.equal(mode(join(root, 'outer')), '700', 'a parent made on the way is private too');
    for (const file of ['fabrik.db', 'fabrik.db-wal', 'fabrik.db-shm']) assert.equal(mode(join(home, file)), '600', file);
    assert.equal(mode(join(home, 'keys')), '700');
  } finally {
    await context.close();
  }

  // A database left 0644 by an older version is tightened when opened, with its -wal.
  const older = join(root, 'older');
  const store = openSqliteControlStore({ path: join(older, 'fabrik.db'), keyDir: join(older, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'test' });
  await store.close();
  chmodSync(join(older, 'fabrik.db'), 0o644);
  writeFileSync(join(older, 'fabrik.db-wal'), '', { mode: 0o644 });
  chmodSync(join(older, 'fabrik.db-wal'), 0o644);
  const reopened = openSqliteControlStore({ path: join(older, 'fabrik.db'), keyDir: join(older, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'test' });
  try {
    assert.equal(mode(join(older, 'fabrik.db')), '600');
    assert.equal(mode(join(older, 'fabrik.db-wal')), '600');
  } finally {
    await reopened.close();
  }
});
