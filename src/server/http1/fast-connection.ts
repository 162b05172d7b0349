import type { Socket } from 'node:net';
import type { DeadlineSweeper, Expiring } from '../../shared/deadline-sweeper.ts';
import { FabrikError } from '../../shared/errors.ts';
import { FastResponse, type ResponseSink } from './fast-response.ts';
import { parseRequestHead, type RequestHead } from './parse-request-head.ts';

export interface FastPathOptions {
  /** Which requests the fast path serves (others go to node:http). */
  allowed(method: string, path: string): boolean;
  /** Answers a request whose body has fully arrived. */
  handle(head: RequestHead, body: Buffer, response: FastResponse): void;
  /**
   * Before a body that spans reads is gathered (and its buffer allocated): false when the head
   * alone is refused (no valid key), the answer then written to `response`.
   */
  authorize(head: RequestHead, response: FastResponse): boolean;
  /** Answers (and meters) a request refused before its body is read, its key already checked. */
  refuse(head: RequestHead, error: unknown, response: FastResponse, headers: ReadonlyArray<[string, string]>): void;
  /** Bytes of bodies being gathered or answered, across all connections, and their limit. */
  gathered: { bytes: number; limit: number };
  /** Gives the connection, with the bytes not yet read put back, to node:http. */
  handOff(socket: Socket): void;
  /** Larger heads go to node:http (which answers 431). */
  maxHeadBytes: number;
  /** Larger declared bodies go to node:http (where the gateway answers 413). */
  maxBodyBytes: number;
  /** An idle kept-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** A request must arrive whole (head and body) within this long: 408 otherwise. */
  requestTimeoutMs: number;
  /** A request's head must arrive within this long (and a new connection send one): 408 otherwise. */
  headTimeoutMs: number;
  /** Checks both timeouts for every connection. */
  sweeper: DeadlineSweeper;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

/**
 * One client connection on the fast path: HTTP/1.1 requests for the gateway's inference
 * endpoints are read (head and whole body) and answered here; the first request that is anything
 * else hands the connection to node:http, which serves it from then on. Requests on one
 * connection are answered in order: bytes of a pipelined request wait until the answer before
 * them is complete.
 */
export class FastConnection implements ResponseSink, Expiring {
  /** When the idle or request timeout falls; none while an answer is being sent (the gateway times that). */
  deadline: number;
  private readonly socket: Socket;
  private readonly options: FastPathOptions;
  private buffer: Buffer | null = null;
  private head: RequestHead | null = null;
  private bodyOffset = 0;
  /** A body that spans reads is gathered here, sized by its content-length (no copy per read). */
  private body: Buffer | null = null;
  private bodyFilled = 0;
  /** Bytes this connection counts in options.gathered (a gathered body, until its answer ends). */
  private heldBytes = 0;
  private response: FastResponse | null = null;
  private requestStartedAt = 0;
  private processing = false;
  private clientEnded = false;
  private closing = false;
  private done = false;
  private readonly listeners: ReadonlyArray<[string, (chunk: Buffer) => void]>;

  constructor(socket: Socket, options: FastPathOptions) {
    this.socket = socket;
    this.options = options;
    socket.setNoDelay(true);
    this.deadline = performance.now() + options.headTimeoutMs;
    options.sweeper.add(this);
    this.listeners = [
      ['data', (chunk: Buffer) => this.onData(chunk)],
      ['end', () => this.onEnd()],
      ['drain', () => this.response?.emitDrain()],
      ['error', () => {}],
      ['close', () => this.onClose()],
    ];
    for (const [event, listener] of this.listeners) socket.on(event, listener);
  }

  /** Idle: nothing read and nothing being answered. */
  get idle(): boolean {
    return this.response === null && this.buffer === null && this.body === null;
  }

  /** The server is stopping: close now when idle, else after the answer in flight. */
  closeWhenIdle(): void {
    this.closing = true;
    if (this.idle && !this.done) this.destroy();
  }

  write(bytes: Buffer | string): boolean {
    return this.socket.write(bytes);
  }

  responseEnded(close: boolean): void {
    this.response = null;
    if (this.heldBytes !== 0) this.release();
    if (close || this.closing || (this.clientEnded && this.buffer === null)) {
      this.done = true;
      this.socket.end();
      return;
    }
    this.deadline = this.buffer === null ? performance.now() + this.options.keepAliveTimeoutMs : this.requestStartedAt + this.options.requestTimeoutMs;
    if (this.socket.isPaused()) this.socket.resume();
    if (this.buffer !== null && !this.processing) this.process();
  }

  destroy(): void {
    this.done = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    const body = this.body;
    if (body !== null) {
      const take = Math.min(chunk.length, body.length - this.bodyFilled);
      chunk.copy(body, this.bodyFilled, 0, take);
      this.bodyFilled += take;
      if (this.bodyFilled < body.length) return;
      this.body = null;
      this.buffer = take < chunk.length ? chunk.subarray(take) : null;
      this.dispatch(this.head as RequestHead, body);
      if (this.buffer !== null && this.response === null) this.process();
      return;
    }
    if (this.buffer === null) {
      this.buffer = chunk;
      if (this.head === null) {
        this.requestStartedAt = performance.now();
        if (this.response === null) this.deadline = this.requestStartedAt + this.options.headTimeoutMs;
      }
    } else {
      this.buffer = Buffer.concat([this.buffer, chunk]);
    }
    if (this.response !== null) {
      // A pipelined request: read no more until the answer in flight is complete.
      this.socket.pause();
      return;
    }
    this.process();
  }

