import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

// The seams of docs/architecture.md, checked on every relative import in src/. A folder is a
// "layer"; the rules say which layers a file may import from.
const SRC = resolve(import.meta.dirname, '..', 'src');
const PLANES = ['foundry', 'gateway', 'control', 'meter', 'brain', 'console'];
const STORE_ADAPTERS = ['store/sqlite', 'store/postgres', 'store/blobs'];
/** Shared libraries below the planes: anyone may use them. */
const LIBRARIES = ['shared', 'store/core', 'audit', 'lineage'];

interface ImportEdge {
  file: string;
  target: string;
  line: number;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(file, 'utf8');
  const edges: ImportEdge[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)|new URL\(\s*'(\.[^']+\.ts)'/g;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[1] ?? match[2] ?? match[3]!;
    const line = text.slice(0, match.index).split('\n').length + (match[0].startsWith('\n') ? 1 : 0);
    edges.push({ file: relative(SRC, file), target: relative(SRC, resolve(dirname(file), specifier)), line });
  }
  return edges;
}

/** The top folder, and for planes and store the second one: `foundry/parsers`, `store/core`, `cli`. */
function layerOf(path: string): string {
  const parts = path.split('/');
  if (parts.length > 2 && (PLANES.includes(parts[0]!) || parts[0] === 'store')) return `${parts[0]}/${parts[1]}`;
  return parts.length > 1 ? parts[0]! : '(root)';
}

const within = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);
/** Test support composes adapters the way the composition root does. */
const isTestSupport = (file: string): boolean => /\.test\.ts$|\.suite\.ts$|(^|\/)create-test-[^/]*\.ts$/.test(file);

/** The rule an import breaks, or null. */
function brokenRule(edge: ImportEdge): string | null {
  const { file, target } = edge;
  if (isTestSupport(file)) return null;
  const from = layerOf(file);
  const to = layerOf(target);
  const plane = PLANES.find((name) => within(file, name));
  const targetPlane = PLANES.find((name) => within(target, name));
  if (within(file, 'shared') && !within(target, 'shared')) return 'shared/ imports nothing outside shared/';
  if (within(file, 'store/core') && !within(target, 'store/core') && !within(target, 'shared')) return 'store/core imports only store/core and shared/';
  if ((within(file, 'audit') || within(file, 'lineage')) && !LIBRARIES.some((library) => within(target, library))) {
    return `${from} imports only shared/, store/core, audit/ and lineage/`;
  }
  if (STORE_ADAPTERS.some((adapter) => within(file, adapter)) && targetPlane !== undefined) return 'a store adapter imports no plane (stored types live in store/core)';
  if (plane !== undefined && ['cli', 'server', 'config'].some((folder) => within(target, folder))) return 'a plane imports none of cli/, server/ and config/ (they assemble the planes)';
  if (from.endsWith('/core')) {
    if (STORE_ADAPTERS.some((adapter) => within(target, adapter))) return 'core imports no store adapter';
    if (targetPlane !== undefined && to !== `${targetPlane}/core` && !(targetPlane === 'control' && !to.includes('/'))) {
      return 'core imports only core folders (an adapter folder is not core)';
    }
  }
  if (plane !== undefined && targetPlane !== undefined && targetPlane !== plane) {
    // Another plane's core folder and top-level files are its public face; its adapter folders are internals.
    const depth = target.split('/').length;
    if (depth > 2 && to !== `${targetPlane}/core`) return `a plane imports another plane's public files only (${targetPlane}/core or ${targetPlane}/*.ts), not its internals`;
  }
  return null;
}

test('import boundaries: every relative import in src/ keeps the seams of docs/architecture.md', () => {
  const broken = sourceFiles(SRC)
    .flatMap(importsOf)
    .map((edge) => ({ edge, rule: brokenRule(edge) }))
    .filter((entry) => entry.rule !== null)
    .map(({ edge, rule }) => `src/${edge.file}:${edge.line} imports src/${edge.target}: ${rule}`);
  assert.deepEqual(broken, [], `imports that cross a seam:\n${broken.join('\n')}`);
});

test('import boundaries: the checker catches each kind of crossing', () => {
  const cases: Array<[string, string, boolean]> = [
    ['foundry/core/x.ts', 'store/sqlite/sqlite-store.ts', true],
    ['foundry/core/x.ts', 'foundry/stages/chunk/chunk-document.ts', true],
    ['gateway/core/x.ts', 'gateway/upstreams/upstream-pool.ts', true],
    ['gateway/core/x.ts', 'server/send-error.ts', true],
    ['foundry/parsers/pdf/x.ts', 'cli/output.ts', true],
    ['foundry/core/ingest.ts', 'config/fabrik-config.ts', true],
    ['shared/x.ts', 'gateway/core/model-definition.ts', true],
    ['store/core/x.ts', 'foundry/core/parsed-document.ts', true],
    ['store/core/x.ts', 'audit/merkle.ts', true],
    ['store/sqlite/x.ts', 'control/limits.ts', true],
    ['gateway/create-gateway.ts', 'foundry/parsers/pdf/parse-pdf.ts', true],
    ['foundry/core/x.ts', 'store/core/records.ts', false],
    ['gateway/core/x.ts', 'control/limits.ts', false],
    ['cli/commands/x.ts', 'store/sqlite/sqlite-store.ts', false],
    ['foundry/core/create-test-foundry.ts', 'store/sqlite/sqlite-store.ts', false],
    ['store/sqlite/x.ts', 'audit/audit-log.ts', false],
  ];
  for (const [file, target, broken] of cases) {
    assert.equal(brokenRule({ file, target, line: 1 }) !== null, broken, `${file} → ${target}`);
  }
});
