import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { FabrikError } from '../../shared/errors.ts';
import { fileAccessError } from './file-access-error.ts';

export interface WalkedFile {
  /** The file's real path (symlinks resolved): the key a source is stored under. */
  path: string;
}

export interface WalkNote {
  path: string;
  reason: 'symlink-outside-tree' | 'broken-symlink' | 'not-a-file' | 'excluded' | 'duplicate' | 'forgotten';
}

/** A path the walk could not enter or read (a folder without read permission): a failure, not a skip. */
export interface WalkFailure {
  path: string;
  error: FabrikError;
}

export interface WalkResult {
  files: WalkedFile[];
  notes: WalkNote[];
  failures: WalkFailure[];
  /** The real paths of the folders walked whole: a source under one that is gone from disk was deleted. */
  roots: string[];
}

/**
 * Lists the regular files under the given paths, in a stable order. A symlink is followed only
 * when its target lies inside the tree it was found in; every directory is entered once (by real
 * path), so link cycles end. Paths under `exclude` (fabrik's own home) are skipped.
 */
export async function walkFiles(paths: readonly string[], options: { exclude?: readonly string[] } = {}): Promise<WalkResult> {
  const files: WalkedFile[] = [];
  const notes: WalkNote[] = [];
  const failures: WalkFailure[] = [];
  const roots: string[] = [];
  const seenFiles = new Set<string>();
  const seenDirectories = new Set<string>();
  const excluded = await Promise.all((options.exclude ?? []).map(async (path) => realpath(path).catch(() => resolve(path))));
  const isExcluded = (real: string): boolean => excluded.some((root) => real === root || real.startsWith(root + sep));

  for (const given of paths) {
    const absolute = resolve(given);
    let rootReal: string;
    try {
      rootReal = await realpath(absolute);
    } catch (error) {
      const failure = fileAccessError(given, error);
      // A path that exists but may not be read is a failure of this run (exit 2); a missing one is a usage error.
      if (failure.code === 'permission_denied') {
        failures.push({ path: absolute, error: failure });
        continue;
      }
      throw failure;
    }
    const rootStat = await stat(rootReal);
    if (rootStat.isFile()) {
      if (!seenFiles.has(rootReal)) {
        seenFiles.add(rootReal);
        files.push({ path: rootReal });
      }
      continue;
    }
    if (!rootStat.isDirectory()) {
      notes.push({ path: absolute, reason: 'not-a-file' });
      continue;
    }
    roots.push(rootReal);
    const inTree = (real: string): boolean => real === rootReal || real.startsWith(rootReal + sep);
    // An explicit stack, not recursion: a deep tree must not overflow the call stack.
    const stack: string[] = [rootReal];
    while (stack.length > 0) {
      const directory = stack.pop() as string;
      if (seenDirectories.has(directory) || isExcluded(directory)) continue;
      seenDirectories.add(directory);
      let entries;
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch (error) {
        const failure = fileAccessError(directory, error);
        if (failure.code === 'permission_denied') failures.push({ path: directory, error: failure });
        else notes.push({ path: directory, reason: 'not-a-file' });
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subdirectories: string[] = [];
      for (const entry of entries) {
        const path = join(directory, entry.name);
        if (entry.name === '.git') continue;
        let real = path;
        let kind: 'file' | 'directory' | 'other';
        if (entry.isSymbolicLink()) {
          try {
            real = await realpath(path);
          } catch {
            notes.push({ path, reason: 'broken-symlink' });
            continue;
          }
          if (!inTree(real)) {
            notes.push({ path, reason: 'symlink-outside-tree' });
            continue;
          }
          let target;
          try {
            target = await lstat(real);
          } catch (error) {
            // Gone or denied between readdir and now: a failure about this path, not the end of the walk.
            failures.push({ path, error: fileAccessError(path, error) });
            continue;
          }
          kind = target.isFile() ? 'file' : target.isDirectory() ? 'directory' : 'other';
        } else {
          kind = entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other';
        }
        if (isExcluded(real)) {
          notes.push({ path, reason: 'excluded' });
        } else if (kind === 'directory') {
          subdirectories.push(real);
        } else if (kind === 'file') {
          if (seenFiles.has(real)) {
            notes.push({ path, reason: 'duplicate' });
          } else {
            seenFiles.add(real);
            files.push({ path: real });
          }
        } else {
          notes.push({ path, reason: 'not-a-file' });
        }
      }
      // Pushed in reverse so directories are visited in name order.
      for (const subdirectory of subdirectories.reverse()) stack.push(subdirectory);
    }
  }
  return { files, notes, failures, roots };
}
