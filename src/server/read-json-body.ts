import type { IncomingMessage } from 'node:http';
import { FabrikError } from '../shared/errors.ts';

/**
 * Past the limit, a body is still read (and dropped) up to this many times the limit, so that the
 * 413 reaches a client still sending instead of a reset; beyond it the refusal goes out at once.
 */
const DRAIN_FACTOR = 16;

/**
 * Reads and parses a JSON request body of at most `limit` bytes; an empty body is null. A larger
 * body is refused with payload_too_large once it has been drained (see DRAIN_FACTOR); when it was
 * not read to its end, the caller answers with `connection: close`.
 */
export function readJsonBody(request: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = (): FabrikError => new FabrikError('payload_too_large', `the request body is larger than the limit of ${limit} bytes`, { param: 'body' });
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        if (size > limit * DRAIN_FACTOR) {
          request.pause();
          reject(tooLarge());
        }
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      if (size > limit) {
        reject(tooLarge());
        return;
      }
      if (size === 0) {
        resolve(null);
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(new FabrikError('invalid_request', `the request body is not valid JSON: ${(error as Error).message}`, { param: 'body' }));
      }
    });
  });
}
