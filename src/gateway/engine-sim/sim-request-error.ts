import { STATUS_CODES } from 'node:http';

/** A request the stand-in refuses, answered in the OpenAI error shape with vLLM's type names. */
export class SimRequestError extends Error {
  readonly status: number;
  readonly param: string | null;

  constructor(status: number, message: string, param: string | null = null) {
    super(message);
    this.name = 'SimRequestError';
    this.status = status;
    this.param = param;
  }
}

/** The JSON body of an error: `{error:{message,type,param,code}}`, `code` being the status as vLLM sends it. */
export function errorBody(status: number, message: string, param: string | null): string {
  return JSON.stringify({ error: { message, type: errorType(status), param, code: status } });
}

/** vLLM names error types after the status: 404 → "NotFoundError", 500 → "InternalServerError". */
export function errorType(status: number): string {
  const phrase = (STATUS_CODES[status] ?? 'Unknown').replace(/[^A-Za-z]/g, '');
  return phrase.endsWith('Error') ? phrase : `${phrase}Error`;
}
