import { hashText } from './generate-completion.ts';
import { SimRequestError } from './sim-request-error.ts';

/** What the stand-in needs from a chat or text completion request, validated. */
export interface GenerationRequest {
  kind: 'chat' | 'text';
  model: string;
  promptTokens: number;
  /** Hash of the prompt: the same prompt gets the same completion. */
  seed: number;
  /** max_tokens (or max_completion_tokens), null when absent. */
  maxTokens: number | null;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
}

type Body = Record<string, unknown>;

/** The context length every served model reports (`max_model_len` in GET /v1/models), as a Llama 3 8B served by vLLM. */
export const MAX_MODEL_LEN = 8192;

const NO_STOP: string[] = [];

/** Validates a /v1/chat/completions body; throws SimRequestError naming the field. */
export function parseChatRequest(body: unknown): GenerationRequest {
  const record = requireObject(body);
  const model = requireModel(record);
  const messages = record.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new SimRequestError(400, 'messages must be a non-empty array of messages', 'messages');
  let chars = 0;
  let seed = 0x811c9dc5;
  for (let index = 0; index < messages.length; index++) {
    const message: unknown = messages[index];
    if (typeof message !== 'object' || message === null || typeof (message as Body).role !== 'string') {
      throw new SimRequestError(400, `messages[${index}] must be an object with a string role`, `messages[${index}].role`);
    }
    const content = (message as Body).content;
    if (typeof content === 'string') {
      chars += content.length;
      seed = hashText(content, seed);
    } else if (Array.isArray(content)) {
      for (const part of content as unknown[]) {
        const text = typeof part === 'object' && part !== null ? (part as Body).text : undefined;
        if (typeof text === 'string') {
          chars += text.length;
          seed = hashText(text, seed);
        }
      }
    } else if (content !== null && content !== undefined) {
      throw new SimRequestError(400, `messages[${index}].content must be a string, an array of content parts or null`, `messages[${index}].content`);
    }
  }
  return finish(record, 'chat', model, Math.max(1, Math.ceil(chars / 4)), seed);
}

/** Validates a /v1/completions body; throws SimRequestError naming the field. */
export function parseCompletionRequest(body: unknown): GenerationRequest {
  const record = requireObject(body);
  const model = requireModel(record);
  const { tokens, seed } = measureInput(record.prompt, 'prompt');
  return finish(record, 'text', model, Math.max(1, tokens), seed);
}

/** Prompt tokens and seed of an OpenAI input: a string, strings, token ids or lists of token ids. */
export function measureInput(input: unknown, param: string): { tokens: number; seed: number; items: unknown[] } {
  if (typeof input === 'string') return { tokens: Math.ceil(input.length / 4), seed: hashText(input), items: [input] };
  if (!Array.isArray(input) || input.length === 0) {
    throw new SimRequestError(400, `${param} must be a string, a non-empty array of strings or an array of token ids`, param);
  }
  if (input.every((item) => typeof item === 'number')) return { tokens: input.length, seed: hashText(input.join(',')), items: [input] };
  let tokens = 0;
  let seed = 0x811c9dc5;
  for (let index = 0; index < input.length; index++) {
    const item: unknown = input[index];
    if (typeof item === 'string') {
      tokens += Math.ceil(item.length / 4);
      seed = hashText(item, seed);
    } else if (Array.isArray(item) && item.every((id) => typeof id === 'number')) {
      tokens += item.length;
      seed = hashText(item.join(','), seed);
    } else {
      throw new SimRequestError(400, `${param}[${index}] must be a string or an array of token ids`, `${param}[${index}]`);
    }
  }
  return { tokens, seed, items: input };
}

function finish(record: Body, kind: 'chat' | 'text', model: string, promptTokens: number, seed: number): GenerationRequest {
  const stream = record.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw new SimRequestError(400, 'stream must be a boolean', 'stream');
  const streaming = stream === true;
  const options = record.stream_options;
  let includeUsage = false;
  let continuousUsage = false;
  if (options !== undefined && options !== null) {
    // vLLM and OpenAI both refuse stream_options on a non-streaming request.
    if (!streaming) throw new SimRequestError(400, 'stream_options can only be defined when stream is true', 'stream_options');
    if (typeof options !== 'object') throw new SimRequestError(400, 'stream_options must be an object', 'stream_options');
    includeUsage = (options as Body).include_usage === true;
    continuousUsage = (options as Body).continuous_usage_stats === true;
  }
  const n = record.n;
  if (n !== undefined && n !== null && n !== 1) throw new SimRequestError(400, 'n must be 1: engine-sim produces one choice per request', 'n');
  return {
    kind,
    model,
    promptTokens,
    seed,
    maxTokens: readMaxTokens(record),
    stop: readStop(record.stop),
    stream: streaming,
    includeUsage,
    continuousUsage,
  };
}

/**
 * max_tokens, else max_completion_tokens, validated as vLLM does: each one given must be a
 * positive integer within the context length, else a 400 (never a 500: a request's own fault must
 * not look like a broken engine to a gateway's circuit breaker). Unlike vLLM the prompt is not
 * counted against the context, so gateway tests may send prompts of any size.
 */
function readMaxTokens(record: Body): number | null {
  let maxTokens: number | null = null;
  for (const name of ['max_tokens', 'max_completion_tokens']) {
    const value = record[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new SimRequestError(400, `${name} must be an integer of at least 1`, name);
    if (value > MAX_MODEL_LEN) throw new SimRequestError(400, `'${name}' is too large: ${value}. This model's maximum context length is ${MAX_MODEL_LEN} tokens.`, name);
    maxTokens ??= value;
  }
  return maxTokens;
}

function readStop(stop: unknown): string[] {
  if (stop === undefined || stop === null) return NO_STOP;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return stop as string[];
  throw new SimRequestError(400, 'stop must be a string or an array of strings', 'stop');
}

/** The body as a JSON object, or a 400. */
export function requireObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SimRequestError(400, 'the request body must be a JSON object', null);
  return body as Body;
}

/** The model field, present and a string (its existence is the server's check: 404). */
export function requireModel(record: Body): string {
  const model = record.model;
  if (typeof model !== 'string' || model.length === 0) throw new SimRequestError(400, 'model is required and must be a non-empty string', 'model');
  return model;
}
