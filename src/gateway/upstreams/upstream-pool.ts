import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { FabrikError } from '../../shared/errors.ts';
import { HTTP_TOKEN, UNSAFE_HEADER_VALUE } from '../../shared/http-syntax.ts';
import { DeadlineSweeper, sweepIntervalFor, type Expiring } from '../../shared/deadline-sweeper.ts';
import type { Upstream, UpstreamController, UpstreamErrorCode, UpstreamFailure, UpstreamHandler, UpstreamRequest } from '../core/upstream.ts';
import { HttpParseError, HttpResponseParser, type ResponseParserEvents } from './http-response-parser.ts';

export type { UpstreamController, UpstreamErrorCode, UpstreamHandler, UpstreamRequest } from '../core/upstream.ts';
export { requestStatus } from '../core/upstream.ts';

/** Why a request to an engine failed. */
export class UpstreamError extends Error implements UpstreamFailure {
  override readonly name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  /** The connection had carried an earlier request: a close before any answer is likely the engine's keep-alive timeout, not a fault. */
  readonly reused: boolean;
  constructor(code: UpstreamErrorCode, message: string, reused: boolean) {
    super(message);
    this.code = code;
    this.reused = reused;
  }
}

export interface UpstreamPoolOptions {
  connectTimeoutMs: number;
  /** How long an idle connection is kept when the engine sends no `Keep-Alive: timeout` (default 4 s, under the 5 s of uvicorn and Node). */
  keepAliveMs?: number;
  /** Extra trusted certificates for an https engine (besides Node's store and NODE_EXTRA_CA_CERTS). */
  ca?: string | Buffer;
  maxHeadBytes?: number;
  /** Checks timeouts; pools may share one (default: one of the pool's own, for timeouts of a second or more). */
  sweeper?: DeadlineSweeper;
}

const DEFAULT_KEEP_ALIVE_MS = 4_000;
const MAX_KEEP_ALIVE_MS = 600_000;

/**
 * Keep-alive HTTP/1.1 connections to one engine origin (http or https), one request at a time on
 * each. Written for the proxy's hot path: a request is one write, a response is parsed in place
 * and its body handed on as views; timeouts are deadlines on the connection, checked by a shared
 * sweep (no timer re-armed per request). On this machine it halves the CPU a proxied request
 * costs against undici's Pool (see docs/gateway.md).
 */
export class UpstreamPool implements Upstream {
  readonly origin: string;
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly hostHeader: string;
  private readonly options: UpstreamPoolOptions;
  /** @internal */
  readonly sweeper: DeadlineSweeper;
  /** Most recently used last: reuse keeps a few connections warm and lets the rest time out. */
  private readonly idle: UpstreamConnection[] = [];
  private readonly connections = new Set<UpstreamConnection>();
  private closing = false;

