import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CONFIG_FIELDS, fieldPath, readObject, rejectUnknownKeys } from '../control/read-fields.ts';
import type { GatewaySettings } from '../gateway/core/gateway-settings.ts';
import type { ModelDefinition } from '../gateway/core/model-definition.ts';
import { FabrikError } from '../shared/errors.ts';
import type { ConfigSource, FlagValue, ReadContext } from './config-field.ts';
import { CONFIG_SCHEMA } from './config-schema.ts';
import type { FabrikConfig, ServeConfig } from './fabrik-config.ts';
import { parseConfigText } from './parse-config-text.ts';

export interface LoadConfigOptions {
  /** The file given with --config; without it, $FABRIK_CONFIG; without both, no file is read. */
  file?: string | undefined;
  environment?: NodeJS.ProcessEnv;
  /** A command's parsed options; those the schema names (--port, --model …) are read, the rest ignored. */
  flags?: Readonly<Record<string, FlagValue | undefined>>;
}

/** The merged configuration of every plane, with each setting's value and source by its path. */
export interface LoadedConfig {
  /** The config file read (absolute), or null. */
  file: string | null;
  fabrik: FabrikConfig;
  serve: ServeConfig;
  values: ReadonlyMap<string, unknown>;
  sources: ReadonlyMap<string, ConfigSource>;
}

/**
 * Reads the configuration: defaults < file < environment < flags, each value checked by the one
 * schema. Errors name the file and field path (`fabrik.yaml: gateway.retries must be …`), the
 * variable (`FABRIK_WORKERS must be …`) or the flag (`--port must be …`), and the rule.
 */
export function loadFabrikConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const environment = options.environment ?? process.env;
  const flags = options.flags ?? {};
  const fromFlag = options.file !== undefined && options.file !== '';
  const named = fromFlag ? options.file : nonEmpty(environment.FABRIK_CONFIG);
  const file = named === undefined ? null : resolve(named);
  const fileValues = file === null ? new Map<string, unknown>() : readConfigFile(file, fromFlag ? 'config' : 'FABRIK_CONFIG');
  const fileContext: ReadContext = { baseDir: file === null ? process.cwd() : dirname(file), environment };
  const textContext: ReadContext = { baseDir: process.cwd(), environment };

  const values = new Map<string, unknown>();
  const sources = new Map<string, ConfigSource>();
  for (const field of CONFIG_SCHEMA) {
    let value = field.default();
    let source: ConfigSource = 'default';
    if (fileValues.has(field.path)) {
      value = withFileName(file, () => field.type.fromValue(fileValues.get(field.path), field.path, fileContext));
      source = 'file';
    }
    const variable = field.env === undefined ? undefined : nonEmpty(environment[field.env]);
    if (field.env !== undefined && variable !== undefined) {
      value = field.type.fromText(variable, field.env, 'invalid_config', textContext);
      source = 'env';
    }
    const flag = field.flag === undefined ? undefined : flags[field.flag];
    const negated = field.negatedFlag === undefined ? undefined : flags[field.negatedFlag];
    if (flag === true && negated === true) throw new FabrikError('usage', `--${field.negatedFlag} and --${field.flag} contradict each other: give one`, { param: field.negatedFlag ?? null });
    if (negated === true) {
      value = false;
      source = 'flag';
    } else if (flag !== undefined && flag !== false && !(Array.isArray(flag) && flag.length === 0)) {
      if (field.fromFlag !== undefined) value = field.fromFlag(flag, value, textContext);
      else if (flag === true) value = true;
      else if (typeof flag === 'string') value = field.type.fromText(flag, `--${field.flag}`, 'invalid_option', textContext);
      else throw new Error(`programming error: --${field.flag} is repeatable but ${field.path} does not say how to combine its values`);
      source = 'flag';
    }
    values.set(field.path, value);
    sources.set(field.path, source);
  }
  checkTls(file, values, sources);
  return { file, fabrik: toFabrikConfig(values), serve: toServeConfig(values), values, sources };
}

/** The settings every command shares, from the environment (and the file $FABRIK_CONFIG names, if set). */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): FabrikConfig {
  return loadFabrikConfig({ environment }).fabrik;
}

/** Reads and parses a config file into its leaf values by field path; unknown keys are refused with their path. */
function readConfigFile(file: string, param: string): Map<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FabrikError('path_not_found', `${file}: the config file cannot be read: ${(error as Error).message}`, { param });
  }
  const parsed = parseConfigText(text, file) ?? {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new FabrikError('invalid_config', `${file}: must hold a mapping of settings (home, server, gateway, models …) at the top; got a ${Array.isArray(parsed) ? 'list' : typeof parsed}`, { param });
  const leaves = new Map<string, unknown>();
  withFileName(file, () => collectLeaves(parsed, '', leaves));
  return leaves;
}

