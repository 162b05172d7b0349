import { requestStatus } from './upstream.ts';
import type { ModelRegistry } from './model-registry.ts';
import type { Replica } from './replica-pool.ts';

export interface HealthCheckSettings {
  intervalMs: number;
  timeoutMs: number;
  /** The path to GET; null tries /health, then /v1/models when that is 404 (vLLM, SGLang and TGI have /health; Ollama and llama.cpp answer /v1/models). */
  path: string | null;
}

export interface HealthChecker {
  /** Checks every replica now; resolves when all answered or timed out. */
  checkNow(): Promise<void>;
  stop(): void;
}

/**
 * Active health checks: every replica URL is probed on an interval. A failed check takes the
 * replica out of rotation (a probe that times out while the replica has requests in flight does
 * not: it is busy, not gone); a passing one puts it back and turns an open circuit half-open, so
 * the next request probes it and a replica that came back receives traffic again.
 */
export function startHealthChecks(registry: ModelRegistry, settings: HealthCheckSettings): HealthChecker {
  let running: Promise<void> | null = null;
  const checkNow = (): Promise<void> => {
    if (running !== null) return running;
    const byUrl = new Map<string, Replica[]>();
    for (const replica of registry.replicas()) {
      const list = byUrl.get(replica.url);
      if (list === undefined) byUrl.set(replica.url, [replica]);
      else list.push(replica);
    }
    running = Promise.all([...byUrl.values()].map(async (replicas) => {
      const first = replicas[0] as Replica;
      let status = await probe(first, settings.path ?? '/health', settings.timeoutMs);
      if (status === 404 && settings.path === null) status = await probe(first, '/v1/models', settings.timeoutMs);
      // No answer in time from an engine that is busy with our requests: a saturated engine answers
      // its queue before the probe, so the verdict stands; a dead one fails those requests, and
      // the circuit breaker takes it out. A wrong answer (a 5xx from /health) always counts.
      if (status === 0 && replicas.some((replica) => replica.inFlight > 0)) return;
      const healthy = status >= 200 && status < 300;
      for (const replica of replicas) {
        replica.healthy = healthy;
        if (healthy && replica.circuit === 'open') {
          replica.circuit = 'half-open';
          replica.probing = false;
        }
      }
    })).then(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void checkNow(), settings.intervalMs);
  timer.unref();
  return { checkNow, stop: () => clearInterval(timer) };
}

/** The status of GET path on the replica, or 0 when it did not answer in time. */
function probe(replica: Replica, path: string, timeoutMs: number): Promise<number> {
  return requestStatus(replica.pool, replica.basePath + path, replica.authorization === undefined ? [] : [['authorization', replica.authorization]], timeoutMs);
}
