import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { MODEL, startGatewayHarness } from './helpers/gateway-harness.ts';

// Smaller gateway defects of issue 7, item 22: one test (or more) per sub-item.

/** Writes `bytes` on a fresh connection and collects what comes back until the server closes or `waitMs` passes. */
function rawExchange(url: string, bytes: string | Buffer, waitMs = 5_000): Promise<{ text: string; closed: boolean; elapsedMs: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false, elapsedMs: Date.now() - started });
    }, waitMs);
    socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true, elapsedMs: Date.now() - started });
    });
  });
}

test('a bare-LF request head gets an immediate 400, not a wait for the head timeout (item 22b)', async (t) => {
  const harness = await startGatewayHarness(t);
  for (const head of ['GET / HTTP/1.1\nHost: x\n\n', 'POST /v1/chat/completions HTTP/1.1\nhost: x\ncontent-length: 2\n\n{}']) {
    const { text, closed, elapsedMs } = await rawExchange(harness.url, head);
    assert.match(text, /^HTTP\/1\.1 400 /, JSON.stringify(head));
    assert.equal(closed, true);
    assert.ok(elapsedMs < 2_000, `answered after ${elapsedMs} ms`);
  }
});

test('a malformed percent-escape in /v1/models/… and in admin paths is a 400 invalid_request, not a 500 (item 22c)', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('alpha');
  const admin = await harness.adminKey();
  for (const [path, key] of [['/v1/models/%ZZ', secret], ['/admin/teams/%ZZ', admin], ['/admin/keys/%E0%A4%A/revoke', admin]] as const) {
    const response = await fetch(`${harness.url}${path}`, { method: path.endsWith('revoke') ? 'POST' : 'GET', headers: { authorization: `Bearer ${key}` } });
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(response.status, 400, `${path}: ${JSON.stringify(body)}`);
    assert.equal(body.error.code, 'invalid_request');
    assert.match(body.error.message, /percent-encoding/);
  }
  const fine = await fetch(`${harness.url}/v1/models/${encodeURIComponent(MODEL)}`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(fine.status, 200);
});

test('an admin body over 1 MiB is answered 413 payload_too_large, not a reset (item 22d)', async (t) => {
  const harness = await startGatewayHarness(t);
  const admin = await harness.adminKey();
  const body = JSON.stringify({ name: 'big', limits: {}, padding: 'x'.repeat(2 * 1024 * 1024) });
  const response = await fetch(`${harness.url}/admin/teams`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body });
  assert.equal(response.status, 413);
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'payload_too_large');
  // Raw, with the body written after the head: the answer comes back before the close.
  const raw = await rawExchange(harness.url, Buffer.concat([
    Buffer.from(`POST /admin/teams HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${admin}\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n`),
    Buffer.from(body),
  ]));
  assert.match(raw.text, /^HTTP\/1\.1 413 /);
  assert.match(raw.text, /payload_too_large/);
});

test('the Authorization scheme is case-insensitive: "bearer" and "BEARER" work like "Bearer" (item 22h)', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('alpha');
  for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
    const response = await fetch(`${harness.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `${scheme} ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
    });
    assert.equal(response.status, 200, `${scheme}: ${await response.text()}`);
    await response.arrayBuffer().catch(() => {});
    const models = await fetch(`${harness.baseURL}/models`, { headers: { authorization: `${scheme} ${secret}` } });
    assert.equal(models.status, 200, scheme);
    await models.arrayBuffer();
  }
});

test('a replica URL ending in /v1 or /v1/ is normalised, not sent to /v1/v1/… (item 22j)', async (t) => {
  const { parseModelDefinition } = await import('../src/gateway/core/model-definition.ts');
  const parsed = parseModelDefinition({ code: 'invalid_option' }, { name: 'm', replicas: ['http://10.0.0.5:8000/v1', 'http://10.0.0.6:8000/v1/', 'http://10.0.0.7/llama'] }, 'models[0]');
  assert.deepEqual(parsed.replicas.map((replica) => replica.url), ['http://10.0.0.5:8000', 'http://10.0.0.6:8000', 'http://10.0.0.7/llama']);
  const probe = await startGatewayHarness(t);
  const engineUrl = probe.engines[0]?.url as string;
  const harness = await startGatewayHarness(t, { model: { replicas: [{ url: `${engineUrl}/v1/`, weight: 1, maxConcurrent: null }] } });
  const secret = await harness.key('alpha');
  const response = await fetch(`${harness.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  await response.arrayBuffer();
});

/** The gateway_usage rows written so far. */
async function usageRows(harness: Awaited<ReturnType<typeof startGatewayHarness>>): Promise<Array<{ team_id: string | null; key_id: string | null; endpoint: string; status: number; error_code: string | null }>> {
  await harness.gateway.flush();
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(harness.storeOptions.path, { readOnly: true });
  try {
    return db.prepare('SELECT team_id, key_id, endpoint, status, error_code FROM gateway_usage ORDER BY seq').all() as never;
  } finally {
    db.close();
  }
}

test('401s, 413s and 500s after admission are metered; 401 rows are capped against a flood (item 22a)', async (t) => {
  const harness = await startGatewayHarness(t, { settings: { maxBodyBytes: 300_000, maxJsonDepth: 1_000_000 } });
  const secret = await harness.key('alpha');
  const team = (await harness.store.getTeam('alpha'))?.id;
  const post = (key: string, body: string, path = '/v1/chat/completions'): Promise<number> => fetch(`${harness.url}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body,
  }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });
  const chat = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });

  assert.equal(await post('fk-not-a-key', chat, '/v1/embeddings'), 401);
  assert.equal(await post(secret, JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(400_000) }] })), 413);
  // Re-serialising a deep body for the alias throws after admission: a 500, settled and metered.
  assert.equal(await post(secret, `{"model":"default","messages":[{"role":"user","content":"x"}],"extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), 500);
  let rows = await usageRows(harness);
  assert.deepEqual(rows.map((row) => [row.status, row.error_code, row.team_id, row.key_id === null, row.endpoint]), [
    [401, 'authentication_failed', null, true, 'embeddings'],
    [413, 'payload_too_large', team, false, 'chat'],
    [500, 'internal', team, false, 'chat'],
  ]);

  // A flood of bad keys: every one answered 401 and counted in /metrics, at most a burst of 60 rows.
  const statuses = await Promise.all(Array.from({ length: 150 }, () => post(`fk-flood-${Math.random()}`, chat)));
  assert.ok(statuses.every((status) => status === 401));
  rows = await usageRows(harness);
  const unauthenticated = rows.filter((row) => row.status === 401).length;
  assert.ok(unauthenticated >= 60 && unauthenticated <= 64, `${unauthenticated} rows for 151 unauthenticated requests`);
  const metrics = await (await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${await harness.adminKey()}` } })).text();
  assert.match(metrics, /fabrik_gateway_requests_total\{model="-",team="-",status="401"\} 151/);
});

