import type { TenantStore, UsageAggregate, UsageQuery, UsageStore } from '../store/core/control-store.ts';
import { FabrikError } from '../shared/errors.ts';

export interface UsageReportRow extends Omit<UsageAggregate, 'costMicros'> {
  totalTokens: number;
  /** In the currency of the model prices. */
  cost: number;
}

export interface UsageReport {
  since: string | null;
  until: string | null;
  groupBy: ReadonlyArray<'team' | 'key' | 'model'>;
  rows: UsageReportRow[];
  totals: { requests: number; errors: number; promptTokens: number; completionTokens: number; totalTokens: number; cost: number };
}

/** Metered usage aggregated for `fabrik usage` and GET /admin/usage; `team` may be a name or an id. */
export async function usageReport(store: Pick<TenantStore, 'getTeam'> & UsageStore, query: Omit<UsageQuery, 'teamId'> & { team?: string }): Promise<UsageReport> {
  let teamId: string | undefined;
  if (query.team !== undefined) {
    const team = await store.getTeam(query.team);
    if (team === null) throw new FabrikError('not_found', `team "${query.team}" does not exist`, { param: 'team' });
    teamId = team.id;
  }
  const groupBy = query.groupBy ?? ['team', 'model'];
  const aggregates = await store.queryUsage({
    ...(query.since === undefined ? {} : { since: query.since }),
    ...(query.until === undefined ? {} : { until: query.until }),
    ...(teamId === undefined ? {} : { teamId }),
    ...(query.keyId === undefined ? {} : { keyId: query.keyId }),
    ...(query.model === undefined ? {} : { model: query.model }),
    groupBy,
  });
  const rows = aggregates.map(({ costMicros, ...rest }) => ({ ...rest, totalTokens: rest.promptTokens + rest.completionTokens, cost: costMicros / 1_000_000 }));
  const totals = { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0 };
  for (const row of rows) {
    totals.requests += row.requests;
    totals.errors += row.errors;
    totals.promptTokens += row.promptTokens;
    totals.completionTokens += row.completionTokens;
    totals.totalTokens += row.totalTokens;
    totals.cost += row.cost;
  }
  totals.cost = Math.round(totals.cost * 1_000_000) / 1_000_000;
  return {
    since: query.since === undefined ? null : new Date(query.since).toISOString(),
    until: query.until === undefined ? null : new Date(query.until).toISOString(),
    groupBy,
    rows,
    totals,
  };
}
