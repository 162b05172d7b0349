import type { ModelDefinition } from './model-definition.ts';
import type { UpstreamPools } from './upstream.ts';
import { createReplica, type ModelRoute, type Replica } from './replica-pool.ts';

/**
 * Model names and aliases → routes. Rebuilt when the admin API or another process changes the
 * store's models; a replica that stays (same model, same URL) keeps its live state, so a reload
 * never forgets requests in flight or an open circuit.
 */
export interface ModelRegistry {
  resolve(name: string): ModelRoute | undefined;
  routes(): ModelRoute[];
  replicas(): Replica[];
  /** Replaces the models: static ones (config, command line) first, then those from the store. */
  update(models: readonly ModelDefinition[]): void;
}

export function createModelRegistry(models: readonly ModelDefinition[], pools: UpstreamPools): ModelRegistry {
  let byName = new Map<string, ModelRoute>();
  let routes: ModelRoute[] = [];
  const registry: ModelRegistry = {
    resolve: (name) => byName.get(name),
    routes: () => routes,
    replicas: () => routes.flatMap((route) => route.replicas),
    update(next) {
      const previous = new Map<string, Replica>();
      for (const route of routes) for (const replica of route.replicas) previous.set(`${route.definition.name}\u0000${replica.url}\u0000${replica.definition.apiKey ?? ''}`, replica);
      const nextByName = new Map<string, ModelRoute>();
      const nextRoutes: ModelRoute[] = [];
      for (const definition of next) {
        if (nextByName.has(definition.name)) continue;
        const replicas = definition.replicas.map((replica) => {
          const kept = previous.get(`${definition.name}\u0000${replica.url}\u0000${replica.apiKey ?? ''}`);
          if (kept === undefined) return createReplica(definition.name, replica, pools.poolFor(replica.url));
          kept.definition = replica;
          return kept;
        });
        const route: ModelRoute = { definition, replicas, next: 0 };
        nextRoutes.push(route);
        for (const name of [definition.name, ...definition.aliases]) if (!nextByName.has(name)) nextByName.set(name, route);
      }
      byName = nextByName;
      routes = nextRoutes;
      pools.retain(new Set(nextRoutes.flatMap((route) => route.replicas.map((replica) => replica.url))));
    },
  };
  registry.update(models);
  return registry;
}
