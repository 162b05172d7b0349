import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { startEngineSim, type EngineSim } from './start-engine-sim.ts';

interface Timeline {
  headersMs: number;
  /** Arrival time of each token chunk, ms after the request was sent. */
  tokenMs: number[];
  events: string[];
}

/** Streams a chat completion and timestamps every token chunk as it arrives. */
async function timeStream(sim: EngineSim, maxTokens: number): Promise<Timeline> {
  const started = performance.now();
  const response = await fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-llama-3-8b', messages: [{ role: 'user', content: 'time me' }], max_tokens: maxTokens, stream: true }),
  });
  const headersMs = performance.now() - started;
  const decoder = new TextDecoder();
  const tokenMs: number[] = [];
  const events: string[] = [];
  let buffer = '';
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    const now = performance.now() - started;
    buffer += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      events.push(event);
      if (event.includes('"delta":{"content"')) tokenMs.push(now);
    }
  }
  return { headersMs, tokenMs, events };
}

function within(actual: number, low: number, high: number, what: string): void {
  assert.ok(actual >= low && actual <= high, `${what}: ${actual.toFixed(1)} not within [${low}, ${high}]`);
}

test('time to first token and token rate follow the options; headers come at once', async (t) => {
  const sim = await startEngineSim({ timeToFirstTokenMs: 100, tokensPerSecond: 100 });
  t.after(() => sim.close());
  await (await fetch(`${sim.url}/health`)).text(); // fetch's first call loads undici: keep it out of the timings
  const timeline = await timeStream(sim, 30);
  within(timeline.headersMs, 0, 60, 'headers');
  assert.equal(timeline.tokenMs.length, 30);
  within(timeline.tokenMs[0] as number, 95, 170, 'time to first token');
  const rate = (29 / ((timeline.tokenMs[29] as number) - (timeline.tokenMs[0] as number))) * 1000;
  within(rate, 80, 115, 'tokens per second');
  const metrics = await (await fetch(`${sim.url}/metrics`)).text();
  const ttftSum = Number(/vllm:time_to_first_token_seconds_sum\{[^}]*\} (\S+)/.exec(metrics)?.[1]);
  within(ttftSum * 1000, 95, 170, 'recorded time to first token');
});

test('at a high rate, several tokens share a timer tick but each keeps its own chunk', async (t) => {
  const sim = await startEngineSim({ timeToFirstTokenMs: 0, tokensPerSecond: 5000 });
  t.after(() => sim.close());
  await (await fetch(`${sim.url}/health`)).text();
  const timeline = await timeStream(sim, 500);
  assert.equal(timeline.tokenMs.length, 500);
  assert.equal(timeline.events.at(-1), 'data: [DONE]');
  within(timeline.tokenMs[499] as number, 95, 220, '500 tokens at 5000/s');
  // Timer ticks of 4 ms or more: about 25 writes, not 500.
  assert.ok(new Set(timeline.tokenMs).size < 100, `${new Set(timeline.tokenMs).size} separate arrivals`);
});

test('slow-first-token delays the first token; a non-streaming answer takes the whole generation time', async (t) => {
  const sim = await startEngineSim({ timeToFirstTokenMs: 10, tokensPerSecond: 200 });
  t.after(() => sim.close());
  sim.setFault({ mode: 'slow-first-token', ms: 200 });
  const slow = await timeStream(sim, 2);
  within(slow.tokenMs[0] as number, 195, 280, 'slowed time to first token');
  sim.setFault({ mode: 'none' });
  const started = performance.now();
  const response = await fetch(`${sim.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'sim-llama-3-8b', prompt: 'x', max_tokens: 21 }) });
  await response.json();
  // 10 ms to the first token, then 20 more at 5 ms each.
  within(performance.now() - started, 105, 190, 'non-streaming latency');
});
