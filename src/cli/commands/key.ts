import { createApiKey } from '../../control/api-keys.ts';
import { formatLimits, mergeLimits } from '../../control/limits.ts';
import { parseTimeOption } from '../../control/parse-time.ts';
import { FabrikError } from '../../shared/errors.ts';
import { JSON_OPTION, stringOption, type Command } from '../command.ts';
import { printJson, table } from '../output.ts';
import { limitOptions, readLimitOptions, withControlStore } from './team.ts';

export const keyCreateCommand: Command = {
  name: 'key create',
  summary: 'Create an API key for a team (or an admin key); the secret is shown once.',
  usage: 'fabrik key create --team <team> [--name N] [--models a,b] [--expires 30d|DATE] [quota options] [--json]\n       fabrik key create --admin [--name N] [--json]',
  description: 'Only a SHA-256 of the secret is stored: copy it now. Key quotas apply on top of the team\'s.\nAn admin key manages teams, keys and models through /admin and may call every model.',
  options: {
    team: { type: 'string', description: 'the team the key belongs to (name or id)' },
    name: { type: 'string', description: 'a label for the key', defaultText: 'default' },
    models: { type: 'string', description: 'comma-separated model names or aliases the key may call', defaultText: 'all' },
    expires: { type: 'string', description: 'when the key stops working: a duration (90d, 12h) or an ISO date' },
    admin: { type: 'boolean', description: 'make an admin key (no team)' },
    ...limitOptions(false),
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const team = stringOption(values, 'team');
    const admin = values.admin === true;
    if (team === undefined && !admin) throw new FabrikError('usage', 'key create needs --team <team> (or --admin for an admin key)', { param: 'team' });
    const expires = stringOption(values, 'expires');
    const models = stringOption(values, 'models')?.split(',').map((model) => model.trim()).filter((model) => model !== '');
    const name = stringOption(values, 'name');
    const limits = mergeLimits({}, readLimitOptions(values, false));
    return withControlStore(async (store, actor) => {
      const { key, secret } = await createApiKey(store, {
        team: team ?? null,
        ...(name === undefined ? {} : { name }),
        role: admin ? 'admin' : 'user',
        models: models ?? null,
        limits,
        expiresAt: expires === undefined ? null : parseTimeOption(expires, 'expires', Date.now(), 1),
      }, actor);
      const { hash: _hash, ...shown } = key;
      if (values.json === true) printJson({ key: shown, secret });
      else {
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`key ${key.id} (${key.role}${team === undefined ? '' : `, team ${team}`}) created; the secret above is shown only this once\n`);
      }
      return 0;
    });
  },
};

export const keyListCommand: Command = {
  name: 'key list',
  summary: 'List API keys (never their secrets).',
  usage: 'fabrik key list [--team <team>] [--all] [--json]',
  options: {
    team: { type: 'string', description: 'only this team\'s keys' },
    all: { type: 'boolean', description: 'include revoked keys' },
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const teamName = stringOption(values, 'team');
    return withControlStore(async (store) => {
      let teamId: string | undefined;
      if (teamName !== undefined) {
        const team = await store.getTeam(teamName);
        if (team === null) throw new FabrikError('not_found', `team "${teamName}" does not exist`, { param: 'team' });
        teamId = team.id;
      }
      const teams = new Map((await store.listTeams()).map((team) => [team.id, team.name]));
      const keys = (await store.listKeys({ ...(teamId === undefined ? {} : { teamId }), includeRevoked: values.all === true })).map(({ hash: _hash, ...key }) => ({ ...key, team: key.teamId === null ? null : teams.get(key.teamId) ?? key.teamId }));
      if (values.json === true) printJson({ keys });
      else if (keys.length === 0) process.stdout.write('no keys\n');
      else {
        const now = Date.now();
        const state = (key: (typeof keys)[number]): string => (key.revokedAt !== null ? 'revoked' : key.expiresAt !== null && Date.parse(key.expiresAt) <= now ? 'expired' : 'active');
        process.stdout.write(table(['ID', 'PREFIX', 'TEAM', 'NAME', 'ROLE', 'MODELS', 'LIMITS', 'EXPIRES', 'STATE'], keys.map((key) => [
          key.id, `${key.prefix}…`, key.team ?? '-', key.name, key.role, key.models?.join(',') ?? 'all', formatLimits(key.limits), key.expiresAt ?? '-', state(key),
        ])));
      }
      return 0;
    });
  },
};

export const keyRevokeCommand: Command = {
  name: 'key revoke',
  summary: 'Revoke an API key; running gateways refuse it within a second.',
  usage: 'fabrik key revoke <key-id> [--json]',
  options: { json: JSON_OPTION },
  positionals: [1, 1],
  async run({ positionals, values }) {
    return withControlStore(async (store, actor) => {
      const { hash: _hash, ...key } = await store.revokeKey(positionals[0] as string, actor);
      if (values.json === true) printJson(key);
      else process.stdout.write(`key ${key.id} (${key.prefix}…) revoked at ${key.revokedAt}\n`);
      return 0;
    });
  },
};
