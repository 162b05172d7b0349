import { HTTP_TOKEN, LOOSE_LINE_ENDS } from '../../shared/http-syntax.ts';

/** What the parser reports, in order: one head, body slices (views into the pushed chunks), the end. */
export interface ResponseParserEvents {
  onHead(status: number, headers: Record<string, string>): void;
  onBody(chunk: Buffer): void;
  onComplete(): void;
}

/** The engine's bytes are not a valid HTTP/1.1 response (RFC 9112). */
export class HttpParseError extends Error {
  override readonly name = 'HttpParseError';
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const DIGITS = /^\d{1,15}$/;
const HEX = /^[0-9A-Fa-f]{1,12}$/;

const STATE = {
  head: 0,
  length: 1,
  chunkSize: 2,
  chunkData: 3,
  chunkEnd: 4,
  trailers: 5,
  untilClose: 6,
  done: 7,
} as const;
type State = (typeof STATE)[keyof typeof STATE];

/**
 * An incremental HTTP/1.1 response parser for the gateway's connections to engines: a head, then a
 * body framed by content-length, chunked transfer coding or the end of the connection (RFC 9112
 * §6.3). Strict where leniency would let a response be read two ways (conflicting lengths, folded
 * headers, bad chunk sizes); body bytes are handed on as views, never copied.
 */
export class HttpResponseParser {
  /** The connection may carry another request once this response is complete. */
  keepAlive = true;
  /** Seconds from the engine's `Keep-Alive: timeout=N`, or null. */
  keepAliveHint: number | null = null;
  /** Bytes that came after the complete response: the connection must not carry another request. */
  surplus = 0;
  private state: State = STATE.head;
  private pending: Buffer | null = null;
  private remaining = 0;
  private halted = false;
  private noBody = false;
  private readonly events: ResponseParserEvents;
  private readonly maxHeadBytes: number;

  constructor(events: ResponseParserEvents, options: { maxHeadBytes?: number } = {}) {
    this.events = events;
    this.maxHeadBytes = options.maxHeadBytes ?? 64 * 1024;
  }

  /** Starts a new response; `noBody` for the answer to HEAD, which has a head only. */
  reset(noBody = false): void {
    this.state = STATE.head;
    this.pending = null;
    this.remaining = 0;
    this.halted = false;
    this.noBody = noBody;
    this.keepAlive = true;
    this.keepAliveHint = null;
    this.surplus = 0;
  }

  /** Stops delivering events (the request was aborted from inside a callback). */
  halt(): void {
    this.halted = true;
  }

  get complete(): boolean {
    return this.state === STATE.done;
  }

  /** The head has been read (the status is known). */
  get started(): boolean {
    return this.state !== STATE.head;
  }

