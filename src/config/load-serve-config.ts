import { DEFAULT_HOST, DEFAULT_PORT } from './config-schema.ts';
import type { ServeConfig } from './fabrik-config.ts';
import { loadFabrikConfig } from './load-config.ts';

export { DEFAULT_HOST, DEFAULT_PORT, type ServeConfig };
export { mergeModels, parseModelOption } from '../gateway/config/parse-model-option.ts';

/**
 * What `fabrik serve --config FILE` runs with, read through the one config loader (so the
 * environment applies as it does for every command); errors name the file and the field.
 */
export function loadServeConfig(file: string, environment: NodeJS.ProcessEnv = process.env): ServeConfig {
  return loadFabrikConfig({ file, environment }).serve;
}
