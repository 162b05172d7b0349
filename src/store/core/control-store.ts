import type { AuditLog } from '../../audit/audit-log.ts';
import type { Limits } from '../../control/limits.ts';
import type { ModelDefinition } from '../../gateway/core/model-definition.ts';

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

/**
 * The control plane's tables: teams, keys, admin-added models, quota leases and metered usage.
 * Every change to teams, keys and models appends an audit entry in the same transaction and bumps
 * the revision, which running gateways poll to pick the change up.
 */
export interface ControlStore {
  readonly audit: AuditLog;
  /** Bumped by every change to teams, keys and models, in any process. */
  revision(): number;
  createTeam(team: { name: string; limits: Limits; logPayloads: boolean }, actor: string): TeamRecord;
  updateTeam(name: string, patch: { limits?: Limits; logPayloads?: boolean }, actor: string): TeamRecord;
  /** By id or by name. */
  getTeam(idOrName: string): TeamRecord | null;
  listTeams(): TeamRecord[];
  createKey(key: Omit<ApiKeyRecord, 'id' | 'createdAt' | 'revokedAt'>, actor: string): ApiKeyRecord;
  getKey(id: string): ApiKeyRecord | null;
  listKeys(filter?: { teamId?: string; includeRevoked?: boolean }): ApiKeyRecord[];
  revokeKey(id: string, actor: string): ApiKeyRecord;
  putModel(model: ModelDefinition, actor: string): void;
  removeModel(name: string, actor: string): void;
  listModels(): ModelDefinition[];
  // The gateway's writes (leases, slots, usage) run on its event loop: when another writer holds
  // the lock they throw at once (store_error) instead of waiting; the gateway retries later.
  /** Grants what it can of each request, after applying `adjustments`, in one transaction. */
  leaseQuota(requests: readonly QuotaLeaseRequest[], adjustments: readonly QuotaAdjustment[]): QuotaLeaseResult[];
  adjustQuota(adjustments: readonly QuotaAdjustment[]): void;
  /** Sum of grants of one metric over buckets fromBucket.. (for headers and retry-after). */
  quotaCommitted(scope: string, metric: string, fromBucket: number): { committed: number; oldestBucket: number | null };
  /** Takes up to `want` more concurrency slots for `holder` without the sum of live holders passing `limit`; returns what it holds now. */
  claimSlots(scope: string, holder: string, want: number, limit: number, nowMs: number, ttlMs: number): number;
  /** Sets what `holder` holds (0 drops it) and renews its expiry. */
  setSlots(scope: string, holder: string, held: number, nowMs: number, ttlMs: number): void;
  /** Writes metered requests (and opted-in payloads) with one audit entry naming the request ids and counts. */
  recordUsage(records: readonly UsageRecord[], payloads: readonly PayloadRecord[], actor: string): void;
  queryUsage(query: UsageQuery): UsageAggregate[];
  close(): void;
}
