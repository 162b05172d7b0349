import { eventData } from './sse-event-scanner.ts';

/** The completion text of streamed chunks, to count when the engine sent no usage. */
export function streamText(events: readonly Buffer[]): string {
  let text = '';
  for (const event of events) {
    const data = eventData(event);
    if (data === null || data === '[DONE]') continue;
    try {
      text += choiceText(JSON.parse(data), 'delta');
    } catch {
      // Not JSON: nothing to count.
    }
  }
  return text;
}

/** The completion text of a whole JSON answer (chat or completions; embeddings have none). */
export function bodyText(chunks: readonly Buffer[]): string {
  if (chunks.length === 0) return '';
  try {
    return choiceText(JSON.parse(Buffer.concat(chunks).toString('utf8')), 'message');
  } catch {
    return '';
  }
}

/** The text of every choice: `message.content` / `delta.content` for chat, `text` for completions. */
export function choiceText(value: unknown, member: 'delta' | 'message'): string {
  if (typeof value !== 'object' || value === null) return '';
  const choices = (value as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return '';
  let text = '';
  for (const choice of choices) {
    if (typeof choice !== 'object' || choice === null) continue;
    const record = choice as Record<string, unknown>;
    if (typeof record.text === 'string') text += record.text;
    const part = record[member];
    if (typeof part === 'object' && part !== null) {
      const content = (part as { content?: unknown }).content;
      if (typeof content === 'string') text += content;
      const reasoning = (part as { reasoning_content?: unknown }).reasoning_content;
      if (typeof reasoning === 'string') text += reasoning;
    }
  }
  return text;
}
