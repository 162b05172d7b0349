import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import OpenAI from 'openai';
import { gatewayRequestChannel } from '../src/gateway/core/gateway-channels.ts';
import type { UsageRecord } from '../src/store/core/control-store.ts';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';

const HAS_CURL = spawnSync('curl', ['--version']).status === 0;

test('the official openai SDK, unmodified but for baseURL and apiKey, works through the gateway', async (t) => {
  const harness = await startGatewayHarness(t);
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha'), maxRetries: 0 });
  const seen: UsageRecord[] = [];
  const subscriber = (message: unknown): void => void seen.push(message as UsageRecord);
  gatewayRequestChannel.subscribe(subscriber);
  t.after(() => gatewayRequestChannel.unsubscribe(subscriber));

  await t.test('chat, plain', async () => {
    const chat = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say hello to the factory.' }], max_tokens: 12 });
    assert.equal(chat.object, 'chat.completion');
    assert.equal(chat.choices[0]?.message.role, 'assistant');
    assert.ok((chat.choices[0]?.message.content ?? '').length > 0);
    assert.equal(chat.usage?.completion_tokens, 12);
  });

  await t.test('chat, streamed: chunks pass through, the usage chunk only when asked for', async () => {
    const stream = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Stream to me.' }], max_tokens: 8, stream: true });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks += 1;
    }
    assert.ok(text.length > 0);
    assert.equal(usageChunks, 0, 'the gateway asked the engine for usage; the client did not, so it must not see it');

    const withUsage = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Stream to me.' }], max_tokens: 8, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage;
    assert.equal(usage?.completion_tokens, 8);
  });

  await t.test('completions, plain and streamed', async () => {
    const completion = await client.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 6 });
    assert.equal(completion.object, 'text_completion');
    assert.equal(completion.usage?.completion_tokens, 6);
    const stream = await client.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 6, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.ok(text.length > 0);
  });

  await t.test('embeddings', async () => {
    const embeddings = await client.embeddings.create({ model: MODEL, input: ['pump pressure', 'sensor data'] });
    assert.equal(embeddings.data.length, 2);
    assert.ok((embeddings.data[0]?.embedding.length ?? 0) > 0);
    assert.ok((embeddings.usage?.prompt_tokens ?? 0) > 0);
  });

  await t.test('models: list and retrieve, aliases included', async () => {
    const models = await client.models.list();
    assert.deepEqual(models.data.map((model) => model.id).sort(), ['default', MODEL].sort());
    const model = await client.models.retrieve(MODEL);
    assert.equal(model.id, MODEL);
    await assert.rejects(client.models.retrieve('nope'), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });

  await t.test('errors come back in the OpenAI shape, as the SDK\'s error classes', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.equal(error.code, 'not_found');
      assert.equal(error.param, 'model');
      return true;
    });
    const stranger = new OpenAI({ baseURL: harness.baseURL, apiKey: 'fk-not-a-real-key', maxRetries: 0 });
    await assert.rejects(stranger.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => error instanceof OpenAI.AuthenticationError && error.code === 'authentication_failed');
    const narrow = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha', { models: ['other-model'] }), maxRetries: 0 });
    await assert.rejects(narrow.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => error instanceof OpenAI.PermissionDeniedError && error.code === 'permission_denied');
    // The engine's own 400 (no messages) reaches the client in the OpenAI shape.
    await assert.rejects(client.chat.completions.create({ model: MODEL } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.match(error.message, /messages/);
      return true;
    });
    const expired = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha', { expiresAt: Date.now() + 300 }), maxRetries: 0 });
    await new Promise((resolve) => setTimeout(resolve, 350));
    await assert.rejects(expired.models.list(), (error: unknown) => error instanceof OpenAI.AuthenticationError && /expired/.test(error.message));
  });

  await t.test('metering: every request recorded, with one audit entry per batch naming request ids', async () => {
    await harness.gateway.flush();
    const rows = (await harness.store.queryUsage({ groupBy: ['model'] }));
    const total = rows.reduce((sum, row) => sum + row.requests, 0);
    assert.equal(total, seen.length);
    const chatRecord = seen.find((record) => record.endpoint === 'chat' && record.status === 200 && !record.stream);
    assert.ok(chatRecord !== undefined);
    assert.equal(chatRecord.tokensSource, 'engine');
    assert.equal(chatRecord.completionTokens, 12);
    assert.equal(chatRecord.costMicros, Math.round(chatRecord.promptTokens * 0.5 + chatRecord.completionTokens * 1.5));
    const streamed = seen.find((record) => record.stream && record.status === 200);
    assert.ok(streamed?.ttftMs !== null && streamed?.ttftMs !== undefined && streamed.ttftMs >= 0);
    const entries = (await harness.store.audit.list({ limit: 1000 })).filter((entry) => entry.action === 'gateway.requests');
    const ids = entries.flatMap((entry) => entry.subjects);
    for (const record of seen) assert.ok(ids.includes(record.requestId), `audit names ${record.requestId}`);
    assert.ok(!JSON.stringify(entries).includes('Say hello'), 'no prompt text in the audit log');
    assert.ok((await harness.store.audit.verify()).ok);
  });

  await t.test('/metrics is Prometheus text', async () => {
    const text = await (await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${await harness.adminKey()}` } })).text();
    assert.match(text, /fabrik_gateway_requests_total\{model="sim-llama-3-8b",team="alpha",status="200"\} \d+/);
    assert.match(text, /fabrik_gateway_request_duration_seconds_bucket\{model="sim-llama-3-8b",le="\+Inf"\} \d+/);
    assert.match(text, /fabrik_gateway_time_to_first_token_seconds_count\{model="sim-llama-3-8b"\} [1-9]/);
    assert.match(text, /fabrik_gateway_tokens_total\{model="sim-llama-3-8b",team="alpha",kind="completion"\} [1-9]/);
    assert.match(text, /fabrik_gateway_replica_healthy\{model="sim-llama-3-8b",replica="http:\/\/127\.0\.0\.1:\d+",circuit="closed"\} 1/);
  });
});

test('/metrics needs an admin key by default; metricsAuth: false (--metrics-public) opens it (issue 7, item 22k)', async (t) => {
  const harness = await startGatewayHarness(t);
  const { startServer } = await import('../src/server/start-server.ts');
  const server = await startServer({ host: '127.0.0.1', port: 0, gateway: harness.gateway });
  t.after(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
  const { get } = await import('node:http');
  // One connection a scrape (agent: false), so closing the server does not wait for a kept-alive one.
  const scrape = (key: string | null): Promise<{ status: number; text: string }> => new Promise((resolve, reject) => {
    get(`${server.url}/metrics`, { agent: false, headers: key === null ? {} : { authorization: `Bearer ${key}` } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    }).on('error', reject);
  });
  assert.equal((await scrape(null)).status, 401);
  const team = await scrape(await harness.key('alpha'));
  assert.equal(team.status, 403);
  assert.match(team.text, /not an admin key/);
  const admin = await scrape(await harness.adminKey());
  assert.equal(admin.status, 200);
  assert.match(admin.text, /fabrik_gateway_requests_total|# TYPE/);
  // The harness's own server (no key sent) is closed too; one started with metricsAuth: false is open.
  assert.equal((await fetch(`${harness.url}/metrics`)).status, 401);
  const open = await startServer({ host: '127.0.0.1', port: 0, gateway: harness.gateway, metricsAuth: false });
  t.after(() => new Promise<void>((resolve) => open.server.close(() => resolve())));
  const scraped = await new Promise<number>((resolve, reject) => {
    get(`${open.url}/metrics`, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
  assert.equal(scraped, 200);
});

test('curl works too: plain, streamed, and errors', { skip: HAS_CURL ? false : 'curl is not installed' }, async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('alpha');
  const curl = (body: string, extra: string[] = []): Promise<{ status: number; stdout: string }> => new Promise((resolve) => {
    // Run asynchronously: the gateway lives on this process's event loop.
    import('node:child_process').then(({ execFile }) => {
      execFile('curl', ['-sS', '-N', '-w', '\n%{http_code}', '-H', `authorization: Bearer ${secret}`, '-H', 'content-type: application/json', '-d', body, ...extra, `${harness.baseURL}/chat/completions`], (_error, stdout) => {
        const lines = stdout.trimEnd().split('\n');
        resolve({ status: Number(lines.pop()), stdout: lines.join('\n') });
      });
    });
  });
  const plain = await curl(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }));
  assert.equal(plain.status, 200);
  assert.equal((JSON.parse(plain.stdout) as { usage: { completion_tokens: number } }).usage.completion_tokens, 4);
  const streamed = await curl(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream: true }));
  assert.equal(streamed.status, 200);
  const events = streamed.stdout.split('\n\n').filter((event) => event.startsWith('data: '));
  assert.equal(events.at(-1), 'data: [DONE]');
  assert.ok(events.length >= 5);
  const bad = await curl('{not json');
  assert.equal(bad.status, 400);
  assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'invalid_request');
});

test('the admin API manages teams, keys and models with an admin key; a revoked key stops working', async (t) => {
  const harness = await startGatewayHarness(t);
  const admin = await harness.adminKey();
  const call = async (method: string, path: string, body?: unknown, key = admin): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const team = await call('POST', '/admin/teams', { name: 'beta', limits: { requestsPerMinute: 100 } });
  assert.equal(team.status, 201);
  assert.equal((await call('POST', '/admin/teams', { name: 'beta' })).status, 409);
  const badLimits = await call('POST', '/admin/teams', { name: 'gamma', limits: { tokensPerMinute: -1 } });
  assert.equal(badLimits.status, 400);
  assert.match(String((badLimits.json.error as { message: string }).message), /limits\.tokensPerMinute must be a whole number of at least 0/);
  // PATCH means what `fabrik team set` means: given limits set, null removes, left out kept.
  const patched = await call('PATCH', '/admin/teams/beta', { limits: { tokensPerMinute: 5000 } });
  assert.deepEqual(patched.json.limits, { requestsPerMinute: 100, tokensPerMinute: 5000 });
  const removed = await call('PATCH', '/admin/teams/beta', { limits: { tokensPerMinute: null }, logPayloads: false });
  assert.deepEqual(removed.json.limits, { requestsPerMinute: 100 });
  assert.equal((await call('PATCH', '/admin/teams/nobody', { logPayloads: true })).status, 404);

  const created = await call('POST', '/admin/keys', { team: 'beta', name: 'ci', expires: '30d' });
  assert.equal(created.status, 201);
  const secret = created.json.secret as string;
  const keyId = (created.json.key as { id: string }).id;
  assert.match(secret, /^fk-/);
  assert.equal((created.json.key as Record<string, unknown>).hash, undefined, 'the API never shows the hash');
  assert.equal((await call('GET', '/admin/teams', undefined, secret)).status, 403, 'a team key is not an admin key');

  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: secret, maxRetries: 0 });
  await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 2 });

  // A model added through the API is served at once, and listed with its replicas' state.
  const added = await call('POST', '/admin/models', { name: 'second', replicas: [{ url: harness.engines[0]?.url, weight: 2 }], upstreamModel: MODEL, prices: { input: 1, output: 2 } });
  assert.equal(added.status, 201, JSON.stringify(added.json));
  const answer = await client.chat.completions.create({ model: 'second', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 });
  assert.equal(answer.model, MODEL, 'the request reached the engine under its upstream name');
  const badModel = await call('POST', '/admin/models', { name: 'third', replicas: [{ url: 'ftp://nowhere' }] });
  assert.equal(badModel.status, 400);
  assert.match(String((badModel.json.error as { message: string }).message), /replicas\[0\]\.url must be an http\(s\) URL/);
  const models = await call('GET', '/admin/models');
  assert.deepEqual((models.json.models as Array<{ name: string }>).map((model) => model.name).sort(), [MODEL, 'second'].sort());
  assert.equal((await call('DELETE', '/admin/models/second')).status, 200);
  await assert.rejects(client.chat.completions.create({ model: 'second', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => error instanceof OpenAI.NotFoundError);

  await harness.gateway.flush();
  const usage = await call('GET', '/admin/usage?since=1h&groupBy=team');
  assert.equal(usage.status, 200);
  assert.equal((usage.json.totals as { requests: number }).requests, 3);

  assert.equal((await call('POST', `/admin/keys/${keyId}/revoke`)).status, 200);
  await assert.rejects(client.models.list(), (error: unknown) => error instanceof OpenAI.AuthenticationError);
  assert.deepEqual((await harness.store.audit.list({ limit: 100 })).map((entry) => entry.action).filter((action) => action !== 'gateway.requests'),
    ['key.create', 'team.create', 'team.update', 'team.update', 'key.create', 'model.add', 'model.remove', 'key.revoke']);
});

test('prompts and responses are logged only for a team that opted in', async (t) => {
  const harness = await startGatewayHarness(t);
  const quiet = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('quiet'), maxRetries: 0 });
  const loud = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('loud', { logPayloads: true }), maxRetries: 0 });
  await quiet.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'secret plan A' }], max_tokens: 3 });
  await loud.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'public plan B' }], max_tokens: 3 });
  await harness.gateway.flush();
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(harness.storeOptions.path, { readOnly: true });
  const rows = db.prepare('SELECT request, response FROM gateway_payloads').all() as Array<{ request: string; response: string }>;
  db.close();
  assert.equal(rows.length, 1);
  assert.match(rows[0]?.request ?? '', /public plan B/);
  assert.match(rows[0]?.response ?? '', /chat\.completion/);
});

test('a request body over the limit is refused with 413 before it is read', async (t) => {
  const harness = await startGatewayHarness(t, { settings: { maxBodyBytes: 2048 } });
  const secret = await harness.key('alpha');
  const response = await fetch(`${harness.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(4096) }] }),
  });
  assert.equal(response.status, 413);
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'payload_too_large');
});

