import { join } from 'node:path';
import { readIfPresent } from '../shared/create-file-once.ts';
import { plural } from '../shared/plural.ts';
import { FabrikError } from '../shared/errors.ts';
import { auditEntryProblem, createAuditEntry, type AuditEntry, type AuditEntryInput } from './audit-entry.ts';
import type { AuditStore, CheckpointRow, StoredSubtree, SubtreeAddress } from '../store/core/audit-store.ts';
import { canonicalize } from '../shared/canonical-json.ts';
import { formatCheckpoint, formatPreviousExtension } from './checkpoint.ts';
import { CHECKPOINT_ANCHOR_FILE, readCheckpointAnchor, writeCheckpointAnchor, type SavedCheckpoint } from './checkpoint-anchor.ts';
import { CONSISTENCY_PROOF_TYPE, type ConsistencyProof } from './consistency-proof.ts';
import { PROOF_TYPE, type InclusionProof } from './inclusion-proof.ts';
import { fetchSubtrees, subtreeLookup } from './fetch-subtrees.ts';
import { loadSigningKey } from './load-signing-key.ts';
import {
  consistencyPath,
  emptyRootHash,
  inclusionPath,
  leafHash,
  nodeHash,
  rootFromInclusionPath,
  rootFromSubtrees,
  verifyConsistencyPath,
} from './merkle.ts';
import { isValidKeyName, signNote, type NoteSigner } from './signed-note.ts';
import { safeFromHex, toHex } from './strict-encoding.ts';
import { verifyAuditLog, type AuditVerifyOptions, type AuditVerifyReport } from './verify-audit-log.ts';

export type { AuditEntry, AuditEntryInput } from './audit-entry.ts';
export type { AuditProblem, AuditVerifyReport } from './verify-audit-log.ts';
export type { CheckedProof, InclusionProof } from './inclusion-proof.ts';
export { checkProof, serializeProof } from './inclusion-proof.ts';
export type { CheckedConsistencyProof, ConsistencyProof } from './consistency-proof.ts';
export { checkConsistencyProof, serializeConsistencyProof } from './consistency-proof.ts';

export interface AuditLogOptions {
  /** Folder holding the Ed25519 key pair (audit.key, mode 0600, and audit.pub); made on first use. */
  keyDir: string;
  /** The checkpoint origin line, and the key name of a key made on first use. */
  origin: string;
  /** Recorded in every entry: which build of fabrik did it. */
  codeVersion: string;
  /** Sign a checkpoint every this many entries (default 1000). */
  checkpointEvery?: number;
  now?: () => Date;
}

export interface AuditCheckpoint {
  size: number;
  rootHash: string;
  note: string;
}

export interface AuditLog {
  /** Appends one entry; joins the caller's transaction when there is one. */
  append(input: AuditEntryInput): Promise<{ seq: number; leafHash: string }>;
  /** Signs a checkpoint for the current size; returns the latest one untouched when it already covers it, null when empty. */
  checkpoint(): Promise<AuditCheckpoint | null>;
  size(): Promise<number>;
  /**
   * Recomputes the whole log from its entries and reports the first entry that does not check out;
   * also checks the log against the checkpoint kept beside the key and any in `options.against`.
   */
  verify(options?: AuditVerifyOptions): Promise<AuditVerifyReport>;
  /** An RFC 9162 consistency proof from the signed checkpoint at `oldSize` to the latest one (signing one first if none covers the log). */
  consistency(oldSize: number): Promise<ConsistencyProof>;
  /** An inclusion proof for entry `seq` against the latest checkpoint (signing one first if none covers it). */
  proof(seq: number): Promise<InclusionProof>;
  /** The parsed entry, or null when there is none. */
  entry(seq: number): Promise<AuditEntry | null>;
  list(options?: { from?: number; limit?: number }): Promise<AuditEntry[]>;
  /**
   * The same log over another view of the same tables (a store bound to a caller's transaction):
   * same key, origin and options, nothing re-read, so it is cheap to call per transaction.
   */
  bind(store: AuditStore): AuditLog;
  /** The note verifier key an auditor pins: `<name>+<hex id>+<base64 key>`. */
  readonly verifierKey: string;
}

const DEFAULT_CHECKPOINT_EVERY = 1000;
const DEFAULT_LIST_LIMIT = 100;
const NO_NODES: ReadonlyMap<number, Uint8Array> = new Map();

