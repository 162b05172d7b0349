/**
 * What the gateway's core needs from a connection to an engine. upstreams/ implements it (the
 * keep-alive HTTP/1.1 pool); core never imports the adapter, so another transport can take its place.
 */

/** One request to an engine. */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Path and query, starting with `/`. */
  path: string;
  /** Header lines besides host and content-length; values must not hold CR or LF. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: Buffer | null;
  /** From the request on the wire to the complete response head. */
  headersTimeoutMs: number;
  /** The longest silence between two reads of the body. */
  bodyTimeoutMs: number;
}

/** What the caller hears back; after onResponseEnd or onResponseError nothing more is called. */
export interface UpstreamHandler {
  onResponseStart(status: number, headers: Record<string, string>): void;
  onResponseData(chunk: Buffer): void;
  onResponseEnd(): void;
  onResponseError(error: UpstreamFailure): void;
}

/** Lets the caller stop the response (client gone) or hold it (client slow to read). */
export interface UpstreamController {
  abort(): void;
  pause(): void;
  resume(): void;
}

export type UpstreamErrorCode = 'connect_failed' | 'connect_timeout' | 'headers_timeout' | 'body_timeout' | 'closed' | 'protocol';

/** Why a request to an engine failed (upstreams/'s UpstreamError is one). */
export interface UpstreamFailure {
  readonly code: UpstreamErrorCode;
  readonly message: string;
  /** The connection had carried an earlier request: a close before any answer is likely the engine's keep-alive timeout, not a fault. */
  readonly reused: boolean;
}

/** Connections to one engine origin. */
export interface Upstream {
  readonly origin: string;
  /** Sends one request; the handler hears the response. */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): UpstreamController;
}

/** Connections to engines, one pool per origin (shared by every model an engine serves). */
export interface UpstreamPools {
  poolFor(url: string): Upstream;
  /** Closes the pools of origins no longer used, once their requests in flight end. */
  retain(urls: ReadonlySet<string>): void;
  close(): void;
}

const NOOP = (): void => {};

/** Sends a GET and resolves with the status (the body is read and dropped), or 0 when there was no answer in time. */
export function requestStatus(pool: Upstream, path: string, headers: ReadonlyArray<readonly [string, string]>, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    let status = 0;
    let controller: UpstreamController | null = null;
    const deadline = setTimeout(() => {
      controller?.abort();
      resolve(0);
    }, timeoutMs);
    try {
      controller = pool.dispatch({ method: 'GET', path, headers, body: null, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs }, {
        onResponseStart: (code) => {
          status = code;
        },
        onResponseData: NOOP,
        onResponseEnd: () => {
          clearTimeout(deadline);
          resolve(status);
        },
        onResponseError: () => {
          clearTimeout(deadline);
          resolve(0);
        },
      });
    } catch {
      clearTimeout(deadline);
      resolve(0);
    }
  });
}
