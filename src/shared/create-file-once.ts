import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/**
 * Creates `path` holding `text` unless it exists, and returns what the file holds afterwards: ours,
 * or what another process put there first. The text is written aside and linked into place, so no
 * reader, in this process or another starting at the same moment, ever sees the file empty or half
 * written (a plain `wx` write creates the file before it fills it).
 */
export function createFileOnce(path: string, text: string, mode = 0o644): string {
  const existing = readIfPresent(path);
  if (existing !== null) return existing;
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode, flag: 'wx' });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readFileSync(path, 'utf8');
}

/** The file's text, or null when there is no such file. */
export function readIfPresent(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
