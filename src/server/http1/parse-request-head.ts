import { HTTP_TOKEN, LOOSE_LINE_ENDS } from '../../shared/http-syntax.ts';

/** A request head the fast path serves: the fields it needs, already checked. */
export interface RequestHead {
  method: string;
  /** The request target as sent (path and query). */
  target: string;
  /** The target's path, without the query. */
  path: string;
  contentLength: number;
  authorization: string | undefined;
  /** The client asked to close the connection after this answer. */
  close: boolean;
}

const DIGITS = /^\d{1,15}$/;

/**
 * Reads a request head (the text before the empty line) for the fast path. Returns null for
 * anything the fast path leaves to node:http: other methods and versions, transfer codings,
 * `Expect`, upgrades, absolute-form targets, a missing or repeated content-length, and any head
 * that is not plainly well-formed (node:http answers those with its own 400). Stricter than
 * node:http, never looser, so the two never read the same bytes two ways.
 */
export function parseRequestHead(text: string, allowed: (method: string, path: string) => boolean): RequestHead | null {
  // Anything but CRLF line ends, or a NUL, and node:http decides what the bytes mean.
  if (LOOSE_LINE_ENDS.test(text)) return null;
  const lineEnd = text.indexOf('\r\n');
  const requestLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
  const firstSpace = requestLine.indexOf(' ');
  const lastSpace = requestLine.lastIndexOf(' ');
  if (firstSpace <= 0 || lastSpace === firstSpace || requestLine.slice(lastSpace + 1) !== 'HTTP/1.1') return null;
  const method = requestLine.slice(0, firstSpace);
  const target = requestLine.slice(firstSpace + 1, lastSpace);
  if (target.charCodeAt(0) !== 47 || target.includes(' ')) return null;
  const question = target.indexOf('?');
  const path = question === -1 ? target : target.slice(0, question);
  if (!allowed(method, path)) return null;
  let contentLength = -1;
  let authorization: string | undefined;
  let close = false;
  let start = lineEnd + 2;
  while (lineEnd !== -1 && start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon > end) return null;
    const name = text.slice(start, colon);
    if (!HTTP_TOKEN.test(name)) return null;
    const value = text.slice(colon + 1, end).trim();
    switch (name.length) {
      case 6:
        if (name.toLowerCase() === 'expect') return null;
        break;
      case 7:
        if (name.toLowerCase() === 'upgrade') return null;
        break;
      case 10:
        if (name.toLowerCase() === 'connection' && /(?:^|,)\s*close\s*(?:,|$)/i.test(value)) close = true;
        break;
      case 13:
        if (name.toLowerCase() === 'authorization') {
          if (authorization !== undefined) return null;
          authorization = value;
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (contentLength !== -1 || !DIGITS.test(value)) return null;
          contentLength = Number(value);
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') return null;
        break;
      default:
        break;
    }
    start = end + 2;
  }
  if (contentLength === -1) return null;
  return { method, target, path, contentLength, authorization, close };
}
