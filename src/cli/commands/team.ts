import { formatLimits, LIMIT_NAMES, LIMIT_OPTIONS, mergeLimits, type Limits, type LimitsPatch } from '../../control/limits.ts';
import { changeTeam, createTeam } from '../../control/team-service.ts';
import { FabrikError } from '../../shared/errors.ts';
import { openFabrik } from '../../open-fabrik.ts';
import { loadConfig } from '../../config/load-config.ts';
import type { ControlStore } from '../../store/core/control-store.ts';
import { JSON_OPTION, type Command, type CommandInput, type OptionSpec } from '../command.ts';
import { cliActor } from '../context.ts';
import { printJson, table } from '../output.ts';

const LIMIT_DESCRIPTIONS: Record<keyof Limits, string> = {
  requestsPerMinute: 'requests per minute (sliding 60 s)',
  tokensPerMinute: 'prompt + completion tokens per minute (sliding 60 s)',
  tokensPerDay: 'tokens per UTC day',
  tokensPerMonth: 'tokens per UTC month',
  concurrentRequests: 'requests in flight at once',
  budgetPerMonth: 'spend per UTC month, in the currency of the model prices',
};

/** The quota options shared by `team create|set` and `key create`. */
export function limitOptions(removable: boolean): Record<string, OptionSpec> {
  const options: Record<string, OptionSpec> = {};
  for (const name of LIMIT_NAMES) options[LIMIT_OPTIONS[name]] = { type: 'string', description: `${LIMIT_DESCRIPTIONS[name]}${removable ? '; "none" removes it' : ''}` };
  return options;
}

/** Reads the quota options; a value of "none" becomes null (remove) when `removable`. */
export function readLimitOptions(values: CommandInput['values'], removable: boolean): LimitsPatch {
  const limits: LimitsPatch = {};
  for (const name of LIMIT_NAMES) {
    const option = LIMIT_OPTIONS[name];
    const raw = values[option];
    if (typeof raw !== 'string') continue;
    if (removable && raw === 'none') {
      limits[name] = null;
      continue;
    }
    const value = Number(raw.replaceAll('_', ''));
    const whole = name !== 'budgetPerMonth';
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || (whole && !Number.isSafeInteger(value))) {
      throw new FabrikError('invalid_option', `--${option} must be ${whole ? 'a whole number' : 'a number'} of at least 0${removable ? ' or "none"' : ''}; got ${JSON.stringify(raw)}`, { param: option });
    }
    limits[name] = value;
  }
  return limits;
}

/** Opens the control store of $FABRIK_HOME for one command and closes it after. */
export async function withControlStore<T>(work: (store: ControlStore, actor: string) => Promise<T> | T): Promise<T> {
  const fabrik = openFabrik(loadConfig());
  try {
    return await work(await fabrik.control(), cliActor());
  } finally {
    await fabrik.close();
  }
}

function readBooleanOption(values: CommandInput['values'], name: string): boolean | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (raw === true || raw === 'true' || raw === 'on' || raw === 'yes') return true;
  if (raw === 'false' || raw === 'off' || raw === 'no') return false;
  throw new FabrikError('invalid_option', `--${name} must be true or false; got ${JSON.stringify(raw)}`, { param: name });
}

export const teamCreateCommand: Command = {
  name: 'team create',
  summary: 'Create a team: the unit keys belong to, quotas apply to and usage is billed to.',
  usage: 'fabrik team create <name> [--rpm N] [--tpm N] [--tokens-per-day N] [--tokens-per-month N] [--concurrency N] [--budget AMOUNT] [--log-payloads] [--json]',
  description: 'Quotas left out are unlimited. --log-payloads keeps the team\'s prompts and responses in the store (off by default).',
  options: { ...limitOptions(false), 'log-payloads': { type: 'boolean', description: 'keep prompts and responses of this team\'s requests' }, json: JSON_OPTION },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const name = positionals[0] as string;
    const limits = mergeLimits({}, readLimitOptions(values, false));
    return withControlStore(async (store, actor) => {
      const team = await createTeam(store, { name, limits, logPayloads: values['log-payloads'] === true }, actor);
      if (values.json === true) printJson(team);
      else process.stdout.write(`team ${team.name} created (${team.id}); limits: ${formatLimits(team.limits)}\n`);
      return 0;
    });
  },
};

export const teamSetCommand: Command = {
  name: 'team set',
  summary: 'Change a team\'s quotas or payload logging.',
  usage: 'fabrik team set <name> [--rpm N|none] [--tpm N|none] [--tokens-per-day N|none] [--tokens-per-month N|none] [--concurrency N|none] [--budget AMOUNT|none] [--log-payloads true|false] [--json]',
  description: 'A limit given is set, "none" removes it, one left out is kept (as PATCH /admin/teams/{team}). Running gateways pick the change up within a second.',
  options: { ...limitOptions(true), 'log-payloads': { type: 'string', description: 'true or false: keep prompts and responses' }, json: JSON_OPTION },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const name = positionals[0] as string;
    const patch = readLimitOptions(values, true);
    const logPayloads = readBooleanOption(values, 'log-payloads');
    return withControlStore(async (store, actor) => {
      const team = await changeTeam(store, name, { limits: patch, ...(logPayloads === undefined ? {} : { logPayloads }) }, actor);
      if (values.json === true) printJson(team);
      else process.stdout.write(`team ${team.name}: limits ${formatLimits(team.limits)}; payload logging ${team.logPayloads ? 'on' : 'off'}\n`);
      return 0;
    });
  },
};

export const teamListCommand: Command = {
  name: 'team list',
  summary: 'List teams with their quotas and number of keys.',
  usage: 'fabrik team list [--json]',
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    return withControlStore(async (store) => {
      const keys = await store.listKeys();
      const teams = (await store.listTeams()).map((team) => ({ ...team, keys: keys.filter((key) => key.teamId === team.id).length }));
      if (values.json === true) printJson({ teams });
      else if (teams.length === 0) process.stdout.write('no teams yet: fabrik team create <name>\n');
      else process.stdout.write(table(['TEAM', 'ID', 'KEYS', 'LIMITS', 'PAYLOADS'], teams.map((team) => [team.name, team.id, String(team.keys), formatLimits(team.limits), team.logPayloads ? 'logged' : '-'])));
      return 0;
    });
  },
};
