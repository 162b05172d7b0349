import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_DOC, renderConfigDoc } from './config-reference.ts';
import { loadFabrikConfig } from './load-config.ts';

test('docs/config.md lists every field of the schema (regenerate: node src/config/config-reference.ts --write)', () => {
  const current = readFileSync(CONFIG_DOC, 'utf8');
  assert.equal(current, renderConfigDoc(current));
});

test('the example in docs/config.md is a valid config file', (t) => {
  const example = /```yaml\n([\s\S]*?)```/.exec(readFileSync(CONFIG_DOC, 'utf8'))?.[1];
  assert.ok(example !== undefined);
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-config-doc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fabrik.yaml');
  writeFileSync(file, example);
  const config = loadFabrikConfig({ file, environment: { VLLM_KEY: 'k' } });
  assert.equal(config.fabrik.parseTimeoutMs, 30_000);
  assert.deepEqual(config.serve.models.map((model) => [model.name, model.prices.output]), [['llama-3-8b', 0.6], ['qwen-2.5-7b', 0.6]]);
  assert.equal(config.serve.server.tls?.cert, join(dir, 'certs/server.pem'));
});
