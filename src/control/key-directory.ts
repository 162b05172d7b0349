import type { ApiKeyRecord, TeamRecord, TenantStore } from '../store/core/control-store.ts';
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
  /** Reloads when the store changed since the last load; resolves true when it did. Authentication never waits for it. */
  refresh(): Promise<boolean>;
  readonly size: number;
}

/** Loads the keys and teams of the store into a directory. */
export async function createKeyDirectory(store: TenantStore): Promise<KeyDirectory> {
  let revision = -1;
  let byHash = new Map<string, Principal>();
  // Header → principal, so a known key costs a Map lookup instead of a SHA-256; emptied on every reload.
  let byHeader = new Map<string, Principal>();
  let teams = new Map<string, TeamRecord>();

  // Loads run one after another, so a refresh asked for after a change always reads after it.
  let loading: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<boolean> => {
    const current = await store.revision();
    if (current === revision) return false;
    // Read everything first, then swap: authentication in between keeps using the previous load.
    const [teamList, keyList] = [await store.listTeams(), await store.listKeys()];
    const nextTeams = new Map(teamList.map((team) => [team.id, team]));
    const nextByHash = new Map<string, Principal>();
    for (const key of keyList) {
      const team = key.teamId === null ? null : nextTeams.get(key.teamId) ?? null;
      const quotaScopes: Array<{ scope: string; limits: Limits }> = [];
      if (team !== null && Object.keys(team.limits).length > 0) quotaScopes.push({ scope: `team:${team.id}`, limits: team.limits });
      if (Object.keys(key.limits).length > 0) quotaScopes.push({ scope: `key:${key.id}`, limits: key.limits });
      nextByHash.set(key.hash, {
        key,
        team,
        models: key.models === null ? null : new Set(key.models),
        expiresAtMs: key.expiresAt === null ? null : Date.parse(key.expiresAt),
        quotaScopes,
      });
    }
    revision = current;
    teams = nextTeams;
    byHash = nextByHash;
    byHeader = new Map();
    return true;
  };
  await load();

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
      const next = loading.then(load);
      loading = next.catch(() => undefined);
      return next;
    },
    get size() {
      return byHash.size;
    },
  };
}
