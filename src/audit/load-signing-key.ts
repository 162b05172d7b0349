import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FabrikError } from '../shared/errors.ts';
import { generateNoteSigner, parseNoteSigner, type NoteSigner } from './signed-note.ts';

/** The private (signer) key file in keyDir, mode 0600. */
export const SIGNER_KEY_FILE = 'audit.key';
/** The public verifier key file in keyDir: the note verifier key string an auditor pins. */
export const VERIFIER_KEY_FILE = 'audit.pub';

/**
 * Loads the log's Ed25519 signer from keyDir, making a key pair named `name` on first use.
 * An existing key keeps its own name, so changing the origin later does not orphan old checkpoints.
 */
export function loadSigningKey(keyDir: string, name: string): NoteSigner {
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  const signerPath = join(keyDir, SIGNER_KEY_FILE);
  const verifierPath = join(keyDir, VERIFIER_KEY_FILE);
  let signer = readSigner(signerPath);
  if (signer === null) {
    const fresh = generateNoteSigner(name);
    // Write aside, then link into place: link fails if another process won the race, and no
    // reader ever sees a half-written key.
    const temporary = `${signerPath}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temporary, `${fresh.text}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temporary, signerPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temporary);
    }
    signer = readSigner(signerPath);
    if (signer === null) throw new FabrikError('internal', `audit key ${signerPath} vanished after it was created`);
  }
  const verifierText = `${signer.verifier.text}\n`;
  const existing = readOptional(verifierPath);
  if (existing === null) {
    writeFileSync(verifierPath, verifierText, { mode: 0o644 });
  } else if (existing !== verifierText) {
    throw new FabrikError('invalid_config', `audit key files disagree: ${verifierPath} is not the public key of ${signerPath}`, { param: verifierPath });
  }
  return signer;
}

function readSigner(path: string): NoteSigner | null {
  const text = readOptional(path);
  if (text === null) return null;
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    // Someone loosened the permissions; tighten them rather than sign with a key others may have read.
    chmodSync(path, 0o600);
  }
  try {
    return parseNoteSigner(text.trim());
  } catch (error) {
    throw new FabrikError('invalid_config', `audit key ${path}: ${(error as Error).message}`, { param: path, cause: error });
  }
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
