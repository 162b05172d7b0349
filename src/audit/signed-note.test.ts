import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FabrikError } from '../shared/errors.ts';
import { generateNoteSigner, noteKeyId, parseNoteSigner, parseNoteVerifier, safeOpenNote, safeParseNote, safeParseNoteVerifier, signNote } from './signed-note.ts';

// The example key and note of Go's golang.org/x/mod/sumdb/note (note_test.go), the reference
// implementation of C2SP signed-note. Ed25519 is deterministic, so signing must match byte for byte.
const VERIFIER_KEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const SIGNER_KEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const NOTE = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

test('the Go reference key: key id, verifier key and signature match byte for byte', () => {
  const signer = parseNoteSigner(SIGNER_KEY);
  assert.equal(signer.name, 'PeterNeumann');
  assert.equal(signer.keyId, 0xc74f20a3);
  assert.equal(signer.verifier.text, VERIFIER_KEY);
  assert.equal(signer.text, SIGNER_KEY);
  assert.equal(noteKeyId('PeterNeumann', signer.verifier.publicKey), 0xc74f20a3);
  assert.equal(signNote(TEXT, signer), NOTE);
  assert.deepEqual(safeOpenNote(NOTE, parseNoteVerifier(VERIFIER_KEY)), { text: TEXT });
});

test('a changed note, a wrong key or a mangled verifier key does not verify', () => {
  const verifier = parseNoteVerifier(VERIFIER_KEY);
  assert.equal(typeof safeOpenNote(NOTE.replace('cryptography', 'cryptographY'), verifier), 'string');
  assert.equal(typeof safeOpenNote(NOTE.replace('\u2014', '-'), verifier), 'string');
  assert.equal(typeof safeOpenNote(NOTE.slice(0, -1), verifier), 'string');
  assert.match(safeOpenNote(NOTE, generateNoteSigner('PeterNeumann').verifier) as string, /no signature by key/);
  // Every single-character change and every proper substring of the verifier key is refused.
  const bytes = Buffer.from(VERIFIER_KEY);
  for (let i = 0; i < bytes.length; i++) {
    for (const delta of [1, -1]) {
      const changed = Buffer.from(bytes);
      changed[i]! += delta;
      const result = safeParseNoteVerifier(changed.toString('latin1'));
      assert.equal(typeof result, 'string', `changed byte ${i}`);
    }
  }
  for (let length = 0; length < VERIFIER_KEY.length; length++) assert.equal(typeof safeParseNoteVerifier(VERIFIER_KEY.slice(0, length)), 'string');
  assert.throws(() => parseNoteVerifier('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), FabrikError);
});

test('a fresh signer signs notes its verifier opens; extra unknown signatures are ignored', () => {
  const signer = generateNoteSigner('fabrik.example/audit');
  const verifier = parseNoteVerifier(signer.verifier.text);
  const note = signNote('fabrik.example/audit\n1\nAAAA\n', signer);
  assert.deepEqual(safeOpenNote(note, verifier), { text: 'fabrik.example/audit\n1\nAAAA\n' });
  const cosigned = `${note}\u2014 someone-else ${Buffer.alloc(68, 7).toString('base64')}\n`;
  assert.deepEqual(safeOpenNote(cosigned, verifier), { text: 'fabrik.example/audit\n1\nAAAA\n' });
  const parsed = safeParseNote(cosigned);
  assert.ok(typeof parsed !== 'string' && parsed.signatures.length === 2);
  assert.throws(() => signNote('no newline', signer));
  assert.throws(() => generateNoteSigner('has space'), FabrikError);
  assert.throws(() => generateNoteSigner('has+plus'), FabrikError);
});
