import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startEngineSim } from '../src/gateway/engine-sim/start-engine-sim.ts';
import { runFabrik, startFabrik, temporaryDirectory } from './helpers/run-fabrik.ts';

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

test('fabrik team, key, model, serve and usage through the real CLI', async (t) => {
  const home = join(temporaryDirectory(t), 'home');
  const engine = await startEngineSim({ models: ['sim-llama-3-8b'], tokensPerSecond: 0, timeToFirstTokenMs: 0 });
  t.after(() => engine.close());

  const team = runFabrik(home, ['team', 'create', 'alpha', '--tpm', '100000', '--budget', '2.5', '--json']);
  assert.equal(team.code, 0, team.stderr);
  assert.deepEqual(json<{ limits: object }>(team.stdout).limits, { tokensPerMinute: 100000, budgetPerMonth: 2.5 });
  assert.match(runFabrik(home, ['team', 'create', 'alpha']).stderr, /already_exists: a team named "alpha" already exists/);
  assert.match(runFabrik(home, ['team', 'create', 'Bad Name']).stderr, /team name must be 1-63 lowercase letters/);
  assert.match(runFabrik(home, ['team', 'set', 'alpha', '--tpm', 'none', '--rpm', '600']).stdout, /limits rpm 600, budget 2\.5/);
  assert.match(runFabrik(home, ['team', 'list']).stdout, /alpha\s+team_[0-9a-f]+\s+0\s+rpm 600, budget 2\.5/);

  const created = runFabrik(home, ['key', 'create', '--team', 'alpha', '--expires', '30d', '--json']);
  assert.equal(created.code, 0, created.stderr);
  const { key, secret } = json<{ key: { id: string; prefix: string; expiresAt: string }; secret: string }>(created.stdout);
  assert.ok(secret.startsWith(key.prefix));
  assert.ok(Date.parse(key.expiresAt) > Date.now() + 29 * 86_400_000);
  assert.match(runFabrik(home, ['key', 'create']).stderr, /key create needs --team/);
  assert.match(runFabrik(home, ['key', 'create', '--team', 'nobody']).stderr, /team "nobody" does not exist/);
  assert.match(runFabrik(home, ['key', 'create', '--team', 'alpha', '--expires', 'soon']).stderr, /expires must be a duration such as 30d/);
  const plain = runFabrik(home, ['key', 'create', '--team', 'alpha', '--name', 'ci']);
  assert.match(plain.stdout, /^fk-[\w-]{32}\n$/, 'without --json only the secret goes to stdout');
  assert.match(plain.stderr, /shown only this once/);
  const listed = runFabrik(home, ['key', 'list']);
  assert.ok(!listed.stdout.includes(secret), 'a list never shows a secret');
  assert.match(listed.stdout, new RegExp(`${key.id}\\s+${key.prefix}…\\s+alpha`));

  // Models in the store; `serve` adds one from the command line.
  const added = runFabrik(home, ['model', 'add', 'stored', '--replica', engine.url, '--alias', 'stored-alias', '--upstream-model', 'sim-llama-3-8b', '--input-price', '1', '--output-price', '3']);
  assert.equal(added.code, 0, added.stderr);
  assert.match(runFabrik(home, ['model', 'add', 'bad', '--replica', 'localhost:1']).stderr, /model\.replicas\[0\]\.url must be an http\(s\) URL/);
  assert.match(runFabrik(home, ['model', 'list']).stdout, /stored\s+stored-alias\s+http:\/\/127\.0\.0\.1:\d+\s+1\/3/);

  const badConfig = join(home, 'bad.yaml');
  writeFileSync(badConfig, 'models:\n  - name: x\n    replicas:\n      - url: nowhere\n');
  const refused = runFabrik(home, ['serve', '--config', badConfig]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /invalid_config: .*bad\.yaml: models\[0\]\.replicas\[0\]\.url must be an http\(s\) URL without query, fragment or credentials; got "nowhere"/);

  const server = startFabrik(home, ['serve', '--port', '0', '--json', '--model', `sim-llama-3-8b=${engine.url}`]);
  t.after(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });
  let output = '';
  for await (const chunk of server.stdout) {
    output += String(chunk);
    if (output.includes('\n')) break;
  }
  const { url, models } = json<{ url: string; models: string[] }>(output.split('\n')[0] as string);
  assert.deepEqual(models.sort(), ['sim-llama-3-8b', 'stored']);
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: secret, maxRetries: 0 });
  await client.chat.completions.create({ model: 'sim-llama-3-8b', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 });
  await client.chat.completions.create({ model: 'stored-alias', messages: [{ role: 'user', content: 'hello' }], max_tokens: 7 });

  // Revoked from another process: the server refuses the key within its refresh interval.
  const other = json<{ key: { id: string } }>(runFabrik(home, ['key', 'create', '--team', 'alpha', '--json']).stdout);
  assert.equal(runFabrik(home, ['key', 'revoke', key.id]).code, 0);
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await client.models.list();
    } catch (error) {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      break;
    }
    assert.ok(Date.now() < deadline, 'the revocation reached the server');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(other.key.id.startsWith('key_'));

  server.kill('SIGTERM');
  await once(server, 'exit');
  assert.equal(server.exitCode, 0);

  const usage = runFabrik(home, ['usage', '--json', '--since', '1h']);
  assert.equal(usage.code, 0, usage.stderr);
  const report = json<{ rows: Array<{ teamName: string; model: string; requests: number; completionTokens: number; cost: number }>; totals: { requests: number } }>(usage.stdout);
  assert.equal(report.totals.requests, 2);
  const stored = report.rows.find((row) => row.model === 'stored');
  assert.equal(stored?.teamName, 'alpha');
  assert.equal(stored?.completionTokens, 7);
  assert.ok((stored?.cost ?? 0) > 0);
  assert.match(runFabrik(home, ['usage', '--team', 'alpha']).stdout, /alpha\s+sim-llama-3-8b\s+1\s+0/);
  assert.match(runFabrik(home, ['usage', '--by', 'nope']).stderr, /--by must list team, key or model/);
  assert.equal(runFabrik(home, ['model', 'remove', 'stored']).code, 0);
  assert.equal(runFabrik(home, ['audit', 'verify']).code, 0);
});
