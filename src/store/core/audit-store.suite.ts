import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkConsistencyProof, checkProof, openAuditLog, serializeConsistencyProof, serializeProof, type AuditEntryInput, type AuditLog, type AuditLogOptions } from '../../audit/audit-log.ts';
import { canonicalize } from '../../shared/canonical-json.ts';
import { leafHash, nodeHash, rootFromLeafHashes } from '../../audit/merkle.ts';
import { toHex } from '../../audit/strict-encoding.ts';
import { FabrikError } from '../../shared/errors.ts';
import { nodePosition, type AuditStore } from './audit-store.ts';

type TestContext = { after: (fn: () => void | Promise<void>) => void };

/** What an adapter's test file hands the suite: a fresh, empty set of audit tables per call. */
export interface AuditStoreFixture {
  store: AuditStore;
  /** Runs `work` in one of the adapter's own transactions, with a store bound to it (as a foundry transaction's handle would be). */
  transaction<T>(work: (store: AuditStore) => Promise<T>): Promise<T>;
  /** Deletes one stored subtree hash behind the log's back (as an attacker with database access would: triggers bypassed). */
  removeNode(level: number, index: number): Promise<void>;
  /** Replaces the stored text of entry `seq` behind the log's back. */
  replaceEntry(seq: number, text: string): Promise<void>;
}

/**
 * The one conformance suite for audit storage: the AuditStore interface itself, and the audit log
 * (tree, checkpoints, proofs, verify) over it. Every adapter's test file runs it with its factory.
 */
