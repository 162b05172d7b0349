import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { CONFIG_FIELDS, fieldPath, readArray } from '../control/read-fields.ts';
import { DEFAULT_GATEWAY_SETTINGS } from '../gateway/core/gateway-settings.ts';
import { mergeModels, parseModelOption } from '../gateway/config/parse-model-option.ts';
import { checkModelNames, parseModelDefinition, type ModelDefinition } from '../gateway/core/model-definition.ts';
import { booleanType, databaseUrlType, integerType, maskUrlPassword, nullable, pathType, stringType, type ConfigField, type FieldType, type FlagValue } from './config-field.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8400;

const MILLISECONDS = integerType(1, 86_400_000);

const modelsType: FieldType<ModelDefinition[]> = {
  kind: 'list of models',
  rule: 'must be a list of models (see docs/gateway.md)',
  fromValue: (value, path, context) => {
    const models = readArray(CONFIG_FIELDS, value, path).map((model, index) => parseModelDefinition(CONFIG_FIELDS, model, fieldPath(path, index), context.environment));
    checkModelNames(CONFIG_FIELDS, models, path);
    return models;
  },
  fromText: () => {
    throw new Error('programming error: models are read from a file or --model, never from one line of text');
  },
};

function modelsFromFlag(raw: FlagValue, lower: ModelDefinition[]): ModelDefinition[] {
  const options = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return mergeModels(lower, options.map(parseModelOption));
}

function maskModels(models: ModelDefinition[]): unknown {
  return models.map((model) => ({ ...model, replicas: model.replicas.map((replica) => (replica.apiKey === undefined ? replica : { ...replica, apiKey: '***' })) }));
}

const gateway = DEFAULT_GATEWAY_SETTINGS;

/** A typed field, stored in the schema's list of fields of every type. */
function field<T>(definition: ConfigField<T>): ConfigField {
  return definition as unknown as ConfigField;
}

/**
 * Every setting fabrik reads, once. The loader merges defaults < file < environment < flags by
 * this list, the file's unknown keys are refused by it, and docs/config.md's table is made from it.
 */
