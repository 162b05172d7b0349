import { FabrikError } from '../shared/errors.ts';
import { auditEntryProblem, type AuditEntry } from './audit-entry.ts';
import { canonicalize } from '../shared/canonical-json.ts';
import { safeParseCheckpoint } from './checkpoint.ts';
import { HASH_SIZE, leafHash, rootFromInclusionPath } from './merkle.ts';
import { safeOpenNote, safeParseNoteVerifier } from './signed-note.ts';
import { safeFromHex, toHex } from './strict-encoding.ts';

/** The `type` of every proof file this version writes. */
export const PROOF_TYPE = 'fabrik-audit-inclusion-proof/v1';

/**
 * Everything an auditor needs to check one entry offline: the entry (its canonical JSON is the
 * leaf), where it sits, the RFC 9162 audit path (leaf side first, lower-case hex) and the signed
 * C2SP checkpoint whose root the path must reach.
 */
export interface InclusionProof {
  type: typeof PROOF_TYPE;
  entry: AuditEntry;
  leafIndex: number;
  treeSize: number;
  auditPath: string[];
  checkpoint: string;
  verifierKey: string;
}

export interface CheckedProof {
  ok: true;
  seq: number;
  treeSize: number;
  rootHash: string;
  keyName: string;
  origin: string;
  /** True when no verifierKey was given and the key inside the proof was trusted. */
  trustedEmbeddedKey: boolean;
}

const PROOF_KEYS = ['auditPath', 'checkpoint', 'entry', 'leafIndex', 'treeSize', 'type', 'verifierKey'];

/** The proof file's bytes: RFC 8785 canonical JSON and one newline. */
export function serializeProof(proof: InclusionProof): Uint8Array {
  return new Uint8Array(Buffer.from(`${canonicalize(proof)}\n`, 'utf8'));
}

/** Parses a proof file's bytes, which must be exactly RFC 8785 canonical JSON and one newline; throws invalid(rule) otherwise. */
export function parseCanonicalJsonFile(bytes: Uint8Array, invalid: (rule: string) => Error): unknown {
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark as a character, so it fails the canonical check below.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw invalid('the file is not valid UTF-8');
  }
  if (!text.endsWith('\n')) throw invalid('the file must end with one newline after the JSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(0, -1));
  } catch {
    throw invalid('the file is not valid JSON');
  }
  let canonical: string;
  try {
    canonical = canonicalize(parsed);
  } catch (error) {
    throw invalid(`the file holds a value outside JSON: ${(error as Error).message}`);
  }
  if (`${canonical}\n` !== text) throw invalid('the file is not in canonical form (RFC 8785 JSON followed by one newline): it was altered');
  return parsed;
}

/** A proof file's object: canonical JSON with exactly `keys` (sorted) and the given `type`. */
export function readProofObject(bytes: Uint8Array, type: string, keys: readonly string[], invalid: (rule: string) => Error): Record<string, unknown> {
  const parsed = parseCanonicalJsonFile(bytes, invalid);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('the proof must be a JSON object');
  const proof = parsed as Record<string, unknown>;
  const found = Object.keys(proof).sort();
  if (found.length !== keys.length || found.some((key, index) => key !== keys[index])) {
    throw invalid(`the proof must have exactly the fields ${keys.join(', ')}`);
  }
  if (proof.type !== type) throw invalid(`type must be ${JSON.stringify(type)}`);
  return proof;
}

/** A proof's list of hashes, each 64 lower-case hex digits. */
export function readHashPath(value: unknown, field: string, invalid: (rule: string) => Error): Uint8Array[] {
  if (!Array.isArray(value)) throw invalid(`${field} must be an array of hashes`);
  return value.map((item, index) => {
    const hash = typeof item === 'string' ? safeFromHex(item) : null;
    if (hash === null || hash.length !== HASH_SIZE) throw invalid(`${field}[${index}] must be 64 lower-case hex digits`);
    return hash;
  });
}

/**
 * Checks a proof file without any database. The bytes must be exactly the canonical serialisation
 * of what they parse to, so no byte can change without being rejected; the entry and path must
 * reach the checkpoint's root at its size, and the checkpoint must be signed by the given
 * verifier key (or, when none is given, by the key embedded in the proof). Throws proof_invalid.
 */
export function checkProof(bytes: Uint8Array, options: { verifierKey?: string } = {}): CheckedProof {
  const proof = readProofObject(bytes, PROOF_TYPE, PROOF_KEYS, invalid);
  const { leafIndex, treeSize } = proof;
  if (!Number.isSafeInteger(treeSize) || (treeSize as number) < 1) throw invalid('treeSize must be a positive integer');
  if (!Number.isSafeInteger(leafIndex) || (leafIndex as number) < 0 || (leafIndex as number) >= (treeSize as number)) {
    throw invalid('leafIndex must be an integer from 0 to treeSize - 1');
  }
  const path = readHashPath(proof.auditPath, 'auditPath', invalid);
  const entryProblem = auditEntryProblem(proof.entry);
  if (entryProblem !== null) throw invalid(entryProblem);
  const entry = proof.entry as AuditEntry;
  if (entry.seq !== (leafIndex as number) + 1) throw invalid(`entry seq ${entry.seq} does not sit at leafIndex ${String(leafIndex)} (leaf index = seq - 1)`);
  if (typeof proof.verifierKey !== 'string') throw invalid('verifierKey must be a string');
  if (typeof proof.checkpoint !== 'string') throw invalid('checkpoint must be a string');

  const embedded = safeParseNoteVerifier(proof.verifierKey);
  if (typeof embedded === 'string') throw invalid(`verifierKey in the proof: ${embedded}`);
  let trusted = embedded;
  if (options.verifierKey !== undefined) {
    const given = safeParseNoteVerifier(options.verifierKey.trim());
    if (typeof given === 'string') throw invalid(`the verifier key you gave: ${given}`);
    if (given.text !== embedded.text) throw invalid(`the proof names verifier key ${embedded.name}+${embedded.keyId.toString(16).padStart(8, '0')}, not the key you trust (${given.text})`);
    trusted = given;
  }
  const opened = safeOpenNote(proof.checkpoint, trusted);
  if (typeof opened === 'string') throw invalid(`checkpoint: ${opened}`);
  const checkpoint = safeParseCheckpoint(opened.text);
  if (typeof checkpoint === 'string') throw invalid(checkpoint);
  if (checkpoint.size !== treeSize) throw invalid(`treeSize ${String(treeSize)} differs from the checkpoint's size ${checkpoint.size}`);

  const leaf = leafHash(canonicalize(entry));
  const root = rootFromInclusionPath(leafIndex as number, treeSize as number, leaf, path);
  if (root === null) throw invalid(`auditPath has ${path.length} hashes, the wrong number for leaf ${String(leafIndex)} in a tree of ${String(treeSize)}`);
  if (Buffer.compare(root, checkpoint.rootHash) !== 0) throw invalid('the root recomputed from the entry and auditPath differs from the checkpoint root');
  return {
    ok: true,
    seq: entry.seq,
    treeSize: checkpoint.size,
    rootHash: toHex(root),
    keyName: trusted.name,
    origin: checkpoint.origin,
    trustedEmbeddedKey: options.verifierKey === undefined,
  };
}

function invalid(rule: string): FabrikError {
  return new FabrikError('proof_invalid', `inclusion proof: ${rule}`, { param: 'proof' });
}
