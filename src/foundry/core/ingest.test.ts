import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../config/load-config.ts';
import { sha256Hex } from '../../shared/hash.ts';
import { parserVersionFor } from '../parsers/parser-version.ts';
import { buildDataset } from './build-dataset.ts';
import { createTestFoundry } from './create-test-foundry.ts';
import { forgetSource } from './forget-source.ts';
import { ingestPaths } from './ingest.ts';

test('erased content whose new parse fails stays erased: left out of builds, its failure remembered, parsed again with retryFailed (issue 7)', async (t) => {
  const text = 'Alice Example asked to be forgotten.\n';
  const foundry = await createTestFoundry(t, { 'kept.txt': 'A text nobody asked to forget.\n', 'private.txt': text });
  const { store } = foundry;
  const sha = sha256Hex(new TextEncoder().encode(text));
  const config = { ...loadConfig({}), home: foundry.home, workers: 1 };
  await forgetSource(foundry, join(foundry.home, 'in', 'private.txt'));
  const again = join(foundry.home, 'again');
  mkdirSync(again);
  writeFileSync(join(again, 'copy.txt'), text);

  // A time limit no parse meets (a fresh worker thread takes longer than 1 ms to start).
  const failed = await ingestPaths([again], { ...foundry, config: { ...config, parseTimeoutMs: 1 } });
  assert.deepEqual(failed.failuresByReason, { parse_timeout: 1 });
  assert.notEqual((await store.getBlob(sha))?.erasedAt ?? null, null, 'the content stays erased');
  assert.deepEqual((await store.currentDocuments()).map((entry) => basename(entry.path)), ['kept.txt'], 'the blanked document is no current document');
  assert.equal((await buildDataset(foundry, 'd', { chunkTokens: 64, overlap: 0 })).version.documentCount, 1, 'a build leaves it out rather than refuse it');

  // Unchanged since it failed: the failure is repeated, not the blanked document offered.
  const unchanged = await ingestPaths([again], { ...foundry, config });
  assert.equal(unchanged.failed, 1);
  assert.match(unchanged.failures[0]?.message ?? '', /unchanged since it failed/);

  const retried = await ingestPaths([again], { ...foundry, config, retryFailed: true });
  assert.equal(retried.ingested, 1, JSON.stringify(retried.failures));
  assert.equal((await store.getBlob(sha))?.erasedAt, null);
  assert.equal((await store.findDocument(sha, parserVersionFor('text/plain') ?? ''))?.text, text.trim());
  assert.deepEqual((await store.currentDocuments()).map((entry) => basename(entry.path)), ['copy.txt', 'kept.txt']);
});
