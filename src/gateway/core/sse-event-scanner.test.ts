import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractUsage } from './extract-usage.ts';
import { createSseEventScanner, eventUsage, isDoneEvent, isUsageOnlyEvent } from './sse-event-scanner.ts';

const STREAM = [
  'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n',
  ': keep-alive\n\n',
  'data: {"choices":[{"delta":{"content":"Hel"}}]}\r\n\r\n',
  'data: {"choices":[{"delta":{"content":"lo"}}],"usage":null}\n\n',
  'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n',
  'data: [DONE]\n\n',
].join('');

test('events are found whatever the chunk boundaries, as views of the input bytes', () => {
  const bytes = Buffer.from(STREAM);
  for (let size = 1; size <= bytes.length; size += 1) {
    const scanner = createSseEventScanner();
    const events: string[] = [];
    for (let start = 0; start < bytes.length; start += size) scanner.push(bytes.subarray(start, start + size), (event) => events.push(event.toString()));
    assert.equal(events.join(''), STREAM, `chunks of ${size}`);
    assert.equal(events.length, 6);
    assert.equal(scanner.pendingBytes, 0);
  }
});

test('an unfinished last event is handed back when the stream ends', () => {
  const scanner = createSseEventScanner();
  const events: string[] = [];
  scanner.push(Buffer.from('data: {"a":1}\n\ndata: [DONE]'), (event) => events.push(event.toString()));
  assert.deepEqual(events, ['data: {"a":1}\n\n']);
  assert.equal(scanner.rest()?.toString(), 'data: [DONE]');
  assert.equal(scanner.rest(), undefined);
});

test('usage, the usage-only chunk and [DONE] are recognised', () => {
  const events: Buffer[] = [];
  createSseEventScanner().push(Buffer.from(STREAM), (event) => events.push(event));
  assert.deepEqual(events.map((event) => eventUsage(event)), [null, null, null, null, { promptTokens: 5, completionTokens: 2 }, null]);
  assert.deepEqual(events.map(isUsageOnlyEvent), [false, false, false, false, true, false]);
  assert.deepEqual(events.map(isDoneEvent), [false, false, false, false, false, true]);
});

test('the usage of a whole JSON answer is read from its end without parsing the rest', () => {
  const body = Buffer.from('{"id":"x","choices":[{"message":{"content":"the \\"usage\\": {} is quoted"}}],"usage": {"prompt_tokens": 12, "total_tokens": 20, "completion_tokens": 8, "prompt_tokens_details": {"cached_tokens": 0}}}');
  assert.deepEqual(extractUsage(body), { promptTokens: 12, completionTokens: 8 });
  assert.deepEqual(extractUsage(Buffer.from('{"data":[],"usage":{"prompt_tokens":4,"total_tokens":4}}')), { promptTokens: 4, completionTokens: 0 });
  assert.equal(extractUsage(Buffer.from('{"choices":[]}')), null);
});
