import { FabrikError } from '../shared/errors.ts';
import type { TenantStore } from '../store/core/control-store.ts';
import type { ModelDefinition } from './core/model-definition.ts';

/**
 * Adds (or replaces) a model kept in the store, where every gateway process picks it up. Its
 * names must not clash with another model's, including `reserved` ones (from a config file).
 */
export async function addStoredModel(store: TenantStore, model: ModelDefinition, actor: string, reserved: readonly ModelDefinition[] = []): Promise<void> {
  const others = [...reserved, ...(await store.listModels()).filter((stored) => stored.name !== model.name)];
  const fixed = new Set(reserved.map((definition) => definition.name));
  if (fixed.has(model.name)) throw new FabrikError('already_exists', `model "${model.name}" comes from the config file; change it there`, { param: 'name' });
  for (const name of [model.name, ...model.aliases]) {
    const clash = others.find((other) => other.name === name || other.aliases.includes(name));
    if (clash !== undefined) throw new FabrikError('already_exists', `the name "${name}" is already used by model "${clash.name}"`, { param: name === model.name ? 'name' : 'aliases' });
  }
  await store.putModel(model, actor);
}
