import type { IncomingMessage } from 'node:http';
import { FabrikError } from '../shared/errors.ts';

/** Reads and parses a JSON request body of at most `limit` bytes; an empty body is null. */
export function readJsonBody(request: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new FabrikError('payload_too_large', `the request body is larger than the limit of ${limit} bytes`, { param: 'body' }));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
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
