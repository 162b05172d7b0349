/**
 * Token counts the gateway makes itself. Reservations against quotas use a fast estimate that
 * errs high for the byte-level BPE tokenizers engines use (about three bytes of text per token,
 * plus OpenAI's chat framing of 3 tokens a message and 3 to prime the reply); settling replaces
 * it with the engine's count. When an engine reports no usage, the completion is counted with
 * the cl100k_base BPE, loaded on first need (it costs 40 MB of memory, which most deployments,
 * whose engines report usage, never pay).
 */
export type Endpoint = 'chat' | 'completions' | 'embeddings';

/** The reservation estimate of a request's prompt tokens; with `measure` a real tokenizer, its count. */
export function estimatePromptTokens(endpoint: Endpoint, body: Record<string, unknown>, measure: (text: string) => number = estimateText): number {
  if (endpoint === 'chat') {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    let total = 3;
    for (const message of messages) {
      total += 3;
      if (typeof message !== 'object' || message === null) continue;
      const record = message as Record<string, unknown>;
      total += estimateContent(record.content, measure);
      if (typeof record.name === 'string') total += 1 + measure(record.name);
      if (record.tool_calls !== undefined) total += measure(JSON.stringify(record.tool_calls));
    }
    if (body.tools !== undefined) total += measure(JSON.stringify(body.tools));
    return total;
  }
  return estimateInput(endpoint === 'completions' ? body.prompt : body.input, measure);
}

function estimateText(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

function estimateContent(content: unknown, measure: (text: string) => number): number {
  if (typeof content === 'string') return measure(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const part of content) {
    if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string') total += measure((part as { text: string }).text);
  }
  return total;
}

// A prompt may be a string, a list of strings, a list of token ids or a list of such lists.
function estimateInput(input: unknown, measure: (text: string) => number): number {
  if (typeof input === 'string') return measure(input);
  if (!Array.isArray(input)) return 0;
  let total = 0;
  for (const item of input) {
    if (typeof item === 'number') total += 1;
    else if (typeof item === 'string') total += measure(item);
    else if (Array.isArray(item)) total += item.length;
  }
  return total;
}

type Counter = (text: string) => number;
let counter: Counter | null = null;
let loading: Promise<Counter> | null = null;

/** The cl100k_base counter once loaded, else null (call loadTokenCounter). */
export function tokenCounter(): Counter | null {
  return counter;
}

/** Loads the cl100k_base BPE (once). */
export function loadTokenCounter(): Promise<Counter> {
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((module) => {
    counter = (text) => (text.length === 0 ? 0 : module.countTokens(text));
    return counter;
  });
  return loading;
}
