import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpParseError, HttpResponseParser } from './http-response-parser.ts';

interface Parsed {
  heads: Array<{ status: number; headers: Record<string, string> }>;
  body: string;
  complete: number;
  keepAlive: boolean;
  surplus: number;
}

/** Feeds `raw` in pieces cut at `cuts`, then closes when `close` is set. */
function parse(raw: string, cuts: number[] = [], options: { close?: boolean; noBody?: boolean } = {}): Parsed {
  const parsed: Parsed = { heads: [], body: '', complete: 0, keepAlive: true, surplus: 0 };
  const parser = new HttpResponseParser({
    onHead: (status, headers) => parsed.heads.push({ status, headers }),
    onBody: (chunk) => void (parsed.body += chunk.toString('latin1')),
    onComplete: () => void (parsed.complete += 1),
  });
  parser.reset(options.noBody ?? false);
  const bytes = Buffer.from(raw, 'latin1');
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > start) parser.push(bytes.subarray(start, cut));
    start = Math.max(start, cut);
    if (parser.complete) break;
  }
  if (options.close === true) parser.end();
  parsed.keepAlive = parser.keepAlive;
  parsed.surplus = parser.surplus;
  return parsed;
}

/** The same events whether the bytes come at once or cut at any one or two places. */
function parseEverySplit(raw: string, options: { close?: boolean } = {}): Parsed {
  const whole = parse(raw, [], options);
  for (let first = 1; first < raw.length; first += 1) {
    assert.deepEqual(parse(raw, [first], options), whole, `cut at ${first}`);
    for (let second = first + 1; second < raw.length; second += 7) assert.deepEqual(parse(raw, [first, second], options), whole, `cut at ${first} and ${second}`);
  }
  return whole;
}

test('a content-length response, cut anywhere', () => {
  const parsed = parseEverySplit('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nX-Twice: a\r\nx-twice: b\r\n\r\n{"ok":true}');
  assert.equal(parsed.heads.length, 1);
  assert.equal(parsed.heads[0]?.status, 200);
  assert.deepEqual(parsed.heads[0]?.headers, { 'content-type': 'application/json', 'content-length': '11', 'x-twice': 'a, b' });
  assert.equal(parsed.body, '{"ok":true}');
  assert.equal(parsed.complete, 1);
  assert.equal(parsed.keepAlive, true);
});

test('a chunked SSE stream with extensions and trailers, cut anywhere', () => {
  const events = ['data: {"a":1}\n\n', 'data: {"b":2}\n\n', 'data: [DONE]\n\n'];
  const raw = `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${events.map((event, index) => `${event.length.toString(16)}${index === 1 ? ';name=value' : ''}\r\n${event}\r\n`).join('')}0\r\nx-trailer: yes\r\n\r\n`;
  const parsed = parseEverySplit(raw);
  assert.equal(parsed.body, events.join(''));
  assert.equal(parsed.complete, 1);
  assert.equal(parsed.surplus, 0);
});

test('a body delimited by the close, and HTTP/1.0 without keep-alive', () => {
  const parsed = parseEverySplit('HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end', { close: true });
  assert.equal(parsed.body, 'until the end');
  assert.equal(parsed.complete, 1);
  assert.equal(parsed.keepAlive, false);
  assert.equal(parse('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n').keepAlive, true);
  assert.equal(parse('HTTP/1.1 200 OK\r\nConnection: Close\r\ncontent-length: 0\r\n\r\n').keepAlive, false);
});

test('interim 1xx heads are read past; 204, 304 and answers to HEAD have no body', () => {
  const parsed = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi');
  assert.deepEqual(parsed.heads.map((head) => head.status), [200]);
  assert.equal(parsed.body, 'hi');
  assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n').complete, 1);
  assert.equal(parse('HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n').complete, 1);
  assert.equal(parse('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n', [], { noBody: true }).complete, 1);
});

test('bytes after the complete response are counted as surplus, not parsed', () => {
  const parsed = parse('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n');
  assert.equal(parsed.body, 'hi');
  assert.equal(parsed.complete, 1);
  assert.equal(parsed.surplus, 17);
});

test('the keep-alive timeout hint is read', () => {
  const parser = new HttpResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => {} });
  parser.push(Buffer.from('HTTP/1.1 200 OK\r\nkeep-alive: timeout=5, max=100\r\ncontent-length: 0\r\n\r\n'));
  assert.equal(parser.keepAliveHint, 5);
});

test('a transfer coding beside a content-length is refused (a smuggling risk)', () => {
  assert.throws(() => parse('HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n'), (error: unknown) => error instanceof HttpParseError && /both content-length and transfer-encoding/.test(error.message));
});

test('malformed responses are refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['HTTP/2 200 OK\r\n\r\n', /bad status line/],
    ['HTTP/1.1 20 OK\r\n\r\n', /bad status line/],
    ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /bad header line/],
    ['HTTP/1.1 200 OK\r\nx: 1\r\n folded\r\n\r\n', /folding/],
    ['HTTP/1.1 200 OK\r\nbad name: 1\r\n\r\n', /bad header name/],
    ['HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n', /bad content-length/],
    ['HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n', /bad content-length/],
    ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/],
    ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhiXX', /not followed by CRLF/],
    ['HTTP/1.1 101 Switching Protocols\r\n\r\n', /switched protocols/],
    ['HTTP/1.1 200 OK\r\ncontent-type: text/plain\nset-cookie: injected\r\n\r\n', /does not end with CRLF/],
    ['HTTP/1.1 200 OK\r\nx: a\rb\r\n\r\n', /does not end with CRLF/],
    ['HTTP/1.1 200OK\r\n\r\n', /bad status line/],
    ['HTTP/1.1 099 Odd\r\n\r\n', /bad status line/],
    ['HTTP/1.1 200 OK\r\nx\u00e9: 1\r\n\r\n', /bad header name/],
  ];
  for (const [raw, reason] of cases) assert.throws(() => parse(raw), (error: unknown) => error instanceof HttpParseError && reason.test(error.message), raw);
  assert.equal(parse('HTTP/1.1 200 OK\r\ncontent-length: 3, 3\r\n\r\nabc').body, 'abc');
  assert.deepEqual(parse('HTTP/1.1 404\r\nx-empty:\r\nx-pad: \t v \t\r\ncontent-length: 0\r\n\r\n').heads[0], { status: 404, headers: { 'x-empty': '', 'x-pad': 'v', 'content-length': '0' } });
});

test('a response cut short by the close is an error; an oversized head too', () => {
  assert.throws(() => parse('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc', [], { close: true }), /middle of the response body/);
  assert.throws(() => parse('HTTP/1.1 200 OK\r\ncontent-le', [], { close: true }), /before a complete response head/);
  const parser = new HttpResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => {} }, { maxHeadBytes: 100 });
  assert.throws(() => parser.push(Buffer.from(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(200)}`)), /larger than 100 bytes/);
});

test('a callback may halt the parser; no event follows', () => {
  let bodies = 0;
  const parser: HttpResponseParser = new HttpResponseParser({
    onHead: () => {},
    onBody: () => {
      bodies += 1;
      parser.halt();
    },
    onComplete: () => assert.fail('no completion after halt'),
  });
  parser.push(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n'));
  assert.equal(bodies, 1);
});
