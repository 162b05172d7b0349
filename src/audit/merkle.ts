import { hash } from 'node:crypto';

/**
 * RFC 9162 §2.1 Merkle tree hashing with SHA-256: leaves are hashed with a 0x00 prefix, interior
 * nodes with 0x01, so a leaf can never be passed off as a node. Sizes and indexes are plain numbers
 * (exact up to 2^53), so the arithmetic below divides instead of shifting (shifts wrap at 2^31).
 */

export const HASH_SIZE = 32;

let leafInput = Buffer.alloc(4096);

/** SHA-256(0x00 ‖ bytes): the hash of one log entry (a string is hashed as its UTF-8 bytes). */
export function leafHash(bytes: Uint8Array | string): Uint8Array {
  if (typeof bytes === 'string') {
    // Encode straight after the prefix byte into a reused buffer (grown when an entry is larger).
    const length = Buffer.byteLength(bytes, 'utf8') + 1;
    if (length > leafInput.length) leafInput = Buffer.alloc(Math.max(length, 2 * leafInput.length));
    leafInput.write(bytes, 1, 'utf8');
    return hash('sha256', leafInput.subarray(0, length), 'buffer');
  }
  const input = new Uint8Array(bytes.byteLength + 1);
  input.set(bytes, 1);
  return hash('sha256', input, 'buffer');
}

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  // One scratch buffer: hash() reads its input synchronously, and verify makes a million of these.
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return hash('sha256', NODE_INPUT, 'buffer');
}

const NODE_INPUT = new Uint8Array(1 + 2 * HASH_SIZE);
NODE_INPUT[0] = 0x01;

/** The hash of the empty tree, SHA-256 of no bytes. */
export function emptyRootHash(): Uint8Array {
  return hash('sha256', new Uint8Array(0), 'buffer');
}

/** The largest power of two strictly below n (n ≥ 2): where RFC 9162 splits a list of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over a list of leaf hashes, by the recursive definition (the reference the stored tree is tested against). */
export function rootFromLeafHashes(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return emptyRootHash();
  return rangeRoot(leaves, 0, leaves.length);
}

function rangeRoot(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  if (end - start === 1) return leaves[start]!;
  const k = splitPoint(end - start);
  return nodeHash(rangeRoot(leaves, start, start + k), rangeRoot(leaves, start + k, end));
}

/**
 * Looks up the stored hash of a complete (perfect) subtree: `level` 0 is a leaf, and the subtree
 * at (level, index) covers leaves [index·2^level, (index+1)·2^level).
 */
export type SubtreeHashLookup = (level: number, index: number) => Uint8Array;

/** MTH of leaves [start, end) built from perfect subtrees; start must be aligned as RFC 9162 splits leave it. */
export function subtreeRangeRoot(start: number, end: number, lookup: SubtreeHashLookup): Uint8Array {
  const width = end - start;
  if (isPowerOfTwo(width) && start % width === 0) return lookup(Math.log2(width), start / width);
  const k = splitPoint(width);
  return nodeHash(subtreeRangeRoot(start, start + k, lookup), subtreeRangeRoot(start + k, end, lookup));
}

/** The root of a tree of `size` leaves from stored perfect subtrees: O(log size) lookups. */
export function rootFromSubtrees(size: number, lookup: SubtreeHashLookup): Uint8Array {
  return size === 0 ? emptyRootHash() : subtreeRangeRoot(0, size, lookup);
}

/** The RFC 9162 §2.1.3.1 inclusion path for leaf `index` in a tree of `size` leaves, leaf side first. */
export function inclusionPath(index: number, size: number, lookup: SubtreeHashLookup): Uint8Array[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`inclusion path: leaf index ${index} is outside a tree of size ${size}`);
  }
  const siblings: Uint8Array[] = [];
  let start = 0;
  let width = size;
  // Walk down from the root; the sibling found at each step belongs nearer the end of the path.
  while (width > 1) {
    const k = splitPoint(width);
    if (index - start < k) {
      siblings.push(subtreeRangeRoot(start + k, start + width, lookup));
      width = k;
    } else {
      siblings.push(subtreeRangeRoot(start, start + k, lookup));
      start += k;
      width -= k;
    }
  }
  return siblings.reverse();
}

/**
 * Recomputes the root from a leaf hash and its audit path (RFC 9162 §2.1.3.2); returns null when the
 * path has the wrong length for (index, size), so a shortened or lengthened path never verifies.
 */
