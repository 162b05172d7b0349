import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FabrikError } from '../shared/errors.ts';
import { loadConfig, loadFabrikConfig } from './load-config.ts';

function withFile(t: { after: (fn: () => void) => void }, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function refusal(run: () => unknown, code: string, message: RegExp, param?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FabrikError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    if (param !== undefined) assert.equal(error.param, param);
    return true;
  });
}

test('defaults < file < environment < flags, with the source of each value', (t) => {
  const file = withFile(t, 'fabrik.yaml', 'workers: 3\nserver:\n  port: 9000\n  host: 0.0.0.0\n');
  const fileOnly = loadFabrikConfig({ file, environment: {} });
  assert.equal(fileOnly.fabrik.workers, 3);
  assert.equal(fileOnly.sources.get('workers'), 'file');
  assert.equal(fileOnly.sources.get('parse.timeoutMs'), 'default');
  const withEnv = loadFabrikConfig({ file, environment: { FABRIK_WORKERS: '5' } });
  assert.equal(withEnv.fabrik.workers, 5);
  assert.equal(withEnv.sources.get('workers'), 'env');
  const withFlag = loadFabrikConfig({ file, environment: { FABRIK_WORKERS: '5' }, flags: { workers: '7', port: '9100' } });
  assert.equal(withFlag.fabrik.workers, 7);
  assert.equal(withFlag.sources.get('workers'), 'flag');
  assert.equal(withFlag.serve.server.port, 9100);
  assert.equal(withFlag.serve.server.host, '0.0.0.0', 'a flag for one field leaves the file\'s others');
});

test('the file comes from --config or FABRIK_CONFIG, never silently from the working directory', (t) => {
  const file = withFile(t, 'fabrik.yaml', 'audit:\n  checkpointEvery: 10\n');
  assert.equal(loadConfig({ FABRIK_CONFIG: file }).checkpointEvery, 10);
  assert.equal(loadFabrikConfig({ environment: { FABRIK_CONFIG: file } }).file, file);
  const other = withFile(t, 'other.yaml', 'audit:\n  checkpointEvery: 20\n');
  assert.equal(loadFabrikConfig({ file: other, environment: { FABRIK_CONFIG: file } }).fabrik.checkpointEvery, 20, '--config wins over FABRIK_CONFIG');
  const none = loadFabrikConfig({ environment: {} });
  assert.equal(none.file, null);
  assert.equal(none.fabrik.checkpointEvery, 1000);
  refusal(() => loadFabrikConfig({ environment: { FABRIK_CONFIG: join(file, '..', 'missing.yaml') } }), 'path_not_found', /missing\.yaml: the config file cannot be read/, 'FABRIK_CONFIG');
});

test('every plane in one file: home relative to the file, the database URL, parse limits, gateway and models', (t) => {
  const file = withFile(t, 'fabrik.yaml', [
    'home: data',
    'database: { url: "postgres://fabrik:s3cret@db:5432/fabrik" }',
    'parse: { timeoutMs: 60_000, memoryMb: 2048, maxFileBytes: 1048576 }',
    'gateway:',
    '  retries: 0',
    'models:',
    '  - { name: m, replicas: [http://x:1] }',
  ].join('\n'));
  const config = loadFabrikConfig({ file, environment: {} });
  assert.deepEqual({ ...config.fabrik, workers: 0 }, {
    home: join(file, '..', 'data'),
    databaseUrl: 'postgres://fabrik:s3cret@db:5432/fabrik',
    workers: 0,
    parseTimeoutMs: 60_000,
    parseMemoryMb: 2048,
    maxFileBytes: 1048576,
    checkpointEvery: 1000,
  });
  assert.equal(config.serve.gateway.retries, 0);
  assert.deepEqual(config.serve.models.map((model) => model.name), ['m']);
  assert.equal(loadConfig({ FABRIK_DATABASE_URL: 'postgresql://db/fabrik' }).databaseUrl, 'postgresql://db/fabrik');
  assert.equal(loadConfig({}).databaseUrl, null, 'no URL: the embedded SQLite store');
});

