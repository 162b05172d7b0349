import { FabrikError, type ErrorCode } from '../shared/errors.ts';

/**
 * Readers for untrusted JSON-like values (a config file, an admin API body) that name the field
 * path in every error: `models[2].replicas[0].url must be an http(s) URL; got "ftp://x"`.
 */
export interface FieldContext {
  /** The error code to raise: invalid_config for files, invalid_request for HTTP bodies. */
  code: ErrorCode;
}

export const CONFIG_FIELDS: FieldContext = { code: 'invalid_config' };
export const REQUEST_FIELDS: FieldContext = { code: 'invalid_request' };

/** The path of a member: `a.b`, or `b` at the root. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function fieldError(context: FieldContext, path: string, rule: string, value?: unknown): FabrikError {
  const got = value === undefined ? '' : `; got ${describe(value)}`;
  return new FabrikError(context.code, `${path === '' ? 'the value' : path} ${rule}${got}`, { param: path === '' ? null : path });
}

/** The value as a plain object, or an error naming the path. */
export function readObject(context: FieldContext, value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fieldError(context, path, 'must be an object', value);
  return value as Record<string, unknown>;
}

/** Refuses members not in `allowed`, so a typo is an error instead of a silently ignored setting. */
export function rejectUnknownKeys(context: FieldContext, object: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw fieldError(context, fieldPath(path, key), `is not a known field (known: ${allowed.join(', ')})`);
  }
}

export function readArray(context: FieldContext, value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw fieldError(context, path, 'must be a list', value);
  return value;
}

export function readString(context: FieldContext, value: unknown, path: string, rule?: { pattern?: RegExp; description?: string }): string {
  if (typeof value !== 'string' || value.length === 0) throw fieldError(context, path, 'must be a non-empty string', value);
  if (rule?.pattern !== undefined && !rule.pattern.test(value)) throw fieldError(context, path, rule.description ?? `must match ${rule.pattern}`, value);
  return value;
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function readNumber(context: FieldContext, value: unknown, path: string, rule: NumberRule = {}): number {
  const min = rule.min ?? -Infinity;
  const max = rule.max ?? Infinity;
  const kind = rule.integer === true ? 'a whole number' : 'a number';
  const range = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` of at least ${min}` : max < Infinity ? ` of at most ${max}` : '';
  if (typeof value !== 'number' || !Number.isFinite(value) || (rule.integer === true && !Number.isSafeInteger(value)) || value < min || value > max) {
    throw fieldError(context, path, `must be ${kind}${range}`, value);
  }
  return value;
}

export function readBoolean(context: FieldContext, value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw fieldError(context, path, 'must be true or false', value);
  return value;
}

/** An http: or https: URL without query or fragment; returned without a trailing slash. */
export function readHttpUrl(context: FieldContext, value: unknown, path: string): string {
  const text = typeof value === 'string' ? value : '';
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw fieldError(context, path, 'must be an http(s) URL without query, fragment or credentials', value);
  }
  return text.replace(/\/+$/, '');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
