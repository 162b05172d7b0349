import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../core/blob-store.ts';
import { FabrikError } from '../../shared/errors.ts';
import { sha256Hex } from '../../shared/hash.ts';

/** Blobs as files under `root/ab/cdef…`; written to a temporary name, synced, then renamed into place. */
export function createFsBlobStore(root: string): BlobStore {
  const pathOf = (sha256: string): string => {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new FabrikError('invalid_option', `blob id must be 64 lowercase hex characters; got ${JSON.stringify(sha256)}`, { param: 'sha256' });
    return join(root, sha256.slice(0, 2), sha256.slice(2));
  };
  const has = async (sha256: string): Promise<boolean> => {
    try {
      await stat(pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  };
  return {
    locate: pathOf,
    has,
    async put(sha256, bytes) {
      if (await has(sha256)) return;
      if (sha256Hex(bytes) !== sha256) throw new FabrikError('internal', `blob bytes do not hash to ${sha256}`, { param: 'sha256' });
      const target = pathOf(sha256);
      // The blobs are the raw documents: as private as fabrik.db (0700 folders whatever the umask can add).
      await mkdir(join(root, sha256.slice(0, 2)), { recursive: true, mode: 0o700 });
      const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await open(temporary, 'wx', 0o444);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temporary, target);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
    },
    async delete(sha256) {
      try {
        await unlink(pathOf(sha256));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
    async get(sha256) {
      try {
        return new Uint8Array(await readFile(pathOf(sha256)));
      } catch (error) {
        throw new FabrikError('not_found', `blob ${sha256} is not in the blob store at ${root}`, { param: 'sha256', cause: error });
      }
    },
  };
}
