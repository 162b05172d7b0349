// Worker-thread entry (PARSER_CATALOG.workerUrl): parses one file per message so a hostile file can
// only take down this thread.
import { parentPort } from 'node:worker_threads';
import { serializeError } from '../../shared/errors.ts';
import type { ParseLimits } from '../core/parsed-document.ts';
import { parseDocument } from './parse-document.ts';

interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  fileName: string;
  limits: ParseLimits;
}

parentPort?.on('message', (request: ParseRequest) => {
  parseDocument(request.bytes, { fileName: request.fileName, limits: request.limits }).then(
    (value) => parentPort?.postMessage({ id: request.id, ok: true, value }),
    (error: unknown) => parentPort?.postMessage({ id: request.id, ok: false, error: serializeError(error, 'parse_failed') }),
  );
});
