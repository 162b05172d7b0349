import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, KeyRole, TenantStore } from '../store/core/control-store.ts';
import { FabrikError } from '../shared/errors.ts';
import type { Limits } from './limits.ts';

/** Characters of the secret kept in the store to recognise a key in a list (`fk-AbCdEfG`). */
const PREFIX_LENGTH = 10;

/** SHA-256 of a key's secret, lowercase hex: all the store ever keeps of it. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface CreateApiKeyInput {
  /** Team id or name; null only for an admin key. */
  team: string | null;
  name?: string;
  role?: KeyRole;
  models?: string[] | null;
  limits?: Limits;
  /** Milliseconds since the epoch, or null for a key that does not expire. */
  expiresAt?: number | null;
}

/** Makes a key: 192 random bits shown once as `fk-…`, stored only as a hash. */
export async function createApiKey(store: TenantStore, input: CreateApiKeyInput, actor: string, now = Date.now()): Promise<{ key: ApiKeyRecord; secret: string }> {
  const role = input.role ?? 'user';
  let teamId: string | null = null;
  if (input.team !== null) {
    const team = await store.getTeam(input.team);
    if (team === null) throw new FabrikError('not_found', `team "${input.team}" does not exist; create it with \`fabrik team create ${input.team}\``, { param: 'team' });
    teamId = team.id;
  } else if (role !== 'admin') {
    throw new FabrikError('invalid_option', 'a key needs a team (--team); only an admin key (--admin) may have none', { param: 'team' });
  }
  if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt <= now) {
    throw new FabrikError('invalid_option', `expires must be in the future; got ${new Date(input.expiresAt).toISOString()}`, { param: 'expires' });
  }
  const secret = `fk-${randomBytes(24).toString('base64url')}`;
  const key = await store.createKey({
    teamId,
    name: input.name ?? (role === 'admin' ? 'admin' : 'default'),
    prefix: secret.slice(0, PREFIX_LENGTH),
    hash: hashApiKey(secret),
    role,
    models: input.models === undefined || input.models === null || input.models.length === 0 ? null : [...input.models],
    limits: input.limits ?? {},
    expiresAt: input.expiresAt === undefined || input.expiresAt === null ? null : new Date(input.expiresAt).toISOString(),
  }, actor);
  return { key, secret };
}

/** A team name: what `fabrik team create` accepts. */
export function checkTeamName(name: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name)) {
    throw new FabrikError('invalid_option', `team name must be 1-63 lowercase letters, digits or ._- starting with a letter or digit; got ${JSON.stringify(name)}`, { param: 'name' });
  }
  return name;
}
