import type { ApiKeyRecord, ControlStore, TeamRecord } from '../store/core/control-store.ts';
import { FabrikError } from '../shared/errors.ts';
import { hashApiKey } from './api-keys.ts';
import type { Limits } from './limits.ts';

/** Who is calling: the key, its team, and what the key may do. */
export interface Principal {
  key: ApiKeyRecord;
  team: TeamRecord | null;
  /** Null when the key may call every model. */
  models: ReadonlySet<string> | null;
  expiresAtMs: number | null;
  /** The quota scopes that have limits (team first, then key), computed once per load. */
  quotaScopes: ReadonlyArray<{ scope: string; limits: Limits }>;
}

/** Most distinct Authorization headers remembered (a bound against a flood of random keys). */
const HEADER_CACHE_LIMIT = 10_000;

/**
 * The keys and teams of the store, held in memory so a request authenticates with one SHA-256
 * and one Map lookup. `refresh` reloads them when the store's revision moved (a change made by
 * this process, another gateway or the CLI).
 */
export interface KeyDirectory {
  /** The principal for an `Authorization: Bearer fk-…` header (or a bare key); throws authentication_failed. */
  authenticate(authorization: string | undefined, now?: number): Principal;
  team(id: string): TeamRecord | undefined;
  /** Reloads when the store changed since the last load; returns true when it did. */
  refresh(): boolean;
  readonly size: number;
}

export function createKeyDirectory(store: ControlStore): KeyDirectory {
  let revision = -1;
  let byHash = new Map<string, Principal>();
  // Header → principal, so a known key costs a Map lookup instead of a SHA-256; emptied on every reload.
  let byHeader = new Map<string, Principal>();
  let teams = new Map<string, TeamRecord>();

  const load = (): void => {
    revision = store.revision();
    teams = new Map(store.listTeams().map((team) => [team.id, team]));
    byHash = new Map();
    byHeader = new Map();
    for (const key of store.listKeys()) {
      const team = key.teamId === null ? null : teams.get(key.teamId) ?? null;
      const quotaScopes: Array<{ scope: string; limits: Limits }> = [];
      if (team !== null && Object.keys(team.limits).length > 0) quotaScopes.push({ scope: `team:${team.id}`, limits: team.limits });
      if (Object.keys(key.limits).length > 0) quotaScopes.push({ scope: `key:${key.id}`, limits: key.limits });
      byHash.set(key.hash, {
        key,
        team,
        models: key.models === null ? null : new Set(key.models),
        expiresAtMs: key.expiresAt === null ? null : Date.parse(key.expiresAt),
        quotaScopes,
      });
    }
  };
  load();

  return {
    authenticate(authorization, now = Date.now()) {
      if (authorization === undefined || authorization === '') {
        throw new FabrikError('authentication_failed', 'no API key: send it as "Authorization: Bearer fk-…"', { param: 'authorization' });
      }
      let principal = byHeader.get(authorization);
      if (principal === undefined) {
        // The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer`, `BEARER` as well as `Bearer`.
        const secret = /^bearer /i.test(authorization) ? authorization.slice(7).trim() : authorization.trim();
        principal = byHash.get(hashApiKey(secret));
        if (principal !== undefined) {
          if (byHeader.size >= HEADER_CACHE_LIMIT) byHeader.clear();
          byHeader.set(authorization, principal);
        }
      }
      if (principal === undefined) throw new FabrikError('authentication_failed', 'the API key is not valid (unknown or revoked)', { param: 'authorization' });
      if (principal.expiresAtMs !== null && principal.expiresAtMs <= now) {
        throw new FabrikError('authentication_failed', `the API key ${principal.key.prefix}… expired at ${principal.key.expiresAt}`, { param: 'authorization' });
      }
      return principal;
    },
    team: (id) => teams.get(id),
    refresh() {
      if (store.revision() === revision) return false;
      load();
      return true;
    },
    get size() {
      return byHash.size;
    },
  };
}
