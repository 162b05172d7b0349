import { chmodSync, mkdirSync } from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { createFileOnce } from './create-file-once.ts';
import { FabrikError } from './errors.ts';

/** What a sealed value starts with: its scheme and version, so a plain value is never taken for one. */
const SEALED_PREFIX = 'fabrik-sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets kept at rest (an engine's API key in fabrik.db) sealed with AES-256-GCM under a 32-byte
 * key from a file (created once, mode 0600, in a 0700 folder). Reading the database alone gives
 * nothing; the key file is what must be guarded (and backed up with the database).
 */
export interface SecretBox {
  /** `fabrik-sealed:v1:<base64(iv ‖ tag ‖ ciphertext)>`; a fresh IV every call. */
  seal(plain: string): string;
  /** The plain text of a sealed value; a value that is not sealed comes back as it is (stored before sealing). */
  open(value: string): string;
  isSealed(value: string): boolean;
}

/** Opens the key file at `keyFile`, creating it (0600) with 32 random bytes on first use. */
export function createSecretBox(keyFile: string, associated = 'fabrik'): SecretBox {
  const folder = dirname(keyFile);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const text = createFileOnce(keyFile, `${randomBytes(32).toString('base64')}\n`, 0o600);
  chmodSync(keyFile, 0o600);
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new FabrikError('invalid_config', `${keyFile}: must hold 32 bytes in base64 (an AES-256 key); it holds ${key.length}`, { param: 'keyFile' });
  const aad = Buffer.from(associated);
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
    },
    open(value) {
      if (!value.startsWith(SEALED_PREFIX)) return value;
      const bytes = Buffer.from(value.slice(SEALED_PREFIX.length), 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
        decipher.setAAD(aad);
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new FabrikError('store_error', `a sealed secret does not open with the key in ${keyFile}: the key file was replaced or the value damaged (restore the key file that sealed it)`, { param: 'keyFile', cause: error });
      }
    },
    isSealed: (value) => value.startsWith(SEALED_PREFIX),
  };
}
