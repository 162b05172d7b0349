import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { makePdf } from './helpers/make-fixtures.ts';
import { runFabrik, startFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

const FILES = 80;

function count(dbPath: string, sql: string): number {
  try {
    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      return Number((db.prepare(sql).get() as { n: number }).n);
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

test('SIGKILL in the middle of a large ingest loses and duplicates nothing', async (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const inputs = join(work, 'in');
  mkdirSync(inputs);
  for (let index = 0; index < FILES; index += 1) {
    writeFileSync(join(inputs, `manual-${String(index).padStart(3, '0')}.pdf`), await makePdf(8, `unit ${index}`));
    writeFileSync(join(inputs, `note-${String(index).padStart(3, '0')}.md`), `# Note ${index}\n\nInspection ${index} found nothing unusual.\n`);
  }
  const dbPath = join(home, 'fabrik.db');
  const child = startFabrik(home, ['ingest', inputs, '--json']);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Kill it once some, but not all, documents are committed.
  const deadline = Date.now() + 120_000;
  let committed = 0;
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  while (Date.now() < deadline && child.exitCode === null) {
    committed = count(dbPath, 'SELECT COUNT(*) AS n FROM documents');
    if (committed >= 10) break;
    await sleep(20);
  }
  assert.equal(child.exitCode, null, `the ingest ended before it could be killed: ${stderr}`);
  child.kill('SIGKILL');
  await exited;
  assert.ok(committed >= 10 && committed < FILES * 2, `killed after ${committed} of ${FILES * 2} documents`);

  const resumed = runFabrik(home, ['ingest', inputs, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(resumed.stdout) as { files: number; documents: number; failed: number };
  assert.equal(summary.files, FILES * 2);
  assert.equal(summary.documents, FILES * 2);

  assert.equal(count(dbPath, 'SELECT COUNT(*) AS n FROM documents'), FILES * 2);
  assert.equal(count(dbPath, 'SELECT COUNT(*) AS n FROM sources'), FILES * 2);
  assert.equal(count(dbPath, 'SELECT COUNT(*) AS n FROM source_versions'), FILES * 2, 'no source got a second version');
  assert.equal(count(dbPath, 'SELECT COUNT(*) AS n FROM (SELECT sha256 FROM documents GROUP BY sha256 HAVING COUNT(*) > 1)'), 0);
  assert.equal(count(dbPath, "SELECT COUNT(*) AS n FROM audit_entries WHERE entry LIKE '%\"document.parse\"%'"), FILES * 2, 'one parse entry per document');

  const db = new DatabaseSync(dbPath, { readOnly: true });
  assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  db.close();
  const verify = runFabrik(home, ['audit', 'verify', '--json']);
  assert.equal(verify.code, 0, verify.stdout);
  assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);
});