export function rootFromInclusionPath(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[]): Uint8Array | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let root = leaf;
  for (const sibling of path) {
    if (sibling.byteLength !== HASH_SIZE) return null;
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      root = nodeHash(sibling, root);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      root = nodeHash(root, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? root : null;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n));
}

/**
 * The right edge of a growing tree: one perfect-subtree hash per set bit of the size (RFC 9162's
 * compact range). Appending merges equal-level neighbours; `onNode` sees each interior node as it
 * completes.
 */
export class MerkleFrontier {
  #levels: number[] = [];
  #hashes: Uint8Array[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds a leaf hash; calls onNode(level, index, hash) for every interior node it completes. */
  append(leaf: Uint8Array, onNode?: (level: number, index: number, hash: Uint8Array) => void): void {
    this.appendSubtree(0, leaf, onNode);
  }

  /** Adds a perfect subtree of 2^level leaves; the size must be a multiple of 2^level. */
  appendSubtree(level: number, subtree: Uint8Array, onNode?: (level: number, index: number, hash: Uint8Array) => void): void {
    const width = 2 ** level;
    if (this.#size % width !== 0) throw new RangeError(`a subtree of 2^${level} leaves cannot follow ${this.#size} leaves`);
    this.#size += width;
    let current = subtree;
    while (this.#levels.length > 0 && this.#levels[this.#levels.length - 1] === level) {
      this.#levels.pop();
      current = nodeHash(this.#hashes.pop()!, current);
      level++;
      onNode?.(level, this.#size / 2 ** level - 1, current);
    }
    this.#levels.push(level);
    this.#hashes.push(current);
  }

  /** An independent copy, to look ahead without changing this one. */
  clone(): MerkleFrontier {
    const copy = new MerkleFrontier();
    copy.#levels = [...this.#levels];
    copy.#hashes = [...this.#hashes];
    copy.#size = this.#size;
    return copy;
  }

  /** The MTH of all leaves appended so far. */
  root(): Uint8Array {
    if (this.#hashes.length === 0) return emptyRootHash();
    let root = this.#hashes[this.#hashes.length - 1]!;
    for (let i = this.#hashes.length - 2; i >= 0; i--) root = nodeHash(this.#hashes[i]!, root);
    return root;
  }
}

/**
 * The RFC 9162 §2.1.4.1 consistency proof between the tree of the first `oldSize` leaves and the
 * tree of `newSize` leaves: SUBPROOF(m, D[0:n], true), from stored perfect subtrees. Empty when the
 * sizes are equal or the old tree is empty (nothing to prove).
 */
export function consistencyPath(oldSize: number, newSize: number, lookup: SubtreeHashLookup): Uint8Array[] {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) {
    throw new RangeError(`consistency proof: old size ${oldSize} must be from 0 to the new size ${newSize}`);
  }
  if (oldSize === 0 || oldSize === newSize) return [];
  const path: Uint8Array[] = [];
  // Iterative SUBPROOF: walk down from the root; hashes found on the way belong after the ones below.
  let start = 0;
  let width = newSize;
  let m = oldSize;
  let complete = true;
  while (m !== width) {
    const k = splitPoint(width);
    if (m <= k) {
      path.push(subtreeRangeRoot(start + k, start + width, lookup));
      width = k;
    } else {
      path.push(subtreeRangeRoot(start, start + k, lookup));
      start += k;
      width -= k;
      m -= k;
      complete = false;
    }
  }
  // SUBPROOF(m, D[m], b): nothing when this subtree is the whole old tree, else its own hash.
  if (!complete) path.push(subtreeRangeRoot(start, start + width, lookup));
  return path.reverse();
}

/**
 * Checks an RFC 9162 §2.1.4.2 consistency proof: true when `path` shows that the tree of `oldSize`
 * leaves with root `oldRoot` is a prefix of the tree of `newSize` leaves with root `newRoot`.
 */
export function verifyConsistencyPath(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, path: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) return false;
  if (path.some((hash) => hash.byteLength !== HASH_SIZE)) return false;
  if (oldSize === newSize) return path.length === 0 && Buffer.compare(oldRoot, newRoot) === 0;
  // Every tree extends the empty one.
  if (oldSize === 0) return path.length === 0;
  if (path.length === 0) return false;
  const hashes = isPowerOfTwo(oldSize) ? [oldRoot, ...path] : [...path];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = hashes[0]!;
  let sr = hashes[0]!;
  for (const c of hashes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.compare(fr, oldRoot) === 0 && Buffer.compare(sr, newRoot) === 0;
}
