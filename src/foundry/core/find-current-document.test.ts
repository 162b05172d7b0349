import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DocumentRecord } from '../../store/core/records.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { PARSER_CATALOG } from '../parsers/parser-catalog.ts';
import { parserVersionFor } from '../parsers/parser-version.ts';
import { findCurrentDocument } from './find-current-document.ts';

test('a document is current only when the parser for its format is at the version that made it', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-current-'));
  const store = openSqliteStore({ path: join(directory, 'fabrik.db'), keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test' });
  t.after(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const now = new Date().toISOString();
  const document = (id: string, sha256: string, mediaType: string, parserVersion: string): DocumentRecord => ({
    id, sha256, parserVersion, mediaType, title: null, pageCount: 1, elementCount: 0, text: '', warnings: [], metadata: {}, createdAt: now,
  });
  const markdown = parserVersionFor('text/markdown') ?? '';
  const old = document('doc_old', 'a'.repeat(64), 'text/markdown', 'fabrik-parsers/0.9.0');
  const current = document('doc_new', 'b'.repeat(64), 'text/markdown', markdown);
  await store.transaction(async (tx) => {
    for (const entry of [old, current]) {
      await tx.putBlob({ sha256: entry.sha256, size: 1, mediaType: entry.mediaType, createdAt: now });
      await tx.insertDocument(entry, []);
    }
  });
  // Made by a Markdown parser older than today's: parsed again, whatever the other parsers' versions.
  assert.equal(await findCurrentDocument(store, old.sha256, PARSER_CATALOG), null);
  assert.equal((await findCurrentDocument(store, current.sha256, PARSER_CATALOG))?.id, 'doc_new');
  assert.equal(await findCurrentDocument(store, 'c'.repeat(64), PARSER_CATALOG), null);
});
