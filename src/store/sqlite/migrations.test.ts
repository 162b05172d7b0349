import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { createTestFoundry, SAMPLE_FILES } from '../../foundry/core/create-test-foundry.ts';
import { openSqliteStore } from './sqlite-store.ts';

test('migration 3 records the content hash of documents stored before it, equal to the one recorded on insert', async (t) => {
  const foundry = await createTestFoundry(t, SAMPLE_FILES);
  const recorded = await foundry.store.listDocumentHashes();
  assert.equal(recorded.length, 3);
  for (const entry of recorded) assert.match(entry.contentSha256 ?? '', /^[0-9a-f]{64}$/);
  // Turn the file back into a database from before step 3: no column, user_version 2.
  foundry.db.exec('ALTER TABLE documents DROP COLUMN content_sha256; PRAGMA user_version = 2');
  const reopened = openSqliteStore({ path: join(foundry.home, 'fabrik.db'), keyDir: join(foundry.home, 'keys'), origin: 'fabrik.test/foundry', codeVersion: 'test' });
  t.after(() => reopened.close());
  assert.deepEqual(await reopened.listDocumentHashes(), recorded);
  assert.equal(Number((foundry.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version) >= 3, true);
});
