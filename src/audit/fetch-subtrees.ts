import { FabrikError } from '../shared/errors.ts';
import { nodePosition, type AuditStore, type SubtreeAddress } from '../store/core/audit-store.ts';
import { HASH_SIZE, type SubtreeHashLookup } from './merkle.ts';

const PLACEHOLDER = new Uint8Array(HASH_SIZE);

/**
 * Fetches, with one store round trip, every stored subtree that some synchronous Merkle
 * computations read, and returns a lookup over them. Which subtrees rootFromSubtrees,
 * inclusionPath and consistencyPath read depends only on sizes and indexes, so `record` runs them
 * once over placeholder hashes to list the addresses; the caller then runs them again, for real,
 * over the returned lookup (in its own order, so its errors come in the order they always did).
 */
export async function fetchSubtrees(store: AuditStore, record: (lookup: SubtreeHashLookup) => unknown): Promise<SubtreeHashLookup> {
  const addresses: SubtreeAddress[] = [];
  record((level, index) => {
    addresses.push({ level, index });
    return PLACEHOLDER;
  });
  return subtreeLookup(addresses.length === 0 ? new Map() : await store.nodes(addresses));
}

/** A lookup over fetched hashes; a missing one is an audit_integrity error naming its level and index. */
export function subtreeLookup(found: ReadonlyMap<number, Uint8Array>): SubtreeHashLookup {
  return (level, index) => {
    const hash = found.get(nodePosition(level, index));
    if (hash === undefined) {
      throw new FabrikError('audit_integrity', `the audit log is missing the stored hash at level ${level}, index ${index}; run verify`);
    }
    return hash;
  };
}
