import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consistencyPath, emptyRootHash, inclusionPath, leafHash, MerkleFrontier, nodeHash, rootFromInclusionPath, rootFromLeafHashes, rootFromSubtrees, splitPoint, verifyConsistencyPath } from './merkle.ts';
import { toHex } from './strict-encoding.ts';

// RFC 6962 reference vectors as used by Certificate Transparency and transparency-dev/merkle
// (testonly/constants.go: LeafInputs, NodeHashes, RootHashes; proof/verify_test.go: inclusionProofs).
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) => new Uint8Array(Buffer.from(hex, 'hex')));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
// { leaf (1-based, as in the Go table), size, path }
const INCLUSION_PROOFS: { leaf: number; size: number; path: string[] }[] = [
  { leaf: 1, size: 1, path: [] },
  {
    leaf: 1,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const leaves = LEAF_INPUTS.map(leafHash);
const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

/** Every perfect subtree of a list of leaf hashes, keyed "level/index", as the log stores them. */
function perfectSubtrees(leafHashes: readonly Uint8Array[]): Map<string, Uint8Array> {
  const stored = new Map<string, Uint8Array>();
  const frontier = new MerkleFrontier();
  leafHashes.forEach((leaf, index) => {
    stored.set(`0/${index}`, leaf);
    frontier.append(leaf, (level, nodeIndex, hash) => stored.set(`${level}/${nodeIndex}`, hash));
  });
  return stored;
}

function lookupIn(stored: Map<string, Uint8Array>) {
  return (level: number, index: number): Uint8Array => {
    const hash = stored.get(`${level}/${index}`);
    if (hash === undefined) throw new Error(`no subtree ${level}/${index}`);
    return hash;
  };
}

test('RFC 6962 reference roots for the first 0..8 leaves', () => {
  assert.equal(toHex(emptyRootHash()), ROOTS[0]);
  for (let size = 0; size <= 8; size++) {
    assert.equal(toHex(rootFromLeafHashes(leaves.slice(0, size))), ROOTS[size], `MTH of ${size} leaves`);
    const frontier = new MerkleFrontier();
    for (const leaf of leaves.slice(0, size)) frontier.append(leaf);
    assert.equal(toHex(frontier.root()), ROOTS[size], `frontier root of ${size} leaves`);
    assert.equal(toHex(rootFromSubtrees(size, lookupIn(perfectSubtrees(leaves.slice(0, size))))), ROOTS[size], `stored-subtree root of ${size}`);
  }
});

test('RFC 6962 reference hashes of every complete subtree', () => {
  const stored = perfectSubtrees(leaves);
  NODE_HASHES.forEach((level, levelNumber) => level.forEach((hash, index) => assert.equal(toHex(stored.get(`${levelNumber}/${index}`)!), hash, `${levelNumber}/${index}`)));
  assert.equal(stored.size, 15);
});

test('RFC 6962 reference inclusion paths', () => {
  for (const vector of INCLUSION_PROOFS) {
    const index = vector.leaf - 1;
    const stored = perfectSubtrees(leaves.slice(0, vector.size));
    const path = inclusionPath(index, vector.size, lookupIn(stored));
    assert.deepEqual(path.map(toHex), vector.path, `leaf ${vector.leaf} of ${vector.size}`);
    const root = rootFromInclusionPath(index, vector.size, leaves[index]!, vector.path.map(fromHex));
    assert.equal(root && toHex(root), ROOTS[vector.size]);
  }
});

test('corrupted inclusion proofs never reach the root (probes from transparency-dev/merkle)', () => {
  for (const vector of INCLUSION_PROOFS.filter((v) => v.path.length > 0)) {
    const index = vector.leaf - 1;
    const path = vector.path.map(fromHex);
    const root = ROOTS[vector.size]!;
    const reaches = (i: number, size: number, leaf: Uint8Array, p: Uint8Array[]): boolean => {
      const got = rootFromInclusionPath(i, size, leaf, p);
      return got !== null && toHex(got) === root;
    };
    assert.ok(reaches(index, vector.size, leaves[index]!, path));
    const probes: [string, boolean][] = [
      ['index - 1', reaches(index - 1, vector.size, leaves[index]!, path)],
      ['index + 1', reaches(index + 1, vector.size, leaves[index]!, path)],
      ['index ^ 2', reaches(index ^ 2, vector.size, leaves[index]!, path)],
      ['size * 2', reaches(index, vector.size * 2, leaves[index]!, path)],
      ['size / 2', reaches(index, Math.floor(vector.size / 2), leaves[index]!, path)],
      ['wrong leaf', reaches(index, vector.size, leafHash(new TextEncoder().encode('WrongLeaf')), path)],
      ['trailing root', reaches(index, vector.size, leaves[index]!, [...path, fromHex(root)])],
      ['preceding root', reaches(index, vector.size, leaves[index]!, [fromHex(root), ...path])],
      ['trailing empty', reaches(index, vector.size, leaves[index]!, [...path, new Uint8Array(0)])],
      ['removed component', reaches(index, vector.size, leaves[index]!, path.slice(0, -1))],
    ];
    path.forEach((_, i) => {
      const flipped = path.map((hash) => new Uint8Array(hash));
      flipped[i]![0]! ^= 8;
      probes.push([`flipped ${i}`, reaches(index, vector.size, leaves[index]!, flipped)]);
    });
    for (const [name, verified] of probes) assert.equal(verified, false, `${name} verified for leaf ${vector.leaf} of ${vector.size}`);
  }
});

test('paths from stored subtrees match the recursive definition for every leaf of trees up to 70', () => {
  const many = Array.from({ length: 70 }, (_, i) => leafHash(new TextEncoder().encode(String(i))));
  const stored = perfectSubtrees(many);
  const referencePath = (index: number, list: Uint8Array[]): Uint8Array[] => {
    if (list.length <= 1) return [];
    const k = splitPoint(list.length);
    return index < k
      ? [...referencePath(index, list.slice(0, k)), rootFromLeafHashes(list.slice(k))]
      : [...referencePath(index - k, list.slice(k)), rootFromLeafHashes(list.slice(0, k))];
  };
  for (let size = 1; size <= many.length; size++) {
    const root = toHex(rootFromLeafHashes(many.slice(0, size)));
    assert.equal(toHex(rootFromSubtrees(size, lookupIn(stored))), root);
    for (let index = 0; index < size; index++) {
      const path = inclusionPath(index, size, lookupIn(stored));
      assert.deepEqual(path.map(toHex), referencePath(index, many.slice(0, size)).map(toHex), `${index} of ${size}`);
      assert.equal(toHex(rootFromInclusionPath(index, size, many[index]!, path)!), root);
    }
  }
});

test('the frontier reports each interior node once, with its level and index', () => {
  const seen: string[] = [];
  const frontier = new MerkleFrontier();
  for (let i = 0; i < 8; i++) frontier.append(leaves[i]!, (level, index) => seen.push(`${level}/${index}`));
  assert.deepEqual(seen, ['1/0', '1/1', '2/0', '1/2', '1/3', '2/1', '3/0']);
  assert.equal(frontier.size, 8);
  assert.throws(() => frontier.clone().appendSubtree(4, leaves[0]!), RangeError);
  const copy = frontier.clone();
  copy.append(leaves[0]!);
  assert.equal(frontier.size, 8);
  assert.equal(toHex(nodeHash(leaves[0]!, leaves[1]!)), NODE_HASHES[1]![0]);
});

// transparency-dev/merkle proof/verify_test.go: consistencyProofs (sizes over the same eight leaves).
const CONSISTENCY_PROOFS: { oldSize: number; newSize: number; path: string[] }[] = [
  { oldSize: 1, newSize: 1, path: [] },
  {
    oldSize: 1,
    newSize: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    path: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
  {
    oldSize: 6,
    newSize: 7,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

test('RFC 6962 reference consistency proofs: generated from stored subtrees and verified', () => {
  const lookup = lookupIn(perfectSubtrees(leaves));
  for (const vector of CONSISTENCY_PROOFS) {
    const path = consistencyPath(vector.oldSize, vector.newSize, lookup);
    assert.deepEqual(path.map(toHex), vector.path, `proof ${vector.oldSize} → ${vector.newSize}`);
    assert.equal(verifyConsistencyPath(vector.oldSize, vector.newSize, fromHex(ROOTS[vector.oldSize]!), fromHex(ROOTS[vector.newSize]!), path.map((hash) => hash)), true);
  }
});

/** SUBPROOF of RFC 9162 §2.1.4.1, written straight from the recursive definition over a list of leaves. */
function naiveSubproof(m: number, list: readonly Uint8Array[], complete: boolean): Uint8Array[] {
  const n = list.length;
  if (m === n) return complete ? [] : [rootFromLeafHashes(list)];
  const k = splitPoint(n);
  if (m <= k) return [...naiveSubproof(m, list.slice(0, k), complete), rootFromLeafHashes(list.slice(k))];
  return [...naiveSubproof(m - k, list.slice(k), false), rootFromLeafHashes(list.slice(0, k))];
}

test('consistency proofs equal the recursive definition and verify for every 1 ≤ m ≤ n ≤ 64; every corruption fails', () => {
  const leafList = Array.from({ length: 64 }, (_, i) => leafHash(`entry ${i}`));
  const lookup = lookupIn(perfectSubtrees(leafList));
  const roots = Array.from({ length: 65 }, (_, size) => rootFromLeafHashes(leafList.slice(0, size)));
  const other = leafHash('another entry');
  let checked = 0;
  for (let n = 1; n <= 64; n++) {
    for (let m = 1; m <= n; m++) {
      const path = consistencyPath(m, n, lookup);
      const expected = m === n ? [] : naiveSubproof(m, leafList.slice(0, n), true);
      assert.deepEqual(path.map(toHex), expected.map(toHex), `proof ${m} → ${n}`);
      assert.equal(verifyConsistencyPath(m, n, roots[m]!, roots[n]!, path), true, `proof ${m} → ${n} does not verify`);
      const rejects = (what: string, oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, bad: Uint8Array[]): void => {
        assert.equal(verifyConsistencyPath(oldSize, newSize, oldRoot, newRoot, bad), false, `proof ${m} → ${n} verified with ${what}`);
      };
      if (m < n) {
        rejects('old size - 1', m - 1, n, roots[m]!, roots[n]!, path);
        rejects('old size + 1', m + 1, n, roots[m]!, roots[n]!, path);
        // As in transparency-dev's corruption table: a new size of another height (n ± 1 can be the
        // same shape of hashes, which a proof over opaque hashes cannot tell apart).
        rejects('new size × 2', m, 2 * n, roots[m]!, roots[n]!, path);
        if (Math.floor(n / 2) >= m) rejects('new size / 2', m, Math.floor(n / 2), roots[m]!, roots[n]!, path);
        rejects('a wrong old root', m, n, other, roots[n]!, path);
        rejects('a wrong new root', m, n, roots[m]!, other, path);
        rejects('swapped roots', m, n, roots[n]!, roots[m]!, path);
        rejects('an empty proof', m, n, roots[m]!, roots[n]!, []);
        rejects('a hash appended', m, n, roots[m]!, roots[n]!, [...path, roots[m]!]);
        rejects('a hash prepended', m, n, roots[m]!, roots[n]!, [path[0]!, ...path]);
        rejects('the last hash removed', m, n, roots[m]!, roots[n]!, path.slice(0, -1));
        path.forEach((hash, index) => {
          const flipped = new Uint8Array(hash);
          flipped[index % HASH_BYTES]! ^= 0x10;
          rejects(`hash ${index} changed`, m, n, roots[m]!, roots[n]!, path.map((item, j) => (j === index ? flipped : item)));
        });
        // A prefix that differs in one leaf has another root: no proof can tie it to this tree.
        const forged = leafList.slice(0, m).map((leaf, i) => (i === m - 1 ? other : leaf));
        rejects('the old root of a rewritten prefix', m, n, rootFromLeafHashes(forged), roots[n]!, path);
      } else {
        rejects('a non-empty proof for equal sizes', m, n, roots[m]!, roots[n]!, [roots[m]!]);
        rejects('different roots at equal sizes', m, n, roots[m]!, other, []);
      }
      checked++;
    }
  }
  assert.equal(checked, (64 * 65) / 2);
  assert.equal(verifyConsistencyPath(0, 5, emptyRootHash(), roots[5]!, []), true, 'every tree extends the empty tree');
  assert.equal(verifyConsistencyPath(3, 2, roots[3]!, roots[2]!, []), false, 'a tree cannot shrink');
});

const HASH_BYTES = 32;
