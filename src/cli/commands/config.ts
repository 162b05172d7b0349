import { describeConfig } from '../../config/describe-config.ts';
import { loadFabrikConfig } from '../../config/load-config.ts';
import { FabrikError } from '../../shared/errors.ts';
import { JSON_OPTION, stringOption, type Command } from '../command.ts';
import { printJson, table } from '../output.ts';

const CONFIG_OPTION = { type: 'string', short: 'c', description: 'a YAML or JSON config file', defaultText: '$FABRIK_CONFIG, else none' } as const;

export const configShowCommand: Command = {
  name: 'config show',
  summary: 'Print the merged configuration and where each value came from (default, file, env, flag).',
  usage: 'fabrik config show [--config FILE] [--json]',
  description: 'Defaults < file < environment < flags (docs/config.md). A database password and API keys are shown as ***.',
  options: { config: CONFIG_OPTION, json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const config = loadFabrikConfig({ file: stringOption(values, 'config') });
    const settings = describeConfig(config);
    if (values.json === true) {
      printJson({ file: config.file, settings });
      return 0;
    }
    process.stdout.write(`config file: ${config.file ?? 'none (give --config FILE or set FABRIK_CONFIG)'}\n\n`);
    const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
    // A list gets a row per item (a model's line is long enough on its own).
    const rows = settings.flatMap((setting) => {
      const from = setting.from === undefined ? setting.source : `${setting.source} ${setting.from}`;
      if (!Array.isArray(setting.value) || setting.value.length === 0) return [[setting.path, from, show(setting.value)]];
      return setting.value.map((item: unknown, index) => [`${setting.path}[${index}]`, from, show(item)]);
    });
    process.stdout.write(table(['SETTING', 'FROM', 'VALUE'], rows));
    return 0;
  },
};

export const configCheckCommand: Command = {
  name: 'config check',
  summary: 'Validate a config file (with the environment it will run under); exit status 0 when valid.',
  usage: 'fabrik config check [--config FILE] [--json]',
  description: 'Reports the first error with the file, line and column or the field path, and the rule.',
  options: { config: CONFIG_OPTION, json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const given = stringOption(values, 'config');
    if (given === undefined && (process.env.FABRIK_CONFIG ?? '') === '') throw new FabrikError('usage', 'config check needs a file: give --config FILE or set FABRIK_CONFIG', { param: 'config' });
    const config = loadFabrikConfig({ file: given });
    const fromFile = describeConfig(config).filter((setting) => setting.source === 'file').length;
    const models = config.serve.models.length;
    if (values.json === true) printJson({ file: config.file, valid: true, settings: fromFile, models });
    else process.stdout.write(`${config.file}: valid (${fromFile} setting${fromFile === 1 ? '' : 's'} set, ${models} model${models === 1 ? '' : 's'})\n`);
    return 0;
  },
};
