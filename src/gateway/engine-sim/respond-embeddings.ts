import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { embedText } from './embed-text.ts';
import { measureInput, requireModel, requireObject } from './parse-generation-request.ts';
import { PendingResponse } from './pending-response.ts';
import { sendJson } from './send-json.ts';
import { nextId, type SimContext } from './sim-context.ts';
import { SimRequestError } from './sim-request-error.ts';

/** Answers /v1/embeddings: one deterministic unit vector per input, after the prefill time (time to first token). */
export function respondEmbeddings(context: SimContext, response: ServerResponse, body: unknown, delayMs: number): void {
  const record = requireObject(body);
  const model = requireModel(record);
  const entry = context.models.get(model);
  if (entry === undefined) throw new SimRequestError(404, `The model \`${model}\` does not exist.`, 'model');
  const { tokens, items } = measureInput(record.input, 'input');
  const dimensions = readDimensions(record.dimensions, context.settings.embeddingDimensions);
  const format = record.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') throw new SimRequestError(400, 'encoding_format must be "float" or "base64"', 'encoding_format');
  const startedAt = performance.now();
  const data = items.map((item, index) => {
    const vector = embedText(typeof item === 'string' ? item : (item as number[]).join(' '), dimensions);
    const embedding = format === 'float' ? `[${vector.join(',')}]` : `"${Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')}"`;
    return `{"index":${index},"object":"embedding","embedding":${embedding}}`;
  });
  const promptTokens = Math.max(1, tokens);
  const text = `{"id":"${nextId(context, 'embd-')}","object":"list","created":${Math.floor(Date.now() / 1000)},"model":${entry.nameJson},"data":[${data.join(',')}],"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens},"completion_tokens":0,"prompt_tokens_details":null}}`;
  const metrics = entry.metrics;
  metrics.promptTokens += promptTokens;
  const observe = (): void => metrics.requestLatency.observe((performance.now() - startedAt) / 1000);
  if (delayMs === 0) {
    sendJson(response, 200, text);
    observe();
  } else {
    new PendingResponse(context, response, text, delayMs, observe);
  }
}

function readDimensions(value: unknown, maximum: number): number {
  if (value === undefined || value === null) return maximum;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > maximum) {
    throw new SimRequestError(400, `dimensions must be an integer from 1 to ${maximum}`, 'dimensions');
  }
  return value;
}
