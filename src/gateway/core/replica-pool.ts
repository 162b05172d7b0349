import { Pool, type Dispatcher } from 'undici';
import type { ModelDefinition, ReplicaDefinition } from './model-definition.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** A replica's live state: what balancing, the circuit breaker and /metrics read. */
export interface Replica {
  readonly model: string;
  readonly url: string;
  definition: ReplicaDefinition;
  /** The connection pool to the replica's origin (shared by every model the engine serves). */
  readonly dispatcher: Dispatcher;
  /** Prefixed to /v1/... (an engine mounted below a path). */
  readonly basePath: string;
  /** `Bearer <apiKey>` when the engine wants a key. */
  readonly authorization: string | undefined;
  inFlight: number;
  /** The last active health check's verdict (true until the first check). */
  healthy: boolean;
  circuit: CircuitState;
  consecutiveFailures: number;
  openedAt: number;
  /** A half-open circuit lets one request through at a time. */
  probing: boolean;
  requests: number;
  failures: number;
}

export interface CircuitSettings {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses before it lets a probe through. */
  cooldownMs: number;
}

/** A model with the replicas behind it. */
export interface ModelRoute {
  definition: ModelDefinition;
  replicas: Replica[];
  /** Rotates the tie-break so equal replicas share traffic. */
  next: number;
}

export type PickResult = { replica: Replica } | { replica: null; reason: 'unhealthy' | 'busy' };

/**
 * Weighted least outstanding requests: the replica with the fewest requests in flight per unit
 * of weight, among those that are healthy, not at their concurrency limit and whose circuit lets
 * a request through. `exclude` holds the replicas a retry already tried.
 */
export function pickReplica(route: ModelRoute, exclude: ReadonlySet<Replica> | null, now: number, circuit: CircuitSettings): PickResult {
  const replicas = route.replicas;
  const count = replicas.length;
  let best: Replica | null = null;
  let bestScore = Infinity;
  let busy = false;
  const start = route.next++ % count;
  for (let offset = 0; offset < count; offset += 1) {
    const replica = replicas[(start + offset) % count] as Replica;
    if (exclude !== null && exclude.has(replica)) continue;
    if (!replica.healthy) continue;
    if (replica.circuit === 'open') {
      if (now - replica.openedAt < circuit.cooldownMs) continue;
      replica.circuit = 'half-open';
      replica.probing = false;
    }
    if (replica.circuit === 'half-open' && replica.probing) continue;
    const limit = replica.definition.maxConcurrent;
    if (limit !== null && replica.inFlight >= limit) {
      busy = true;
      continue;
    }
    const score = (replica.inFlight + 1) / replica.definition.weight;
    if (score < bestScore) {
      best = replica;
      bestScore = score;
    }
  }
  if (best === null) return { replica: null, reason: busy ? 'busy' : 'unhealthy' };
  if (best.circuit === 'half-open') best.probing = true;
  return { replica: best };
}

/** A request to the replica worked: the circuit closes. */
export function recordSuccess(replica: Replica): void {
  replica.consecutiveFailures = 0;
  replica.circuit = 'closed';
  replica.probing = false;
}

/** A request to the replica failed (connect error, 5xx, timeout): enough in a row, or a failed probe, open the circuit. */
export function recordFailure(replica: Replica, now: number, circuit: CircuitSettings): void {
  replica.failures += 1;
  replica.consecutiveFailures += 1;
  if (replica.circuit === 'half-open' || replica.consecutiveFailures >= circuit.failureThreshold) {
    replica.circuit = 'open';
    replica.openedAt = now;
    replica.probing = false;
  }
}

/** A half-open probe that ended neither way (the client left) lets the next one through. */
export function releaseProbe(replica: Replica): void {
  replica.probing = false;
}

export function createReplica(model: string, definition: ReplicaDefinition, dispatcher: Dispatcher): Replica {
  return {
    model,
    url: definition.url,
    definition,
    dispatcher,
    basePath: new URL(definition.url).pathname.replace(/\/+$/, ''),
    authorization: definition.apiKey === undefined ? undefined : `Bearer ${definition.apiKey}`,
    inFlight: 0,
    healthy: true,
    circuit: 'closed',
    consecutiveFailures: 0,
    openedAt: 0,
    probing: false,
    requests: 0,
    failures: 0,
  };
}

/**
 * Connection pools to engines, one per origin, kept alive between requests. undici's dispatcher
 * costs about a third less CPU per request than node:http's client (measured: 99 against 152 µs
 * per proxied request, the server side included), and enforces the connect timeout itself.
 */
export interface UpstreamPools {
  poolFor(url: string): Dispatcher;
  /** Closes the pools of origins no longer used. */
  retain(urls: ReadonlySet<string>): void;
  close(): Promise<void>;
}

export function createUpstreamPools(options: { connectTimeoutMs: number }): UpstreamPools {
  const pools = new Map<string, Pool>();
  return {
    poolFor(url) {
      const origin = new URL(url).origin;
      let pool = pools.get(origin);
      if (pool === undefined) {
        pool = new Pool(origin, { connect: { timeout: options.connectTimeoutMs }, keepAliveTimeout: 30_000, pipelining: 1 });
        pools.set(origin, pool);
      }
      return pool;
    },
    retain(urls) {
      const origins = new Set([...urls].map((url) => new URL(url).origin));
      for (const [origin, pool] of pools) {
        if (origins.has(origin)) continue;
        pools.delete(origin);
        void pool.close().catch(() => {});
      }
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.destroy().catch(() => {})));
    },
  };
}
