import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { FabrikError } from './errors.ts';

/** Limits and places that every command shares; each can be set by environment variable. */
export interface FabrikConfig {
  /** Where data lives: the SQLite store, blobs, keys, exports. */
  home: string;
  /** Parser worker threads. */
  workers: number;
  /** Wall-clock limit for parsing one file, in milliseconds. */
  parseTimeoutMs: number;
  /** Heap limit for a parser worker, in MiB. */
  parseMemoryMb: number;
  /** Largest input file in bytes. */
  maxFileBytes: number;
  /** Audit checkpoint interval in entries. */
  checkpointEvery: number;
}

interface Setting {
  env: string;
  key: Exclude<keyof FabrikConfig, 'home'>;
  min: number;
  max: number;
  fallback: () => number;
}

const SETTINGS: Setting[] = [
  { env: 'FABRIK_WORKERS', key: 'workers', min: 1, max: 256, fallback: () => Math.max(1, availableParallelism()) },
  { env: 'FABRIK_PARSE_TIMEOUT_MS', key: 'parseTimeoutMs', min: 100, max: 3_600_000, fallback: () => 30_000 },
  { env: 'FABRIK_PARSE_MEMORY_MB', key: 'parseMemoryMb', min: 64, max: 65_536, fallback: () => 1024 },
  { env: 'FABRIK_MAX_FILE_BYTES', key: 'maxFileBytes', min: 1, max: 2 ** 40, fallback: () => 256 * 1024 * 1024 },
  { env: 'FABRIK_CHECKPOINT_EVERY', key: 'checkpointEvery', min: 1, max: 10_000_000, fallback: () => 1000 },
];

/** Reads the configuration from the environment; a bad value is an error naming the variable and the rule. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): FabrikConfig {
  const config = { home: resolve(environment.FABRIK_HOME ?? '.fabrik') } as FabrikConfig;
  for (const setting of SETTINGS) {
    const raw = environment[setting.env];
    config[setting.key] = raw === undefined || raw === '' ? setting.fallback() : parseIntegerSetting(setting.env, raw, setting.min, setting.max);
  }
  return config;
}

/** Parses an integer option or variable, or throws an error naming it and the allowed range. */
export function parseIntegerSetting(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw.replaceAll('_', ''));
  if (!/^\s*-?[\d_]+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new FabrikError('invalid_config', `${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`, { param: name });
  }
  return value;
}
