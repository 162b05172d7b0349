import type { ConfigSource } from './config-field.ts';
import { CONFIG_SCHEMA } from './config-schema.ts';
import type { LoadedConfig } from './load-config.ts';

/** One setting as `fabrik config show` prints it: its value (secrets masked) and where it came from. */
export interface ConfigSetting {
  path: string;
  value: unknown;
  source: ConfigSource;
  /** The variable or flag that set it, when one did. */
  from?: string;
}

/** Every setting of a loaded config in schema order, with secrets (a database password, API keys) masked. */
export function describeConfig(config: LoadedConfig): ConfigSetting[] {
  return CONFIG_SCHEMA.map((field) => {
    const value = config.values.get(field.path);
    const source = config.sources.get(field.path) ?? 'default';
    const setting: ConfigSetting = { path: field.path, value: field.secret === undefined || value === null ? value : field.secret(value), source };
    if (source === 'env' && field.env !== undefined) setting.from = field.env;
    if (source === 'flag' && field.flag !== undefined) setting.from = `--${field.flag}`;
    return setting;
  });
}
