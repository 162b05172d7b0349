import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createFileOnce, readIfPresent } from '../shared/create-file-once.ts';
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
    // Two processes starting at once each make a key; the first one linked into place wins.
    createFileOnce(signerPath, `${generateNoteSigner(name).text}\n`, 0o600);
    signer = readSigner(signerPath);
    if (signer === null) throw new FabrikError('internal', `audit key ${signerPath} vanished after it was created`);
  }
  const verifierText = `${signer.verifier.text}\n`;
  const existing = createFileOnce(verifierPath, verifierText, 0o644);
  if (existing !== verifierText) {
    throw new FabrikError('invalid_config', `audit key files disagree: ${verifierPath} is not the public key of ${signerPath}`, { param: verifierPath });
  }
  return signer;
}

function readSigner(path: string): NoteSigner | null {
  const text = readIfPresent(path);
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
