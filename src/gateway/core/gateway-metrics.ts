import type { ModelRegistry } from './model-registry.ts';

/** What the gateway observes about one finished request. */
export interface RequestObservation {
  model: string;
  team: string;
  status: number;
  durationSeconds: number;
  ttftSeconds: number | null;
  promptTokens: number;
  completionTokens: number;
}

/** Prometheus counters and histograms kept in memory, per process; `render` writes the text format. */
export interface GatewayMetrics {
  observe(observation: RequestObservation): void;
  /** A retry or failover to another replica. */
  retried(model: string): void;
  inFlight(model: string, delta: number): void;
  render(registry: ModelRegistry): string;
}

// Seconds; the low end resolves the gateway's own overhead, the high end long generations.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TTFT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: Float64Array;
  sum: number;
  count: number;
}

/** Everything counted for one model and team (the hot path looks it up with two Map reads, no string building). */
interface TeamSeries {
  byStatus: Map<number, number>;
  prompt: number;
  completion: number;
}

interface ModelSeries {
  teams: Map<string, TeamSeries>;
  latency: Histogram;
  ttft: Histogram;
  inFlight: number;
  retries: number;
}

export function createGatewayMetrics(): GatewayMetrics {
  const models = new Map<string, ModelSeries>();
  const series = (model: string): ModelSeries => {
    let entry = models.get(model);
    if (entry === undefined) {
      entry = { teams: new Map(), latency: histogram(LATENCY_BUCKETS), ttft: histogram(TTFT_BUCKETS), inFlight: 0, retries: 0 };
      models.set(model, entry);
    }
    return entry;
  };

  return {
    observe(observation) {
      const entry = series(observation.model);
      let team = entry.teams.get(observation.team);
      if (team === undefined) {
        team = { byStatus: new Map(), prompt: 0, completion: 0 };
        entry.teams.set(observation.team, team);
      }
      team.byStatus.set(observation.status, (team.byStatus.get(observation.status) ?? 0) + 1);
      team.prompt += observation.promptTokens;
      team.completion += observation.completionTokens;
      add(entry.latency, LATENCY_BUCKETS, observation.durationSeconds);
      if (observation.ttftSeconds !== null) add(entry.ttft, TTFT_BUCKETS, observation.ttftSeconds);
    },
    retried(model) {
      series(model).retries += 1;
    },
    inFlight(model, delta) {
      series(model).inFlight += delta;
    },
    render(registry) {
      const lines: string[] = [];
      lines.push('# HELP fabrik_gateway_requests_total Requests answered by the gateway.', '# TYPE fabrik_gateway_requests_total counter');
      for (const [model, entry] of models) {
        for (const [team, counts] of entry.teams) {
          for (const [status, count] of counts.byStatus) lines.push(`fabrik_gateway_requests_total{model="${escape(model)}",team="${escape(team)}",status="${status}"} ${count}`);
        }
      }
      lines.push('# HELP fabrik_gateway_tokens_total Tokens metered, by kind.', '# TYPE fabrik_gateway_tokens_total counter');
      for (const [model, entry] of models) {
        for (const [team, counts] of entry.teams) {
          if (counts.prompt === 0 && counts.completion === 0) continue;
          lines.push(`fabrik_gateway_tokens_total{model="${escape(model)}",team="${escape(team)}",kind="prompt"} ${counts.prompt}`);
          lines.push(`fabrik_gateway_tokens_total{model="${escape(model)}",team="${escape(team)}",kind="completion"} ${counts.completion}`);
        }
      }
      renderHistogram(lines, 'fabrik_gateway_request_duration_seconds', 'Time from request to the last byte of the answer.', models, 'latency', LATENCY_BUCKETS);
      renderHistogram(lines, 'fabrik_gateway_time_to_first_token_seconds', 'Time from request to the first streamed event.', models, 'ttft', TTFT_BUCKETS);
      lines.push('# HELP fabrik_gateway_in_flight_requests Requests being answered now.', '# TYPE fabrik_gateway_in_flight_requests gauge');
      for (const [model, entry] of models) lines.push(`fabrik_gateway_in_flight_requests{model="${escape(model)}"} ${entry.inFlight}`);
      lines.push('# HELP fabrik_gateway_retries_total Requests retried on another replica before the first byte reached the client.', '# TYPE fabrik_gateway_retries_total counter');
      for (const [model, entry] of models) if (entry.retries > 0) lines.push(`fabrik_gateway_retries_total{model="${escape(model)}"} ${entry.retries}`);
      lines.push('# HELP fabrik_gateway_replica_healthy 1 when the replica passes health checks and its circuit is not open.', '# TYPE fabrik_gateway_replica_healthy gauge');
      const replicas = registry.replicas();
      for (const replica of replicas) lines.push(`fabrik_gateway_replica_healthy{model="${escape(replica.model)}",replica="${escape(replica.url)}",circuit="${replica.circuit}"} ${replica.healthy && replica.circuit !== 'open' ? 1 : 0}`);
      lines.push('# HELP fabrik_gateway_replica_in_flight_requests Requests in flight to the replica.', '# TYPE fabrik_gateway_replica_in_flight_requests gauge');
      for (const replica of replicas) lines.push(`fabrik_gateway_replica_in_flight_requests{model="${escape(replica.model)}",replica="${escape(replica.url)}"} ${replica.inFlight}`);
      lines.push('# HELP fabrik_gateway_replica_failures_total Failed attempts (connect errors, 5xx, timeouts) per replica.', '# TYPE fabrik_gateway_replica_failures_total counter');
      for (const replica of replicas) lines.push(`fabrik_gateway_replica_failures_total{model="${escape(replica.model)}",replica="${escape(replica.url)}"} ${replica.failures}`);
      const memory = process.memoryUsage();
      lines.push('# HELP process_resident_memory_bytes Resident memory of the process.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${memory.rss}`);
      lines.push('# HELP nodejs_heap_used_bytes V8 heap in use.', '# TYPE nodejs_heap_used_bytes gauge', `nodejs_heap_used_bytes ${memory.heapUsed}`);
      lines.push('# HELP nodejs_heap_total_bytes V8 heap reserved.', '# TYPE nodejs_heap_total_bytes gauge', `nodejs_heap_total_bytes ${memory.heapTotal}`);
      return `${lines.join('\n')}\n`;
    },
  };
}

function histogram(buckets: readonly number[]): Histogram {
  return { counts: new Float64Array(buckets.length), sum: 0, count: 0 };
}

function add(value: Histogram, buckets: readonly number[], seconds: number): void {
  value.sum += seconds;
  value.count += 1;
  for (let index = 0; index < buckets.length; index += 1) {
    if (seconds <= (buckets[index] as number)) {
      value.counts[index] = (value.counts[index] as number) + 1;
      return;
    }
  }
}

function renderHistogram(lines: string[], name: string, help: string, models: Map<string, ModelSeries>, which: 'latency' | 'ttft', buckets: readonly number[]): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const [model, entry] of models) {
    const value = entry[which];
    if (value.count === 0) continue;
    let cumulative = 0;
    buckets.forEach((bound, index) => {
      cumulative += value.counts[index] as number;
      lines.push(`${name}_bucket{model="${escape(model)}",le="${bound}"} ${cumulative}`);
    });
    lines.push(`${name}_bucket{model="${escape(model)}",le="+Inf"} ${value.count}`, `${name}_sum{model="${escape(model)}"} ${value.sum}`, `${name}_count{model="${escape(model)}"} ${value.count}`);
  }
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
