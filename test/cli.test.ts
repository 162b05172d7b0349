import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { writeMixedFixtures } from './helpers/make-fixtures.ts';
import { runFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

test('ingest → dataset → export → lineage → audit, through the real CLI', async (t) => {
  const work = temporaryDirectory(t);
  const home = join(work, 'home');
  const inputs = join(work, 'in');
  const { good, bad } = await writeMixedFixtures(inputs);

  // A usage error is exit 1 with a message naming the problem.
  const usage = runFabrik(home, ['ingest']);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /ingest takes at least 1 argument/);
  assert.equal(runFabrik(home, ['ingest', '--bogus', inputs]).code, 1);

  // Mixed good and bad files: every good one is ingested, each bad one reported, exit 2.
  const first = runFabrik(home, ['ingest', inputs, '--json']);
  assert.equal(first.code, 2, first.stderr);
  const summary = json<{ files: number; ingested: number; failed: number; failures: Array<{ path: string; code: string; message: string }>; failuresByReason: Record<string, number> }>(first.stdout);
  assert.equal(summary.files, good.length + bad.length);
  assert.equal(summary.ingested, good.length);
  assert.equal(summary.failed, bad.length);
  const failureCodes = Object.fromEntries(summary.failures.map((failure) => [failure.path.split('/').pop(), failure.code]));
  assert.deepEqual(failureCodes, { 'bad.pdf': 'parse_failed', 'empty.txt': 'empty_file', 'noise.bin': 'unsupported_format' });
  for (const failure of summary.failures) assert.ok(failure.message.includes(failure.path.split('/').pop() as string), `message names the file: ${failure.message}`);

  // Only the good files: exit 0. Unchanged files do no work: no new audit entries but the checkpoint.
  const auditBefore = json<Array<{ seq: number }>>(runFabrik(home, ['audit', 'log', '--json', '--limit', '100000']).stdout).length;
  const again = runFabrik(home, ['ingest', join(inputs, 'docs'), '--json']);
  assert.equal(again.code, 0, again.stderr);
  const againSummary = json<{ unchanged: number; ingested: number }>(again.stdout);
  assert.equal(againSummary.unchanged, good.length);
  assert.equal(againSummary.ingested, 0);
  assert.equal(json<Array<{ seq: number }>>(runFabrik(home, ['audit', 'log', '--json', '--limit', '100000']).stdout).length, auditBefore);

  // documents lists them; document show prints canonical text or elements.
  const documents = json<{ documents: Array<{ id: string; path: string; mediaType: string }> }>(runFabrik(home, ['documents', '--json']).stdout).documents;
  assert.equal(documents.length, good.length);
  const mediaTypes = documents.map((document) => document.mediaType).sort();
  assert.deepEqual(mediaTypes, ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'text/csv', 'text/html', 'text/markdown', 'text/plain']);
  const textFile = join(inputs, 'docs', 'plain.txt');
  assert.match(runFabrik(home, ['document', 'show', textFile]).stdout, /Die Straße ist gesperrt\./);
  const html = documents.find((document) => document.mediaType === 'text/html');
  const htmlText = runFabrik(home, ['document', 'show', html?.id.slice(0, 12) ?? '']).stdout;
  assert.match(htmlText, /critical incidents within four hours/);
  assert.doesNotMatch(htmlText, /Products|Copyright/, 'navigation chrome is not main content');
  const pdf = documents.find((document) => document.mediaType === 'application/pdf');
  const pdfJson = json<{ elements: Array<{ page: number; bbox: unknown; span: [number, number]; text: string }>; text: string }>(runFabrik(home, ['document', 'show', pdf?.id ?? '', '--format', 'json']).stdout);
  assert.ok(pdfJson.elements.some((element) => element.page === 3 && element.bbox !== null));
  for (const element of pdfJson.elements) assert.equal(pdfJson.text.slice(element.span[0], element.span[1]), element.text);

  // A changed file at the same path is a new version; the old one stays addressable.
  writeFileSync(textFile, Buffer.from('Neue Fassung: die Stra\u00dfe ist wieder offen.\n', 'latin1'));
  const changed = json<{ newVersions: number }>(runFabrik(home, ['ingest', textFile, '--json']).stdout);
  assert.equal(changed.newVersions, 1);
  assert.match(runFabrik(home, ['document', 'show', textFile]).stdout, /wieder offen/);
  assert.match(runFabrik(home, ['document', 'show', `${textFile}@1`]).stdout, /gesperrt/);

  // Dataset builds are content-addressed: the same inputs and options give the same id.
  const build = json<{ version: string; created: boolean; chunks: number }>(runFabrik(home, ['dataset', 'build', 'handbook', '--chunk-tokens', '64', '--overlap', '8', '--json']).stdout);
  assert.equal(build.created, true);
  assert.match(build.version, /^dsv_[0-9a-f]{24}$/);
  const rebuild = json<{ version: string; created: boolean }>(runFabrik(home, ['dataset', 'build', 'handbook', '--chunk-tokens', '64', '--overlap', '8', '--json']).stdout);
  assert.deepEqual(rebuild, { ...rebuild, version: build.version, created: false });
  const other = json<{ version: string }>(runFabrik(home, ['dataset', 'build', 'handbook', '--chunk-tokens', '128', '--json']).stdout);
  assert.notEqual(other.version, build.version);
  const badOption = runFabrik(home, ['dataset', 'build', 'handbook', '--overlap', '999']);
  assert.equal(badOption.code, 1);
  assert.match(badOption.stderr, /--overlap must be a whole number/);
  assert.match(runFabrik(home, ['dataset', 'list']).stdout, /handbook/);

  // Export: one line per chunk with its source.
  const out = join(work, 'handbook.jsonl');
  const exported = runFabrik(home, ['export', `handbook@${build.version.slice(0, 10)}`, '--format', 'jsonl', '--out', out, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((line) => json<{ id: string; text: string; source: { sha256: string; path: string; media_type: string; pages: number[]; char_span: [number, number]; element_ids: string[] } }>(line));
  assert.equal(lines.length, build.chunks);
  assert.equal(json<{ sha256: string }>(exported.stdout).sha256, createHash('sha256').update(readFileSync(out)).digest('hex'));
  const pdfLine = lines.find((line) => line.source.media_type === 'application/pdf' && line.source.pages.includes(2));
  assert.ok(pdfLine !== undefined);
  assert.ok(pdfLine.source.element_ids.length > 0);
  const csvOut = join(work, 'handbook.csv');
  assert.equal(runFabrik(home, ['export', 'handbook', '--format', 'csv', '--out', csvOut]).code, 0);
  assert.match(readFileSync(csvOut, 'utf8').split('\r\n')[0] ?? '', /^id,text,tokens,dataset,version,sha256,path/);
  assert.match(runFabrik(home, ['export', 'handbook', '--format', 'xml', '--out', csvOut]).stderr, /--format must be one of jsonl, csv/);

  // Lineage: from an exported line down to page, box, bytes; up to versions and exports.
  const lineage = json<{ down: Array<{ kind: string; id: string; details: Record<string, unknown> }>; up: Array<{ kind: string; id: string }> }>(runFabrik(home, ['lineage', pdfLine.id, '--json']).stdout);
  const blob = lineage.down.find((node) => node.kind === 'blob');
  assert.equal(blob?.id, `sha256:${pdfLine.source.sha256}`);
  assert.ok(lineage.down.some((node) => node.kind === 'element' && node.details.page === 2 && node.details.bbox !== null));
  assert.ok(lineage.down.some((node) => node.kind === 'source-version' && node.details.path === pdfLine.source.path));
  assert.ok(lineage.up.some((node) => node.kind === 'dataset-version' && node.id === build.version));
  assert.ok(lineage.up.some((node) => node.kind === 'export'));
  const elementLineage = json<{ up: Array<{ kind: string; id: string }> }>(runFabrik(home, ['lineage', pdfLine.source.element_ids[0] ?? '', '--json']).stdout);
  assert.ok(elementLineage.up.some((node) => node.id === pdfLine.id));
  assert.match(runFabrik(home, ['lineage', 'nonsense']).stderr, /is not a fabrik id/);

  // Audit: verify, proof, offline check, and tampering is caught.
  const verify = runFabrik(home, ['audit', 'verify', '--json']);
  assert.equal(verify.code, 0, verify.stdout);
  const size = json<{ size: number }>(verify.stdout).size;
  const proofFile = join(work, 'proof.json');
  assert.equal(runFabrik(home, ['audit', 'proof', String(size - 1), '--out', proofFile]).code, 0);
  const keyFile = readFileSync(join(home, 'keys', 'audit.pub'), 'utf8').trim();
  const check = runFabrik(join(work, 'elsewhere'), ['audit', 'check-proof', proofFile, '--key', keyFile]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /proof OK/);
  const bytes = readFileSync(proofFile);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
  writeFileSync(proofFile, bytes);
  assert.equal(runFabrik(join(work, 'elsewhere'), ['audit', 'check-proof', proofFile]).code, 3);

  const db = new DatabaseSync(join(home, 'fabrik.db'));
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
  const entriesTable = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit%entr%'").get() as { name: string }).name;
  db.exec(`UPDATE ${entriesTable} SET entry = replace(entry, 'user:test', 'user:mallory') WHERE seq = 3`);
  db.close();
  const tampered = runFabrik(home, ['audit', 'verify']);
  assert.equal(tampered.code, 3);
  assert.match(tampered.stdout, /first bad entry: seq 3/);
});

test('--help and unknown commands', (t) => {
  const home = join(temporaryDirectory(t), 'home');
  const help = runFabrik(home, ['--help']);
  assert.equal(help.code, 0);
  for (const command of ['demo', 'ingest', 'dataset build', 'export', 'lineage', 'audit verify']) assert.match(help.stdout, new RegExp(`\\n  ${command} `));
  assert.match(runFabrik(home, ['ingest', '--help']).stdout, /--max-file-size/);
  assert.match(runFabrik(home, ['dataset', 'build', '--help']).stdout, /--chunk-tokens/);
  const unknown = runFabrik(home, ['frobnicate', '--json']);
  assert.equal(unknown.code, 1);
  assert.equal(json<{ error: { code: string } }>(unknown.stdout).error.code, 'usage');
});