test('an unknown key is refused with its path and the known ones', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['gatway:\n  retries: 1\n', /fabrik\.yaml: gatway is not a known field \(known: home, database, workers, parse, audit, server, gateway, models\)/],
    ['gateway:\n  timeouts: { conectMs: 5 }\n', /fabrik\.yaml: gateway\.timeouts\.conectMs is not a known field \(known: connectMs, firstByteMs, idleMs, totalMs\)/],
    ['database: { uri: x }\n', /database\.uri is not a known field \(known: url\)/],
    ['models:\n  - name: a\n    replicas: [http://x:1]\n  - name: b\n    upstreams: [http://x:2]\n', /models\[1\]\.upstreams is not a known field/],
    ['a: &x { k: 1 }\n', /fabrik\.yaml: a is not a known field/],
  ];
  for (const [text, message] of cases) refusal(() => loadFabrikConfig({ file: withFile(t, 'fabrik.yaml', text), environment: {} }), 'invalid_config', message);
});

test('bad values name the file field, the environment variable or the flag, and the rule', (t) => {
  const file = withFile(t, 'fabrik.yaml', 'gateway:\n  retries: 11\n');
  refusal(() => loadFabrikConfig({ file, environment: {} }), 'invalid_config', /fabrik\.yaml: gateway\.retries must be a whole number from 0 to 10; got 11/, 'gateway.retries');
  refusal(() => loadConfig({ FABRIK_WORKERS: 'many' }), 'invalid_config', /^FABRIK_WORKERS must be a whole number from 1 to 256; got "many"$/, 'FABRIK_WORKERS');
  refusal(() => loadConfig({ FABRIK_PARSE_TIMEOUT_MS: '5' }), 'invalid_config', /^FABRIK_PARSE_TIMEOUT_MS must be a whole number from 100 to 3600000; got "5"$/);
  refusal(() => loadConfig({ FABRIK_DATABASE_URL: 'mysql://u:hunter2@db/x' }), 'invalid_config', /^FABRIK_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL; got "mysql:\/\/u:\*\*\*@db\/x"$/);
  refusal(() => loadFabrikConfig({ environment: {}, flags: { port: 'http' } }), 'invalid_option', /^--port must be a whole number from 0 to 65535; got "http"$/, 'port');
  refusal(() => loadFabrikConfig({ file: withFile(t, 'db.yaml', 'database:\n  url: "ftp://u:hunter2@x"\n'), environment: {} }), 'invalid_config', /database\.url must be a postgres:\/\/ or postgresql:\/\/ URL; got "ftp:\/\/u:\*\*\*@x\/?"/);
  refusal(() => loadFabrikConfig({ file: withFile(t, 'n.yaml', 'workers: "8"\n'), environment: {} }), 'invalid_config', /workers must be a whole number from 1 to 256; got "8"/);
});

test('serve\'s flags: booleans, repeatable --model, TLS needs both halves', (t) => {
  const file = withFile(t, 'fabrik.yaml', 'server:\n  metricsAuth: true\n  tls: { cert: c.pem, key: k.pem }\nmodels:\n  - { name: a, replicas: [http://x:1] }\n  - { name: b, replicas: [http://x:2] }\n');
  const config = loadFabrikConfig({ file, environment: {}, flags: { 'metrics-public': true, model: ['b=http://y:2', 'c=http://y:3'], 'tls-cert': 'other.pem' } });
  assert.equal(config.serve.server.metricsAuth, false);
  assert.deepEqual(config.serve.models.map((model) => `${model.name} ${model.replicas[0]?.url}`), ['a http://x:1', 'b http://y:2', 'c http://y:3']);
  assert.deepEqual(config.serve.server.tls, { cert: join(process.cwd(), 'other.pem'), key: join(file, '..', 'k.pem') }, 'file paths are relative to the file, flag paths to the working directory');
  refusal(() => loadFabrikConfig({ environment: {}, flags: { 'metrics-public': true, 'metrics-auth': true } }), 'usage', /--metrics-public and --metrics-auth contradict each other/);
  refusal(() => loadFabrikConfig({ environment: {}, flags: { 'tls-cert': 'c.pem' } }), 'usage', /HTTPS needs both --tls-cert and --tls-key/, 'tls-key');
});

test('a file that is not a mapping, or is empty', (t) => {
  refusal(() => loadFabrikConfig({ file: withFile(t, 'list.yaml', '- a\n- b\n'), environment: {} }), 'invalid_config', /list\.yaml: must hold a mapping of settings .* at the top; got a list/, 'config');
  assert.equal(loadFabrikConfig({ file: withFile(t, 'empty.yaml', '# nothing set yet\n'), environment: {} }).sources.get('home'), 'default');
  assert.equal(loadFabrikConfig({ file: withFile(t, 'sections.yaml', 'gateway:\nserver:\n  tls: null\n'), environment: {} }).serve.server.tls, null, 'an empty section keeps its defaults');
});
