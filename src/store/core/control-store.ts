import type {
  ApiKeyRecord,
  Limits,
  ModelDefinition,
  PayloadRecord,
  QuotaAdjustment,
  QuotaLeaseRequest,
  QuotaLeaseResult,
  TeamRecord,
  UsageAggregate,
  UsageQuery,
  UsageRecord,
} from './control-records.ts';

export type * from './control-records.ts';

/**
 * Teams, keys and admin-added models. Every change appends an audit entry in the same
 * transaction and bumps the revision, which running gateways poll to pick the change up.
 */
export interface TenantStore {
  /** Bumped by every change to teams, keys and models, in any process. */
  revision(): Promise<number>;
  createTeam(team: { name: string; limits: Limits; logPayloads: boolean }, actor: string): Promise<TeamRecord>;
  /** Sets the given fields; `limits`, when given, replaces the team's limits as a whole (callers merge first). */
  updateTeam(name: string, patch: { limits?: Limits; logPayloads?: boolean }, actor: string): Promise<TeamRecord>;
  /** By id or by name. */
  getTeam(idOrName: string): Promise<TeamRecord | null>;
  listTeams(): Promise<TeamRecord[]>;
  createKey(key: Omit<ApiKeyRecord, 'id' | 'createdAt' | 'revokedAt'>, actor: string): Promise<ApiKeyRecord>;
  getKey(id: string): Promise<ApiKeyRecord | null>;
  listKeys(filter?: { teamId?: string; includeRevoked?: boolean }): Promise<ApiKeyRecord[]>;
  revokeKey(id: string, actor: string): Promise<ApiKeyRecord>;
  putModel(model: ModelDefinition, actor: string): Promise<void>;
  removeModel(name: string, actor: string): Promise<void>;
  listModels(): Promise<ModelDefinition[]>;
}

/**
 * The shared ledger behind exact quotas: grants of token/request budget per window and
 * concurrency slots, summed over every gateway process. The gateway calls it only to refill its
 * local lease slices, never once per request. When another writer holds the lock these fail at
 * once (store_error) instead of waiting; the gateway retries later.
 */
export interface QuotaLedger {
  /** Grants what it can of each request, after applying `adjustments`, in one transaction. */
  leaseQuota(requests: readonly QuotaLeaseRequest[], adjustments: readonly QuotaAdjustment[]): Promise<QuotaLeaseResult[]>;
  adjustQuota(adjustments: readonly QuotaAdjustment[]): Promise<void>;
  /** Sum of grants of one metric over buckets fromBucket.. (for headers and retry-after). */
  quotaCommitted(scope: string, metric: string, fromBucket: number): Promise<{ committed: number; oldestBucket: number | null }>;
  /** Takes up to `want` more concurrency slots for `holder` without the sum of live holders passing `limit`; returns what it holds now. */
  claimSlots(scope: string, holder: string, want: number, limit: number, nowMs: number, ttlMs: number): Promise<number>;
  /** Sets what `holder` holds (0 drops it) and renews its expiry. */
  setSlots(scope: string, holder: string, held: number, nowMs: number, ttlMs: number): Promise<void>;
}

/** Metered requests and opted-in payloads. */
export interface UsageStore {
  /** Writes metered requests (and opted-in payloads) with one audit entry naming the request ids and counts. */
  recordUsage(records: readonly UsageRecord[], payloads: readonly PayloadRecord[], actor: string): Promise<void>;
  queryUsage(query: UsageQuery): Promise<UsageAggregate[]>;
}

/** The control plane's tables; consumers take the slice they use (the quota limiter takes only `QuotaLedger`). */
export interface ControlStore extends TenantStore, QuotaLedger, UsageStore {
  close(): Promise<void>;
}
