/**
 * Splits an upstream SSE byte stream into whole events without decoding or copying the bytes
 * that are forwarded: the gateway writes event-aligned slices of the chunks it received, so it
 * can drop one event (the usage chunk a client did not ask for) or stop at an event boundary
 * (a quota cap) while never re-serialising the stream. Only events that carry `usage` are parsed.
 */
export interface SseEventScanner {
  /** Feeds a chunk; calls `onEvent` for every event it completes, with its bytes (separator included). */
  push(chunk: Buffer, onEvent: (event: Buffer) => void): void;
  /** Bytes of an unfinished event still held back. */
  readonly pendingBytes: number;
  /** The unfinished event's bytes, when the stream ends without a blank line after it. */
  rest(): Buffer | undefined;
}

export function createSseEventScanner(): SseEventScanner {
  let pending: Buffer | null = null;
  return {
    push(chunk, onEvent) {
      const data = pending === null ? chunk : Buffer.concat([pending, chunk]);
      // Resume the separator search just before the old tail: a "\n\n" may straddle the join.
      let from = pending === null ? 0 : Math.max(0, pending.length - 3);
      let start = 0;
      pending = null;
      for (;;) {
        const newline = data.indexOf(10, from);
        if (newline === -1 || newline + 1 >= data.length) break;
        const next = data[newline + 1];
        let end = -1;
        if (next === 10) end = newline + 2;
        else if (next === 13 && data[newline + 2] === 10) end = newline + 3;
        if (end === -1) {
          from = newline + 1;
          continue;
        }
        onEvent(data.subarray(start, end));
        start = end;
        from = end;
      }
      if (start < data.length) pending = data.subarray(start);
    },
    get pendingBytes() {
      return pending === null ? 0 : pending.length;
    },
    rest() {
      const bytes = pending ?? undefined;
      pending = null;
      return bytes;
    },
  };
}

const DATA_PREFIX = Buffer.from('data:');
const DONE = Buffer.from('[DONE]');
const USAGE_KEY = Buffer.from('"usage"');
const EMPTY_CHOICES = Buffer.from('"choices":[]');

/** The payload of an event's `data:` line(s) as a string (multi-line data joined by "\n"). */
export function eventData(event: Buffer): string | null {
  const text = event.toString('utf8');
  let data: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

/** True for the `data: [DONE]` sentinel. */
export function isDoneEvent(event: Buffer): boolean {
  const at = event.indexOf(DATA_PREFIX);
  if (at === -1) return false;
  let index = at + DATA_PREFIX.length;
  while (event[index] === 32) index += 1;
  return event.indexOf(DONE, index) === index;
}

/** True when the event has a data line (comments and keep-alives have none). */
export function hasData(event: Buffer): boolean {
  return event.indexOf(DATA_PREFIX) !== -1;
}

/** The token counts of a `usage` object in the event, or null when it has none (or `"usage": null`). */
export function eventUsage(event: Buffer): TokenUsage | null {
  if (event.indexOf(USAGE_KEY) === -1) return null;
  const data = eventData(event);
  if (data === null) return null;
  try {
    return usageOf(JSON.parse(data));
  } catch {
    return null;
  }
}

/** True for the usage-only chunk (`"choices":[]`) an engine sends when asked for include_usage. */
export function isUsageOnlyEvent(event: Buffer): boolean {
  return event.indexOf(EMPTY_CHOICES) !== -1 && event.indexOf(USAGE_KEY) !== -1;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Reads `{ usage: { prompt_tokens, completion_tokens } }` from a parsed response or chunk. */
export function usageOf(value: unknown): TokenUsage | null {
  if (typeof value !== 'object' || value === null) return null;
  const usage = (value as { usage?: unknown }).usage;
  if (typeof usage !== 'object' || usage === null) return null;
  const record = usage as Record<string, unknown>;
  const prompt = Number(record.prompt_tokens ?? record.input_tokens ?? 0);
  const total = Number(record.total_tokens ?? Number.NaN);
  let completion = Number(record.completion_tokens ?? record.output_tokens ?? Number.NaN);
  if (Number.isNaN(completion)) completion = Number.isNaN(total) ? 0 : Math.max(0, total - prompt);
  if (!Number.isFinite(prompt) || !Number.isFinite(completion)) return null;
  return { promptTokens: prompt, completionTokens: completion };
}