test('an engine that reports no usage: the gateway counts the tokens itself (cl100k_base)', async (t) => {
  const harness = await startGatewayHarness(t, { engine: { reportUsage: 'never' } });
  const seen: UsageRecord[] = [];
  const subscriber = (message: unknown): void => void seen.push(message as UsageRecord);
  gatewayRequestChannel.subscribe(subscriber);
  t.after(() => gatewayRequestChannel.unsubscribe(subscriber));
  const client = new OpenAI({ baseURL: harness.baseURL, apiKey: await harness.key('alpha', { teamLimits: { tokensPerMinute: 100_000 } }), maxRetries: 0 });
  const plain = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Count me, please.' }], max_tokens: 12 });
  assert.equal(plain.usage, undefined);
  const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Count me, please.' }], max_tokens: 12, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  const { countTokens } = await import('gpt-tokenizer/encoding/cl100k_base');
  const deadline = Date.now() + 3000;
  while (seen.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const [first, second] = seen;
  assert.equal(first?.tokensSource, 'gateway');
  assert.equal(first?.completionTokens, countTokens(plain.choices[0]?.message.content ?? ''));
  assert.equal(second?.tokensSource, 'gateway');
  assert.equal(second?.completionTokens, countTokens(text));
  // The prompt: "Count me, please." is 5 tokens, plus 3 for the message and 3 to prime the reply.
  assert.equal(second?.promptTokens, 11);
});

test('HTTPS: the server takes a PEM certificate and key', { skip: spawnSync('openssl', ['version']).status === 0 ? false : 'openssl is not installed' }, async (t) => {
  const harness = await startGatewayHarness(t);
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'fabrik-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']);
  assert.equal(made.status, 0, made.stderr.toString());
  const { startServer } = await import('../src/server/start-server.ts');
  const cert = readFileSync(join(dir, 'cert.pem'));
  const server = await startServer({ host: '127.0.0.1', port: 0, tls: { cert, key: readFileSync(join(dir, 'key.pem')) }, gateway: harness.gateway });
  t.after(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const { Agent, request } = await import('node:https');
  const agent = new Agent({ keepAlive: true, ca: cert });
  t.after(() => agent.destroy());
  const call = (method: string, path: string, body: string | null, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    request(`${server.url}${path}`, { method, agent, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    }).on('error', reject).end(body ?? undefined);
  });
  // The fast path (a chat completion) and node:http (/health) on TLS, both on one kept-alive connection.
  const chat = await call('POST', '/v1/chat/completions', JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }), { authorization: `Bearer ${await harness.key('tls')}`, 'content-type': 'application/json' });
  assert.equal(chat.status, 200, chat.body);
  assert.equal((JSON.parse(chat.body) as { usage: { completion_tokens: number } }).usage.completion_tokens, 3);
  assert.equal((await call('GET', '/health', null)).status, 200);
  agent.destroy();
});
