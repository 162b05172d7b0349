import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { CONFIG_FIELDS, fieldPath, readArray, readBoolean, readNumber, readObject, readString, rejectUnknownKeys } from '../../control/read-fields.ts';
import { FabrikError } from '../../shared/errors.ts';
import { checkModelNames, DEFAULT_MAX_OUTPUT_TOKENS, parseModelDefinition, type ModelDefinition } from '../core/model-definition.ts';
import { resolveGatewaySettings, type DeepPartial, type GatewaySettings } from '../core/gateway-settings.ts';
import { parseYaml } from './parse-yaml.ts';

/** What `fabrik serve` runs with: where to listen, how to treat engines, which models. */
export interface ServeConfig {
  /** metricsAuth: GET /metrics needs an admin key (default true; false opens it). */
  server: { host: string; port: number; tls: { cert: string; key: string } | null; metricsAuth: boolean };
  gateway: GatewaySettings;
  models: ModelDefinition[];
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8400;

/** Reads a JSON (.json) or YAML (.yaml, .yml, anything else) config file; errors name the file and the field. */
export function loadServeConfig(file: string, environment: NodeJS.ProcessEnv = process.env): ServeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FabrikError('path_not_found', `${file}: the config file cannot be read: ${(error as Error).message}`, { param: 'config' });
  }
  let value: unknown;
  if (extname(file).toLowerCase() === '.json') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new FabrikError('invalid_config', `${file}: is not valid JSON: ${(error as Error).message}`, { param: 'config' });
    }
  } else {
    value = parseYaml(text, file);
  }
  try {
    return parseServeConfig(value ?? {}, dirname(resolve(file)), environment);
  } catch (error) {
    if (error instanceof FabrikError && error.code === 'invalid_config') throw new FabrikError('invalid_config', `${file}: ${error.message}`, { param: error.param });
    throw error;
  }
}

/** Validates a parsed config; relative TLS paths are resolved against `baseDir`. */
export function parseServeConfig(value: unknown, baseDir: string, environment: NodeJS.ProcessEnv = process.env): ServeConfig {
  const context = CONFIG_FIELDS;
  const root = readObject(context, value, '');
  rejectUnknownKeys(context, root, '', ['server', 'gateway', 'models']);
  const server = root.server === undefined ? {} : readObject(context, root.server, 'server');
  rejectUnknownKeys(context, server, 'server', ['host', 'port', 'tls', 'metricsAuth']);
  let tls: ServeConfig['server']['tls'] = null;
  if (server.tls !== undefined && server.tls !== null) {
    const tlsObject = readObject(context, server.tls, 'server.tls');
    rejectUnknownKeys(context, tlsObject, 'server.tls', ['cert', 'key']);
    tls = { cert: resolve(baseDir, readString(context, tlsObject.cert, 'server.tls.cert')), key: resolve(baseDir, readString(context, tlsObject.key, 'server.tls.key')) };
  }
  const models = root.models === undefined ? [] : readArray(context, root.models, 'models').map((model, index) => parseModelDefinition(context, model, fieldPath('models', index), environment));
  checkModelNames(context, models, 'models');
  return {
    server: {
      host: server.host === undefined ? DEFAULT_HOST : readString(context, server.host, 'server.host'),
      port: server.port === undefined ? DEFAULT_PORT : readNumber(context, server.port, 'server.port', { min: 0, max: 65_535, integer: true }),
      tls,
      metricsAuth: server.metricsAuth === undefined ? true : readBoolean(context, server.metricsAuth, 'server.metricsAuth'),
    },
    gateway: parseGatewaySection(root.gateway),
    models,
  };
}

