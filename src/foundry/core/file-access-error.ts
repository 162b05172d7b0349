import { FabrikError } from '../../shared/errors.ts';

/**
 * The error for an input path the file system refused: `permission_denied` when the operating
 * system denies access (EACCES, EPERM), `path_not_found` otherwise. The message names the path.
 */
export function fileAccessError(path: string, error: unknown): FabrikError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new FabrikError('permission_denied', `${path}: permission denied: fabrik (user ${userName()}) may not read it; grant read access (and execute on folders) or leave it out`, { param: path, cause: error });
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FabrikError('path_not_found', `${path}: no such file or directory`, { param: path, cause: error });
  return new FabrikError('path_not_found', `${path}: cannot be read: ${(error as Error).message}`, { param: path, cause: error });
}

function userName(): string {
  return process.getuid === undefined ? 'unknown' : String(process.getuid());
}
