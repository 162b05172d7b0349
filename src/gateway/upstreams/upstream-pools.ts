import { DeadlineSweeper, sweepIntervalFor } from '../../shared/deadline-sweeper.ts';
import type { UpstreamPools } from '../core/upstream.ts';
import { UpstreamPool } from './upstream-pool.ts';

export type { UpstreamPools } from '../core/upstream.ts';

/** `shortestTimeoutMs`: the shortest timeout requests will use, which sets how often deadlines are checked. */
export function createUpstreamPools(options: { connectTimeoutMs: number; shortestTimeoutMs: number }): UpstreamPools {
  const pools = new Map<string, UpstreamPool>();
  const sweeper = new DeadlineSweeper(sweepIntervalFor(options.shortestTimeoutMs));
  return {
    poolFor(url) {
      const origin = new URL(url).origin;
      let pool = pools.get(origin);
      if (pool === undefined) {
        pool = new UpstreamPool(origin, { connectTimeoutMs: options.connectTimeoutMs, sweeper });
        pools.set(origin, pool);
      }
      return pool;
    },
    retain(urls) {
      const origins = new Set([...urls].map((url) => new URL(url).origin));
      for (const [origin, pool] of pools) {
        if (origins.has(origin)) continue;
        pools.delete(origin);
        pool.close();
      }
    },
    close() {
      for (const pool of pools.values()) pool.destroy();
      pools.clear();
    },
  };
}
