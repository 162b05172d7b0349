import { FabrikError } from '../shared/errors.ts';
import type { TeamRecord, TenantStore } from '../store/core/control-store.ts';
import { checkTeamName } from './api-keys.ts';
import { mergeLimits, type Limits, type LimitsPatch } from './limits.ts';

/**
 * A change to a team, with one meaning for `fabrik team set` and `PATCH /admin/teams/{team}`:
 * each limit given is set, a limit given as null is removed, a limit left out is kept (a JSON
 * merge patch, RFC 7396, on `limits`); `logPayloads`, when given, replaces the setting.
 */
export interface TeamChange {
  limits?: LimitsPatch;
  logPayloads?: boolean;
}

/** Creates a team after checking its name; limits left out are unlimited. */
export async function createTeam(tenants: Pick<TenantStore, 'createTeam'>, team: { name: string; limits?: Limits; logPayloads?: boolean }, actor: string): Promise<TeamRecord> {
  return tenants.createTeam({ name: checkTeamName(team.name), limits: team.limits ?? {}, logPayloads: team.logPayloads ?? false }, actor);
}

/** Applies a TeamChange to the team named (or with the id) `team`. */
export async function changeTeam(tenants: Pick<TenantStore, 'getTeam' | 'updateTeam'>, team: string, change: TeamChange, actor: string): Promise<TeamRecord> {
  const current = await tenants.getTeam(team);
  if (current === null) throw new FabrikError('not_found', `team "${team}" does not exist`, { param: 'team' });
  return tenants.updateTeam(current.name, {
    ...(change.limits === undefined ? {} : { limits: mergeLimits(current.limits, change.limits) }),
    ...(change.logPayloads === undefined ? {} : { logPayloads: change.logPayloads }),
  }, actor);
}
