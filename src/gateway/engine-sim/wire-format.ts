/**
 * Response bodies and SSE chunks in vLLM's wire format, built from string templates: the
 * generated tokens never need escaping (see generate-completion.ts) and the model name is
 * JSON-encoded once at start-up, so the hot path does no JSON.stringify.
 */
import type { Completion } from './generate-completion.ts';

export type GenerationKind = 'chat' | 'text';

/** `{"id":…,"object":…,"created":…,"model":…,` shared by every chunk of one response. */
export function responseHead(kind: GenerationKind, id: string, created: number, modelJson: string, streaming: boolean): string {
  const object = kind === 'chat' ? (streaming ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion';
  return `{"id":"${id}","object":"${object}","created":${created},"model":${modelJson},`;
}

/** `"usage":{…}` in the order vLLM writes it. */
export function usageJson(promptTokens: number, completionTokens: number): string {
  return `"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens + completionTokens},"completion_tokens":${completionTokens}}`;
}

/** The whole non-streaming body. */
export function completionBody(kind: GenerationKind, head: string, completion: Completion, promptTokens: number, withUsage: boolean): string {
  const ending = `"logprobs":null,"finish_reason":"${completion.finishReason}","stop_reason":${stopReasonJson(completion)}`;
  const choice = kind === 'chat'
    ? `{"index":0,"message":{"role":"assistant","content":"${completion.text}","refusal":null,"tool_calls":[]},${ending}}`
    : `{"index":0,"text":"${completion.text}",${ending},"prompt_logprobs":null}`;
  const usage = withUsage ? `,${usageJson(promptTokens, completion.completionTokens)}` : '';
  return `${head}"choices":[${choice}]${usage}}`;
}

/** The chat stream's opening chunk: the assistant role with empty content, as vLLM sends it. */
export function roleChunk(head: string): string {
  return `data: ${head}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
}

/** One token's SSE chunk; the last one carries finish_reason and stop_reason. `usage` is for continuous_usage_stats. */
export function tokenChunk(kind: GenerationKind, head: string, token: string, completion: Completion | null, usage: string | null): string {
  const open = kind === 'chat' ? `{"index":0,"delta":{"content":"${token}"},` : `{"index":0,"text":"${token}",`;
  const ending = completion === null
    ? (kind === 'chat' ? '"logprobs":null,"finish_reason":null}' : '"logprobs":null,"finish_reason":null,"stop_reason":null}')
    : `"logprobs":null,"finish_reason":"${completion.finishReason}","stop_reason":${stopReasonJson(completion)}}`;
  return `data: ${head}"choices":[${open}${ending}]${usage === null ? '' : `,${usage}`}}\n\n`;
}

/** The usage chunk with empty choices that include_usage asks for. */
export function usageChunk(head: string, promptTokens: number, completionTokens: number): string {
  return `data: ${head}"choices":[],${usageJson(promptTokens, completionTokens)}}\n\n`;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

function stopReasonJson(completion: Completion): string {
  return completion.stopReason === null ? 'null' : JSON.stringify(completion.stopReason);
}
