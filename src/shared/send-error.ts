import type { HttpResponse } from './http-response.ts';
import { FabrikError, toFabrikError } from './errors.ts';

/**
 * The one error → HTTP mapping: every error the server answers, whatever raised it, becomes a
 * FabrikError whose registry entry gives the status, and goes out in the OpenAI shape
 * `{ "error": { message, type, param, code } }`. Errors an engine already sent in that shape
 * are passed through as they are (see the gateway); everything else comes through here.
 */
export function toHttpError(error: unknown): { status: number; body: string; error: FabrikError } {
  const fabrik = toFabrikError(error);
  return { status: fabrik.status, body: JSON.stringify(fabrik.toJSON()), error: fabrik };
}

/** Answers with the error; when the headers are already out, it can only cut the connection. */
export function sendError(response: HttpResponse, error: unknown, headers: ReadonlyArray<[string, string]> = []): FabrikError {
  const { status, body, error: fabrik } = toHttpError(error);
  if (response.headersSent) {
    response.destroy(fabrik);
    return fabrik;
  }
  const head: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  for (const [name, value] of headers) head[name] = value;
  response.writeHead(status, head);
  response.end(body);
  return fabrik;
}

/** The error as one SSE event, for a stream whose 200 status is already sent. */
export function errorEvent(error: FabrikError): string {
  return `data: ${JSON.stringify(error.toJSON())}\n\n`;
}

/** Answers 200 with a JSON value. */
export function sendJson(response: HttpResponse, status: number, value: unknown, headers: ReadonlyArray<[string, string]> = []): void {
  const body = JSON.stringify(value);
  const head: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  for (const [name, header] of headers) head[name] = header;
  response.writeHead(status, head);
  response.end(body);
}

/** A FabrikError for a route that does not exist. */
export function routeNotFound(method: string | undefined, path: string): FabrikError {
  return new FabrikError('not_found', `no route for ${method ?? 'GET'} ${path}`, { param: 'path' });
}
