import { sha256Hex } from './hash.ts';

/** The kinds of object fabrik names, with the prefix their ids carry. */
export const ID_PREFIXES = {
  source: 'src',
  version: 'ver',
  document: 'doc',
  element: 'el',
  chunk: 'chk',
  datasetVersion: 'dsv',
  export: 'exp',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/**
 * A content-derived id: the prefix and the first 96 bits of SHA-256 over the parts joined by NUL.
 * Deterministic, so the same inputs name the same object in every process and on every machine.
 */
export function createId(kind: IdKind, ...parts: ReadonlyArray<string | number>): string {
  return `${ID_PREFIXES[kind]}_${sha256Hex(parts.join('\u0000')).slice(0, 24)}`;
}

/** The kind an id names, from its prefix; a 64-hex string (optionally `sha256:`) names a blob. */
export function kindOfId(id: string): IdKind | 'blob' | null {
  if (/^(sha256:)?[0-9a-f]{64}$/.test(id)) return 'blob';
  const prefix = id.slice(0, id.indexOf('_'));
  for (const [kind, value] of Object.entries(ID_PREFIXES)) {
    if (value === prefix) return kind as IdKind;
  }
  return null;
}
