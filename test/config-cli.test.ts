import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEngineSim } from '../src/gateway/engine-sim/start-engine-sim.ts';
import { runFabrik, startFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

interface Shown {
  file: string | null;
  settings: Array<{ path: string; value: unknown; source: string; from?: string }>;
}

test('fabrik config show: merged values, their sources, secrets masked', (t) => {
  const dir = temporaryDirectory(t);
  const file = join(dir, 'fabrik.yaml');
  writeFileSync(file, [
    'workers: 2',
    'database:',
    '  url: postgres://fabrik:hunter2@db.internal:5432/fabrik',
    'models:',
    '  - name: m',
    '    replicas:',
    '      - { url: "http://10.0.0.5:8000", apiKey: sk-very-secret }',
  ].join('\n'));
  const shown = runFabrik(join(dir, 'home'), ['config', 'show', '--config', file, '--json'], { FABRIK_PARSE_TIMEOUT_MS: '9000' });
  assert.equal(shown.code, 0, shown.stderr);
  assert.ok(!shown.stdout.includes('hunter2') && !shown.stdout.includes('sk-very-secret'), 'no secret is printed');
  const { file: read, settings } = JSON.parse(shown.stdout) as Shown;
  assert.equal(read, file);
  const byPath = new Map(settings.map((setting) => [setting.path, setting]));
  assert.deepEqual(byPath.get('workers'), { path: 'workers', value: 2, source: 'file' });
  assert.deepEqual(byPath.get('parse.timeoutMs'), { path: 'parse.timeoutMs', value: 9000, source: 'env', from: 'FABRIK_PARSE_TIMEOUT_MS' });
  assert.equal(byPath.get('home')?.value, join(dir, 'home'));
  assert.equal(byPath.get('database.url')?.value, 'postgres://fabrik:***@db.internal:5432/fabrik');
  assert.equal(byPath.get('gateway.retries')?.source, 'default');
  assert.match(JSON.stringify(byPath.get('models')?.value), /"apiKey":"\*\*\*"/);

  const text = runFabrik(join(dir, 'home'), ['config', 'show'], { FABRIK_CONFIG: file });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^config file: ${file}\n`));
  assert.match(text.stdout, /\nworkers\s+file\s+2\n/);
  assert.match(text.stdout, /\nmodels\[0\]\s+file\s+\{"name":"m"/);
  assert.ok(!existsSync(join(dir, 'home')), 'showing the config creates no data folder');
});

test('fabrik config check: a valid file, and errors with file, line and column or the field path', (t) => {
  const dir = temporaryDirectory(t);
  const home = join(dir, 'home');
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'gateway:\n  retries: 1\nmodels:\n  - { name: a, replicas: [http://x:1] }\n');
  const checked = runFabrik(home, ['config', 'check', '--config', good]);
  assert.equal(checked.code, 0, checked.stderr);
  assert.equal(checked.stdout, `${good}: valid (2 settings set, 1 model)\n`);

  const duplicate = join(dir, 'duplicate.yaml');
  writeFileSync(duplicate, 'gateway:\n  retries: 1\n  retries: 2\n');
  const repeated = runFabrik(home, ['config', 'check', '--config', duplicate]);
  assert.equal(repeated.code, 1);
  assert.match(repeated.stderr, /invalid_config: .*duplicate\.yaml:3:3: is not valid YAML: repeats the key "retries"/);

  const unknown = join(dir, 'unknown.json');
  writeFileSync(unknown, JSON.stringify({ server: { prot: 8080 } }));
  const refused = runFabrik(home, ['config', 'check', '--config', unknown, '--json']);
  assert.equal(refused.code, 1);
  assert.equal((JSON.parse(refused.stdout) as { error: { param: string } }).error.param, 'server.prot');
  assert.match(refused.stderr, /unknown\.json: server\.prot is not a known field \(known: host, port, tls, metricsAuth, maxConnections, headTimeoutMs\)/);

  assert.match(runFabrik(home, ['config', 'check'], { FABRIK_CONFIG: '' }).stderr, /usage: config check needs a file: give --config FILE or set FABRIK_CONFIG/);
  assert.match(runFabrik(home, ['config', 'check', '--config', good], { FABRIK_WORKERS: '0' }).stderr, /invalid_config: FABRIK_WORKERS must be a whole number from 1 to 256; got "0"/);
});

test('fabrik serve reads the file FABRIK_CONFIG names: port, home and models', async (t) => {
  const dir = temporaryDirectory(t);
  const engine = await startEngineSim({ models: ['sim'], tokensPerSecond: 0, timeToFirstTokenMs: 0 });
  t.after(() => engine.close());
  const file = join(dir, 'fabrik.yaml');
  writeFileSync(file, `home: data\nserver: { port: 0 }\nmodels:\n  - { name: sim, replicas: ["${engine.url}"] }\n`);
  const server = startFabrik(join(dir, 'unused-home'), ['serve', '--json'], { FABRIK_CONFIG: file, FABRIK_HOME: '' });
  t.after(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });
  let output = '';
  for await (const chunk of server.stdout) {
    output += String(chunk);
    if (output.includes('\n')) break;
  }
  const { url, models } = JSON.parse(output.split('\n')[0] as string) as { url: string; models: string[] };
  assert.deepEqual(models, ['sim']);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(existsSync(join(dir, 'data', 'fabrik.db')), 'home is read from the file, relative to it');
  server.kill('SIGTERM');
  const [code] = await once(server, 'exit');
  assert.equal(code, 0, 'stops cleanly on SIGTERM');
});