  constructor(origin: string, options: UpstreamPoolOptions) {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`an engine URL must be http or https, not ${url.protocol}`);
    this.origin = url.origin;
    this.secure = url.protocol === 'https:';
    this.host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port === '' ? (this.secure ? 443 : 80) : Number(url.port);
    this.hostHeader = url.host;
    this.options = options;
    this.sweeper = options.sweeper ?? new DeadlineSweeper(sweepIntervalFor(1_000));
  }

  /** Sends the request on an idle connection or a new one; the handler hears the rest. */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): UpstreamController {
    if (this.closing) throw new FabrikError('upstream_error', `the connection pool to ${this.origin} is closed`);
    const head = this.head(request);
    let connection: UpstreamConnection | undefined;
    const now = performance.now();
    while ((connection = this.idle.pop()) !== undefined && !connection.usable(now)) connection.destroy();
    if (connection === undefined) connection = this.open();
    return connection.send(head, request, handler);
  }

  /** Connections open now (idle or busy). */
  get size(): number {
    return this.connections.size;
  }

  /** Closes idle connections now and busy ones when their response ends. */
  close(): void {
    this.closing = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  /** Closes every connection now; requests in flight end with an error. */
  destroy(): void {
    this.closing = true;
    this.idle.length = 0;
    for (const connection of [...this.connections]) connection.destroy();
  }

  /** @internal A connection's response ended and it may carry another request. */
  release(connection: UpstreamConnection, keepAliveHint: number | null): void {
    if (this.closing) {
      connection.destroy();
      return;
    }
    const keepAliveMs = keepAliveHint === null
      ? (this.options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS)
      : Math.min(MAX_KEEP_ALIVE_MS, Math.max(0, keepAliveHint * 1000 - 1000));
    if (keepAliveMs === 0) {
      connection.destroy();
      return;
    }
    connection.park(keepAliveMs);
    this.idle.push(connection);
  }

  /** @internal */
  forget(connection: UpstreamConnection): void {
    this.connections.delete(connection);
    const index = this.idle.lastIndexOf(connection);
    if (index !== -1) this.idle.splice(index, 1);
  }

  private open(): UpstreamConnection {
    const socket = this.secure
      ? connectTls({ host: this.host, port: this.port, servername: isIP(this.host) === 0 ? this.host : '', ALPNProtocols: ['http/1.1'], ...(this.options.ca === undefined ? {} : { ca: this.options.ca }) })
      : connectTcp({ host: this.host, port: this.port });
    const connection = new UpstreamConnection(this, socket, this.secure, this.options);
    this.connections.add(connection);
    return connection;
  }

  private head(request: UpstreamRequest): string {
    let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    for (const [name, value] of request.headers) {
      if (UNSAFE_HEADER_VALUE.test(value) || !HTTP_TOKEN.test(name)) throw new TypeError(`the header ${JSON.stringify(name)} has a name that is not a token or a value that holds a line break`);
      head += `${name}: ${value}\r\n`;
    }
    if (request.body !== null) head += `content-length: ${request.body.length}\r\n`;
    return `${head}\r\n`;
  }
}

/** The request a connection is carrying. */
interface Active {
  handler: UpstreamHandler;
  request: UpstreamRequest;
  done: boolean;
}

/** One socket to the engine, its parser, and the request on it (if any). */
class UpstreamConnection implements ResponseParserEvents, Expiring {
  /** When the current wait (connect, head, next body bytes, idle in the pool) times out. */
  deadline: number;
  private readonly pool: UpstreamPool;
  private readonly socket: Socket;
  private readonly parser: HttpResponseParser;
  private readonly connectTimeoutMs: number;
  private active: Active | null = null;
  private connected = false;
  private destroyed = false;
  private reused = false;
  private paused = false;
  private lastError: Error | null = null;