/** What every view of one log shares: the validated options and the signing key, read once. */
interface LogSettings {
  keyDir: string;
  origin: string;
  codeVersion: string;
  checkpointEvery: number;
  now: () => Date;
  signer: NoteSigner;
}

/** Opens the audit log kept in `store`'s tables, reading (or making, on first use) its signing key. */
export function openAuditLog(store: AuditStore, options: AuditLogOptions): AuditLog {
  const { origin, codeVersion } = options;
  if (typeof origin !== 'string' || !isValidKeyName(origin)) {
    throw new FabrikError('invalid_option', 'audit origin must be a non-empty string without spaces, control characters or \'+\'', { param: 'origin' });
  }
  if (typeof codeVersion !== 'string') throw new FabrikError('invalid_option', 'audit codeVersion must be a string', { param: 'codeVersion' });
  const checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new FabrikError('invalid_option', 'audit checkpointEvery must be a positive integer', { param: 'checkpointEvery' });
  }
  const signer = loadSigningKey(options.keyDir, origin);
  return createAuditLog(store, { keyDir: options.keyDir, origin, codeVersion, checkpointEvery, now: options.now ?? (() => new Date()), signer });
}

function createAuditLog(store: AuditStore, settings: LogSettings): AuditLog {
  const { keyDir, origin, codeVersion, checkpointEvery, now, signer } = settings;

  /**
   * The last checkpoint fabrik signed and saw committed is kept beside the key, outside the
   * database: whoever rewrites the database (and drops its triggers) cannot make fabrik sign over
   * the rewrite. Refuses when the database lost that checkpoint or the log is shorter than it.
   */
  const readAnchor = () => readCheckpointAnchor(keyDir, signer.verifier);
  const checkAnchorKept = async (tables: AuditStore, size: number, anchor: SavedCheckpoint | null) => {
    if (anchor === null) return null;
    if (anchor.size > size) {
      throw new FabrikError('audit_integrity', `the audit log has ${plural(size, 'entry', 'entries')} but fabrik signed a checkpoint at size ${anchor.size} (kept in ${anchor.source}): entries were removed; run verify`);
    }
    const row = await tables.checkpointAt(anchor.size);
    if (row === undefined || row.root !== toHex(anchor.rootHash)) {
      throw new FabrikError('audit_integrity', `the checkpoint at size ${anchor.size} that fabrik last signed (kept in ${anchor.source}) is ${row === undefined ? 'missing from' : 'different in'} the database: checkpoints were deleted or replaced; run verify`);
    }
    return anchor;
  };

  /** `anchor` must be read before the read snapshot began (or while holding the write lock), so it cannot be ahead of it. */
  const signCheckpoint = async (tables: AuditStore, size: number, anchor: SavedCheckpoint | null): Promise<CheckpointRow> => {
    // One read for the root and the consistency path; the path is asked for only when the anchor is
    // not past the log (checkAnchorKept refuses that case, with its own message).
    const lookup = await fetchSubtrees(tables, (record) => {
      rootFromSubtrees(size, record);
      if (anchor !== null && anchor.size <= size) consistencyPath(anchor.size, size, record);
    });
    const root = rootFromSubtrees(size, lookup);
    await checkAnchorKept(tables, size, anchor);
    // Sign only a consistent extension of the last signed tree: a database rewritten with every
    // hash recomputed gives another root at the anchor's size, and no consistency proof reaches it.
    if (anchor !== null && !verifyConsistencyPath(anchor.size, size, anchor.rootHash, root, consistencyPath(anchor.size, size, lookup))) {
      throw new FabrikError(
        'audit_integrity',
        `refusing to sign a checkpoint at size ${size}: the log is not a consistent extension of the checkpoint at size ${anchor.size} fabrik last signed (kept in ${anchor.source}): entries 1..${anchor.size} were rewritten; run verify`,
      );
    }
    const previous = await tables.latestCheckpoint();
    const previousRoot = previous === undefined ? emptyRootHash() : safeFromHex(previous.root);
    if (previous !== undefined && (previous.size >= size || previousRoot === null)) {
      throw new FabrikError('audit_integrity', `the latest checkpoint row (size ${previous.size}) is malformed or ahead of the log (${size} entries); run verify`);
    }
    const extension = formatPreviousExtension(previous === undefined ? 0 : Number(previous.size), previousRoot!);
    const row = { size, root: toHex(root), note: signNote(formatCheckpoint(origin, size, root, [extension]), signer), time: now().toISOString() };
    await tables.insertCheckpoint(row);
    return row;
  };

  const checkpoint = async (): Promise<CheckpointRow | null> => {
    // Read before the snapshot: another process commits a checkpoint before it writes the anchor,
    // so an anchor read first is never ahead of what the snapshot sees.
    const anchor = readAnchor();
    const own = !store.inTransaction();
    const row = await store.atomically(async (tables) => {
      const size = await tables.lastSeq();
      const latest = await tables.latestCheckpoint();
      if (latest !== undefined && latest.size > size) {
        throw new FabrikError('audit_integrity', `the audit log has ${plural(size, 'entry', 'entries')} but its latest checkpoint covers ${latest.size}: entries were removed; run verify`);
      }
      if (latest !== undefined && latest.size === size) {
        await checkAnchorKept(tables, size, anchor);
        return latest;
      }
      if (size === 0) {
        await checkAnchorKept(tables, size, anchor);
        return null;
      }
      return signCheckpoint(tables, size, anchor);
    });
    if (row !== null) keepAnchor(row, own);
    return row;
  };

  /**
   * Makes a committed checkpoint the anchor; inside a caller's transaction it could still roll back,
   * so it waits. `own`: no transaction was open when the work was called, so atomically ran (and has
   * committed) its own. Otherwise the work joined a caller's transaction, or queued behind another
   * one and then ran its own: only a transaction open now tells, and when another caller's opened
   * the moment ours committed the anchor waits too (the next checkpoint keeps it).
   */
  const keepAnchor = (row: CheckpointRow, own: boolean): void => {
    if (!own && store.inTransaction()) return;
    const current = readAnchor();
    if (current === null || current.size < Number(row.size)) writeCheckpointAnchor(keyDir, row.note);
  };

  const parseStored = (seq: number, text: string): AuditEntry => {
    const entry = safeParseJson(text);
    if (auditEntryProblem(entry) !== null || (entry as AuditEntry).seq !== seq) {
      throw new FabrikError('audit_integrity', `audit entry ${seq} is malformed in the database; run verify`);
    }
    return entry as AuditEntry;
  };

  return {
    verifierKey: signer.verifier.text,

    bind: (other) => createAuditLog(other, settings),

    async append(input) {
      let signed: CheckpointRow | null = null;
      const own = !store.inTransaction();
      const appended = await store.atomically(async (tables) => {
        const seq = (await tables.lastSeq()) + 1;
        const text = canonicalize(createAuditEntry(input, seq, now(), codeVersion));
        const leaf = leafHash(text);
        // Each set of trailing 1-bits in the index closes one perfect subtree: on average one extra
        // read and write per append, whatever the size of the log. The left siblings it combines
        // are read in one call; the leaf and the nodes it completes are written in one.
        const siblings: SubtreeAddress[] = [];
        for (let level = 0, index = seq - 1; index % 2 === 1; level++, index = (index - 1) / 2) siblings.push({ level, index: index - 1 });
        const lookup = subtreeLookup(siblings.length === 0 ? NO_NODES : await tables.nodes(siblings));
        const nodes: StoredSubtree[] = [{ level: 0, index: seq - 1, hash: leaf }];
        let hash = leaf;
        for (const sibling of siblings) {
          hash = nodeHash(lookup(sibling.level, sibling.index), hash);
          nodes.push({ level: sibling.level + 1, index: sibling.index / 2, hash });
        }
        await tables.insertEntry(seq, text);
        await tables.insertNodes(nodes);
        // The append holds the write lock here, so its snapshot is the newest and the anchor cannot be ahead.
        if (seq % checkpointEvery === 0) signed = await signCheckpoint(tables, seq, readAnchor());
        return { seq, leafHash: toHex(leaf) };
      });
      // An autocommit append (the gateway's metering) has committed its checkpoint by now.
      if (signed !== null) keepAnchor(signed, own);
      return appended;
    },

    async checkpoint() {
      const row = await checkpoint();
      return row === null ? null : { size: Number(row.size), rootHash: row.root, note: row.note };
    },

    size: () => store.lastSeq(),

    verify(verifyOptions = {}) {
      // A broken anchor file is reported by verify, not thrown: read it as text and let verify open it.
      const anchorPath = join(keyDir, CHECKPOINT_ANCHOR_FILE);
      const anchorNote = readIfPresent(anchorPath);
      const against = [...(anchorNote === null ? [] : [{ source: anchorPath, note: anchorNote }]), ...(verifyOptions.against ?? [])];
      return verifyAuditLog(store, signer.verifier, { checkpointEvery, ...verifyOptions, against });
    },

    async consistency(oldSize) {
      if (!Number.isSafeInteger(oldSize) || oldSize < 1) throw new FabrikError('invalid_option', `the old size must be a whole number from 1; got ${String(oldSize)}`, { param: 'old-size' });
      const old = await store.checkpointAt(oldSize);
      if (old === undefined) {
        const sizes = (await store.checkpoints()).map((row) => Number(row.size));
        throw new FabrikError('not_found', `the log has no signed checkpoint at size ${oldSize}; it has ${sizes.length === 0 ? 'none' : `checkpoints at ${describeSizes(sizes)}`}`, { param: 'old-size' });
      }
      const latest = await checkpoint();
      if (latest === null) throw new FabrikError('internal', 'no checkpoint could be signed for a non-empty log');
      const newSize = Number(latest.size);
      const lookup = await fetchSubtrees(store, (record) => consistencyPath(oldSize, newSize, record));
      const path = consistencyPath(oldSize, newSize, lookup);
      const oldRoot = safeFromHex(old.root);
      const newRoot = safeFromHex(latest.root);
      if (oldRoot === null || newRoot === null || !verifyConsistencyPath(oldSize, newSize, oldRoot, newRoot, path)) {
        throw new FabrikError('audit_integrity', `the stored hashes do not prove the checkpoint at size ${newSize} extends the one at size ${oldSize}; run verify`);
      }
      return { type: CONSISTENCY_PROOF_TYPE, oldCheckpoint: old.note, newCheckpoint: latest.note, consistencyPath: path.map(toHex), verifierKey: signer.verifier.text };
    },

    async proof(seq) {
      if (!Number.isSafeInteger(seq) || seq < 1) throw new FabrikError('invalid_option', `audit proof seq must be a positive integer, got ${String(seq)}`, { param: 'seq' });
      const text = await store.entryText(seq);
      if (text === undefined) throw new FabrikError('not_found', `audit entry ${seq} does not exist (the log has ${plural(await store.lastSeq(), 'entry', 'entries')})`, { param: 'seq' });
      let covering = await store.latestCheckpoint();
      if (covering === undefined || covering.size < seq) covering = (await checkpoint()) ?? undefined;
      if (covering === undefined) throw new FabrikError('internal', 'no checkpoint could be signed for a non-empty log');
      const treeSize = Number(covering.size);
      const lookup = await fetchSubtrees(store, (record) => inclusionPath(seq - 1, treeSize, record));
      const path = inclusionPath(seq - 1, treeSize, lookup);
      const root = rootFromInclusionPath(seq - 1, treeSize, leafHash(text), path);
      if (root === null || toHex(root) !== covering.root) {
        throw new FabrikError('audit_integrity', `the stored hashes for entry ${seq} do not reach the signed checkpoint at size ${treeSize}; run verify`);
      }
      return {
        type: PROOF_TYPE,
        entry: parseStored(seq, text),
        leafIndex: seq - 1,
        treeSize,
        auditPath: path.map(toHex),
        checkpoint: covering.note,
        verifierKey: signer.verifier.text,
      };
    },

    async entry(seq) {
      if (!Number.isSafeInteger(seq)) return null;
      const text = await store.entryText(seq);
      return text === undefined ? null : parseStored(seq, text);
    },

    async list(listOptions = {}) {
      const from = listOptions.from ?? 1;
      const limit = listOptions.limit ?? DEFAULT_LIST_LIMIT;
      if (!Number.isSafeInteger(from)) throw new FabrikError('invalid_option', 'audit list from must be an integer', { param: 'from' });
      if (!Number.isSafeInteger(limit) || limit < 0) throw new FabrikError('invalid_option', 'audit list limit must be a non-negative integer', { param: 'limit' });
      return (await store.listEntries(from, limit)).map((row) => parseStored(Number(row.seq), row.entry));
    },
  };
}

/** "5, 12 and 19", or the first and last few of a long list. */
function describeSizes(sizes: number[]): string {
  const shown = sizes.length > 8 ? [...sizes.slice(0, 3).map(String), '…', ...sizes.slice(-3).map(String)] : sizes.map(String);
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)!}`;
}

function safeParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type { AuditVerifyOptions } from './verify-audit-log.ts';
