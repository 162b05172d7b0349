import type { HealthCheckSettings } from './health-checker.ts';
import type { CircuitSettings } from './replica-pool.ts';

/** How the gateway treats engines: timeouts, retries, health checks, circuit breaking, limits. */
export interface GatewaySettings {
  timeouts: {
    /** TCP (and TLS) connect to a replica. */
    connectMs: number;
    /** From sending the request to the engine's response headers (a non-streamed answer comes only when it is complete). */
    firstByteMs: number;
    /** Between two chunks of a response. */
    idleMs: number;
    /** The whole request. */
    totalMs: number;
  };
  /** Further replicas tried after a connect error, a timeout or a 5xx, before the first byte reaches the client. */
  retries: number;
  healthCheck: HealthCheckSettings;
  circuit: CircuitSettings;
  /** Largest request body. */
  maxBodyBytes: number;
  /** Deepest nesting of objects and arrays in a request body; deeper is refused with 400 before admission. */
  maxJsonDepth: number;
  /** Request bodies gathered across all connections at once (the fast path); over it a request is refused with 503. */
  maxBufferedBodyBytes: number;
  /** How often metered usage is written to the store. */
  usageFlushMs: number;
  /** How often the store is polled for changed keys, teams and models. */
  refreshMs: number;
}

export const DEFAULT_GATEWAY_SETTINGS: GatewaySettings = {
  timeouts: { connectMs: 3_000, firstByteMs: 300_000, idleMs: 60_000, totalMs: 900_000 },
  retries: 2,
  healthCheck: { intervalMs: 5_000, timeoutMs: 2_000, path: null },
  circuit: { failureThreshold: 3, cooldownMs: 5_000 },
  maxBodyBytes: 16 * 1024 * 1024,
  maxJsonDepth: 64,
  maxBufferedBodyBytes: 256 * 1024 * 1024,
  usageFlushMs: 1_000,
  refreshMs: 1_000,
};

/** The defaults with `overrides` applied, one level deep. */
export function resolveGatewaySettings(overrides: DeepPartial<GatewaySettings> = {}): GatewaySettings {
  const base = DEFAULT_GATEWAY_SETTINGS;
  return {
    timeouts: { ...base.timeouts, ...overrides.timeouts },
    retries: overrides.retries ?? base.retries,
    healthCheck: { ...base.healthCheck, ...overrides.healthCheck },
    circuit: { ...base.circuit, ...overrides.circuit },
    maxBodyBytes: overrides.maxBodyBytes ?? base.maxBodyBytes,
    maxJsonDepth: overrides.maxJsonDepth ?? base.maxJsonDepth,
    maxBufferedBodyBytes: overrides.maxBufferedBodyBytes ?? base.maxBufferedBodyBytes,
    usageFlushMs: overrides.usageFlushMs ?? base.usageFlushMs,
    refreshMs: overrides.refreshMs ?? base.refreshMs,
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? { [J in keyof T[K]]?: T[K][J] } : T[K] };
