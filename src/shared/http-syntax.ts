/** RFC 9110 token (a header name, a method): one or more tchar. */
export const HTTP_TOKEN = /^[!#$%&'*+.^`|~\w-]+$/;

/**
 * In a message head: a LF without CR before it, a CR without LF after it, or a NUL. Parsers that
 * split lines on CRLF refuse these, so no bare line break can smuggle a header through.
 */
export const LOOSE_LINE_ENDS = /[^\r]\n|\r(?!\n)|\0/;

/** What a header value written by fabrik must never hold: it would end the line (header injection). */
export const UNSAFE_HEADER_VALUE = /[\r\n\0]/;
