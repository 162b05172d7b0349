import type { GatewaySettings } from '../gateway/core/gateway-settings.ts';
import type { ModelDefinition } from '../gateway/core/model-definition.ts';

/** Limits and places that every command shares. */
export interface FabrikConfig {
  /** Where data lives: the SQLite store, blobs, keys, exports. */
  home: string;
  /** A PostgreSQL URL for metadata; null: the embedded SQLite file in home. */
  databaseUrl: string | null;
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

/** What `fabrik serve` runs with: where to listen, how to treat engines, which models. */
export interface ServeConfig {
  /** metricsAuth: GET /metrics needs an admin key (default true; false opens it). */
  server: {
    host: string;
    port: number;
    /** Paths of the PEM files, resolved; null: plain HTTP. */
    tls: { cert: string; key: string } | null;
    metricsAuth: boolean;
    maxConnections: number;
    headTimeoutMs: number;
  };
  gateway: GatewaySettings;
  models: ModelDefinition[];
}
