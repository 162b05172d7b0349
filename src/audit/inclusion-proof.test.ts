import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FabrikError } from '../shared/errors.ts';
import { canonicalize } from '../shared/canonical-json.ts';
import { checkProof, serializeProof, type InclusionProof } from './inclusion-proof.ts';
import { createTestLog, fill } from './create-test-log.ts';

function rejected(bytes: Uint8Array, options: { verifierKey?: string } = {}): FabrikError {
  try {
    checkProof(bytes, options);
  } catch (error) {
    assert.ok(error instanceof FabrikError, `not a FabrikError: ${String(error)}`);
    assert.equal(error.code, 'proof_invalid');
    return error;
  }
  assert.fail(`accepted a bad proof: ${Buffer.from(bytes).toString('utf8').slice(0, 200)}`);
}

/** Re-serialises a parsed proof after a change, so only the meaning differs, never the form. */
function altered(proof: InclusionProof, change: (copy: Record<string, unknown>) => void): Uint8Array {
  const copy = structuredClone(proof) as unknown as Record<string, unknown>;
  change(copy);
  return new TextEncoder().encode(`${canonicalize(copy)}\n`);
}

test('a proof file written from a real log checks offline, and every mutation of it is rejected', async (t) => {
  const fixture = createTestLog({ checkpointEvery: 10 });
  t.after(fixture.close);
  await fill(fixture, 37);
  const { log } = fixture;
  const proof = await log.proof(22);
  const entry21 = (await log.entry(21))!;
  const file = join(fixture.dir, 'entry-22.proof.json');
  writeFileSync(file, serializeProof(proof));
  const bytes = new Uint8Array(readFileSync(file));
  const trusted = { verifierKey: log.verifierKey };

  assert.deepEqual(checkProof(bytes, trusted), {
    ok: true,
    seq: 22,
    treeSize: 30,
    rootHash: (fixture.db.prepare('SELECT root FROM audit_checkpoints WHERE size = 30').get() as { root: string }).root,
    keyName: 'fabrik.test/audit',
    origin: 'fabrik.test/audit',
    trustedEmbeddedKey: false,
  });
  assert.equal(checkProof(bytes).trustedEmbeddedKey, true);
  assert.equal(proof.auditPath.length, 5);

  // Every byte flipped: each single bit, and XOR 0x20 (case) and 0xff, with and without a trusted key.
  let mutations = 0;
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff]) {
      const mutated = new Uint8Array(bytes);
      mutated[i]! ^= mask;
      rejected(mutated, trusted);
      rejected(mutated);
      mutations++;
    }
  }
  assert.equal(mutations, bytes.length * 9);

  // Truncated at every length, and with bytes added around it.
  for (let length = 0; length < bytes.length; length++) rejected(bytes.subarray(0, length));
  rejected(Buffer.concat([bytes, Buffer.from('\n')]));
  rejected(Buffer.concat([Buffer.from('\ufeff'), bytes]));
  rejected(Buffer.concat([Buffer.from(' '), bytes]));
  rejected(new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(bytes)), null, 2) + '\n'));

  // Changes of meaning in a canonical file.
  const cases: [string, (copy: Record<string, unknown>) => void, RegExp][] = [
    ['path shortened', (copy) => (copy.auditPath as string[]).pop(), /wrong number|differs/],
    ['path lengthened', (copy) => (copy.auditPath as string[]).push(proof.auditPath[0]!), /wrong number/],
    ['path element changed', (copy) => ((copy.auditPath as string[])[2] = '00'.repeat(32)), /differs from the checkpoint root/],
    ['path upper-case hex', (copy) => ((copy.auditPath as string[])[0] = proof.auditPath[0]!.toUpperCase()), /lower-case hex/],
    ['path reversed', (copy) => (copy.auditPath as string[]).reverse(), /differs/],
    ['leaf index + 1', (copy) => (copy.leafIndex = 22), /does not sit at leafIndex/],
    ['leaf index and seq shifted together', (copy) => {
      copy.leafIndex = 22;
      (copy.entry as { seq: number }).seq = 23;
    }, /differs from the checkpoint root/],
    ['tree size + 1', (copy) => (copy.treeSize = 31), /differs from the checkpoint's size/],
    ['tree size - 1', (copy) => (copy.treeSize = 29), /differs from the checkpoint's size/],
    ['a different entry', (copy) => (copy.entry = entry21), /does not sit at leafIndex/],
    ['a different entry at this seq', (copy) => (copy.entry = { ...entry21, seq: 22 }), /differs from the checkpoint root/],
    ['an entry field changed', (copy) => ((copy.entry as { actor: string }).actor = 'mallory'), /differs from the checkpoint root/],
    ['an extra field', (copy) => (copy.comment = 'hi'), /exactly the fields/],
    ['a field missing', (copy) => delete copy.verifierKey, /exactly the fields/],
    ['another type', (copy) => (copy.type = 'fabrik-audit-inclusion-proof/v2'), /type must be/],
    ['checkpoint body changed', (copy) => (copy.checkpoint = (copy.checkpoint as string).replace('\n30\n', '\n31\n')), /does not verify/],
    ['checkpoint root re-encoded', (copy) => (copy.checkpoint = (copy.checkpoint as string).replace(/=\n\n/, '\n\n')), /does not verify|checkpoint/],
    ['checkpoint signature dropped', (copy) => (copy.checkpoint = (copy.checkpoint as string).split('\n\n')[0] + '\n'), /checkpoint/],
  ];
  for (const [name, change, reason] of cases) {
    const error = rejected(altered(proof, change), trusted);
    assert.match(error.message, reason, name);
    rejected(altered(proof, change));
  }
});

test('a checkpoint from another key is rejected, even when the proof is otherwise perfect', async (t) => {
  const ours = createTestLog({ checkpointEvery: 10 });
  const theirs = createTestLog({ checkpointEvery: 10 });
  t.after(() => {
    ours.close();
    theirs.close();
  });
  // Same clock and inputs: the two logs hold identical entries and roots, only the keys differ.
  await fill(ours, 25);
  await fill(theirs, 25);
  const genuine = await ours.log.proof(7);
  const foreign = await theirs.log.proof(7);
  assert.equal(canonicalize(genuine.entry), canonicalize(foreign.entry));
  assert.notEqual(genuine.verifierKey, foreign.verifierKey);
  const trusted = { verifierKey: ours.log.verifierKey };

  assert.match(rejected(serializeProof(foreign), trusted).message, /not the key you trust/);
  assert.match(rejected(altered(genuine, (copy) => (copy.checkpoint = foreign.checkpoint)), trusted).message, /no signature by key/);
  assert.match(rejected(altered(genuine, (copy) => (copy.checkpoint = foreign.checkpoint))).message, /no signature by key/);
  assert.match(rejected(altered(genuine, (copy) => (copy.verifierKey = foreign.verifierKey))).message, /no signature by key/);
  // Without a trusted key the foreign proof is self-consistent: the report says which key it trusted.
  const selfSigned = checkProof(serializeProof(foreign));
  assert.equal(selfSigned.trustedEmbeddedKey, true);
  assert.match(rejected(serializeProof(genuine), { verifierKey: 'not a key' }).message, /verifier key you gave/);
});
