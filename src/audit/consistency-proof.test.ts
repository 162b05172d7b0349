import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FabrikError } from '../shared/errors.ts';
import { canonicalize } from '../shared/canonical-json.ts';
import { CHECKPOINT_ANCHOR_FILE } from './checkpoint-anchor.ts';
import { checkConsistencyProof, serializeConsistencyProof, type ConsistencyProof } from './consistency-proof.ts';
import { createTestLog, sampleInput, type TestLog } from './create-test-log.ts';

function rejected(bytes: Uint8Array, options: { verifierKey?: string; savedCheckpoint?: string } = {}): FabrikError {
  try {
    checkConsistencyProof(bytes, options);
  } catch (error) {
    assert.ok(error instanceof FabrikError, `not a FabrikError: ${String(error)}`);
    assert.equal(error.code, 'proof_invalid');
    return error;
  }
  assert.fail(`accepted a bad consistency proof: ${Buffer.from(bytes).toString('utf8').slice(0, 300)}`);
}

function altered(proof: ConsistencyProof, change: (copy: Record<string, unknown>) => void): Uint8Array {
  const copy = structuredClone(proof) as unknown as Record<string, unknown>;
  change(copy);
  return new TextEncoder().encode(`${canonicalize(copy)}\n`);
}

/** 19 entries, checkpoints at 5, 12 and 19, as three CLI commands leave them. */
async function logWithCheckpoints(t: { after: (fn: () => void) => void }): Promise<TestLog> {
  const fixture = createTestLog();
  t.after(fixture.close);
  for (let seq = 1; seq <= 19; seq++) {
    await fixture.log.append(sampleInput(seq));
    if (seq === 5 || seq === 12 || seq === 19) await fixture.log.checkpoint();
  }
  return fixture;
}

test('a consistency proof from a real log checks offline against the key and the saved checkpoint; every byte change is rejected', async (t) => {
  const fixture = await logWithCheckpoints(t);
  const { log, db } = fixture;
  const saved = (db.prepare('SELECT note FROM audit_checkpoints WHERE size = 5').get() as { note: string }).note;
  const proof = await log.consistency(5);
  const bytes = serializeConsistencyProof(proof);
  const trusted = { verifierKey: log.verifierKey };
  const rootAt = (size: number): string => (db.prepare('SELECT root FROM audit_checkpoints WHERE size = ?').get(size) as { root: string }).root;
  assert.deepEqual(checkConsistencyProof(bytes, { ...trusted, savedCheckpoint: saved }), {
    ok: true,
    oldSize: 5,
    newSize: 19,
    oldRootHash: rootAt(5),
    newRootHash: rootAt(19),
    origin: 'fabrik.test/audit',
    keyName: 'fabrik.test/audit',
    trustedEmbeddedKey: false,
    matchedSavedCheckpoint: true,
  });
  assert.equal(checkConsistencyProof(bytes).trustedEmbeddedKey, true);
  assert.equal(checkConsistencyProof(bytes).matchedSavedCheckpoint, false);
  assert.equal(checkConsistencyProof(serializeConsistencyProof(await log.consistency(19)), trusted).newSize, 19, 'a proof between equal sizes is empty and valid');

  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0x01, 0x20, 0x80]) {
      const mutated = new Uint8Array(bytes);
      mutated[i]! ^= mask;
      rejected(mutated, trusted);
    }
  }
  for (let length = 0; length < bytes.length; length += 7) rejected(bytes.subarray(0, length), trusted);

  const cases: [string, (copy: Record<string, unknown>) => void, RegExp][] = [
    ['path shortened', (copy) => (copy.consistencyPath as string[]).pop(), /does not prove/],
    ['path lengthened', (copy) => (copy.consistencyPath as string[]).push(proof.consistencyPath[0]!), /does not prove/],
    ['path element changed', (copy) => ((copy.consistencyPath as string[])[0] = '00'.repeat(32)), /does not prove/],
    ['path upper-case hex', (copy) => ((copy.consistencyPath as string[])[0] = proof.consistencyPath[0]!.toUpperCase()), /lower-case hex/],
    ['old and new swapped', (copy) => ([copy.oldCheckpoint, copy.newCheckpoint] = [copy.newCheckpoint, copy.oldCheckpoint]), /larger than newCheckpoint/],
    ['another old checkpoint', (copy) => (copy.oldCheckpoint = (db.prepare('SELECT note FROM audit_checkpoints WHERE size = 12').get() as { note: string }).note), /does not prove/],
    ['old checkpoint body changed', (copy) => (copy.oldCheckpoint = (copy.oldCheckpoint as string).replace('\n5\n', '\n6\n')), /does not verify/],
    ['an extra field', (copy) => (copy.comment = 'hi'), /exactly the fields/],
    ['another type', (copy) => (copy.type = 'fabrik-audit-inclusion-proof/v1'), /type must be/],
  ];
  for (const [name, change, reason] of cases) assert.match(rejected(altered(proof, change), trusted).message, reason, name);
});

test('a history rewritten and re-signed with the real key passes on its own, and fails against the checkpoint an auditor saved', async (t) => {
  const genuine = await logWithCheckpoints(t);
  const saved = (genuine.db.prepare('SELECT note FROM audit_checkpoints WHERE size = 12').get() as { note: string }).note;
  const trusted = { verifierKey: genuine.log.verifierKey };
  // The genuine log's own proof matches what the auditor saved.
  const honest = serializeConsistencyProof(await genuine.log.consistency(12));
  assert.equal(checkConsistencyProof(honest, { ...trusted, savedCheckpoint: saved }).matchedSavedCheckpoint, true);

  // A key holder sets fabrik's copy of the last checkpoint aside and rebuilds the log with entry 3
  // rewritten, in a fresh database with the same key: every checkpoint is signed afresh.
  rmSync(join(genuine.keyDir, CHECKPOINT_ANCHOR_FILE));
  const rewritten = createTestLog({ keyDir: genuine.keyDir });
  t.after(rewritten.close);
  for (let seq = 1; seq <= 19; seq++) {
    await rewritten.log.append(seq === 3 ? { ...sampleInput(seq), actor: 'user:mallory' } : sampleInput(seq));
    if (seq === 12 || seq === 19) await rewritten.log.checkpoint();
  }
  assert.equal(rewritten.log.verifierKey, genuine.log.verifierKey, 'the rewrite is signed with the real key');
  const proof = serializeConsistencyProof(await rewritten.log.consistency(12));
  assert.equal(checkConsistencyProof(proof, trusted).ok, true, 'on its own the rewritten log is consistent');
  assert.match(rejected(proof, { ...trusted, savedCheckpoint: saved }).message, /is not the proof's oldCheckpoint .*the log was rewritten since you saved it/);
  // A proof from another size than the saved one says which to ask for.
  assert.match(rejected(honest, { ...trusted, savedCheckpoint: (genuine.db.prepare('SELECT note FROM audit_checkpoints WHERE size = 5').get() as { note: string }).note }).message, /ask for a proof from size 5/);
});

test('consistency() names the sizes it can prove from', async (t) => {
  const fixture = await logWithCheckpoints(t);
  await assert.rejects(fixture.log.consistency(7), (error: unknown) => error instanceof FabrikError && error.code === 'not_found' && /no signed checkpoint at size 7; it has checkpoints at 5, 12 and 19/.test(error.message));
  await assert.rejects(fixture.log.consistency(0), (error: unknown) => error instanceof FabrikError && error.code === 'invalid_option');
});
