import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FabrikError } from '../shared/errors.ts';
import { loadServeConfig, mergeModels, parseModelOption } from './load-serve-config.ts';
import { parseConfigText } from './parse-config-text.ts';

const YAML = `# fabrik serve --config fabrik.yaml
server:
  host: 0.0.0.0
  port: 9000
  tls: { cert: certs/server.pem, key: certs/server.key }
gateway:
  retries: 1
  timeouts:
    connectMs: 1_000
    idleMs: 30000
  healthCheck: { intervalMs: 2000, path: /health }
models:
  - name: llama-3-8b
    aliases: [llama, default]
    upstreamModel: meta-llama/Meta-Llama-3-8B-Instruct
    prices: { input: 0.2, output: 0.6 }   # per 1M tokens
    replicas:
      - url: http://10.0.0.5:8000
        weight: 2
        maxConcurrent: 64
      - http://10.0.0.6:8000/
  - name: "bge-m3"
    replicas: [ "http://10.0.0.7:8080" ]
`;

function withFile(t: { after: (fn: () => void) => void }, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('a YAML config file: models, replicas, prices, settings, TLS paths relative to the file', (t) => {
  const file = withFile(t, 'fabrik.yaml', YAML);
  const config = loadServeConfig(file);
  assert.equal(config.server.host, '0.0.0.0');
  assert.equal(config.server.port, 9000);
  assert.equal(config.server.tls?.cert, join(file, '..', 'certs/server.pem'));
  assert.equal(config.server.metricsAuth, true, 'metricsAuth defaults to on: /metrics names teams and replicas');
  assert.equal(config.gateway.retries, 1);
  assert.equal(config.gateway.timeouts.connectMs, 1000);
  assert.equal(config.gateway.timeouts.firstByteMs, 300_000, 'unset settings keep their defaults');
  assert.equal(config.gateway.healthCheck.path, '/health');
  const [llama, bge] = config.models;
  assert.deepEqual(llama?.aliases, ['llama', 'default']);
  assert.equal(llama?.upstreamModel, 'meta-llama/Meta-Llama-3-8B-Instruct');
  assert.deepEqual(llama?.replicas, [{ url: 'http://10.0.0.5:8000', weight: 2, maxConcurrent: 64 }, { url: 'http://10.0.0.6:8000', weight: 1, maxConcurrent: null }]);
  assert.deepEqual(llama?.prices, { input: 0.2, output: 0.6 });
  assert.equal(bge?.upstreamModel, 'bge-m3');
  // The same file as JSON gives the same config.
  const json = withFile(t, 'fabrik.json', JSON.stringify(parseConfigText(YAML, 'fabrik.yaml')));
  assert.deepEqual({ ...loadServeConfig(json), server: {} }, { ...config, server: {} });
});

test('config errors name the file, the field path and the rule', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['models:\n  - name: a\n    replicas: [http://x:1]\n  - name: b\n    replicas:\n      - url: ftp://y\n', /models\[1\]\.replicas\[0\]\.url must be an http\(s\) URL/],
    ['models:\n  - name: a\n    replicas: []\n', /models\[0\]\.replicas must list at least one replica/],
    ['models:\n  - name: a\n    replicas: [http://x:1]\n    weight: 2\n', /models\[0\]\.weight is not a known field/],
    ['models:\n  - name: a\n    aliases: [b]\n    replicas: [http://x:1]\n  - name: b\n    replicas: [http://x:2]\n', /models\[1\] uses the name "b", already used by model "a"/],
    ['server:\n  port: 99999\n', /server\.port must be a whole number from 0 to 65535; got 99999/],
    ['gateway:\n  timeouts: { idleMs: -5 }\n', /gateway\.timeouts\.idleMs must be a whole number from 1/],
    ['models:\n  - name: a\n    replicas:\n      - url: http://x:1\n        apiKeyEnv: FABRIK_TEST_UNSET_VARIABLE\n', /apiKeyEnv names the environment variable FABRIK_TEST_UNSET_VARIABLE, which is not set/],
    ['models:\n\t- name: a\n', /fabrik\.yaml:2:1: is not valid YAML: Tabs are not allowed as indentation/],
    ['server:\n  tls: { cert: a.pem }\n', /server\.tls\.key must be set with server\.tls\.cert: HTTPS needs both/],
  ];
  for (const [text, message] of cases) {
    const file = withFile(t, 'fabrik.yaml', text);
    assert.throws(() => loadServeConfig(file), (error: unknown) => {
      assert.ok(error instanceof FabrikError);
      assert.equal(error.code, 'invalid_config');
      assert.match(error.message, message);
      assert.ok(error.message.startsWith(file), error.message);
      return true;
    });
  }
});

test('--model NAME=URL[,URL…] on the command line', () => {
  const model = parseModelOption('qwen=http://a:8000,http://b:8000/', 0);
  assert.deepEqual(model.replicas.map((replica) => replica.url), ['http://a:8000', 'http://b:8000']);
  assert.throws(() => parseModelOption('qwen', 0), /--model must be NAME=URL/);
  assert.throws(() => parseModelOption('qwen=localhost:8000', 0), /--model replicas\[0\]\.url must be an http\(s\) URL/);
  const merged = mergeModels([parseModelOption('a=http://x:1', 0)], [parseModelOption('a=http://y:1', 0)]);
  assert.deepEqual(merged.map((entry) => entry.replicas[0]?.url), ['http://y:1'], 'the command line replaces a config model of the same name');
});
