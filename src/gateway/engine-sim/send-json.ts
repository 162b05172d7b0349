import type { ServerResponse } from 'node:http';
import { errorBody } from './sim-request-error.ts';

/** Sends a JSON body with its length (no chunked encoding: one write, like uvicorn's JSONResponse). */
export function sendJson(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Sends an error in the OpenAI shape. */
export function sendError(response: ServerResponse, status: number, message: string, param: string | null = null): void {
  sendJson(response, status, errorBody(status, message, param));
}
