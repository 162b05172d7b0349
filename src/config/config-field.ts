import { resolve } from 'node:path';
import { CONFIG_FIELDS, fieldError, readBoolean, readNumber, readString } from '../control/read-fields.ts';
import { FabrikError, type ErrorCode } from '../shared/errors.ts';

/** Where a setting's value came from, lowest precedence first. */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

/** What a reader needs besides the value: where relative paths start, and the environment (for apiKeyEnv). */
export interface ReadContext {
  /** The config file's folder for file values; the working directory for environment and flags. */
  baseDir: string;
  environment: NodeJS.ProcessEnv;
}

/** A flag's raw value as parseArgs gives it. */
export type FlagValue = string | boolean | string[];

/** How one kind of value is read and checked, from a file or from text (an environment variable, a flag). */
export interface FieldType<T> {
  /** The YAML type shown in docs/config.md. */
  kind: string;
  /** The rule as errors and docs state it: "must be a whole number from 1 to 256". */
  rule: string;
  /** Reads a parsed YAML/JSON value; errors name `path`. */
  fromValue(value: unknown, path: string, context: ReadContext): T;
  /** Reads environment or flag text; errors name `name` (FABRIK_WORKERS, --port) with `code`. */
  fromText(raw: string, name: string, code: ErrorCode, context: ReadContext): T;
}

/** One setting, described once: its file path, type and rule, default, variable, flag and doc line. */
export interface ConfigField<T = unknown> {
  /** The path in the file: `gateway.retries`. */
  path: string;
  type: FieldType<T>;
  default: () => T;
  /** The default as docs show it, where it is computed (`number of CPU cores`). */
  defaultText?: string;
  env?: string;
  /** The command-line option, without `--`. */
  flag?: string;
  /** A boolean option that sets the field to false (`--metrics-public` for server.metricsAuth). */
  negatedFlag?: string;
  /** How a flag's value combines with the value below it, where it does not simply replace it (repeatable --model). */
  fromFlag?: (raw: FlagValue, lower: T, context: ReadContext) => T;
  /** Masked by `fabrik config show`. */
  secret?: (value: T) => unknown;
  doc: string;
}

/** The error for environment or flag text that breaks the rule. */
export function textError(code: ErrorCode, name: string, rule: string, raw: string): FabrikError {
  return new FabrikError(code, `${name} ${rule}; got ${JSON.stringify(raw)}`, { param: name.replace(/^--/, '') });
}

/**
 * A whole number. Text may group digits with `_` (`1_000`), and so may a file: YAML 1.2 reads
 * `1_000` as a string, but files written for fabrik's earlier YAML reader use it.
 */
export function integerType(min: number, max: number): FieldType<number> {
  const rule = `must be a whole number from ${min} to ${max}`;
  const fromText = (raw: string, name: string, code: ErrorCode): number => {
    const value = Number(raw.trim().replaceAll('_', ''));
    if (!/^\s*-?\d+(?:_\d+)*\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) throw textError(code, name, rule, raw);
    return value + 0; // "-0" reads as -0; + 0 makes it 0
  };
  return {
    kind: 'integer',
    rule,
    fromValue: (value, path) => {
      if (typeof value === 'string' && /^-?\d+(?:_\d+)+$/.test(value)) return fromText(value, path, 'invalid_config');
      return readNumber(CONFIG_FIELDS, value, path, { min, max, integer: true });
    },
    fromText,
  };
}

export const booleanType: FieldType<boolean> = {
  kind: 'boolean',
  rule: 'must be true or false',
  fromValue: (value, path) => readBoolean(CONFIG_FIELDS, value, path),
  fromText: (raw, name, code) => {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw textError(code, name, 'must be true or false', raw);
  },
};

/** A non-empty string, optionally matching a pattern. */
export function stringType(pattern?: RegExp, description?: string): FieldType<string> {
  const rule = description ?? 'must be a non-empty string';
  const check = (value: string, name: string, code: ErrorCode): string => {
    if (value === '' || (pattern !== undefined && !pattern.test(value))) throw textError(code, name, rule, value);
    return value;
  };
  return {
    kind: 'string',
    rule,
    fromValue: (value, path) => readString(CONFIG_FIELDS, value, path, pattern === undefined ? undefined : { pattern, description: rule }),
    fromText: check,
  };
}

/** A file or folder; a relative path is resolved against the config file's folder, or the working directory for text. */
export const pathType: FieldType<string> = {
  kind: 'path',
  rule: 'must be a non-empty path',
  fromValue: (value, path, context) => resolve(context.baseDir, readString(CONFIG_FIELDS, value, path)),
  fromText: (raw, name, code, context) => {
    if (raw.trim() === '') throw textError(code, name, 'must be a non-empty path', raw);
    return resolve(context.baseDir, raw);
  },
};

/** `type`, or null (YAML `null`/`~`): the field's default null means "not set". */
export function nullable<T>(type: FieldType<T>): FieldType<T | null> {
  return {
    kind: `${type.kind} or null`,
    rule: `${type.rule}, or null`,
    fromValue: (value, path, context) => (value === null ? null : type.fromValue(value, path, context)),
    fromText: (raw, name, code, context) => type.fromText(raw, name, code, context),
  };
}

/** A PostgreSQL connection URL (`postgres://user:password@host:5432/db`); the password is a secret. */
export const databaseUrlType: FieldType<string> = {
  kind: 'url',
  rule: 'must be a postgres:// or postgresql:// URL',
  fromValue: (value, path) => {
    if (typeof value !== 'string' || !isDatabaseUrl(value)) throw fieldError(CONFIG_FIELDS, path, databaseUrlType.rule, maskUrlPassword(value));
    return value;
  },
  fromText: (raw, name, code) => {
    if (!isDatabaseUrl(raw)) throw textError(code, name, databaseUrlType.rule, String(maskUrlPassword(raw)));
    return raw;
  },
};

function isDatabaseUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.host !== '';
  } catch {
    return false;
  }
}

/** A URL with its password replaced by `***`, so that errors and `config show` never print it. */
export function maskUrlPassword(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '***';
    return url.href;
  } catch {
    // Not a URL: mask whatever sits between "user:" and "@", the usual place of a password.
    return value.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}
