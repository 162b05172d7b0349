import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KV_CACHE_TOKENS, ModelMetrics, renderMetrics } from './sim-metrics.ts';

/** A strict reader of the Prometheus text format: every sample belongs to a declared family. */
function parseExposition(text: string): Map<string, { type: string; samples: Array<{ name: string; labels: Record<string, string>; value: number }> }> {
  assert.ok(text.endsWith('\n'));
  const families = new Map<string, { type: string; samples: Array<{ name: string; labels: Record<string, string>; value: number }> }>();
  let current: string | null = null;
  for (const line of text.trimEnd().split('\n')) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (help !== null) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|histogram)$/.exec(line);
    if (type !== null) {
      current = type[1] as string;
      families.set(current, { type: type[2] as string, samples: [] });
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\} (\S+)$/.exec(line);
    assert.ok(sample !== null, `not a sample line: ${line}`);
    const name = sample[1] as string;
    assert.ok(current !== null && (name === current || name.startsWith(`${current}_`)), `${name} outside its family ${current}`);
    const labels = Object.fromEntries([...(sample[2] as string).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1], match[2]]));
    families.get(current)?.samples.push({ name, labels, value: Number(sample[3]) });
  }
  return families;
}

test('vLLM metric names, model_name labels, cumulative histogram buckets', () => {
  const llama = new ModelMetrics('sim-llama-3-8b');
  const odd = new ModelMetrics('team "a"\\b');
  llama.running = 2;
  llama.cachedTokens = KV_CACHE_TOKENS / 4;
  llama.promptTokens = 120;
  llama.generationTokens = 64;
  llama.finishedLength = 3;
  for (const seconds of [0.003, 0.09, 0.09, 3]) llama.timeToFirstToken.observe(seconds);
  llama.requestLatency.observe(1.2);
  const families = parseExposition(renderMetrics([llama, odd]));
  const value = (family: string, name: string, labels: Record<string, string>): number | undefined =>
    families.get(family)?.samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value;
  const model = { model_name: 'sim-llama-3-8b' };
  assert.equal(families.get('vllm:num_requests_running')?.type, 'gauge');
  assert.equal(value('vllm:num_requests_running', 'vllm:num_requests_running', model), 2);
  assert.equal(value('vllm:num_requests_waiting', 'vllm:num_requests_waiting', model), 0);
  assert.equal(value('vllm:gpu_cache_usage_perc', 'vllm:gpu_cache_usage_perc', model), 0.25);
  assert.equal(families.get('vllm:prompt_tokens_total')?.type, 'counter');
  assert.equal(value('vllm:prompt_tokens_total', 'vllm:prompt_tokens_total', model), 120);
  assert.equal(value('vllm:generation_tokens_total', 'vllm:generation_tokens_total', model), 64);
  assert.equal(value('vllm:request_success_total', 'vllm:request_success_total', { ...model, finished_reason: 'length' }), 3);
  const ttft = 'vllm:time_to_first_token_seconds';
  assert.equal(families.get(ttft)?.type, 'histogram');
  assert.equal(value(ttft, `${ttft}_bucket`, { ...model, le: '0.005' }), 1);
  assert.equal(value(ttft, `${ttft}_bucket`, { ...model, le: '0.1' }), 3);
  assert.equal(value(ttft, `${ttft}_bucket`, { ...model, le: '2560.0' }), 4);
  assert.equal(value(ttft, `${ttft}_bucket`, { ...model, le: '+Inf' }), 4);
  assert.equal(value(ttft, `${ttft}_count`, model), 4);
  assert.ok(Math.abs((value(ttft, `${ttft}_sum`, model) ?? 0) - 3.183) < 1e-9);
  const buckets = families.get(ttft)?.samples.filter((sample) => sample.name === `${ttft}_bucket` && sample.labels.model_name === 'sim-llama-3-8b').map((sample) => sample.value) ?? [];
  assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), 'buckets are cumulative');
  assert.equal(value('vllm:e2e_request_latency_seconds', 'vllm:e2e_request_latency_seconds_bucket', { ...model, le: '1.5' }), 1);
  // A label value with a quote and a backslash is escaped.
  assert.equal(value('vllm:num_requests_running', 'vllm:num_requests_running', { model_name: 'team \\"a\\"\\\\b' }), 0);
});
