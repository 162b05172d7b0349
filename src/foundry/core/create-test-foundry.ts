import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { AuditLog } from '../../audit/audit-log.ts';
import { loadConfig } from '../../config/load-config.ts';
import type { BlobStore } from '../../store/core/blob-store.ts';
import type { FoundryStore } from '../../store/core/foundry-store.ts';
import { createFsBlobStore } from '../../store/blobs/fs-blob-store.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { PARSER_CATALOG } from '../parsers/parser-catalog.ts';
import { documentChunker } from '../stages/chunk/document-chunker.ts';
import type { Chunker } from './chunker.ts';
import { ingestPaths } from './ingest.ts';
import type { ParserCatalog } from './parser-catalog.ts';

/** A real store, audit log, blob folder and ingested files in a temp dir, with a second connection for tampering in tests. */
export interface TestFoundry {
  home: string;
  store: FoundryStore;
  audit: AuditLog;
  blobs: BlobStore;
  /** Who the test acts as in the audit log. */
  actor: string;
  /** A plain connection to the same database file, as someone editing it by hand would use. */
  db: DatabaseSync;
  /** The real parsers and chunk stage, as the CLI passes them to ingest and build. */
  parsers: ParserCatalog;
  chunker: Chunker;
}

/** Writes `files` (name → text) to a folder and ingests it with the real parsers; cleans up when the test ends. */
export async function createTestFoundry(t: { after: (fn: () => unknown) => void }, files: Record<string, string>): Promise<TestFoundry> {
  const home = mkdtempSync(join(tmpdir(), 'fabrik-foundry-test-'));
  const inputs = join(home, 'in');
  mkdirSync(inputs);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(inputs, name), text);
  const store = openSqliteStore({ path: join(home, 'fabrik.db'), keyDir: join(home, 'keys'), origin: 'fabrik.test/foundry', codeVersion: 'test' });
  const blobs = createFsBlobStore(join(home, 'blobs'));
  const db = new DatabaseSync(join(home, 'fabrik.db'));
  t.after(async () => {
    db.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });
  const foundry: TestFoundry = { home, store, audit: store.audit, blobs, actor: 'test', db, parsers: PARSER_CATALOG, chunker: documentChunker };
  await ingestPaths([inputs], { ...foundry, config: { ...loadConfig({}), home, workers: 1 } });
  return foundry;
}

/** Three short Markdown documents, long enough to give several chunks each at 32 tokens. */
export const SAMPLE_FILES: Record<string, string> = {
  'alpha.md': '# Alpha\n\nThe first paragraph of alpha talks about rivers, bridges and the weather in spring.\n\nA second paragraph mentions trains, stations and the timetable for the northern line.\n',
  'beta.md': '# Beta\n\nBeta is about kitchens: knives, pans, the oven and a recipe for bread with seeds.\n\n## Storage\n\nFlour keeps for months in a dry cupboard; yeast keeps for weeks in the fridge.\n',
  'gamma.txt': 'Gamma is plain text. It has one long paragraph about the sea, ships, harbours and lighthouses along a rocky coast, and the people who keep the lights burning at night.\n',
};