test('a 413 because the bodies gathered across connections are at their cap is metered too (item 22a)', async (t) => {
  const harness = await startGatewayHarness(t, { settings: { maxBufferedBodyBytes: 100_000 } });
  const secret = await harness.key('alpha');
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(60_000) }], max_tokens: 2 });
  const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${secret}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const { hostname, port } = new URL(harness.url);
  const first = connect({ host: hostname, port: Number(port) });
  t.after(() => first.destroy());
  first.on('error', () => {});
  first.write(head + body.slice(0, 10));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = await rawExchange(harness.url, head + body.slice(0, 10), 2_000);
  assert.match(second.text, /^HTTP\/1\.1 413 /);
  const rows = await usageRows(harness);
  assert.deepEqual(rows.map((row) => [row.status, row.error_code, row.team_id]), [[413, 'payload_too_large', (await harness.store.getTeam('alpha'))?.id]]);
});

test('clients are told "upstream replica N of model M", never an engine URL or host; admins see the detail (item 22e)', async (t) => {
  const { createServer } = await import('node:http');
  // An engine that refuses with vLLM's error shape and text naming internal addresses.
  const engine = createServer((request, response) => {
    request.resume();
    const { port } = engine.address() as { port: number };
    const internal = `upstream http://10.9.8.7:9000/v1 via 127.0.0.1:${port} and [fd00::1]:8000 failed`;
    if (request.url?.includes('chat')) {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'error', message: `bad prompt: ${internal}`, type: 'BadRequestError', code: 400 }));
    } else {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`Internal Server Error at 127.0.0.1:${port}`);
    }
  });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => engine.close(() => resolve())));
  const engineUrl = `http://127.0.0.1:${(engine.address() as { port: number }).port}`;
  // A port nothing listens on: bound, then closed.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
  const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const harness = await startGatewayHarness(t, { engines: 0, model: { replicas: [{ url: engineUrl, weight: 1, maxConcurrent: null }] }, settings: { retries: 0, healthCheck: { intervalMs: 60_000 } } });
  const secret = await harness.key('alpha');
  const post = async (path: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> => {
    const response = await fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, text: await response.text() };
  };
  const leaks = (text: string): boolean => /127\.0\.0\.1|10\.9\.8\.7|fd00::1|http:\/\//.test(text);

  const refused = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(refused.status, 400);
  assert.ok(!leaks(refused.text), refused.text);
  assert.match(refused.text, /bad prompt: upstream <upstream url> via <upstream host> and <address> failed/);

  const failed = await post('/v1/embeddings', { model: MODEL, input: 'hi' });
  assert.equal(failed.status, 502);
  assert.ok(!leaks(failed.text), failed.text);
  assert.match(failed.text, /upstream replica 1 of model \\"sim-llama-3-8b\\" failed with HTTP 500/);

  // Unreachable: the client hears which replica, the admin hears where and why.
  const admin = await harness.adminKey();
  await fetch(`${harness.url}/admin/models`, {
    method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ghost', replicas: [engineUrl, deadUrl] }),
  });
  await harness.gateway.refresh();
  const ghost = harness.gateway.registry.resolve('ghost');
  assert.ok(ghost !== undefined);
  ghost.replicas[0]!.healthy = false;
  const unreachable = await post('/v1/chat/completions', { model: 'ghost', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(unreachable.status, 502);
  assert.ok(!leaks(unreachable.text), unreachable.text);
  assert.match(unreachable.text, /upstream replica 2 of model \\"ghost\\" could not be reached/);
  const models = (await (await fetch(`${harness.url}/admin/models`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { models: Array<{ name: string; replicas: Array<{ url: string; lastError: { message: string } | null }> }> };
  const detail = models.models.find((model) => model.name === 'ghost')?.replicas[1]?.lastError?.message ?? '';
  assert.ok(detail.startsWith(`${deadUrl}: could not be reached: `) && /ECONNREFUSED/.test(detail), detail);
});

test('a JSON body that is not an object is a 400 that says what it is', async (t) => {
  const harness = await startGatewayHarness(t);
  const secret = await harness.key('shapes');
  for (const [body, what] of [['[1,2]', 'an array'], ['null', 'null'], ['"hi"', 'a string'], ['{', 'JSON']] as const) {
    const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body });
    const error = ((await response.json()) as { error: { code: string; message: string } }).error;
    assert.equal(response.status, 400, body);
    assert.equal(error.code, 'invalid_request');
    assert.match(error.message, new RegExp(`^the request body must be a JSON object.*${what === 'JSON' ? '' : `got ${what}`}`), body);
  }
});