const LEAF_PATHS = new Set(CONFIG_SCHEMA.map((field) => field.path));

/** The keys the schema allows directly under `prefix` ('' for the top level). */
function keysUnder(prefix: string): string[] {
  const start = prefix === '' ? '' : `${prefix}.`;
  const keys = CONFIG_SCHEMA.filter((field) => field.path.startsWith(start)).map((field) => field.path.slice(start.length).split('.')[0] ?? '');
  return [...new Set(keys)];
}

function collectLeaves(value: unknown, prefix: string, leaves: Map<string, unknown>): void {
  const object = readObject(CONFIG_FIELDS, value, prefix);
  rejectUnknownKeys(CONFIG_FIELDS, object, prefix, keysUnder(prefix));
  for (const [key, member] of Object.entries(object)) {
    const path = fieldPath(prefix, key);
    if (LEAF_PATHS.has(path)) leaves.set(path, member);
    // A section left empty (`gateway:` with nothing under it) reads as YAML null: all defaults.
    else if (member !== null) collectLeaves(member, path, leaves);
  }
}

/** Runs `read`, putting the file's name before the message of a file value's error. */
function withFileName<T>(file: string | null, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (file !== null && error instanceof FabrikError && error.code === 'invalid_config') throw new FabrikError('invalid_config', `${file}: ${error.message}`, { param: error.param });
    throw error;
  }
}

/** HTTPS needs a certificate and a key, from whichever sources. */
function checkTls(file: string | null, values: Map<string, unknown>, sources: Map<string, ConfigSource>): void {
  const cert = values.get('server.tls.cert');
  const key = values.get('server.tls.key');
  if ((cert === null) === (key === null)) return;
  const [given, missing] = cert === null ? ['server.tls.key', 'server.tls.cert'] : ['server.tls.cert', 'server.tls.key'];
  const source = sources.get(given);
  if (source === 'flag') throw new FabrikError('usage', 'HTTPS needs both --tls-cert and --tls-key', { param: missing === 'server.tls.cert' ? 'tls-cert' : 'tls-key' });
  throw new FabrikError('invalid_config', `${file === null ? '' : `${file}: `}${missing} must be set with ${given}: HTTPS needs both`, { param: missing });
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

// The two conversions below are the one place that reads values by path; the schema checked
// each value's type when it was read.
function toFabrikConfig(values: ReadonlyMap<string, unknown>): FabrikConfig {
  const get = <T>(path: string): T => values.get(path) as T;
  return {
    home: get('home'),
    databaseUrl: get('database.url'),
    workers: get('workers'),
    parseTimeoutMs: get('parse.timeoutMs'),
    parseMemoryMb: get('parse.memoryMb'),
    maxFileBytes: get('parse.maxFileBytes'),
    checkpointEvery: get('audit.checkpointEvery'),
  };
}

function toServeConfig(values: ReadonlyMap<string, unknown>): ServeConfig {
  const get = <T>(path: string): T => values.get(path) as T;
  const cert = get<string | null>('server.tls.cert');
  const key = get<string | null>('server.tls.key');
  const gateway: GatewaySettings = {
    timeouts: { connectMs: get('gateway.timeouts.connectMs'), firstByteMs: get('gateway.timeouts.firstByteMs'), idleMs: get('gateway.timeouts.idleMs'), totalMs: get('gateway.timeouts.totalMs') },
    retries: get('gateway.retries'),
    healthCheck: { intervalMs: get('gateway.healthCheck.intervalMs'), timeoutMs: get('gateway.healthCheck.timeoutMs'), path: get('gateway.healthCheck.path') },
    circuit: { failureThreshold: get('gateway.circuit.failureThreshold'), cooldownMs: get('gateway.circuit.cooldownMs') },
    maxBodyBytes: get('gateway.maxBodyBytes'),
    maxJsonDepth: get('gateway.maxJsonDepth'),
    maxBufferedBodyBytes: get('gateway.maxBufferedBodyBytes'),
    usageFlushMs: get('gateway.usageFlushMs'),
    refreshMs: get('gateway.refreshMs'),
  };
  return {
    server: {
      host: get('server.host'),
      port: get('server.port'),
      tls: cert === null || key === null ? null : { cert, key },
      metricsAuth: get('server.metricsAuth'),
      maxConnections: get('server.maxConnections'),
      headTimeoutMs: get('server.headTimeoutMs'),
    },
    gateway,
    models: get<ModelDefinition[]>('models'),
  };
}