export function runAuditStoreSuite(adapter: string, open: (t: TestContext) => Promise<AuditStoreFixture>): void {
  const input = (i: number): AuditEntryInput => ({ actor: `user:${i % 3}`, action: 'suite.append', subjects: [`document:${i}`], options: { i } });
  const logOver = (t: TestContext, store: AuditStore, overrides: Partial<AuditLogOptions> = {}): AuditLog => {
    const keyDir = mkdtempSync(join(tmpdir(), 'fabrik-audit-suite-'));
    t.after(() => rmSync(keyDir, { recursive: true, force: true }));
    let clock = Date.parse('2026-11-23T00:00:00.000Z');
    return openAuditLog(store, { keyDir, origin: 'fabrik.test/suite', codeVersion: 'suite', now: () => new Date(clock++), ...overrides });
  };
  const integrity = (pattern: RegExp) => (error: unknown) => error instanceof FabrikError && error.code === 'audit_integrity' && pattern.test(error.message);

  test(`${adapter}: the audit tables store entries, subtree hashes and checkpoints as given`, async (t) => {
    const { store } = await open(t);
    assert.equal(await store.lastSeq(), 0);
    assert.equal(await store.lastHashedSeq(), 0);
    assert.deepEqual(await store.entriesAfter(null, 10), []);
    const hash = (byte: number) => new Uint8Array(32).fill(byte);
    await store.atomically(async (tables) => {
      for (let seq = 1; seq <= 3; seq++) await tables.insertEntry(seq, `{"seq":${seq}}`);
      await tables.insertNodes([{ level: 0, index: 0, hash: hash(1) }]);
      await tables.insertNodes([{ level: 0, index: 1, hash: hash(2) }, { level: 1, index: 0, hash: hash(3) }]);
      await tables.insertNodes([{ level: 0, index: 2, hash: hash(4) }]);
      await tables.insertCheckpoint({ size: 2, root: 'aa', note: 'note 2', time: 't2' });
      await tables.insertCheckpoint({ size: 3, root: 'bb', note: 'note 3', time: 't3' });
    });
    assert.equal(await store.lastSeq(), 3);
    assert.equal(await store.entryText(2), '{"seq":2}');
    assert.equal(await store.entryText(4), undefined);
    assert.deepEqual((await store.listEntries(2, 5)).map((row) => [Number(row.seq), row.entry]), [[2, '{"seq":2}'], [3, '{"seq":3}']]);
    assert.deepEqual((await store.entriesAfter(null, 2)).map((row) => [Number(row[0]), row[1]]), [[1, '{"seq":1}'], [2, '{"seq":2}']]);
    assert.deepEqual((await store.entriesAfter(2, 10)).map((row) => Number(row[0])), [3]);

    const found = await store.nodes([{ level: 1, index: 0 }, { level: 0, index: 2 }, { level: 2, index: 0 }]);
    assert.deepEqual([...found.keys()].sort((a, b) => a - b), [nodePosition(1, 0), nodePosition(0, 2)].sort((a, b) => a - b), 'a missing subtree is absent from the map');
    assert.deepEqual(Buffer.from(found.get(nodePosition(1, 0))!), Buffer.from(hash(3)));
    // The hashes written by append 2 (the leaf and the node it completed), paired with their positions.
    const written = await store.nodesWrittenBy(2, 2);
    assert.deepEqual(written.positions.map(Number).sort((a, b) => a - b), [nodePosition(0, 1), nodePosition(1, 0)].sort((a, b) => a - b));
    written.positions.forEach((position, i) => {
      const expected = Number(position) === nodePosition(0, 1) ? hash(2) : hash(3);
      assert.deepEqual(written.hashes.subarray(i * 32, (i + 1) * 32), Buffer.from(expected));
    });
    assert.equal(await store.lastHashedSeq(), 3);

    assert.deepEqual({ ...(await store.latestCheckpoint()) }, { size: 3, root: 'bb', note: 'note 3', time: 't3' });
    assert.deepEqual({ ...(await store.checkpointAt(2)) }, { size: 2, root: 'aa', note: 'note 2', time: 't2' });
    assert.equal(await store.checkpointAt(1), undefined);
    assert.deepEqual((await store.checkpoints()).map((row) => Number(row.size)), [2, 3]);
  });

  test(`${adapter}: atomically rolls back everything its work wrote when it throws`, async (t) => {
    const { store } = await open(t);
    const failure = new Error('the work failed');
    await assert.rejects(
      store.atomically(async (tables) => {
        await tables.insertEntry(1, '{}');
        await tables.insertNodes([{ level: 0, index: 0, hash: new Uint8Array(32) }]);
        await tables.insertCheckpoint({ size: 1, root: 'aa', note: 'n', time: 't' });
        assert.equal(await tables.lastSeq(), 1, 'the work sees its own writes');
        throw failure;
      }),
      failure,
    );
    assert.equal(await store.lastSeq(), 0);
    assert.equal(await store.lastHashedSeq(), 0);
    assert.equal(await store.latestCheckpoint(), undefined);
    assert.equal(store.inTransaction(), false);
  });

  test(`${adapter}: the log appends canonical entries as an RFC 9162 tree, signs checkpoints, and its proofs check offline`, async (t) => {
    const { store } = await open(t);
    const log = logOver(t, store, { checkpointEvery: 8 });
    assert.equal(await log.size(), 0);
    assert.equal(await log.checkpoint(), null);
    const leaves: Uint8Array[] = [];
    for (let i = 1; i <= 21; i++) {
      const appended = await log.append(input(i));
      assert.equal(appended.seq, i);
      const entry = await log.entry(i);
      assert.equal(appended.leafHash, toHex(leafHash(canonicalize(entry))));
      leaves.push(leafHash(canonicalize(entry)));
    }
    assert.equal(await log.size(), 21);
    assert.deepEqual((await log.list({ from: 20 })).map((entry) => entry.seq), [20, 21]);
    assert.deepEqual((await store.checkpoints()).map((row) => Number(row.size)), [8, 16], 'signed every 8 entries');
    const checkpoint = await log.checkpoint();
    assert.equal(checkpoint?.size, 21);
    assert.equal(checkpoint?.rootHash, toHex(rootFromLeafHashes(leaves)));
    // 2n - popcount(n) stored hashes for n leaves: every append wrote its leaf and the nodes it completed.
    assert.equal(await store.lastHashedSeq(), 21);

    for (const seq of [1, 8, 13, 21]) {
      const checked = checkProof(serializeProof(await log.proof(seq)), { verifierKey: log.verifierKey });
      assert.deepEqual([checked.seq, checked.treeSize], [seq, 21]);
    }
    const saved = (await store.checkpointAt(8))!.note;
    const consistency = checkConsistencyProof(serializeConsistencyProof(await log.consistency(8)), { verifierKey: log.verifierKey, savedCheckpoint: saved });
    assert.deepEqual([consistency.oldSize, consistency.newSize], [8, 21]);
    assert.deepEqual(await log.verify(), { ok: true, size: 21, checkpoints: 3, firstBad: null, problems: [] });
  });

  test(`${adapter}: appends in a caller's transaction roll back with it; concurrent appends take turns`, async (t) => {
    const fixture = await open(t);
    const log = logOver(t, fixture.store, { checkpointEvery: 4 });
    await log.append(input(1));
    const failure = new Error('the caller rolled back');
    await assert.rejects(
      fixture.transaction(async (tx) => {
        const bound = log.bind(tx);
        assert.equal(bound.verifierKey, log.verifierKey);
        for (let i = 2; i <= 6; i++) await bound.append(input(i));
        assert.equal(await bound.size(), 6);
        throw failure;
      }),
      failure,
    );
    assert.equal(await log.size(), 1);
    assert.equal(await fixture.store.lastHashedSeq(), 1);
    assert.equal(await fixture.store.latestCheckpoint(), undefined, 'the checkpoint signed at 4 rolled back too');

    // A failed append inside a transaction leaves it usable; appends started together get distinct seqs.
    await fixture.transaction(async (tx) => {
      const bound = log.bind(tx);
      await assert.rejects(bound.append({ actor: 'a', action: 'a', subjects: [], options: { bad: Number.NaN } }), (error: unknown) => error instanceof FabrikError && error.code === 'invalid_option');
      await Promise.all([2, 3, 4, 5].map((i) => bound.append(input(i))));
    });
    const seqs = await Promise.all([6, 7, 8, 9, 10].map(async (i) => (await log.append(input(i))).seq));
    assert.deepEqual(seqs.sort((a, b) => a - b), [6, 7, 8, 9, 10]);
    assert.deepEqual((await log.list()).map((entry) => entry.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual((await fixture.store.checkpoints()).map((row) => Number(row.size)), [4, 8]);
    assert.equal((await log.verify()).ok, true);
  });

  test(`${adapter}: a missing stored hash is an audit_integrity error naming its level and index, and verify reports it`, async (t) => {
    const fixture = await open(t);
    const log = logOver(t, fixture.store);
    for (let i = 1; i <= 8; i++) await log.append(input(i));
    await log.checkpoint();
    // Leaf 0's inclusion path in a tree of 8 reads (0, 1), (1, 1) and (2, 1).
    await fixture.removeNode(1, 1);
    await assert.rejects(log.proof(1), integrity(/missing the stored hash at level 1, index 1/));
    const report = await log.verify();
    assert.equal(report.ok, false);
    assert.equal(report.firstBad?.seq, 3);
    assert.match(report.firstBad!.reason, /the stored hash of entries 3\.\.4 \(level 1, index 1\) is missing/);
  });

  test(`${adapter}: verify names an entry changed behind the log's back`, async (t) => {
    const fixture = await open(t);
    const log = logOver(t, fixture.store, { checkpointEvery: 4 });
    for (let i = 1; i <= 10; i++) await log.append(input(i));
    const entry = (await log.entry(6))! as unknown as Record<string, unknown>;
    await fixture.replaceEntry(6, canonicalize({ ...entry, actor: 'user:mallory' }));
    const report = await log.verify();
    assert.equal(report.ok, false);
    assert.equal(report.firstBad?.seq, 6);
    assert.match(report.firstBad!.reason, /entry 6 does not match its stored leaf hash: the row was modified/);
    // The hash of the leaf the proof starts from no longer reaches the signed root.
    await assert.rejects(log.proof(6), integrity(/do not reach the signed checkpoint/));
  });

  test(`${adapter}: the tree the log stores is the one nodeHash builds`, async (t) => {
    const { store } = await open(t);
    const log = logOver(t, store);
    for (let i = 1; i <= 3; i++) await log.append(input(i));
    const leaf = async (seq: number) => leafHash(canonicalize(await log.entry(seq)));
    const found = await store.nodes([{ level: 1, index: 0 }]);
    assert.deepEqual(Buffer.from(found.get(nodePosition(1, 0))!), Buffer.from(nodeHash(await leaf(1), await leaf(2))));
  });
}
