import type { OutgoingHttpHeaders } from 'node:http';

/**
 * What the server's handlers write an answer through: the part of node:http's ServerResponse they
 * use, which the fast path's FastResponse implements too (see http1/fast-response.ts).
 */
export interface HttpResponse {
  readonly headersSent: boolean;
  /** end() was called and everything was handed to the connection. */
  readonly writableFinished: boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  setHeader(name: string, value: string | number): unknown;
  /** False when the client is slow to read: wait for 'drain'. */
  write(chunk: string | Buffer): boolean;
  end(chunk?: string | Buffer): unknown;
  /** Cuts the connection (after the status line went out, the only way left to signal a failure). */
  destroy(error?: Error): unknown;
  /** 'close': the connection closed before the answer was complete (and, from node:http, after it too). */
  on(event: 'close', listener: () => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
}