  /**
   * Feeds bytes from the connection; throws HttpParseError when they are not a valid response.
   * Returns right after onComplete, so a callback may reset() the parser for the next request.
   */
  push(input: Buffer): void {
    let chunk = input;
    if (this.pending !== null) {
      chunk = Buffer.concat([this.pending, input]);
      this.pending = null;
    }
    let offset = 0;
    while (offset < chunk.length && !this.halted) {
      switch (this.state) {
        case STATE.head: {
          const end = chunk.indexOf(CRLF_CRLF, offset);
          if (end === -1) {
            this.keep(chunk, offset, this.maxHeadBytes, 'response head');
            return;
          }
          if (end - offset > this.maxHeadBytes) throw new HttpParseError(`the response head is larger than ${this.maxHeadBytes} bytes`);
          // A 1xx interim head is read past; the loop then reads the final one.
          const informational = this.readHead(chunk.toString('latin1', offset, end));
          offset = end + 4;
          if (!informational && (this.state as State) === STATE.done) {
            this.finish(chunk.length - offset);
            return;
          }
          break;
        }
        case STATE.length: {
          const take = Math.min(this.remaining, chunk.length - offset);
          this.remaining -= take;
          const slice = chunk.subarray(offset, offset + take);
          offset += take;
          this.events.onBody(slice);
          if (this.remaining === 0) {
            this.state = STATE.done;
            this.finish(chunk.length - offset);
            return;
          }
          break;
        }
        case STATE.chunkSize: {
          const end = chunk.indexOf(CRLF, offset);
          if (end === -1) {
            this.keep(chunk, offset, 4096, 'chunk size line');
            return;
          }
          const line = chunk.toString('latin1', offset, end);
          offset = end + 2;
          const semicolon = line.indexOf(';');
          const size = (semicolon === -1 ? line : line.slice(0, semicolon)).trim();
          if (!HEX.test(size)) throw new HttpParseError(`bad chunk size "${line.slice(0, 40)}"`);
          this.remaining = Number.parseInt(size, 16);
          this.state = this.remaining === 0 ? STATE.trailers : STATE.chunkData;
          break;
        }
        case STATE.chunkData: {
          const take = Math.min(this.remaining, chunk.length - offset);
          this.remaining -= take;
          const slice = chunk.subarray(offset, offset + take);
          offset += take;
          if (this.remaining === 0) {
            this.state = STATE.chunkEnd;
            this.remaining = 2;
          }
          this.events.onBody(slice);
          break;
        }
        case STATE.chunkEnd: {
          // The CRLF after a chunk's data, possibly split across reads.
          const expected = this.remaining === 2 ? 13 : 10;
          if (chunk[offset] !== expected) throw new HttpParseError('a chunk is not followed by CRLF');
          offset += 1;
          this.remaining -= 1;
          if (this.remaining === 0) this.state = STATE.chunkSize;
          break;
        }
        case STATE.trailers: {
          // Trailer fields end with an empty line; they are read past, not reported.
          if (chunk.length - offset >= 2 && chunk[offset] === 13 && chunk[offset + 1] === 10) {
            offset += 2;
          } else {
            const end = chunk.indexOf(CRLF_CRLF, offset);
            if (end === -1) {
              this.keep(chunk, offset, this.maxHeadBytes, 'trailer section');
              return;
            }
            offset = end + 4;
          }
          this.state = STATE.done;
          this.finish(chunk.length - offset);
          return;
        }
        case STATE.untilClose: {
          const slice = offset === 0 ? chunk : chunk.subarray(offset);
          offset = chunk.length;
          this.events.onBody(slice);
          break;
        }
        case STATE.done: {
          this.surplus += chunk.length - offset;
          return;
        }
      }
    }
  }

  /** The connection closed: ends a body delimited by the close, else the response was cut short. */
  end(): void {
    if (this.halted || this.state === STATE.done) return;
    if (this.state === STATE.untilClose) {
      this.state = STATE.done;
      this.events.onComplete();
      return;
    }
    throw new HttpParseError(this.state === STATE.head ? 'the connection closed before a complete response head' : 'the connection closed in the middle of the response body');
  }

  /** The response is complete; `surplus` bytes followed it in the same read. It is the last event of push(). */
  private finish(surplus: number): void {
    this.surplus = surplus;
    if (!this.halted) this.events.onComplete();
  }

  private keep(chunk: Buffer, offset: number, limit: number, what: string): void {
    if (chunk.length - offset > limit) throw new HttpParseError(`the ${what} is larger than ${limit} bytes`);
    // A copy: the rest of the chunk may be a view the caller hands on.
    this.pending = Buffer.from(chunk.subarray(offset));
  }

