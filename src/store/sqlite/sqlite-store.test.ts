import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFoundryStoreSuite } from '../core/foundry-store.suite.ts';
import { openSqliteStore } from './sqlite-store.ts';

runFoundryStoreSuite('sqlite', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fabrik-store-'));
  const store = openSqliteStore({ path: join(directory, 'fabrik.db'), keyDir: join(directory, 'keys'), origin: 'fabrik.local/test', codeVersion: 'test' });
  t.after(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return { store, auditSize: async () => store.audit.size() };
});
