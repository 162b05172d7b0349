import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FabrikError } from '../shared/errors.ts';
import { loadSigningKey, SIGNER_KEY_FILE, VERIFIER_KEY_FILE } from './load-signing-key.ts';
import { parseNoteVerifier, safeOpenNote, signNote } from './signed-note.ts';

test('makes a key pair on first use and loads the same one afterwards', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-audit-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keyDir = join(dir, 'nested', 'keys');
  const first = loadSigningKey(keyDir, 'fabrik.test/audit');
  const second = loadSigningKey(keyDir, 'another-origin');
  assert.equal(second.text, first.text, 'an existing key keeps its name and is reused');
  assert.equal(statSync(join(keyDir, SIGNER_KEY_FILE)).mode & 0o777, 0o600);
  assert.equal(statSync(keyDir).mode & 0o777, 0o700);
  const verifier = parseNoteVerifier(readFileSync(join(keyDir, VERIFIER_KEY_FILE), 'utf8').trim());
  assert.deepEqual(safeOpenNote(signNote('hello\n', first), verifier), { text: 'hello\n' });
});

test('refuses a public key file that does not belong to the private key, and tightens loose permissions', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-audit-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  loadSigningKey(dir, 'fabrik.test/audit');
  chmodSync(join(dir, SIGNER_KEY_FILE), 0o644);
  loadSigningKey(dir, 'fabrik.test/audit');
  assert.equal(statSync(join(dir, SIGNER_KEY_FILE)).mode & 0o777, 0o600);
  const other = mkdtempSync(join(tmpdir(), 'fabrik-audit-key-'));
  t.after(() => rmSync(other, { recursive: true, force: true }));
  loadSigningKey(other, 'fabrik.test/audit');
  writeFileSync(join(dir, VERIFIER_KEY_FILE), readFileSync(join(other, VERIFIER_KEY_FILE)));
  assert.throws(() => loadSigningKey(dir, 'fabrik.test/audit'), (error: unknown) => error instanceof FabrikError && error.code === 'invalid_config');
  writeFileSync(join(dir, SIGNER_KEY_FILE), 'not a key\n');
  assert.throws(() => loadSigningKey(dir, 'fabrik.test/audit'), /audit signer key/);
});
