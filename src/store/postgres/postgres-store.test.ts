import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { POSTGRES_SKIP_MESSAGE, startPostgres } from '../../../test/helpers/postgres-server.ts';
import { runFoundryStoreSuite } from '../core/foundry-store.suite.ts';
import { openPostgresStore } from './postgres-store.ts';

// The foundry store on a real PostgreSQL server: store/core's conformance suite, and what only a
// server shared by several processes can show.
const server = await startPostgres();
after(() => server?.stop());
const skip = server === null ? POSTGRES_SKIP_MESSAGE : false;
if (server === null) console.log(`# ${POSTGRES_SKIP_MESSAGE}`);

async function open(t: { after: (fn: () => Promise<void> | void) => void }) {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-pg-store-'));
  const url = await server!.freshDatabase();
  const store = await openPostgresStore({ url, keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test' });
  t.after(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return store;
}

if (server === null) test('postgres: the foundry store conformance suite', { skip }, () => {});
else runFoundryStoreSuite('postgres', async (t) => {
  const store = await open(t);
  return { store, auditSize: () => store.audit.size() };
});

const now = '2026-11-23T00:00:00.000Z';
const sha = (digit: string): string => digit.repeat(64);

test('postgres: paths and ids sort by code point in a database whose locale sorts otherwise (C collation on the columns)', { skip }, async (t) => {
  // An ICU English database sorts "/x" before "/Y"; SQLite, and so fabrik, sort "/Y" first.
  const name = `fabrik_icu_${process.pid}`;
  const admin = new pg.Client({ connectionString: server!.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`);
  } catch (error) {
    t.skip(`no ICU locale on this server: ${(error as Error).message}`);
    return;
  } finally {
    await admin.end();
  }
  const url = new URL(server!.url);
  url.pathname = `/${name}`;
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-pg-store-'));
  const store = await openPostgresStore({ url: url.toString(), keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test' });
  t.after(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
    const cleanup = new pg.Client({ connectionString: server!.url });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await cleanup.end();
  });
  await store.insertSource({ id: 'src_b', path: '/x', createdAt: now });
  await store.insertSource({ id: 'src_B', path: '/Y', createdAt: now });
  await store.insertSource({ id: 'src_c', path: '/data/a', createdAt: now });
  await store.insertSource({ id: 'src_d', path: '/data-2/b', createdAt: now });
  assert.deepEqual((await store.listSources()).map((source) => source.path), ['/Y', '/data-2/b', '/data/a', '/x']);
  assert.deepEqual((await store.liveSourcesUnder('/data')).map((source) => source.path), ['/data/a'], '/data-2 is not under /data');
  assert.equal(await store.resolveId('src_B'), 'src_B');
});

test('postgres: dataset versions keep their insertion order within one timestamp; exports replace by id; failures list in order', { skip }, async (t) => {
  const store = await open(t);
  for (const id of ['dsv_b', 'dsv_a']) {
    await store.insertDatasetVersion({ id, dataset: 'd', manifest: '{}', chunkCount: 0, tokenCount: 0, documentCount: 0, options: { id }, createdAt: now }, []);
  }
  assert.deepEqual((await store.listDatasetVersions('d')).map((version) => version.id), ['dsv_b', 'dsv_a']);
  assert.equal((await store.latestDatasetVersion('d'))?.id, 'dsv_a');
  await store.insertExport({ id: 'exp_1', versionId: 'dsv_a', format: 'jsonl', path: '/out/a', sha256: sha('1'), lineCount: 2, createdAt: now });
  await store.insertExport({ id: 'exp_1', versionId: 'dsv_a', format: 'jsonl', path: '/out/b', sha256: sha('2'), lineCount: 3, createdAt: now });
  assert.deepEqual((await store.exportsForVersion('dsv_a')).map((record) => [record.path, record.lineCount]), [['/out/b', 3]]);
  await store.recordFailure({ path: '/a.pdf', sha256: sha('9'), code: 'parse_failed', message: 'one', createdAt: now });
  await store.recordFailure({ path: '/a.pdf', sha256: sha('9'), code: 'encrypted_file', message: 'two', createdAt: now });
  assert.equal((await store.findFailure(sha('9')))?.code, 'encrypted_file');
  assert.deepEqual((await store.listFailures()).map((failure) => failure.message), ['one', 'two']);
});

test('postgres: two stores (two pools, as two processes) write the same database; their audit entries form one log that verifies', { skip }, async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-pg-store-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const url = await server!.freshDatabase();
  const options = { url, keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test', checkpointEvery: 7 };
  const [one, two] = await Promise.all([openPostgresStore(options), openPostgresStore(options)]);
  t.after(async () => {
    await one.close();
    await two.close();
  });
  // Each writer checks for the blob and inserts it in one transaction: only one may insert it.
  const ingest = (store: typeof one, index: number) => store.transaction(async (tx) => {
    if (await tx.getBlob(sha('d')) === null) await tx.putBlob({ sha256: sha('d'), size: 1, mediaType: null, createdAt: now });
    await tx.insertSource({ id: `src_${index}`, path: `/p/${index}`, createdAt: now });
    await tx.audit.append({ actor: 'test', action: 'source.ingest', subjects: [`src_${index}`] });
    await tx.audit.append({ actor: 'test', action: 'source.parse', subjects: [`src_${index}`] });
  });
  await Promise.all(Array.from({ length: 40 }, (_, index) => ingest(index % 2 === 0 ? one : two, index)));
  assert.equal(await one.audit.size(), 80);
  const report = await two.audit.verify();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.equal((await one.stats()).sources, 40);
});

test('postgres: transactions of one pool queue in the process instead of filling the pool; the store\'s own audit log joins the open transaction', { skip }, async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-pg-store-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  // Two connections only: twenty transactions waiting on the server for the append lock would hold
  // both, and the lock holder's read on the store could never get one.
  const store = await openPostgresStore({ url: await server!.freshDatabase(), keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test', poolSize: 2 });
  t.after(() => store.close());
  await Promise.all(Array.from({ length: 20 }, (_, index) => store.transaction(async (tx) => {
    await tx.insertSource({ id: `src_${index}`, path: `/q/${index}`, createdAt: now });
    assert.equal(await store.getSource(`src_${index}`), null, 'a read on the store sees only what is committed');
    await tx.audit.append({ actor: 'test', action: 'source.ingest', subjects: [`src_${index}`] });
    // The store's audit log, called inside the work, joins this transaction rather than wait for it.
    await store.audit.append({ actor: 'test', action: 'source.note', subjects: [`src_${index}`] });
  })));
  assert.equal((await store.stats()).sources, 20);
  assert.equal(await store.audit.size(), 40);
  assert.equal((await store.audit.verify()).ok, true);
  await assert.rejects(store.transaction(async () => {
    await store.audit.append({ actor: 'test', action: 'source.note', subjects: [] });
    throw new Error('rolled back');
  }), /rolled back/);
  assert.equal(await store.audit.size(), 40, 'the joined append rolled back with the transaction');
});