  private process(): void {
    this.processing = true;
    try {
      while (this.buffer !== null && this.response === null && !this.done) {
        const buffer: Buffer = this.buffer;
        if (this.head === null) {
          const end = buffer.indexOf(HEAD_END);
          if (end === -1) {
            // A bare LF would never end the head here (`GET / HTTP/1.1\nHost: x\n\n`): node:http answers it 400 now.
            if (buffer.length > this.options.maxHeadBytes || hasBareLineFeed(buffer)) this.handOff();
            return;
          }
          const head = end > this.options.maxHeadBytes ? null : parseRequestHead(buffer.toString('latin1', 0, end), this.options.allowed);
          if (head === null || head.contentLength > this.options.maxBodyBytes) {
            this.handOff();
            return;
          }
          this.head = head;
          this.bodyOffset = end + 4;
          this.deadline = this.requestStartedAt + this.options.requestTimeoutMs;
        }
        const head: RequestHead = this.head;
        const need = this.bodyOffset + head.contentLength;
        if (buffer.length < need) {
          // The rest of the body comes in later reads: gather it in one buffer of its size, once
          // the head's key is known good and the bodies gathered across connections leave room.
          if (!this.mayGather(head)) return;
          const body = Buffer.allocUnsafe(head.contentLength);
          this.bodyFilled = buffer.copy(body, 0, this.bodyOffset);
          this.body = body;
          this.buffer = null;
          return;
        }
        const body = buffer.subarray(this.bodyOffset, need);
        this.buffer = buffer.length > need ? buffer.subarray(need) : null;
        this.dispatch(head, body);
      }
    } finally {
      this.processing = false;
    }
  }

  /** Whether the body of `head` may be gathered; if not, the refusal is being answered (and the connection closes after it). */
  private mayGather(head: RequestHead): boolean {
    const gathered = this.options.gathered;
    const response = new FastResponse(this, true);
    this.head = null;
    this.buffer = null;
    this.response = response;
    this.deadline = Infinity;
    if (!this.options.authorize(head, response)) return false;
    if (gathered.bytes + head.contentLength > gathered.limit) {
      this.options.refuse(head, new FabrikError('payload_too_large', `the server is already receiving ${gathered.bytes} bytes of request bodies; the limit across connections is ${gathered.limit} (gateway.maxBufferedBodyBytes): retry shortly`, { param: 'body' }), response, [['retry-after', '1']]);
      return false;
    }
    this.response = null;
    this.head = head;
    gathered.bytes += head.contentLength;
    this.heldBytes = head.contentLength;
    return true;
  }

  private release(): void {
    this.options.gathered.bytes -= this.heldBytes;
    this.heldBytes = 0;
  }

  private dispatch(head: RequestHead, body: Buffer): void {
    this.head = null;
    if (this.buffer !== null) this.requestStartedAt = performance.now();
    const response = new FastResponse(this, head.close);
    this.response = response;
    this.deadline = Infinity;
    this.options.handle(head, body, response);
  }

  private handOff(): void {
    this.done = true;
    this.options.sweeper.delete(this);
    const socket = this.socket;
    for (const [event, listener] of this.listeners) socket.off(event, listener);
    socket.pause();
    if (this.buffer !== null) socket.unshift(this.buffer);
    this.buffer = null;
    this.options.handOff(socket);
    socket.resume();
  }

  private onEnd(): void {
    this.clientEnded = true;
    if (this.response === null) {
      this.done = true;
      this.socket.end();
    } else if (!this.response.headersSent) {
      // The client gave up while its request was being answered (curl -m, a closed tab): close,
      // so that the gateway stops the engine's work and meters 499, as node:http does.
      this.destroy();
    }
  }

  expire(): void {
    this.deadline = Infinity;
    // A long answer (a slow stream) is the gateway's to time out, not the connection's.
    if (this.response !== null || this.done) return;
    if (this.buffer === null && this.head === null && this.body === null) {
      this.destroy();
      return;
    }
    this.done = true;
    this.socket.end(REQUEST_TIMEOUT);
  }

  private onClose(): void {
    this.done = true;
    this.options.sweeper.delete(this);
    if (this.heldBytes !== 0) this.release();
    const response = this.response;
    this.response = null;
    if (response !== null && !response.writableFinished) response.emitClose();
  }
}

/** A LF not preceded by CR: the head is not one the fast path reads. */
function hasBareLineFeed(buffer: Buffer): boolean {
  for (let index = buffer.indexOf(10); index !== -1; index = buffer.indexOf(10, index + 1)) {
    if (index === 0 || buffer[index - 1] !== 13) return true;
  }
  return false;
}
