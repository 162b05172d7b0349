/**
 * The one error registry. Every error fabrik raises on purpose is a FabrikError with a stable
 * `code`, an HTTP status, an OpenAI-style `type` and a message that names the field and the rule.
 * docs/errors.md lists every code; src/shared/errors.test.ts keeps the two in step.
 */

export interface ErrorDefinition {
  readonly status: number;
  readonly type: 'invalid_request_error' | 'not_found_error' | 'authentication_error' | 'permission_error' | 'rate_limit_error' | 'server_error' | 'file_error' | 'integrity_error';
  readonly description: string;
}

export const ERROR_CODES = {
  usage: { status: 400, type: 'invalid_request_error', description: 'A command line argument or option is missing or invalid.' },
  invalid_option: { status: 400, type: 'invalid_request_error', description: 'An option has a value outside its allowed range or form.' },
  invalid_config: { status: 400, type: 'invalid_request_error', description: 'A configuration value (environment or file) is invalid.' },
  not_found: { status: 404, type: 'not_found_error', description: 'The named id, path, dataset or version does not exist.' },
  ambiguous_id: { status: 400, type: 'invalid_request_error', description: 'An id prefix matches more than one object.' },
  path_not_found: { status: 404, type: 'file_error', description: 'An input path does not exist or cannot be read (a denied read is `permission_denied`).' },
  unsupported_format: { status: 415, type: 'file_error', description: 'The file\'s bytes are not a format fabrik can parse.' },
  file_too_large: { status: 413, type: 'file_error', description: 'The file is larger than the configured size limit.' },
  empty_file: { status: 422, type: 'file_error', description: 'The file has no bytes.' },
  parse_failed: { status: 422, type: 'file_error', description: 'The parser could not read the file (damaged, truncated or invalid).' },
  encrypted_file: { status: 422, type: 'file_error', description: 'The file is encrypted and no password was given.' },
  archive_limit: { status: 422, type: 'file_error', description: 'An archive (zip container) exceeds a size, ratio, entry-count or nesting limit.' },
  parse_timeout: { status: 422, type: 'file_error', description: 'Parsing the file took longer than the configured time limit.' },
  parse_memory: { status: 422, type: 'file_error', description: 'Parsing the file needed more memory than the configured limit.' },
  no_text: { status: 422, type: 'file_error', description: 'The file parsed but holds no extractable text (a scan without OCR, an empty document).' },
  dataset_empty: { status: 422, type: 'invalid_request_error', description: 'A dataset build found no ingested documents to chunk.' },
  audit_integrity: { status: 500, type: 'integrity_error', description: 'The audit log does not verify: an entry was modified, deleted, inserted, reordered or truncated.' },
  data_integrity: { status: 500, type: 'integrity_error', description: 'Stored data does not match its recorded hash: a blob\'s bytes, a document\'s text or elements, a dataset version\'s manifest or a chunk was changed or lost.' },
  proof_invalid: { status: 422, type: 'integrity_error', description: 'An inclusion proof or its checkpoint does not verify.' },
  content_erased: { status: 410, type: 'invalid_request_error', description: 'The dataset version holds content erased on request (`source forget`); build the dataset again for a version without it.' },
  write_failed: { status: 500, type: 'file_error', description: 'An output file (an export, a proof) could not be written: its folder is read-only or missing, permission is denied, or the disk is full.' },
  store_error: { status: 500, type: 'server_error', description: 'The store could not complete an operation.' },
  invalid_request: { status: 400, type: 'invalid_request_error', description: 'An HTTP request body is not valid JSON or misses a required field.' },
  already_exists: { status: 409, type: 'invalid_request_error', description: 'A team, model or other named object with that name already exists.' },
  payload_too_large: { status: 413, type: 'invalid_request_error', description: 'An HTTP request body is larger than the configured limit.' },
  authentication_failed: { status: 401, type: 'authentication_error', description: 'The API key is missing, unknown, revoked or expired.' },
  permission_denied: { status: 403, type: 'permission_error', description: 'Access is refused: the API key is valid but may not use this model or endpoint, or the operating system denies fabrik read access to an input file or folder.' },
  rate_limited: { status: 429, type: 'rate_limit_error', description: 'A requests-per-minute, tokens-per-minute or concurrency limit is reached; retry after the time given.' },
  quota_exceeded: { status: 429, type: 'rate_limit_error', description: 'A daily or monthly token quota or the monthly spend budget is used up.' },
  upstream_error: { status: 502, type: 'server_error', description: 'The model engine failed, closed the connection or answered with something that is not an OpenAI response.' },
  upstream_timeout: { status: 504, type: 'server_error', description: 'The model engine did not connect, answer or continue a stream within the configured time.' },
  no_healthy_upstream: { status: 503, type: 'server_error', description: 'Every replica of the model is unhealthy, has an open circuit or is at its concurrency limit.' },
  internal: { status: 500, type: 'server_error', description: 'An unexpected internal error.' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CODES;

const FABRIK_ERROR = Symbol.for('fabrik.error');

/** An error with a stable code; `param` names the field, option or file it is about. */
export class FabrikError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly status: number;
  readonly type: string;
  readonly [FABRIK_ERROR] = true;

  constructor(code: ErrorCode, message: string, options: { param?: string | null; cause?: unknown } = {}) {
    // A client's mistake (4xx) needs no stack, and capturing one is most of what a refusal costs:
    // a flood of bad keys should cost the gateway as little as possible.
    const stackTraceLimit = Error.stackTraceLimit;
    if (ERROR_CODES[code].status < 500) Error.stackTraceLimit = 0;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'FabrikError';
    this.code = code;
    this.param = options.param ?? null;
    this.status = ERROR_CODES[code].status;
    this.type = ERROR_CODES[code].type;
  }

  /** Works across copies of this module (worker threads, duplicated installs). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FABRIK_ERROR] === true;
  }

  /** The wire shape every error takes (the OpenAI shape). */
  toJSON(): { error: { message: string; type: string; param: string | null; code: ErrorCode } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Turns anything thrown into a FabrikError, keeping a FabrikError as it is. */
export function toFabrikError(error: unknown, fallback: ErrorCode = 'internal'): FabrikError {
  if (error instanceof FabrikError) return error;
  if (isSerializedError(error)) return new FabrikError(error.code, error.message, { param: error.param });
  const message = error instanceof Error ? error.message : String(error);
  return new FabrikError(fallback, message, { cause: error });
}

/** The plain-object form of a FabrikError that crosses a worker boundary. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  param: string | null;
}

export function serializeError(error: unknown, fallback: ErrorCode = 'internal'): SerializedError {
  const fabrik = toFabrikError(error, fallback);
  return { code: fabrik.code, message: fabrik.message, param: fabrik.param };
}

function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.code === 'string' && record.code in ERROR_CODES && typeof record.message === 'string' && !(value instanceof Error);
}
