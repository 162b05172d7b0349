import { renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readIfPresent } from '../shared/create-file-once.ts';
import { FabrikError } from '../shared/errors.ts';
import { safeParseCheckpoint } from './checkpoint.ts';
import { safeOpenNote, type NoteVerifier } from './signed-note.ts';

/** The file beside the key that holds the last checkpoint fabrik signed and saw committed. */
export const CHECKPOINT_ANCHOR_FILE = 'audit.checkpoint';

/** A signed checkpoint read from outside the database. */
export interface SavedCheckpoint {
  size: number;
  rootHash: Uint8Array;
  note: string;
  /** Where it was read from, for messages. */
  source: string;
}

/**
 * Opens a saved signed checkpoint note (fabrik's own anchor file, or an auditor's copy) with the
 * log's verifier key; returns the broken rule as a string when it is not a checkpoint signed by it.
 */
export function safeOpenSavedCheckpoint(note: string, verifier: NoteVerifier, source: string): SavedCheckpoint | string {
  const opened = safeOpenNote(note, verifier);
  if (typeof opened === 'string') return `${source}: ${opened}`;
  const checkpoint = safeParseCheckpoint(opened.text);
  if (typeof checkpoint === 'string') return `${source}: ${checkpoint}`;
  return { size: checkpoint.size, rootHash: checkpoint.rootHash, note, source };
}

/**
 * The anchor in keyDir, or null when there is none yet (a new log, or one made before fabrik kept
 * it). Throws audit_integrity when the file is there but not a checkpoint signed by this log's key.
 */
export function readCheckpointAnchor(keyDir: string, verifier: NoteVerifier): SavedCheckpoint | null {
  const path = join(keyDir, CHECKPOINT_ANCHOR_FILE);
  const note = readIfPresent(path);
  if (note === null) return null;
  const saved = safeOpenSavedCheckpoint(note, verifier, path);
  if (typeof saved === 'string') throw new FabrikError('audit_integrity', `${saved}; it must hold the last checkpoint this log signed`, { param: path });
  return saved;
}

/** Replaces the anchor with `note` (written aside and renamed, so a reader never sees half a file). */
export function writeCheckpointAnchor(keyDir: string, note: string): void {
  const path = join(keyDir, CHECKPOINT_ANCHOR_FILE);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, note, { mode: 0o644, flag: 'wx' });
  renameSync(temporary, path);
}
