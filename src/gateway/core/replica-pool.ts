import type { Upstream } from './upstream.ts';
import { normaliseReplicaUrl, type ModelDefinition, type ReplicaDefinition } from './model-definition.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** A replica's live state: what balancing, the circuit breaker and /metrics read. */
export interface Replica {
  readonly model: string;
  readonly url: string;
  definition: ReplicaDefinition;
  /** The connection pool to the replica's origin (shared by every model the engine serves). */
  readonly pool: Upstream;
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
  /** The last failure with its detail (URL, cause): for admins (GET /admin/models), never told to clients. */
  lastError: { at: string; message: string } | null;
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

export function createReplica(model: string, definition: ReplicaDefinition, pool: Upstream): Replica {
  // Stored before URLs were normalised, a definition may still end in /v1.
  const url = normaliseReplicaUrl(definition.url);
  return {
    model,
    url,
    definition,
    pool,
    basePath: new URL(url).pathname.replace(/\/+$/, ''),
    authorization: definition.apiKey === undefined ? undefined : `Bearer ${definition.apiKey}`,
    inFlight: 0,
    healthy: true,
    circuit: 'closed',
    consecutiveFailures: 0,
    openedAt: 0,
    probing: false,
    requests: 0,
    failures: 0,
    lastError: null,
  };
}
