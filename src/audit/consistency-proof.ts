import { FabrikError } from '../shared/errors.ts';
import { canonicalize } from '../shared/canonical-json.ts';
import { safeParseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { readHashPath, readProofObject } from './inclusion-proof.ts';
import { verifyConsistencyPath } from './merkle.ts';
import { safeOpenNote, safeParseNoteVerifier, type NoteVerifier } from './signed-note.ts';
import { toHex } from './strict-encoding.ts';

/** The `type` of every consistency proof file this version writes. */
export const CONSISTENCY_PROOF_TYPE = 'fabrik-audit-consistency-proof/v1';

/**
 * Everything an auditor needs to check offline that the log only grew between two signed
 * checkpoints: both notes and the RFC 9162 §2.1.4 consistency path between them (lower-case hex).
 */
export interface ConsistencyProof {
  type: typeof CONSISTENCY_PROOF_TYPE;
  oldCheckpoint: string;
  newCheckpoint: string;
  consistencyPath: string[];
  verifierKey: string;
}

export interface CheckedConsistencyProof {
  ok: true;
  oldSize: number;
  newSize: number;
  oldRootHash: string;
  newRootHash: string;
  origin: string;
  keyName: string;
  /** True when no verifierKey was given and the key inside the proof was trusted. */
  trustedEmbeddedKey: boolean;
  /** True when a saved checkpoint was given and the proof starts from it. */
  matchedSavedCheckpoint: boolean;
}

const PROOF_KEYS = ['consistencyPath', 'newCheckpoint', 'oldCheckpoint', 'type', 'verifierKey'];

/** The proof file's bytes: RFC 8785 canonical JSON and one newline. */
export function serializeConsistencyProof(proof: ConsistencyProof): Uint8Array {
  return new Uint8Array(Buffer.from(`${canonicalize(proof)}\n`, 'utf8'));
}

/**
 * Checks a consistency proof file without any database: the bytes must be canonical, both
 * checkpoints signed by the trusted key (the given one, else the one embedded), with one origin,
 * and the path must prove the old tree a prefix of the new. With `savedCheckpoint` (a signed note an
 * auditor kept) the proof must start from that very tree. Throws proof_invalid.
 */
export function checkConsistencyProof(bytes: Uint8Array, options: { verifierKey?: string; savedCheckpoint?: string } = {}): CheckedConsistencyProof {
  const proof = readProofObject(bytes, CONSISTENCY_PROOF_TYPE, PROOF_KEYS, invalid);
  const path = readHashPath(proof.consistencyPath, 'consistencyPath', invalid);
  if (typeof proof.verifierKey !== 'string') throw invalid('verifierKey must be a string');
  if (typeof proof.oldCheckpoint !== 'string' || typeof proof.newCheckpoint !== 'string') throw invalid('oldCheckpoint and newCheckpoint must be strings');

  const embedded = safeParseNoteVerifier(proof.verifierKey);
  if (typeof embedded === 'string') throw invalid(`verifierKey in the proof: ${embedded}`);
  let trusted = embedded;
  if (options.verifierKey !== undefined) {
    const given = safeParseNoteVerifier(options.verifierKey.trim());
    if (typeof given === 'string') throw invalid(`the verifier key you gave: ${given}`);
    if (given.text !== embedded.text) throw invalid(`the proof names verifier key ${embedded.name}+${embedded.keyId.toString(16).padStart(8, '0')}, not the key you trust (${given.text})`);
    trusted = given;
  }
  const older = openCheckpoint(proof.oldCheckpoint, trusted, 'oldCheckpoint');
  const newer = openCheckpoint(proof.newCheckpoint, trusted, 'newCheckpoint');
  if (older.origin !== newer.origin) throw invalid(`oldCheckpoint is of log ${older.origin}, newCheckpoint of log ${newer.origin}`);
  if (older.size > newer.size) throw invalid(`oldCheckpoint (size ${older.size}) is larger than newCheckpoint (size ${newer.size})`);
  let matchedSavedCheckpoint = false;
  if (options.savedCheckpoint !== undefined) {
    const saved = openCheckpoint(options.savedCheckpoint, trusted, 'the saved checkpoint you gave');
    if (saved.origin !== older.origin || saved.size !== older.size || Buffer.compare(saved.rootHash, older.rootHash) !== 0) {
      throw invalid(
        `the saved checkpoint you gave (size ${saved.size}, root ${toHex(saved.rootHash)}) is not the proof's oldCheckpoint (size ${older.size}, root ${toHex(older.rootHash)}): ` +
          (saved.size === older.size ? 'the log was rewritten since you saved it' : `ask for a proof from size ${saved.size}`),
      );
    }
    matchedSavedCheckpoint = true;
  }
  if (!verifyConsistencyPath(older.size, newer.size, older.rootHash, newer.rootHash, path)) {
    throw invalid(`consistencyPath does not prove the tree of size ${newer.size} extends the tree of size ${older.size}: the log was rewritten, or the proof altered`);
  }
  return {
    ok: true,
    oldSize: older.size,
    newSize: newer.size,
    oldRootHash: toHex(older.rootHash),
    newRootHash: toHex(newer.rootHash),
    origin: older.origin,
    keyName: trusted.name,
    trustedEmbeddedKey: options.verifierKey === undefined,
    matchedSavedCheckpoint,
  };
}

function openCheckpoint(note: string, verifier: NoteVerifier, what: string): Checkpoint {
  const opened = safeOpenNote(note, verifier);
  if (typeof opened === 'string') throw invalid(`${what}: ${opened}`);
  const checkpoint = safeParseCheckpoint(opened.text);
  if (typeof checkpoint === 'string') throw invalid(`${what}: ${checkpoint}`);
  return checkpoint;
}

function invalid(rule: string): FabrikError {
  return new FabrikError('proof_invalid', `consistency proof: ${rule}`, { param: 'proof' });
}
