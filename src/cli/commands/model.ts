import { parseModelDefinition } from '../../gateway/core/model-definition.ts';
import { addStoredModel } from '../../gateway/manage-models.ts';
import { FabrikError } from '../../shared/errors.ts';
import { integerOption, JSON_OPTION, stringOption, type Command } from '../command.ts';
import { printJson, table } from '../output.ts';
import { withControlStore } from './team.ts';

export const modelAddCommand: Command = {
  name: 'model add',
  summary: 'Add (or replace) a model in the store: a name, its replicas, aliases and prices.',
  usage: 'fabrik model add <name> --replica URL [--replica URL…] [--alias A…] [--upstream-model NAME] [--input-price P] [--output-price P] [--max-output-tokens N] [--max-concurrent N] [--api-key KEY] [--json]',
  description: 'Running gateways pick the model up within a second. Models from a config file are changed in the file.\nPrices are per 1M tokens. Weights and per-replica keys: use a config file or POST /admin/models.',
  options: {
    replica: { type: 'string', multiple: true, description: 'an engine\'s base URL (repeat for more replicas)' },
    alias: { type: 'string', multiple: true, description: 'another name clients may use (repeatable)' },
    'upstream-model': { type: 'string', description: 'the name the engines know the model by', defaultText: 'the model name' },
    'input-price': { type: 'string', description: 'price per 1M prompt tokens', defaultText: '0' },
    'output-price': { type: 'string', description: 'price per 1M completion tokens', defaultText: '0' },
    'max-output-tokens': { type: 'string', description: 'completion tokens reserved against quotas when a request sets no max_tokens', defaultText: '4096' },
    'max-concurrent': { type: 'string', description: 'most requests in flight to each replica', defaultText: 'no limit' },
    'api-key': { type: 'string', description: 'key the engines expect (sent as Authorization: Bearer)' },
    json: JSON_OPTION,
  },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const replicas = (values.replica as string[] | undefined) ?? [];
    if (replicas.length === 0) throw new FabrikError('usage', 'model add needs at least one --replica URL', { param: 'replica' });
    const price = (name: string): number => {
      const raw = stringOption(values, name);
      if (raw === undefined) return 0;
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value) || value < 0) throw new FabrikError('invalid_option', `--${name} must be a number of at least 0; got ${JSON.stringify(raw)}`, { param: name });
      return value;
    };
    const maxConcurrent = stringOption(values, 'max-concurrent') === undefined ? null : integerOption(values, 'max-concurrent', 0, 1, 1_000_000);
    const apiKey = stringOption(values, 'api-key');
    const upstreamModel = stringOption(values, 'upstream-model');
    const model = parseModelDefinition({ code: 'invalid_option' }, {
      name: positionals[0],
      aliases: (values.alias as string[] | undefined) ?? [],
      ...(upstreamModel === undefined ? {} : { upstreamModel }),
      replicas: replicas.map((url) => ({ url, ...(maxConcurrent === null ? {} : { maxConcurrent }), ...(apiKey === undefined ? {} : { apiKey }) })),
      prices: { input: price('input-price'), output: price('output-price') },
      maxOutputTokens: integerOption(values, 'max-output-tokens', 4096, 1, 10_000_000),
    }, 'model');
    return withControlStore(async (store, actor) => {
      await addStoredModel(store, model, actor);
      if (values.json === true) printJson({ name: model.name, aliases: model.aliases, replicas: model.replicas.map((replica) => replica.url), prices: model.prices });
      else process.stdout.write(`model ${model.name} stored with ${model.replicas.length} replica(s)${model.aliases.length === 0 ? '' : `; aliases ${model.aliases.join(', ')}`}\n`);
      return 0;
    });
  },
};

export const modelListCommand: Command = {
  name: 'model list',
  summary: 'List the models kept in the store (those added with `model add` or POST /admin/models).',
  usage: 'fabrik model list [--json]',
  description: 'Models from a config file or --model are not in the store; GET /admin/models on a running server lists all, with replica health.',
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    return withControlStore(async (store) => {
      const models = (await store.listModels()).map((model) => ({ ...model, replicas: model.replicas.map(({ apiKey, ...replica }) => ({ ...replica, apiKey: apiKey === undefined ? null : 'set' })) }));
      if (values.json === true) printJson({ models });
      else if (models.length === 0) process.stdout.write('no models in the store: fabrik model add <name> --replica URL\n');
      else process.stdout.write(table(['MODEL', 'ALIASES', 'REPLICAS', 'PRICE IN/OUT per 1M'], models.map((model) => [model.name, model.aliases.join(',') || '-', model.replicas.map((replica) => replica.url).join(' '), `${model.prices.input}/${model.prices.output}`])));
      return 0;
    });
  },
};

export const modelRemoveCommand: Command = {
  name: 'model remove',
  summary: 'Remove a model from the store.',
  usage: 'fabrik model remove <name> [--json]',
  options: { json: JSON_OPTION },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const name = positionals[0] as string;
    return withControlStore(async (store, actor) => {
      await store.removeModel(name, actor);
      if (values.json === true) printJson({ removed: name });
      else process.stdout.write(`model ${name} removed\n`);
      return 0;
    });
  },
};
