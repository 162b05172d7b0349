import type { TokenUsage } from './sse-event-scanner.ts';

const USAGE_KEY = Buffer.from('"usage"');
const PROMPT = /"(?:prompt_tokens|input_tokens)"\s*:\s*(\d+)/;
const COMPLETION = /"(?:completion_tokens|output_tokens)"\s*:\s*(\d+)/;
const TOTAL = /"total_tokens"\s*:\s*(\d+)/;

/**
 * The `usage` of a whole (non-streamed) JSON response, read from the text after its last
 * `"usage"` key: the response bytes are forwarded as they are, and only that tail is decoded.
 * (`"prompt_tokens"` does not match inside `"prompt_tokens_details"`: the quote must follow.)
 */
export function extractUsage(body: Buffer): TokenUsage | null {
  const at = body.lastIndexOf(USAGE_KEY);
  if (at === -1) return null;
  const tail = body.toString('utf8', at + USAGE_KEY.length);
  if (/^\s*:\s*null/.test(tail)) return null;
  const prompt = PROMPT.exec(tail);
  const completion = COMPLETION.exec(tail);
  const total = TOTAL.exec(tail);
  if (prompt === null && completion === null && total === null) return null;
  const promptTokens = prompt === null ? 0 : Number(prompt[1]);
  const completionTokens = completion !== null ? Number(completion[1]) : total !== null ? Math.max(0, Number(total[1]) - promptTokens) : 0;
  return { promptTokens, completionTokens };
}