  constructor(pool: UpstreamPool, socket: Socket, secure: boolean, options: UpstreamPoolOptions) {
    this.pool = pool;
    this.socket = socket;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.parser = new HttpResponseParser(this, options.maxHeadBytes === undefined ? {} : { maxHeadBytes: options.maxHeadBytes });
    socket.setNoDelay(true);
    this.deadline = performance.now() + options.connectTimeoutMs;
    pool.sweeper.add(this);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      if (this.active !== null && !this.active.done) this.deadline = performance.now() + this.active.request.headersTimeoutMs;
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: Error) => {
      this.lastError = error;
    });
    socket.on('close', () => this.onClose());
  }

  /** Idle, open and not past its keep-alive time. */
  usable(now: number): boolean {
    return !this.destroyed && now < this.deadline;
  }

  send(head: string, request: UpstreamRequest, handler: UpstreamHandler): UpstreamController {
    const active: Active = { handler, request, done: false };
    this.active = active;
    this.parser.reset(false);
    if (this.connected) this.deadline = performance.now() + request.headersTimeoutMs;
    const body = request.body;
    if (body === null || body.length === 0) {
      this.socket.write(head, 'latin1');
    } else {
      const bytes = Buffer.allocUnsafe(head.length + body.length);
      bytes.write(head, 0, 'latin1');
      body.copy(bytes, head.length);
      this.socket.write(bytes);
    }
    return {
      abort: () => {
        if (active.done) return;
        active.done = true;
        this.parser.halt();
        this.destroy();
      },
      pause: () => {
        if (active.done) return;
        // A client slow to read is not an engine gone silent: no body timeout while held.
        this.paused = true;
        this.deadline = Infinity;
        this.socket.pause();
      },
      resume: () => {
        if (active.done || !this.paused) return;
        this.paused = false;
        this.deadline = performance.now() + active.request.bodyTimeoutMs;
        this.socket.resume();
      },
    };
  }

  /** Waits in the pool for the next request. */
  park(keepAliveMs: number): void {
    this.active = null;
    this.reused = true;
    this.deadline = performance.now() + keepAliveMs;
    // A response that ended while its reader was paused must not leave the socket deaf.
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.socket.destroy();
    this.pool.forget(this);
    this.pool.sweeper.delete(this);
  }

  onHead(status: number, headers: Record<string, string>): void {
    const active = this.active as Active;
    this.deadline = performance.now() + active.request.bodyTimeoutMs;
    this.call(active, () => active.handler.onResponseStart(status, headers));
  }

  onBody(chunk: Buffer): void {
    const active = this.active as Active;
    this.call(active, () => active.handler.onResponseData(chunk));
  }

  onComplete(): void {
    const active = this.active as Active;
    if (active.done) return;
    active.done = true;
    // The connection goes back before the caller hears of the end, so a request it sends at once can use it.
    if (this.parser.keepAlive && this.parser.surplus === 0 && !this.destroyed && this.connected) this.pool.release(this, this.parser.keepAliveHint);
    else this.destroy();
    active.handler.onResponseEnd();
  }

  private call(active: Active, callback: () => void): void {
    if (active.done) return;
    try {
      callback();
    } catch (error) {
      // A throwing handler ends its request the way undici does: the connection goes, the handler hears why.
      this.fail(active, error instanceof UpstreamError ? error : new UpstreamError('protocol', `the response handler failed: ${(error as Error).message}`, this.reused));
    }
    if (active.done) this.parser.halt();
  }

  private onData(chunk: Buffer): void {
    const active = this.active;
    if (active === null || active.done) {
      // Bytes nobody asked for: the connection cannot be trusted with another request.
      this.destroy();
      return;
    }
    if (this.parser.started && !this.paused) this.deadline = performance.now() + active.request.bodyTimeoutMs;
    try {
      this.parser.push(chunk);
    } catch (error) {
      if (!(error instanceof HttpParseError)) throw error;
      this.fail(active, new UpstreamError('protocol', `the engine at ${this.pool.origin} sent an invalid response: ${error.message}`, this.reused));
    }
  }

  expire(): void {
    this.deadline = Infinity;
    const active = this.active;
    if (active === null || active.done) {
      this.destroy();
      return;
    }
    const { request } = active;
    const error = !this.connected
      ? new UpstreamError('connect_timeout', `could not connect to ${this.pool.origin} within ${this.connectTimeoutMs} ms`, false)
      : this.parser.started
        ? new UpstreamError('body_timeout', `${this.pool.origin} sent nothing for ${request.bodyTimeoutMs} ms`, this.reused)
        : new UpstreamError('headers_timeout', `${this.pool.origin} sent no response head within ${request.headersTimeoutMs} ms`, this.reused);
    this.fail(active, error);
  }

  private onClose(): void {
    this.destroyed = true;
    this.pool.forget(this);
    this.pool.sweeper.delete(this);
    const active = this.active;
    if (active === null || active.done) return;
    try {
      this.parser.end();
    } catch (error) {
      if (!(error instanceof HttpParseError)) throw error;
      const cause = this.lastError === null ? '' : ` (${(this.lastError as Error & { code?: string }).code ?? this.lastError.message})`;
      const failure = !this.connected
        ? new UpstreamError('connect_failed', `could not connect to ${this.pool.origin}${cause}`, false)
        : new UpstreamError('closed', `${this.pool.origin} closed the connection: ${error.message}${cause}`, this.reused && !this.parser.started);
      this.fail(active, failure);
    }
  }

  private fail(active: Active, error: UpstreamError): void {
    if (active.done) return;
    active.done = true;
    this.parser.halt();
    this.destroy();
    active.handler.onResponseError(error);
  }
}
