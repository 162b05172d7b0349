import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestHead } from './parse-request-head.ts';

const allowed = (method: string, path: string): boolean => method === 'POST' && path === '/v1/chat/completions';
const head = (...lines: string[]): string => lines.join('\r\n');

test('a plain inference POST is read: path without the query, length, key, close', () => {
  assert.deepEqual(parseRequestHead(head('POST /v1/chat/completions?x=1 HTTP/1.1', 'Host: a', 'Content-Length: 12', 'Authorization:  Bearer sk-1 ', 'Connection: close'), allowed), {
    method: 'POST', target: '/v1/chat/completions?x=1', path: '/v1/chat/completions', contentLength: 12, authorization: 'Bearer sk-1', close: true,
  });
  assert.equal(parseRequestHead(head('POST /v1/chat/completions HTTP/1.1', 'content-length: 0'), allowed)?.close, false);
});

test('everything else is left to node:http (null)', () => {
  const cases: string[] = [
    head('GET /v1/chat/completions HTTP/1.1', 'content-length: 1'),
    head('POST /v1/models HTTP/1.1', 'content-length: 1'),
    head('POST /v1/chat/completions HTTP/1.0', 'content-length: 1'),
    head('POST http://a/v1/chat/completions HTTP/1.1', 'content-length: 1'),
    head('POST /v1/chat/completions HTTP/1.1', 'host: a'),
    head('POST /v1/chat/completions HTTP/1.1', 'transfer-encoding: chunked'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length: 5', 'Transfer-Encoding: chunked'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length: 5', 'content-length: 5'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length: +5'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length: 5', 'expect: 100-continue'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length: 5', 'upgrade: websocket'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length: 5', 'authorization: a', 'authorization: b'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length : 5'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length: 5', ' folded'),
    head('POST /v1/chat/completions HTTP/1.1', 'content-length: 5', 'no-colon'),
    'POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 5\nx: y',
    'POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 5\rx: y',
    'POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 5\r\nx: a\0b',
    head('POST  /v1/chat/completions HTTP/1.1', 'content-length: 1'),
  ];
  for (const text of cases) assert.equal(parseRequestHead(text, allowed), null, JSON.stringify(text));
});
