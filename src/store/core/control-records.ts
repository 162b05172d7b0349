/** What the control plane stores: teams, keys, models, usage, quota leases. */

/**
 * Quotas that apply to a team or a key; absent means unlimited. Tokens count prompt and
 * completion together. Minute limits slide over the last 60 seconds; day and month limits and
 * the budget follow the UTC calendar.
 */
export interface Limits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  tokensPerDay?: number;
  tokensPerMonth?: number;
  concurrentRequests?: number;
  /** Spend per UTC calendar month, in the currency of the model prices. */
  budgetPerMonth?: number;
}

/** One engine serving a model: vLLM, SGLang, TGI, llama.cpp's server, Ollama, NIM — anything OpenAI-compatible. */
export interface ReplicaDefinition {
  /** Base URL without the /v1 suffix, e.g. http://10.0.0.5:8000 (one trailing /v1 is removed when read). */
  url: string;
  /** Sent to the engine as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Share of traffic relative to the other replicas (least outstanding requests divided by weight). */
  weight: number;
  /** At most this many requests in flight to the replica; null for no limit. */
  maxConcurrent: number | null;
}

/** A model name clients use, the replicas behind it, and what its tokens cost. */
export interface ModelDefinition {
  name: string;
  aliases: string[];
  /** The name the engines know the model by (`model` is rewritten when it differs); default: name. */
  upstreamModel: string;
  replicas: ReplicaDefinition[];
  /** Prices per 1M tokens, in the currency budgets are set in. */
  prices: { input: number; output: number };
  /** Completion tokens reserved against quotas when a request sets no max_tokens. */
  maxOutputTokens: number;
}

/** A team: the unit keys, limits and usage belong to. */
export interface TeamRecord {
  id: string;
  name: string;
  limits: Limits;
  /** Keep prompts and responses of this team's requests (off by default). */
  logPayloads: boolean;
  createdAt: string;
  updatedAt: string;
}

export type KeyRole = 'user' | 'admin';

/** An API key as stored: never the secret, only its SHA-256 and its first characters. */
export interface ApiKeyRecord {
  id: string;
  /** Null for an admin key that belongs to no team. */
  teamId: string | null;
  name: string;
  /** The first characters of the secret, to recognise it in a list. */
  prefix: string;
  /** SHA-256 of the whole secret, lowercase hex. */
  hash: string;
  role: KeyRole;
  /** The model names (or aliases) the key may call; null for all. */
  models: string[] | null;
  limits: Limits;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** One metered request, as the gateway records it. Never a prompt. */
export interface UsageRecord {
  requestId: string;
  /** Milliseconds since the epoch when the request arrived. */
  time: number;
  teamId: string | null;
  keyId: string | null;
  model: string;
  replica: string | null;
  endpoint: string;
  status: number;
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Who counted the tokens: the engine's `usage`, or the gateway's tokenizer when the engine reported none. */
  tokensSource: 'engine' | 'gateway' | 'none';
  ttftMs: number | null;
  /** Mean time between streamed chunks after the first. */
  itlMs: number | null;
  durationMs: number;
  /** Cost in millionths of the price currency. */
  costMicros: number;
  stream: boolean;
}

/** A prompt and response, kept only for teams that opted in. */
export interface PayloadRecord {
  requestId: string;
  teamId: string | null;
  time: number;
  request: string;
  response: string;
}

export interface UsageQuery {
  /** Milliseconds since the epoch, inclusive. */
  since?: number;
  until?: number;
  teamId?: string;
  keyId?: string;
  model?: string;
  groupBy?: ReadonlyArray<'team' | 'key' | 'model'>;
}

export interface UsageAggregate {
  teamId: string | null;
  teamName: string | null;
  keyId: string | null;
  model: string | null;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costMicros: number;
  meanTtftMs: number | null;
  meanDurationMs: number;
}

/** Ask for up to `want` more of one quota window, keyed by scope, metric and bucket. */
export interface QuotaLeaseRequest {
  scope: string;
  metric: string;
  /** The bucket the grant is charged to (a second, a UTC day, a UTC month). */
  bucket: number;
  /** The window is buckets fromBucket..bucket inclusive; older buckets of minute metrics are pruned. */
  fromBucket: number;
  limit: number;
  want: number;
}

export interface QuotaLeaseResult {
  granted: number;
  /** Sum of grants in the window after this one, all processes together. */
  committed: number;
}

/** A correction to a past grant: negative returns unused budget, positive charges an overrun. */
export interface QuotaAdjustment {
  scope: string;
  metric: string;
  bucket: number;
  delta: number;
}

