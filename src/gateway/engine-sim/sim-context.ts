import type { FaultState } from './fault.ts';
import type { ModelMetrics } from './sim-metrics.ts';

/** The resolved options of one stand-in. */
export interface SimSettings {
  models: string[];
  tokensPerSecond: number;
  timeToFirstTokenMs: number;
  maxTokensDefault: number;
  embeddingDimensions: number;
  reportUsage: 'always' | 'when-asked' | 'never';
  apiKey: string | null;
}

/** A served model: its metrics and its name JSON-encoded once. */
export interface ModelEntry {
  metrics: ModelMetrics;
  nameJson: string;
}

/** Something in flight that close() must cancel (a timer, a held-open socket). */
export interface Cancellable {
  cancel(): void;
}

/** Everything one stand-in shares between its requests. */
export interface SimContext {
  settings: SimSettings;
  models: Map<string, ModelEntry>;
  metricsList: ModelMetrics[];
  faults: FaultState;
  active: Set<Cancellable>;
  counters: { requests: number; inFlight: number; aborted: number };
  closing: boolean;
  /** Random per instance, so ids from two stand-ins never collide. */
  idPrefix: string;
  sequence: number;
}

/** A vLLM-style id: prefix, then 32 hex digits unique within the process. */
export function nextId(context: SimContext, prefix: string): string {
  context.sequence++;
  return `${prefix}${context.idPrefix}${context.sequence.toString(16).padStart(16, '0')}`;
}
