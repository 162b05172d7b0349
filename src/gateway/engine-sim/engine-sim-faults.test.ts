import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startEngineSim, type EngineSim } from './start-engine-sim.ts';

const MODEL = 'sim-llama-3-8b';

function chat(sim: EngineSim, body: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 10, ...body }),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Reads SSE data events until `count` token chunks (or the end); returns them. */
async function readEvents(reader: ReadableStreamDefaultReader<Uint8Array>, count: number): Promise<string[]> {
  const decoder = new TextDecoder();
  const events: string[] = [];
  let buffer = '';
  while (events.filter((event) => event.includes('"content":"') && !event.includes('"role"')).length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      events.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
  return events;
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function metricValue(sim: EngineSim, name: string): Promise<number> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1));
}

test('fail: the next N requests get the status in the OpenAI shape, then the engine recovers', async (t) => {
  const sim = await startEngineSim({ timeToFirstTokenMs: 0, tokensPerSecond: 0 });
  t.after(() => sim.close());
  sim.setFault({ mode: 'fail', status: 503, count: 2 });
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await chat(sim);
    assert.equal(response.status, 503);
    const body = (await response.json()) as { error: { type: string; code: number; message: string } };
    assert.equal(body.error.code, 503);
    assert.equal(body.error.type, 'ServiceUnavailableError');
  }
  assert.equal((await chat(sim)).status, 200);
  assert.equal((await fetch(`${sim.url}/health`)).status, 200, 'a counted failure leaves /health alone');

  // Over HTTP, failing everything: /health fails as a dead engine's does.
  const set = await fetch(`${sim.url}/sim/fault`, { method: 'POST', body: JSON.stringify({ mode: 'fail' }) });
  assert.equal(set.status, 200);
  assert.equal((await chat(sim)).status, 500);
  assert.equal((await fetch(`${sim.url}/health`)).status, 500);
  sim.setFault({ mode: 'none' });
  assert.equal((await fetch(`${sim.url}/health`)).status, 200);

  // A rate fails that share of requests, evenly spread.
  sim.setFault({ mode: 'fail', rate: 0.25 });
  const statuses = [];
  for (let attempt = 0; attempt < 8; attempt++) statuses.push((await chat(sim)).status);
  assert.deepEqual(statuses, [200, 200, 200, 500, 200, 200, 200, 500]);
  assert.equal(sim.stats().requests, 12);

  const invalid = await fetch(`${sim.url}/sim/fault`, { method: 'POST', body: JSON.stringify({ mode: 'explode' }) });
  assert.equal(invalid.status, 400);
  assert.equal(((await invalid.json()) as { error: { param: string } }).error.param, 'mode');
  assert.throws(() => sim.setFault({ mode: 'drop', afterTokens: -1 }), /afterTokens must be an integer/);
});

test('drop mid-stream: the client sees a terminated stream after N tokens', async (t) => {
  const sim = await startEngineSim({ timeToFirstTokenMs: 0, tokensPerSecond: 100 });
  t.after(() => sim.close());
  sim.setFault({ mode: 'drop', afterTokens: 3 });
  const response = await chat(sim, { stream: true });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const events = await readEvents(reader, 3);
  assert.equal(events.filter((event) => event.includes('"content":"') && !event.includes('"role"')).length, 3);
  await assert.rejects(readEvents(reader, 1), /terminated/);
  await until(() => sim.stats().inFlight === 0, 'the dropped request to leave');
  assert.equal(sim.stats().aborted, 0, 'a drop is the engine closing, not the client');

  // Without afterTokens the socket goes before any header: fetch itself fails.
  sim.setFault({ mode: 'drop' });
  await assert.rejects(chat(sim, { stream: true }), /fetch failed/);
});

test('stall: after N tokens nothing more comes, the socket stays open, the client times out', async (t) => {
  const sim = await startEngineSim({ timeToFirstTokenMs: 0, tokensPerSecond: 1000 });
  t.after(() => sim.close());
  sim.setFault({ mode: 'stall', afterTokens: 2 });
  const response = await chat(sim, { stream: true }, AbortSignal.timeout(300));
  const reader = response.body!.getReader();
  assert.equal((await readEvents(reader, 2)).length, 3, 'role chunk and two tokens');
  await assert.rejects(readEvents(reader, 1), (error: Error) => error.name === 'TimeoutError');
  await until(() => sim.stats().aborted === 1, 'the abandoned stall to count as aborted');
  assert.equal(sim.stats().inFlight, 0);

  // Before the headers: the client's own timeout is all that ends it.
  sim.setFault({ mode: 'stall' });
  const started = Date.now();
  await assert.rejects(chat(sim, {}, AbortSignal.timeout(200)), (error: Error) => error.name === 'TimeoutError');
  assert.ok(Date.now() - started >= 190);
  // A stalled request still open when the stand-in closes does not keep close() waiting.
  void chat(sim).catch(() => undefined);
  await until(() => sim.stats().inFlight === 1, 'the second stalled request');
  await sim.close();
});

test('a client that disconnects mid-stream stops the generation timer and counts as aborted', async (t) => {
  const sim = await startEngineSim({ timeToFirstTokenMs: 0, tokensPerSecond: 100 });
  t.after(() => sim.close());
  const controller = new AbortController();
  const response = await chat(sim, { stream: true, max_tokens: 1000 }, controller.signal);
  const reader = response.body!.getReader();
  await readEvents(reader, 2);
  assert.equal(sim.stats().inFlight, 1);
  assert.equal(await metricValue(sim, 'vllm:num_requests_running'), 1);
  controller.abort();
  await until(() => sim.stats().aborted === 1, 'the abort to be counted');
  assert.deepEqual(sim.stats(), { requests: 1, inFlight: 0, aborted: 1 });
  const generated = await metricValue(sim, 'vllm:generation_tokens_total');
  await sleep(60);
  assert.equal(await metricValue(sim, 'vllm:generation_tokens_total'), generated, 'no token is generated after the abort');
  assert.ok(generated < 20);
  assert.equal(await metricValue(sim, 'vllm:num_requests_running'), 0);

  // A non-streaming request abandoned while it "generates" is aborted too.
  const slow = new AbortController();
  const pending = chat(sim, { max_tokens: 100 }, slow.signal).catch(() => 'aborted');
  await until(() => sim.stats().inFlight === 1, 'the non-streaming request');
  slow.abort();
  assert.equal(await pending, 'aborted');
  await until(() => sim.stats().aborted === 2, 'the second abort');
});

test('fail with match: only the bodies that contain the text fail (an input that crashes the engine); /health stays up', async (t) => {
  const sim = await startEngineSim({ tokensPerSecond: 0, timeToFirstTokenMs: 0 });
  t.after(() => sim.close());
  sim.setFault({ mode: 'fail', status: 500, match: 'POISON' });
  assert.equal((await chat(sim, { messages: [{ role: 'user', content: 'a POISON pill' }] })).status, 500);
  assert.equal((await chat(sim)).status, 200);
  assert.equal((await chat(sim, { messages: [{ role: 'user', content: 'POISON again' }] })).status, 500);
  assert.equal((await fetch(`${sim.url}/health`)).status, 200);
  const refused = await fetch(`${sim.url}/sim/fault`, { method: 'POST', body: JSON.stringify({ mode: 'fail', match: '' }) });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /match must be a non-empty string/);
});
