import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FabrikError } from './errors.ts';

/**
 * Writes a file the user asked for (a proof, a checkpoint) whole or not at all: beside the target,
 * synced, renamed. A failure is a `write_failed` error about the path the user gave.
 */
export async function writeOutputFile(out: string, data: string | Uint8Array, what: string, param = 'out'): Promise<string> {
  const target = resolve(out);
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await makeFolders(dirname(target));
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw cannotWrite(target, error, what, param);
  }
  return target;
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'the file system is read-only', ENOSPC: 'no space left on the device',
  ENOTDIR: 'a part of the path is a file, not a folder', EEXIST: 'a part of the path is a file, not a folder', EISDIR: 'it is a folder',
  ENOENT: 'its folder cannot be created', EDQUOT: 'the disk quota is used up',
};

/** The error for an output that cannot be written, about the file the user named (never a temporary one). */
export function cannotWrite(target: string, error: unknown, what: string, param = 'out'): FabrikError {
  const cause = error as NodeJS.ErrnoException;
  const reason = REASONS[cause.code ?? ''] ?? cause.message;
  return new FabrikError('write_failed', `cannot write the ${what} to ${target}: ${reason}`, { param, cause: error });
}

/**
 * Creates a folder and its missing parents, one level at a time. Not `mkdir({ recursive: true })`:
 * Node's loops forever where a parent exists but refuses children with ENOENT (/proc, some FUSE
 * mounts), and an export must fail there, not hang.
 */
export async function makeFolders(folder: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(folder); ; current = dirname(current)) {
    const found = await stat(current).then((info) => info, () => null);
    if (found !== null) {
      if (!found.isDirectory()) throw Object.assign(new Error(`${current} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing.reverse()) {
    await mkdir(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
