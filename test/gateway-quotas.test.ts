import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import OpenAI from 'openai';
import { createGateway } from '../src/gateway/create-gateway.ts';
import { startServer } from '../src/server/start-server.ts';
import { openSqliteControlStore } from '../src/store/sqlite/sqlite-control-store.ts';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';
import { BIN } from './helpers/run-fabrik.ts';

interface Outcome {
  status: number;
  totalTokens: number;
}

/** `count` chat requests at once, spread over `urls`; what each got. */
async function burst(urls: string[], secret: string, count: number): Promise<Outcome[]> {
  return Promise.all(Array.from({ length: count }, async (_, index) => {
    const response = await fetch(`${urls[index % urls.length]}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `hello ${index}` }], max_tokens: 20 }),
    });
    const body = (await response.json()) as { usage?: { total_tokens: number } };
    return { status: response.status, totalTokens: body.usage?.total_tokens ?? 0 };
  }));
}

function summarize(outcomes: Outcome[]): { admitted: number; refused: number; tokens: number; other: number[] } {
  return {
    admitted: outcomes.filter((outcome) => outcome.status === 200).length,
    refused: outcomes.filter((outcome) => outcome.status === 429).length,
    tokens: outcomes.reduce((sum, outcome) => sum + outcome.totalTokens, 0),
    other: outcomes.filter((outcome) => outcome.status !== 200 && outcome.status !== 429).map((outcome) => outcome.status),
  };
}

const LIMIT = 2000;

test('500 concurrent requests against a tokens/min limit never admit more than the limit', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('alpha', { teamLimits: { tokensPerMinute: LIMIT } });
  const result = summarize(await burst([harness.url], secret, 500));
  t.diagnostic(`one process: ${result.admitted} admitted, ${result.refused} refused, ${result.tokens} tokens of ${LIMIT}`);
  assert.deepEqual(result.other, []);
  assert.ok(result.tokens <= LIMIT, `admitted ${result.tokens} tokens against a limit of ${LIMIT}`);
  assert.ok(result.tokens >= LIMIT * 0.75, `the limit is used, not refused early: ${result.tokens} of ${LIMIT}`);
  assert.ok(result.refused > 0);
  const second = Math.floor(Date.now() / 1000);
  const team = (await harness.store.getTeam('alpha'));
  assert.ok((await harness.store.quotaCommitted(`team:${team?.id}`, 'tokens_minute', second - 59)).committed <= LIMIT);
});

test('two fabrik processes sharing one store never admit more than the limit together', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('alpha', { teamLimits: { tokensPerMinute: LIMIT } });
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });
  const startChild = async (): Promise<string> => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', '--model', `${MODEL}=${harness.engines[0]?.url}`], {
      env: { ...process.env, FABRIK_HOME: harness.home, FABRIK_ACTOR: 'user:test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    for await (const chunk of child.stdout ?? []) {
      stdout += String(chunk);
      // --json prints one line once listening; anything else (an error's JSON) fails with all of it.
      const end = stdout.indexOf('\n');
      if (end === -1) continue;
      try {
        const started = JSON.parse(stdout.slice(0, end)) as { url?: unknown };
        if (typeof started.url === 'string') return started.url;
      } catch {
        // reported below, with the rest of the output
      }
      break;
    }
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    throw new Error(`fabrik serve did not start (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
  };
  // The harness's own gateway does not take part: only the two child processes do.
  const urls = await Promise.all([startChild(), startChild()]);
  const result = summarize(await burst(urls, secret, 500));
  t.diagnostic(`two processes: ${result.admitted} admitted, ${result.refused} refused, ${result.tokens} tokens of ${LIMIT}`);
  assert.deepEqual(result.other, []);
  assert.ok(result.tokens <= LIMIT, `admitted ${result.tokens} tokens against a limit of ${LIMIT}`);
  assert.ok(result.tokens >= LIMIT * 0.5, `both processes admit: ${result.tokens} of ${LIMIT}`);
  for (const child of children) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  // SIGTERM wrote what each had metered.
  const rows = (await harness.store.queryUsage({ groupBy: [] }));
  assert.equal(rows[0]?.requests, 500);
  assert.equal((rows[0]?.promptTokens ?? 0) + (rows[0]?.completionTokens ?? 0), result.tokens);
});

test('a stream that reaches the quota is ended there with a clear final event; 429s carry their headers', async (t) => {
  const harness = await startGatewayHarness(t);
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha', { teamLimits: { tokensPerMinute: 60 } }), maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 100, stream: true });
  let chunks = 0;
  await assert.rejects(async () => {
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) chunks += 1;
  }, (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.code, 'quota_exceeded');
    assert.match(error.message, /ended at \d+ completion tokens/);
    return true;
  });
  assert.ok(chunks > 10 && chunks < 60, `the answer went on until the cap: ${chunks} chunks`);

  const limited = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('beta', { keyLimits: { requestsPerMinute: 2 } }), maxRetries: 0 });
  for (let index = 0; index < 2; index += 1) await limited.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 1 });
  await assert.rejects(limited.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(error.headers.get('x-ratelimit-remaining-requests'), '0');
    const retryAfter = Number(error.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 61, 'a grant counts for 60 to 61 s');
    return true;
  });
});

test('usage and quotas survive a restart', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('alpha', { teamLimits: { tokensPerDay: 100 } });
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: secret, maxRetries: 0 });
  let admitted = 0;
  for (;;) {
    try {
      await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 30 });
      admitted += 1;
    } catch (error) {
      assert.ok(error instanceof OpenAI.RateLimitError && error.code === 'quota_exceeded', String(error));
      break;
    }
  }
  assert.ok(admitted >= 2);
  await harness.stopGateway();

  // A new process: its own connection to the same file, a fresh gateway.
  const store = openSqliteControlStore(harness.storeOptions);
  const gateway = await createGateway({ store, models: [{ name: MODEL, aliases: [], upstreamModel: MODEL, replicas: [{ url: harness.engines[0]?.url ?? '', weight: 1, maxConcurrent: null }], prices: { input: 0, output: 0 }, maxOutputTokens: 256 }] });
  const server = await startServer({ host: '127.0.0.1', port: 0, gateway });
  t.after(async () => {
    await server.close(100);
    await store.close();
  });
  const again = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: secret, maxRetries: 0 });
  await assert.rejects(again.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 30 }), (error: unknown) => error instanceof OpenAI.RateLimitError && error.code === 'quota_exceeded');
  const rows = (await store.queryUsage({ teamId: (await store.getTeam('alpha'))?.id as string, groupBy: ['team'] }));
  assert.equal(rows[0]?.requests, admitted + 1);
  assert.ok((rows[0]?.promptTokens ?? 0) + (rows[0]?.completionTokens ?? 0) <= 100);
});