function parseGatewaySection(value: unknown): GatewaySettings {
  const context = CONFIG_FIELDS;
  if (value === undefined || value === null) return resolveGatewaySettings();
  const section = readObject(context, value, 'gateway');
  rejectUnknownKeys(context, section, 'gateway', ['timeouts', 'retries', 'healthCheck', 'circuit', 'maxBodyBytes', 'maxJsonDepth', 'maxBufferedBodyBytes', 'usageFlushMs', 'refreshMs']);
  const overrides: DeepPartial<GatewaySettings> = {};
  const milliseconds = { min: 1, max: 86_400_000, integer: true };
  const group = <K extends 'timeouts' | 'healthCheck' | 'circuit'>(name: K, keys: readonly string[]): Record<string, unknown> | undefined => {
    if (section[name] === undefined) return undefined;
    const object = readObject(context, section[name], fieldPath('gateway', name));
    rejectUnknownKeys(context, object, fieldPath('gateway', name), keys);
    return object;
  };
  const timeouts = group('timeouts', ['connectMs', 'firstByteMs', 'idleMs', 'totalMs']);
  if (timeouts !== undefined) {
    overrides.timeouts = {};
    for (const key of ['connectMs', 'firstByteMs', 'idleMs', 'totalMs'] as const) {
      if (timeouts[key] !== undefined) overrides.timeouts[key] = readNumber(context, timeouts[key], `gateway.timeouts.${key}`, milliseconds);
    }
  }
  const health = group('healthCheck', ['intervalMs', 'timeoutMs', 'path']);
  if (health !== undefined) {
    overrides.healthCheck = {};
    if (health.intervalMs !== undefined) overrides.healthCheck.intervalMs = readNumber(context, health.intervalMs, 'gateway.healthCheck.intervalMs', { min: 100, max: 3_600_000, integer: true });
    if (health.timeoutMs !== undefined) overrides.healthCheck.timeoutMs = readNumber(context, health.timeoutMs, 'gateway.healthCheck.timeoutMs', milliseconds);
    if (health.path !== undefined) overrides.healthCheck.path = health.path === null ? null : readString(context, health.path, 'gateway.healthCheck.path', { pattern: /^\/\S*$/, description: 'must be a path starting with /' });
  }
  const circuit = group('circuit', ['failureThreshold', 'cooldownMs']);
  if (circuit !== undefined) {
    overrides.circuit = {};
    if (circuit.failureThreshold !== undefined) overrides.circuit.failureThreshold = readNumber(context, circuit.failureThreshold, 'gateway.circuit.failureThreshold', { min: 1, max: 1000, integer: true });
    if (circuit.cooldownMs !== undefined) overrides.circuit.cooldownMs = readNumber(context, circuit.cooldownMs, 'gateway.circuit.cooldownMs', milliseconds);
  }
  if (section.retries !== undefined) overrides.retries = readNumber(context, section.retries, 'gateway.retries', { min: 0, max: 10, integer: true });
  if (section.maxBodyBytes !== undefined) overrides.maxBodyBytes = readNumber(context, section.maxBodyBytes, 'gateway.maxBodyBytes', { min: 1024, max: 1024 ** 3, integer: true });
  if (section.maxJsonDepth !== undefined) overrides.maxJsonDepth = readNumber(context, section.maxJsonDepth, 'gateway.maxJsonDepth', { min: 2, max: 10_000, integer: true });
  if (section.maxBufferedBodyBytes !== undefined) overrides.maxBufferedBodyBytes = readNumber(context, section.maxBufferedBodyBytes, 'gateway.maxBufferedBodyBytes', { min: 1024, max: 64 * 1024 ** 3, integer: true });
  if (section.usageFlushMs !== undefined) overrides.usageFlushMs = readNumber(context, section.usageFlushMs, 'gateway.usageFlushMs', { min: 10, max: 60_000, integer: true });
  if (section.refreshMs !== undefined) overrides.refreshMs = readNumber(context, section.refreshMs, 'gateway.refreshMs', { min: 50, max: 600_000, integer: true });
  return resolveGatewaySettings(overrides);
}

/** `--model NAME=URL[,URL…]`: a model with equal-weight replicas and no prices. */
export function parseModelOption(raw: string, index: number): ModelDefinition {
  const equals = raw.indexOf('=');
  const param = `--model[${index}]`;
  if (equals <= 0 || equals === raw.length - 1) throw new FabrikError('invalid_option', `--model must be NAME=URL[,URL…]; got ${JSON.stringify(raw)}`, { param: 'model' });
  const urls = raw.slice(equals + 1).split(',').map((url) => url.trim()).filter((url) => url !== '');
  try {
    return parseModelDefinition({ code: 'invalid_option' }, { name: raw.slice(0, equals).trim(), replicas: urls, maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS }, param);
  } catch (error) {
    if (error instanceof FabrikError) throw new FabrikError('invalid_option', error.message.replace(`${param}.`, '--model '), { param: 'model' });
    throw error;
  }
}

/** Config models and command-line models together; a name on the command line replaces the config's. */
export function mergeModels(config: readonly ModelDefinition[], flags: readonly ModelDefinition[]): ModelDefinition[] {
  const replaced = new Set(flags.map((model) => model.name));
  const merged = [...config.filter((model) => !replaced.has(model.name)), ...flags];
  checkModelNames({ code: 'invalid_option' }, merged, 'models');
  return merged;
}