  /** Reads a head; true when it was a 1xx interim response (another head follows). */
  private readHead(text: string): boolean {
    // A bare CR or LF inside a line could smuggle a header into the answer the client gets.
    if (LOOSE_LINE_ENDS.test(text)) throw new HttpParseError('a line of the response head does not end with CRLF, or holds a NUL');
    const first = text.indexOf('\r\n');
    const lineEnd = first === -1 ? text.length : first;
    const minor = text.charCodeAt(7);
    if (!text.startsWith('HTTP/1.') || (minor !== 48 && minor !== 49) || text.charCodeAt(8) !== 32 || !isStatus(text, 9) || (lineEnd !== 12 && text.charCodeAt(12) !== 32)) {
      throw new HttpParseError(`bad status line "${text.slice(0, Math.min(lineEnd, 60))}"`);
    }
    const status = Number(text.slice(9, 12));
    const headers: Record<string, string> = {};
    let contentLength: string | null = null;
    for (let start = lineEnd + 2; start < text.length;) {
      let end = text.indexOf('\r\n', start);
      if (end === -1) end = text.length;
      const colon = text.indexOf(':', start);
      if (colon <= start || colon > end) {
        const lead = text.charCodeAt(start);
        throw new HttpParseError(lead === 32 || lead === 9 ? 'obsolete header line folding' : `bad header line "${text.slice(start, Math.min(end, start + 60))}"`);
      }
      const rawName = text.slice(start, colon);
      if (!HTTP_TOKEN.test(rawName)) throw new HttpParseError(`bad header name "${rawName.slice(0, 60)}"`);
      const name = rawName.toLowerCase();
      let valueStart = colon + 1;
      let valueEnd = end;
      while (valueStart < valueEnd && isSpace(text.charCodeAt(valueStart))) valueStart += 1;
      while (valueEnd > valueStart && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd -= 1;
      const value = text.slice(valueStart, valueEnd);
      if (name === 'content-length') {
        // Repeats must agree (a list of equal values counts as one).
        for (const part of value.split(',')) {
          const length = part.trim();
          if (!DIGITS.test(length) || (contentLength !== null && contentLength !== length)) throw new HttpParseError(`bad content-length "${value.slice(0, 40)}"`);
          contentLength = length;
        }
      }
      const previous = headers[name];
      headers[name] = previous === undefined ? value : `${previous}, ${value}`;
      start = end + 2;
    }
    if (status < 200) {
      if (status === 101) throw new HttpParseError('the engine switched protocols, which the gateway never asks for');
      return true;
    }
    const connection = headers.connection?.toLowerCase() ?? '';
    this.keepAlive = minor === 49 ? !/(?:^|,)\s*close\s*(?:,|$)/.test(connection) : /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(connection);
    const hint = headers['keep-alive'] === undefined ? null : /timeout\s*=\s*(\d+)/i.exec(headers['keep-alive']);
    this.keepAliveHint = hint === null ? null : Number(hint[1]);
    const transferEncoding = headers['transfer-encoding'];
    if (this.noBody || status === 204 || status === 304) {
      this.state = STATE.done;
    } else if (transferEncoding !== undefined) {
      // A length beside a transfer coding is a smuggling risk (RFC 9112 §6.3): refused as a bad answer.
      if (contentLength !== null) throw new HttpParseError('the engine sent both content-length and transfer-encoding');
      if (/(?:^|,)\s*chunked\s*$/i.test(transferEncoding)) {
        this.state = STATE.chunkSize;
      } else {
        this.state = STATE.untilClose;
        this.keepAlive = false;
      }
    } else if (contentLength !== null) {
      this.remaining = Number(contentLength);
      this.state = this.remaining === 0 ? STATE.done : STATE.length;
    } else {
      this.state = STATE.untilClose;
      this.keepAlive = false;
    }
    this.events.onHead(status, headers);
    return false;
  }
}

/** Three digits, the first not 0, at `at`. */
function isStatus(text: string, at: number): boolean {
  const first = text.charCodeAt(at);
  const second = text.charCodeAt(at + 1);
  const third = text.charCodeAt(at + 2);
  return first >= 49 && first <= 57 && second >= 48 && second <= 57 && third >= 48 && third <= 57;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}
