import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { canonicalize } from '../src/shared/canonical-json.ts';
import { dropAuditTriggers, rewriteAllHashes } from '../src/audit/create-test-log.ts';
import { BIN, REPO_ROOT, runFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

/** Runs `fabrik` as the README does: in `cwd`, with the default FABRIK_HOME (./.fabrik). */
function runInDirectory(cwd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, FABRIK_ACTOR: 'user:test' };
  delete env.FABRIK_HOME;
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The README's `npx fabrik audit …` lines, as argument lists (comments cut off). */
function readmeAuditCommands(): string[][] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return readme
    .split('\n')
    .filter((line) => line.startsWith('npx fabrik audit '))
    .map((line) => line.replace(/\s+#.*$/, '').trim().split(/\s+/).slice(2));
}

test('the README\'s audit commands run as written right after `fabrik demo`; the CLI reports the forgery of issue 7 and refuses to sign over it', (t) => {
  const work = temporaryDirectory(t);
  const demo = runInDirectory(work, ['demo']);
  assert.equal(demo.code, 0, demo.stderr);

  const commands = readmeAuditCommands();
  assert.ok(commands.length >= 5, `the README lists ${commands.length} audit commands`);
  for (const args of commands) {
    const result = runInDirectory(work, args);
    assert.equal(result.code, 0, `README: fabrik ${args.join(' ')}\n${result.stdout}${result.stderr}`);
  }
  assert.match(runInDirectory(work, ['audit', 'check-proof', 'proof.json', '--key-file', '.fabrik/keys/audit.pub']).stdout, /^proof OK: entry 12 /);

  // The forgery, on a copy of the installation: triggers dropped, entry 3 edited, every stored hash
  // recomputed, every checkpoint row deleted. fabrik's copy of its last checkpoint stays in keys/.
  const home = join(work, 'forged');
  cpSync(join(work, '.fabrik'), home, { recursive: true });
  const db = new DatabaseSync(join(home, 'fabrik.db'));
  dropAuditTriggers(db);
  const entry = JSON.parse((db.prepare('SELECT entry FROM audit_entries WHERE seq = 3').get() as { entry: string }).entry) as Record<string, unknown>;
  entry.actor = 'user:mallory';
  db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 3').run(canonicalize(entry));
  rewriteAllHashes(db);
  db.exec('DELETE FROM audit_checkpoints');
  db.close();

  const verify = runFabrik(home, ['audit', 'verify']);
  assert.equal(verify.code, 3, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /audit log FAILED verification/);
  assert.match(verify.stdout, /keys\/audit\.checkpoint holds a checkpoint at size 19 whose root differs/);

  // The next ordinary command would sign a checkpoint over the forged history: it is refused.
  writeFileSync(join(work, 'new.txt'), 'a new document\n');
  const ingest = runFabrik(home, ['ingest', join(work, 'new.txt')]);
  assert.notEqual(ingest.code, 0, ingest.stdout);
  assert.match(ingest.stderr, /audit_integrity: the checkpoint at size 19 that fabrik last signed \(kept in .*audit\.checkpoint\) is missing from the database/);
  for (const args of [['audit', 'checkpoint'], ['audit', 'proof', '20']]) {
    const refused = runFabrik(home, args);
    assert.equal(refused.code, 3, `${args.join(' ')}: ${refused.stdout}`);
    assert.match(refused.stderr, /audit_integrity/);
  }
  const db2 = new DatabaseSync(join(home, 'fabrik.db'));
  assert.equal((db2.prepare('SELECT COUNT(*) AS n FROM audit_checkpoints').get() as { n: number }).n, 0, 'nothing was signed');
  db2.close();
  // The auditor's saved checkpoint shows the rewrite too.
  const against = runFabrik(home, ['audit', 'verify', '--against', join(work, 'saved.checkpoint'), '--json']);
  assert.equal(against.code, 3);
  assert.ok((JSON.parse(against.stdout) as { problems: { reason: string }[] }).problems.some((problem) => /saved\.checkpoint holds a checkpoint at size 19 whose root differs/.test(problem.reason)));
});

test('audit CLI errors name the file or the rule, and counts agree with their nouns (issue 7, item 8)', (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  assert.equal(runFabrik(home, ['team', 'create', 'research']).code, 0);
  const checkpoint = runFabrik(home, ['audit', 'checkpoint', '--out', join(work, 'saved.checkpoint')]);
  assert.equal(checkpoint.code, 0, checkpoint.stderr);
  const verify = runFabrik(home, ['audit', 'verify', '--against', join(work, 'saved.checkpoint')]);
  assert.equal(verify.stdout, 'audit log OK: 1 entry, 1 signed checkpoint verified; it contains 1 saved checkpoint unchanged\n');

  const proofFile = join(work, 'proof.json');
  assert.equal(runFabrik(home, ['audit', 'proof', '1', '--out', proofFile]).code, 0);
  const missingKey = runFabrik(home, ['audit', 'check-proof', proofFile, '--key-file', '/nonexistent/audit.pub']);
  assert.equal(missingKey.code, 1);
  assert.equal(missingKey.stderr, 'fabrik: path_not_found: /nonexistent/audit.pub (--key-file): cannot be read: no such file\n');
  const missingProof = runFabrik(home, ['audit', 'check-consistency', join(work, 'nope.json')]);
  assert.match(missingProof.stderr, /^fabrik: path_not_found: .*nope\.json \(the file\): cannot be read: no such file\n$/);
  const missingAgainst = runFabrik(home, ['audit', 'verify', '--against', join(work, 'nope.checkpoint')]);
  assert.match(missingAgainst.stderr, /path_not_found: .*nope\.checkpoint \(--against\): cannot be read: no such file/);

  const word = runFabrik(home, ['audit', 'proof', 'abc']);
  assert.equal(word.stderr, 'fabrik: invalid_option: the entry number must be a whole number from 1 to 1; got "abc"\n');
  const beyond = runFabrik(home, ['audit', 'proof', '42']);
  assert.equal(beyond.stderr, 'fabrik: not_found: the entry number must be a whole number from 1 to 1; got "42" (the log has 1 entry)\n');
  assert.match(runFabrik(home, ['audit', 'consistency', 'x']).stderr, /invalid_option: the old size must be a whole number from 1/);
});