export const CONFIG_SCHEMA: readonly ConfigField[] = [
  field({ path: 'home', type: pathType, default: () => resolve('.fabrik'), defaultText: './.fabrik', env: 'FABRIK_HOME', doc: 'Where data lives: the SQLite store, blobs, keys, exports.' }),
  field({ path: 'database.url', type: nullable(databaseUrlType), default: () => null, env: 'FABRIK_DATABASE_URL', secret: maskUrlPassword, doc: 'A PostgreSQL database for metadata instead of the embedded SQLite file in home (null: embedded). The password is masked wherever fabrik prints it.' }),
  field({ path: 'workers', type: integerType(1, 256), default: () => Math.max(1, availableParallelism()), defaultText: 'number of CPU cores', env: 'FABRIK_WORKERS', flag: 'workers', doc: 'Parser worker threads (`ingest --workers`).' }),
  field({ path: 'parse.timeoutMs', type: integerType(100, 3_600_000), default: () => 30_000, env: 'FABRIK_PARSE_TIMEOUT_MS', flag: 'timeout', doc: 'Wall-clock limit for parsing one file, in ms (`ingest --timeout`).' }),
  field({ path: 'parse.memoryMb', type: integerType(64, 65_536), default: () => 1024, env: 'FABRIK_PARSE_MEMORY_MB', flag: 'memory', doc: 'Heap limit of a parser thread, in MiB (`ingest --memory`).' }),
  field({ path: 'parse.maxFileBytes', type: integerType(1, 2 ** 40), default: () => 256 * 1024 * 1024, env: 'FABRIK_MAX_FILE_BYTES', flag: 'max-file-size', doc: 'Largest input file, in bytes (`ingest --max-file-size`).' }),
  field({ path: 'audit.checkpointEvery', type: integerType(1, 10_000_000), default: () => 1000, env: 'FABRIK_CHECKPOINT_EVERY', doc: 'Audit entries between two signed checkpoints.' }),

  field({ path: 'server.host', type: stringType(), default: () => DEFAULT_HOST, flag: 'host', doc: 'Address `fabrik serve` listens on.' }),
  field({ path: 'server.port', type: integerType(0, 65_535), default: () => DEFAULT_PORT, flag: 'port', doc: 'Port `fabrik serve` listens on; 0 picks a free one.' }),
  field({ path: 'server.tls.cert', type: nullable(pathType), default: () => null, flag: 'tls-cert', doc: 'PEM certificate chain: serve HTTPS (with server.tls.key).' }),
  field({ path: 'server.tls.key', type: nullable(pathType), default: () => null, flag: 'tls-key', doc: 'PEM private key for server.tls.cert.' }),
  field({ path: 'server.metricsAuth', type: booleanType, default: () => true, flag: 'metrics-auth', negatedFlag: 'metrics-public', doc: 'GET /metrics needs an admin key; false opens it (`--metrics-public`).' }),
  field({ path: 'server.maxConnections', type: integerType(1, 1_000_000), default: () => 10_000, flag: 'max-connections', doc: 'Client connections open at once; more are closed as they arrive.' }),
  field({ path: 'server.headTimeoutMs', type: integerType(100, 300_000), default: () => 10_000, flag: 'head-timeout', doc: 'Time a request head (and a new connection\'s first) may take to arrive, else 408.' }),

  field({ path: 'gateway.timeouts.connectMs', type: MILLISECONDS, default: () => gateway.timeouts.connectMs, doc: 'TCP (and TLS) connect to a replica.' }),
  field({ path: 'gateway.timeouts.firstByteMs', type: MILLISECONDS, default: () => gateway.timeouts.firstByteMs, doc: 'From sending a request to the engine\'s response headers.' }),
  field({ path: 'gateway.timeouts.idleMs', type: MILLISECONDS, default: () => gateway.timeouts.idleMs, doc: 'Between two chunks of a response.' }),
  field({ path: 'gateway.timeouts.totalMs', type: MILLISECONDS, default: () => gateway.timeouts.totalMs, doc: 'The whole request.' }),
  field({ path: 'gateway.retries', type: integerType(0, 10), default: () => gateway.retries, doc: 'Further replicas tried after a connect error, a timeout or a 5xx, before the first byte reaches the client.' }),
  field({ path: 'gateway.healthCheck.intervalMs', type: integerType(100, 3_600_000), default: () => gateway.healthCheck.intervalMs, doc: 'Time between two health checks of a replica.' }),
  field({ path: 'gateway.healthCheck.timeoutMs', type: MILLISECONDS, default: () => gateway.healthCheck.timeoutMs, doc: 'Time a health check may take.' }),
  field({ path: 'gateway.healthCheck.path', type: nullable(stringType(/^\/\S*$/, 'must be a path starting with /')), default: () => gateway.healthCheck.path, doc: 'Path checked on each replica; null: /health, then /v1/models.' }),
  field({ path: 'gateway.circuit.failureThreshold', type: integerType(1, 1000), default: () => gateway.circuit.failureThreshold, doc: 'Failures in a row that open a replica\'s circuit.' }),
  field({ path: 'gateway.circuit.cooldownMs', type: MILLISECONDS, default: () => gateway.circuit.cooldownMs, doc: 'Time an open circuit waits before one trial request.' }),
  field({ path: 'gateway.maxBodyBytes', type: integerType(1024, 1024 ** 3), default: () => gateway.maxBodyBytes, doc: 'Largest request body.' }),
  field({ path: 'gateway.maxJsonDepth', type: integerType(2, 10_000), default: () => gateway.maxJsonDepth, doc: 'Deepest nesting of a request body; deeper is refused with 400.' }),
  field({ path: 'gateway.maxBufferedBodyBytes', type: integerType(1024, 64 * 1024 ** 3), default: () => gateway.maxBufferedBodyBytes, doc: 'Request bodies gathered across all connections at once; over it a request is refused with 503.' }),
  field({ path: 'gateway.usageFlushMs', type: integerType(10, 60_000), default: () => gateway.usageFlushMs, doc: 'How often metered usage is written to the store.' }),
  field({ path: 'gateway.refreshMs', type: integerType(50, 600_000), default: () => gateway.refreshMs, doc: 'How often the store is polled for changed keys, teams and models.' }),

  field({ path: 'models', type: modelsType, default: () => [], flag: 'model', fromFlag: modelsFromFlag, secret: maskModels, doc: 'Models and their replicas, prices and limits (docs/gateway.md); `--model NAME=URL[,URL…]` adds one or replaces one of the same name.' }),
];
