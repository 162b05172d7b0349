import type { DatabaseSync } from 'node:sqlite';
import { FabrikError } from '../shared/errors.ts';
import { auditEntryProblem, createAuditEntry, type AuditEntry, type AuditEntryInput } from './audit-entry.ts';
import { createAuditStore, type AuditStore, type CheckpointRow } from './audit-store.ts';
import { canonicalize } from './canonical-json.ts';
import { formatCheckpoint } from './checkpoint.ts';
import { PROOF_TYPE, type InclusionProof } from './inclusion-proof.ts';
import { loadSigningKey } from './load-signing-key.ts';
import { inclusionPath, leafHash, nodeHash, rootFromInclusionPath, rootFromSubtrees, type SubtreeHashLookup } from './merkle.ts';
import { isValidKeyName, signNote } from './signed-note.ts';
import { toHex } from './strict-encoding.ts';
import { verifyAuditLog, type AuditVerifyOptions, type AuditVerifyReport } from './verify-audit-log.ts';

export type { AuditEntry, AuditEntryInput } from './audit-entry.ts';
export type { AuditProblem, AuditVerifyReport } from './verify-audit-log.ts';
export type { CheckedProof, InclusionProof } from './inclusion-proof.ts';
export { checkProof, serializeProof } from './inclusion-proof.ts';

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
  append(input: AuditEntryInput): { seq: number; leafHash: string };
  /** Signs a checkpoint for the current size; returns the latest one untouched when it already covers it, null when empty. */
  checkpoint(): AuditCheckpoint | null;
  size(): number;
  /** Recomputes the whole log from its entries and reports the first entry that does not check out. */
  verify(options?: AuditVerifyOptions): AuditVerifyReport;
  /** An inclusion proof for entry `seq` against the latest checkpoint (signing one first if none covers it). */
  proof(seq: number): InclusionProof;
  /** The parsed entry, or null when there is none. */
  entry(seq: number): AuditEntry | null;
  list(options?: { from?: number; limit?: number }): AuditEntry[];
  /** The note verifier key an auditor pins: `<name>+<hex id>+<base64 key>`. */
  readonly verifierKey: string;
}

const DEFAULT_CHECKPOINT_EVERY = 1000;
const DEFAULT_LIST_LIMIT = 100;

/** Opens the audit log kept in `db` (tables audit_*), creating its tables and signing key on first use. */
export function openAuditLog(db: DatabaseSync, options: AuditLogOptions): AuditLog {
  const { origin, codeVersion } = options;
  if (typeof origin !== 'string' || !isValidKeyName(origin)) {
    throw new FabrikError('invalid_option', 'audit origin must be a non-empty string without spaces, control characters or \'+\'', { param: 'origin' });
  }
  if (typeof codeVersion !== 'string') throw new FabrikError('invalid_option', 'audit codeVersion must be a string', { param: 'codeVersion' });
  const checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new FabrikError('invalid_option', 'audit checkpointEvery must be a positive integer', { param: 'checkpointEvery' });
  }
  const now = options.now ?? (() => new Date());
  const store = createAuditStore(db);
  const signer = loadSigningKey(options.keyDir, origin);
  const lookup = storedSubtree(store);

  const signCheckpoint = (size: number): CheckpointRow => {
    const root = rootFromSubtrees(size, lookup);
    const row = { size, root: toHex(root), note: signNote(formatCheckpoint(origin, size, root), signer), time: now().toISOString() };
    store.insertCheckpoint(row);
    return row;
  };

  const checkpoint = (): CheckpointRow | null =>
    store.atomically(() => {
      const size = store.lastSeq();
      const latest = store.latestCheckpoint();
      if (latest !== undefined && latest.size > size) {
        throw new FabrikError('audit_integrity', `the audit log has ${size} entries but its latest checkpoint covers ${latest.size}: entries were removed; run verify`);
      }
      if (latest !== undefined && latest.size === size) return latest;
      return size === 0 ? null : signCheckpoint(size);
    });

  const parseStored = (seq: number, text: string): AuditEntry => {
    const entry = safeParseJson(text);
    if (auditEntryProblem(entry) !== null || (entry as AuditEntry).seq !== seq) {
      throw new FabrikError('audit_integrity', `audit entry ${seq} is malformed in the database; run verify`);
    }
    return entry as AuditEntry;
  };

  return {
    verifierKey: signer.verifier.text,

    append(input) {
      return store.atomically(() => {
        const seq = store.lastSeq() + 1;
        const text = canonicalize(createAuditEntry(input, seq, now(), codeVersion));
        const leaf = leafHash(text);
        store.insertEntry(seq, text);
        store.insertNode(0, seq - 1, leaf);
        // Each set of trailing 1-bits in the index closes one perfect subtree: on average one
        // extra read and write per append, whatever the size of the log.
        let level = 0;
        let index = seq - 1;
        let hash = leaf;
        while (index % 2 === 1) {
          hash = nodeHash(lookup(level, index - 1), hash);
          level++;
          index = (index - 1) / 2;
          store.insertNode(level, index, hash);
        }
        if (seq % checkpointEvery === 0) signCheckpoint(seq);
        return { seq, leafHash: toHex(leaf) };
      });
    },

    checkpoint() {
      const row = checkpoint();
      return row === null ? null : { size: Number(row.size), rootHash: row.root, note: row.note };
    },

    size: () => store.lastSeq(),

    verify: (verifyOptions) => verifyAuditLog(store, signer.verifier, verifyOptions),

    proof(seq) {
      if (!Number.isSafeInteger(seq) || seq < 1) throw new FabrikError('invalid_option', `audit proof seq must be a positive integer, got ${String(seq)}`, { param: 'seq' });
      const text = store.entryText(seq);
      if (text === undefined) throw new FabrikError('not_found', `audit entry ${seq} does not exist (the log has ${store.lastSeq()} entries)`, { param: 'seq' });
      let covering = store.latestCheckpoint();
      if (covering === undefined || covering.size < seq) covering = checkpoint() ?? undefined;
      if (covering === undefined) throw new FabrikError('internal', 'no checkpoint could be signed for a non-empty log');
      const treeSize = Number(covering.size);
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

    entry(seq) {
      if (!Number.isSafeInteger(seq)) return null;
      const text = store.entryText(seq);
      return text === undefined ? null : parseStored(seq, text);
    },

    list(listOptions = {}) {
      const from = listOptions.from ?? 1;
      const limit = listOptions.limit ?? DEFAULT_LIST_LIMIT;
      if (!Number.isSafeInteger(from)) throw new FabrikError('invalid_option', 'audit list from must be an integer', { param: 'from' });
      if (!Number.isSafeInteger(limit) || limit < 0) throw new FabrikError('invalid_option', 'audit list limit must be a non-negative integer', { param: 'limit' });
      return store.listEntries(from, limit).map((row) => parseStored(Number(row.seq), row.entry));
    },
  };
}

function storedSubtree(store: AuditStore): SubtreeHashLookup {
  return (level, index) => {
    const hash = store.node(level, index);
    if (hash === undefined) {
      throw new FabrikError('audit_integrity', `the audit log is missing the stored hash at level ${level}, index ${index}; run verify`);
    }
    return hash;
  };
}

function safeParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type { AuditVerifyOptions } from './verify-audit-log.ts';
