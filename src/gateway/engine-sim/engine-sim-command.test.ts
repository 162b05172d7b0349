import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/fabrik.js', import.meta.url));

test('fabrik engine-sim prints its URL, serves, fails at --fail-rate and stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [BIN, 'engine-sim', '--port', '0', '--ttft-ms', '0', '--tokens-per-second', '0', '--model', 'a', '--model', 'b', '--fail-rate', '0.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+) \(models: a, b\)/.exec(stdout);
      if (match !== null) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
  assert.deepEqual(models.data.map((model) => model.id), ['a', 'b']);
  const statuses = [];
  for (let index = 0; index < 4; index++) {
    const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'b', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 }) });
    statuses.push(response.status);
    await response.arrayBuffer();
  }
  assert.deepEqual(statuses, [200, 500, 200, 500]);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, stderr);
});
