import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { ModelDefinition } from '../../gateway/core/model-definition.ts';
import { runControlStoreSuite } from '../core/control-store.suite.ts';
import { ENGINE_KEYS_FILE, openSqliteControlStore, type SqliteControlStoreOptions } from './sqlite-control-store.ts';

// Two stores on one file are two connections, as two processes would have.
runControlStoreSuite('sqlite', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fabrik-control-suite-'));
  const options: SqliteControlStoreOptions = { path: join(home, 'fabrik.db'), keyDir: join(home, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'test' };
  const store = openSqliteControlStore(options);
  const others = [store];
  t.after(async () => {
    for (const opened of others) await opened.close();
    rmSync(home, { recursive: true, force: true });
  });
  return {
    store,
    async openAnother() {
      const other = openSqliteControlStore(options);
      others.push(other);
      return other;
    },
    auditSize: async () => store.audit.size(),
  };
});

const SECRET = 'sk-engine-0123456789abcdef';
const model = (name: string, apiKey?: string): ModelDefinition => ({
  name, aliases: [], upstreamModel: name, prices: { input: 0, output: 0 }, maxOutputTokens: 16,
  replicas: [{ url: 'http://10.0.0.5:8000', weight: 1, maxConcurrent: null, ...(apiKey === undefined ? {} : { apiKey }) }],
});

test('engine API keys are sealed at rest (AES-256-GCM, key file 0600), plain ones from before are sealed on open (issue 7, item 22f)', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fabrik-engine-keys-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const options: SqliteControlStoreOptions = { path: join(home, 'fabrik.db'), keyDir: join(home, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'test' };
  const stored = (): string => {
    const db = new DatabaseSync(options.path, { readOnly: true });
    try {
      return (db.prepare('SELECT group_concat(definition) AS all_ FROM gateway_models').get() as { all_: string }).all_;
    } finally {
      db.close();
    }
  };

  let store = openSqliteControlStore(options);
  await store.putModel(model('llama', SECRET), 'user:test');
  await store.putModel(model('open'), 'user:test');
  assert.equal((await store.listModels()).find((entry) => entry.name === 'llama')?.replicas[0]?.apiKey, SECRET, 'the gateway reads the key back');
  await store.close();
  assert.ok(!stored().includes(SECRET), 'fabrik.db does not hold the key in plain text');
  assert.match(stored(), /fabrik-sealed:v1:/);
  assert.ok(!readFileSync(options.path).includes(SECRET), 'nor anywhere in the file');
  assert.equal((statSync(join(home, 'keys', ENGINE_KEYS_FILE)).mode & 0o777).toString(8), '600');

  // A database written before sealing holds the key in plain text: opening it seals it.
  const db = new DatabaseSync(options.path);
  db.prepare("UPDATE gateway_models SET definition = ? WHERE name = 'open'").run(JSON.stringify(model('open', 'sk-legacy-plain')));
  db.close();
  store = openSqliteControlStore(options);
  assert.ok(!stored().includes('sk-legacy-plain'));
  await store.close();
  assert.ok(!readFileSync(options.path).includes('sk-legacy-plain'), 'the plain text is not left in a free page either');
  store = openSqliteControlStore(options);
  assert.equal((await store.listModels()).find((entry) => entry.name === 'open')?.replicas[0]?.apiKey, 'sk-legacy-plain');
  await store.close();

  // Another key file cannot open them: an error naming the file, not garbage sent to an engine.
  writeFileSync(join(home, 'keys', ENGINE_KEYS_FILE), `${Buffer.alloc(32, 7).toString('base64')}\n`);
  store = openSqliteControlStore(options);
  try {
    await assert.rejects(() => store.listModels(), (error: Error & { code?: string }) => error.code === 'store_error' && error.message.includes(ENGINE_KEYS_FILE));
  } finally {
    await store.close();
  }
});
