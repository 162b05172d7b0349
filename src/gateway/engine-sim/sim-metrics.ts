/** vLLM's bucket bounds (vllm/v1/metrics/loggers.py), so dashboards built for vLLM read the stand-in unchanged. */
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

/** KV-cache size the usage gauge is measured against: about what an 8B model leaves free on a 24 GB GPU. */
export const KV_CACHE_TOKENS = 65_536;

/** A Prometheus histogram with fixed upper bounds. */
export class Histogram {
  readonly bounds: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let index = 0; index < this.bounds.length; index++) {
      if (value <= (this.bounds[index] as number)) {
        this.counts[index] = (this.counts[index] as number) + 1;
        return;
      }
    }
  }
}

/** The counters of one served model. */
export class ModelMetrics {
  readonly model: string;
  /** `engine="0",model_name="…"`, escaped once. */
  readonly labels: string;
  running = 0;
  promptTokens = 0;
  generationTokens = 0;
  /** Prompt plus generated tokens of the running requests: what their KV cache would hold. */
  cachedTokens = 0;
  finishedStop = 0;
  finishedLength = 0;
  finishedAbort = 0;
  readonly timeToFirstToken = new Histogram(TTFT_BUCKETS);
  readonly requestLatency = new Histogram(E2E_BUCKETS);

  constructor(model: string) {
    this.model = model;
    this.labels = `engine="0",model_name="${escapeLabel(model)}"`;
  }
}

/** Prometheus text exposition (format 0.0.4) of every model's metrics, named as vLLM names them. */
export function renderMetrics(models: readonly ModelMetrics[]): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: (metrics: ModelMetrics) => number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const metrics of models) lines.push(`${name}{${metrics.labels}} ${formatValue(value(metrics))}`);
  };
  const counter = (name: string, help: string, value: (metrics: ModelMetrics) => number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const metrics of models) lines.push(`${name}{${metrics.labels}} ${formatValue(value(metrics))}`);
  };
  const histogram = (name: string, help: string, value: (metrics: ModelMetrics) => Histogram): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    for (const metrics of models) {
      const histogram = value(metrics);
      let cumulative = 0;
      histogram.bounds.forEach((bound, index) => {
        cumulative += histogram.counts[index] as number;
        lines.push(`${name}_bucket{${metrics.labels},le="${formatValue(bound)}"} ${formatValue(cumulative)}`);
      });
      lines.push(`${name}_bucket{${metrics.labels},le="+Inf"} ${formatValue(histogram.count)}`);
      lines.push(`${name}_count{${metrics.labels}} ${formatValue(histogram.count)}`);
      lines.push(`${name}_sum{${metrics.labels}} ${formatValue(histogram.sum)}`);
    }
  };
  gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', (metrics) => metrics.running);
  gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', () => 0);
  gauge('vllm:gpu_cache_usage_perc', 'GPU KV-cache usage. 1 means 100 percent usage.', cacheUsage);
  // vLLM 0.10 renamed the gauge; scrapers written for either name find it.
  gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', cacheUsage);
  counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', (metrics) => metrics.promptTokens);
  counter('vllm:generation_tokens_total', 'Number of generation tokens processed.', (metrics) => metrics.generationTokens);
  lines.push('# HELP vllm:request_success_total Count of successfully processed requests.', '# TYPE vllm:request_success_total counter');
  for (const metrics of models) {
    lines.push(`vllm:request_success_total{${metrics.labels},finished_reason="stop"} ${formatValue(metrics.finishedStop)}`);
    lines.push(`vllm:request_success_total{${metrics.labels},finished_reason="length"} ${formatValue(metrics.finishedLength)}`);
    lines.push(`vllm:request_success_total{${metrics.labels},finished_reason="abort"} ${formatValue(metrics.finishedAbort)}`);
  }
  histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', (metrics) => metrics.timeToFirstToken);
  histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', (metrics) => metrics.requestLatency);
  return `${lines.join('\n')}\n`;
}

function cacheUsage(metrics: ModelMetrics): number {
  return Math.min(1, metrics.cachedTokens / KV_CACHE_TOKENS);
}

// Python's prometheus_client writes floats: 3 → "3.0".
function formatValue(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
