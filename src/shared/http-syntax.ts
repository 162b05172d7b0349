import { FabrikError } from './errors.ts';

/** RFC 9110 token (a header name, a method): one or more tchar. */
export const HTTP_TOKEN = /^[!#$%&'*+.^`|~\w-]+$/;

/**
 * In a message head: a LF without CR before it, a CR without LF after it, or a NUL. Parsers that
 * split lines on CRLF refuse these, so no bare line break can smuggle a header through.
 */
export const LOOSE_LINE_ENDS = /[^\r]\n|\r(?!\n)|\0/;

/** What a header value written by fabrik must never hold: it would end the line (header injection). */
export const UNSAFE_HEADER_VALUE = /[\r\n\0]/;

/** Decodes one percent-encoded path segment; a malformed escape (`%ZZ`) is the client's error, 400, not ours. */
export function decodePathSegment(segment: string, param = 'path'): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new FabrikError('invalid_request', `the path segment ${JSON.stringify(segment)} is not valid percent-encoding (RFC 3986 §2.1: % must be followed by two hex digits of UTF-8)`, { param });
  }
}
