import { fieldError, fieldPath, readArray, readHttpUrl, readNumber, readObject, readString, rejectUnknownKeys, type FieldContext } from '../../control/read-fields.ts';

export type { ModelDefinition, ReplicaDefinition } from '../../store/core/control-records.ts';
import type { ModelDefinition, ReplicaDefinition } from '../../store/core/control-records.ts';

export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;
const NAME = { pattern: /^[A-Za-z0-9][\w.:/@+-]{0,199}$/, description: 'must be 1-200 letters, digits or ._:/@+- starting with a letter or digit' };
const MODEL_KEYS = ['name', 'aliases', 'upstreamModel', 'replicas', 'prices', 'maxOutputTokens'] as const;
const REPLICA_KEYS = ['url', 'apiKey', 'apiKeyEnv', 'weight', 'maxConcurrent'] as const;

/** Validates one model definition; errors name the field path (`models[2].replicas[0].url …`). */
export function parseModelDefinition(context: FieldContext, value: unknown, path: string, environment: NodeJS.ProcessEnv = process.env): ModelDefinition {
  const object = readObject(context, value, path);
  rejectUnknownKeys(context, object, path, MODEL_KEYS);
  const name = readString(context, object.name, fieldPath(path, 'name'), NAME);
  const aliases = object.aliases === undefined ? [] : readArray(context, object.aliases, fieldPath(path, 'aliases')).map((alias, index) => readString(context, alias, fieldPath(fieldPath(path, 'aliases'), index), NAME));
  const replicasPath = fieldPath(path, 'replicas');
  const replicaValues = readArray(context, object.replicas, replicasPath);
  if (replicaValues.length === 0) throw fieldError(context, replicasPath, 'must list at least one replica');
  const replicas = replicaValues.map((replica, index) => parseReplica(context, replica, fieldPath(replicasPath, index), environment));
  const seen = new Set<string>();
  replicas.forEach((replica, index) => {
    if (seen.has(replica.url)) throw fieldError(context, fieldPath(fieldPath(replicasPath, index), 'url'), 'repeats another replica of the model', replica.url);
    seen.add(replica.url);
  });
  let prices = { input: 0, output: 0 };
  if (object.prices !== undefined) {
    const pricesPath = fieldPath(path, 'prices');
    const pricesObject = readObject(context, object.prices, pricesPath);
    rejectUnknownKeys(context, pricesObject, pricesPath, ['input', 'output']);
    prices = {
      input: pricesObject.input === undefined ? 0 : readNumber(context, pricesObject.input, fieldPath(pricesPath, 'input'), { min: 0 }),
      output: pricesObject.output === undefined ? 0 : readNumber(context, pricesObject.output, fieldPath(pricesPath, 'output'), { min: 0 }),
    };
  }
  return {
    name,
    aliases,
    upstreamModel: object.upstreamModel === undefined ? name : readString(context, object.upstreamModel, fieldPath(path, 'upstreamModel')),
    replicas,
    prices,
    maxOutputTokens: object.maxOutputTokens === undefined ? DEFAULT_MAX_OUTPUT_TOKENS : readNumber(context, object.maxOutputTokens, fieldPath(path, 'maxOutputTokens'), { min: 1, max: 10_000_000, integer: true }),
  };
}

function parseReplica(context: FieldContext, value: unknown, path: string, environment: NodeJS.ProcessEnv): ReplicaDefinition {
  // A bare URL string is the short form of { url }.
  const object = typeof value === 'string' ? { url: value } : readObject(context, value, path);
  rejectUnknownKeys(context, object, path, REPLICA_KEYS);
  const replica: ReplicaDefinition = {
    url: normaliseReplicaUrl(readHttpUrl(context, object.url, fieldPath(path, 'url'))),
    weight: object.weight === undefined ? 1 : readNumber(context, object.weight, fieldPath(path, 'weight'), { min: 0.001, max: 1_000_000 }),
    maxConcurrent: object.maxConcurrent === undefined || object.maxConcurrent === null ? null : readNumber(context, object.maxConcurrent, fieldPath(path, 'maxConcurrent'), { min: 1, max: 1_000_000, integer: true }),
  };
  if (object.apiKey !== undefined) replica.apiKey = readString(context, object.apiKey, fieldPath(path, 'apiKey'));
  if (object.apiKeyEnv !== undefined) {
    const variable = readString(context, object.apiKeyEnv, fieldPath(path, 'apiKeyEnv'));
    const key = environment[variable];
    if (key === undefined || key === '') throw fieldError(context, fieldPath(path, 'apiKeyEnv'), `names the environment variable ${variable}, which is not set`);
    replica.apiKey = key;
  }
  return replica;
}

/**
 * A replica's base URL without one trailing `/v1`: the gateway appends `/v1/…` itself, and
 * `http://10.0.0.5:8000/v1` (how engines print their address) would otherwise become `/v1/v1/…`.
 */
export function normaliseReplicaUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** Checks that no name or alias is used twice across `models`; `path` names the list. */
export function checkModelNames(context: FieldContext, models: readonly ModelDefinition[], path: string): void {
  const owner = new Map<string, string>();
  models.forEach((model, index) => {
    for (const name of [model.name, ...model.aliases]) {
      const previous = owner.get(name);
      if (previous !== undefined) throw fieldError(context, fieldPath(path, index), `uses the name "${name}", already used by model "${previous}"`);
      owner.set(name, model.name);
    }
  });
}
