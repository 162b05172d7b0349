import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import { HTTP_TOKEN, UNSAFE_HEADER_VALUE } from '../../shared/http-syntax.ts';
import type { HttpResponse } from '../../shared/http-response.ts';

/** The connection a FastResponse writes to. */
export interface ResponseSink {
  write(bytes: Buffer | string): boolean;
  /** The answer is complete; `close` when the connection must close after it. */
  responseEnded(close: boolean): void;
  destroy(): void;
}

const LAST_CHUNK = '0\r\n\r\n';
let dateSecond = -1;
let dateText = '';

/** The Date header's value, made once a second as node:http does. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/**
 * An HTTP/1.1 answer written straight to the socket: the head goes out with the first body bytes
 * in one write, a body without a content-length is sent chunked, and there is no stream machinery
 * in between. Implements the part of ServerResponse the gateway uses (HttpResponse).
 */
export class FastResponse implements HttpResponse {
  headersSent = false;
  writableFinished = false;
  private status = 200;
  private headers: OutgoingHttpHeaders | null = null;
  private pendingHead: string | null = null;
  private chunked = false;
  private close: boolean;
  private destroyed = false;
  private closeListeners: Array<() => void> | null = null;
  private drainListeners: Array<() => void> | null = null;
  private readonly sink: ResponseSink;

  constructor(sink: ResponseSink, close: boolean) {
    this.sink = sink;
    this.close = close;
  }

  setHeader(name: string, value: string | number): this {
    if (this.headersSent) throw new Error('programming error: cannot set a header after the head was written');
    (this.headers ??= {})[name.toLowerCase()] = value;
    return this;
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    if (this.headersSent) throw new Error('programming error: the head was already written');
    this.status = status;
    if (headers !== undefined) {
      if (this.headers === null) this.headers = headers;
      else for (const name of Object.keys(headers)) this.headers[name.toLowerCase()] = headers[name];
    }
    this.headersSent = true;
    return this;
  }

  write(chunk: string | Buffer): boolean {
    if (this.writableFinished || this.destroyed) return false;
    if (chunk.length === 0) return true;
    const head = this.takeHead(null);
    const framed = this.chunked ? frame(chunk, '') : chunk;
    return this.sink.write(head === '' ? framed : join(head, framed));
  }

  end(chunk?: string | Buffer): this {
    if (this.writableFinished || this.destroyed) return this;
    this.writableFinished = true;
    const body = chunk === undefined || chunk.length === 0 ? null : chunk;
    const head = this.takeHead(body);
    if (this.chunked) this.sink.write(join(head, body === null ? LAST_CHUNK : frame(body, LAST_CHUNK)));
    else if (body === null) this.sink.write(head);
    else this.sink.write(head === '' ? body : join(head, body));
    this.sink.responseEnded(this.close);
    return this;
  }

  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.sink.destroy();
    }
    return this;
  }

  on(event: 'close', listener: () => void): this {
    if (event === 'close') (this.closeListeners ??= []).push(listener);
    return this;
  }

  once(event: 'drain', listener: () => void): this {
    if (event === 'drain') (this.drainListeners ??= []).push(listener);
    return this;
  }

  /** The connection closed before the answer was complete. */
  emitClose(): void {
    this.destroyed = true;
    const listeners = this.closeListeners;
    this.closeListeners = null;
    if (listeners !== null) for (const listener of listeners) listener();
  }

  emitDrain(): void {
    const listeners = this.drainListeners;
    this.drainListeners = null;
    if (listeners !== null) for (const listener of listeners) listener();
  }

  /** The head, the first time body bytes (or the end) go out; '' after that. */
  private takeHead(endBody: string | Buffer | null): string {
    if (this.pendingHead === '') return '';
    if (!this.headersSent) this.headersSent = true;
    let head = `HTTP/1.1 ${this.status} ${STATUS_CODES[this.status] ?? 'Unknown'}\r\ndate: ${httpDate()}\r\n`;
    let length = false;
    const headers = this.headers;
    if (headers !== null) {
      for (const name in headers) {
        const value = headers[name];
        if (value === undefined) continue;
        const lower = name.toLowerCase();
        if (lower === 'content-length') length = true;
        else if (lower === 'transfer-encoding') continue;
        else if (lower === 'connection') {
          if (/close/i.test(String(value))) this.close = true;
          continue;
        }
        for (const item of Array.isArray(value) ? value : [value]) {
          const text = String(item);
          if (!HTTP_TOKEN.test(name) || UNSAFE_HEADER_VALUE.test(text)) throw new TypeError(`invalid character in the header ${JSON.stringify(name)}`);
          head += `${name}: ${text}\r\n`;
        }
      }
    }
    if (!length && this.status !== 204 && this.status !== 304) {
      // end(body) before any write knows the whole length; otherwise the body goes chunked.
      if (endBody !== null && this.pendingHead === null) head += `content-length: ${Buffer.byteLength(endBody)}\r\n`;
      else if (endBody === null && this.writableFinished) head += 'content-length: 0\r\n';
      else {
        head += 'transfer-encoding: chunked\r\n';
        this.chunked = true;
      }
    }
    if (this.close) head += 'connection: close\r\n';
    this.pendingHead = '';
    return `${head}\r\n`;
  }
}

/** One chunk of the chunked transfer coding, followed by `tail`. */
function frame(chunk: string | Buffer, tail: string): Buffer {
  const size = Buffer.byteLength(chunk);
  const prefix = `${size.toString(16)}\r\n`;
  const bytes = Buffer.allocUnsafe(prefix.length + size + 2 + tail.length);
  bytes.write(prefix, 0, 'latin1');
  if (typeof chunk === 'string') bytes.write(chunk, prefix.length, 'utf8');
  else chunk.copy(bytes, prefix.length);
  bytes.write(`\r\n${tail}`, prefix.length + size, 'latin1');
  return bytes;
}

/** A latin1 head and a body as one buffer: one write, one packet. */
function join(head: string, body: string | Buffer): Buffer {
  const size = Buffer.byteLength(body);
  const bytes = Buffer.allocUnsafe(head.length + size);
  bytes.write(head, 0, 'latin1');
  if (typeof body === 'string') bytes.write(body, head.length, 'utf8');
  else body.copy(bytes, head.length);
  return bytes;
}
