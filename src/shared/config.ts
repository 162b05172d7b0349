// The configuration lives in src/shared/config/; this module keeps the import path every command uses.
export type { FabrikConfig, ServeConfig } from './config/fabrik-config.ts';
export { loadConfig, loadFabrikConfig, type LoadConfigOptions, type LoadedConfig } from './config/load-config.ts';
