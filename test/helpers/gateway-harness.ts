import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../../src/control/api-keys.ts';
import type { Limits } from '../../src/control/limits.ts';
import { startEngineSim, type EngineSim, type EngineSimOptions } from '../../src/gateway/engine-sim/start-engine-sim.ts';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.ts';
import type { DeepPartial, GatewaySettings } from '../../src/gateway/core/gateway-settings.ts';
import type { ModelDefinition } from '../../src/gateway/core/model-definition.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { openSqliteControlStore, type SqliteControlStore, type SqliteControlStoreOptions } from '../../src/store/sqlite/sqlite-control-store.ts';

export const MODEL = 'sim-llama-3-8b';

export interface GatewayHarness {
  home: string;
  storeOptions: SqliteControlStoreOptions;
  store: SqliteControlStore;
  engines: EngineSim[];
  gateway: Gateway;
  server: RunningServer;
  /** The gateway's base URL with /v1, for the OpenAI SDK. */
  baseURL: string;
  url: string;
  /** A team (created on demand) and a fresh key for it; returns the secret. */
  key(team: string, options?: { teamLimits?: Limits; keyLimits?: Limits; models?: string[]; logPayloads?: boolean; expiresAt?: number }): Promise<string>;
  adminKey(): Promise<string>;
  /** Stops the gateway (writing usage) and keeps the store and engines. */
  stopGateway(): Promise<void>;
}

export interface HarnessOptions {
  engines?: number;
  engine?: EngineSimOptions;
  model?: Partial<ModelDefinition>;
  settings?: DeepPartial<GatewaySettings>;
  home?: string;
}

/** A real gateway on 127.0.0.1 in front of real engine stand-ins, with a store in a temp folder; torn down after the test. */
export async function startGatewayHarness(t: { after: (fn: () => Promise<void> | void) => void }, options: HarnessOptions = {}): Promise<GatewayHarness> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'fabrik-gateway-'));
  const storeOptions: SqliteControlStoreOptions = { path: join(home, 'fabrik.db'), keyDir: join(home, 'keys'), origin: 'fabrik.local/audit/test', codeVersion: 'fabrik@test' };
  const store = openSqliteControlStore(storeOptions);
  const engines: EngineSim[] = [];
  for (let index = 0; index < (options.engines ?? 1); index += 1) {
    engines.push(await startEngineSim({ models: [MODEL], tokensPerSecond: 0, timeToFirstTokenMs: 0, ...options.engine }));
  }
  const model: ModelDefinition = {
    name: MODEL,
    aliases: ['default'],
    upstreamModel: MODEL,
    replicas: engines.map((engine) => ({ url: engine.url, weight: 1, maxConcurrent: null })),
    prices: { input: 0.5, output: 1.5 },
    maxOutputTokens: 256,
    ...options.model,
  };
  const gateway = await createGateway({
    store,
    models: [model],
    settings: { healthCheck: { intervalMs: 200, timeoutMs: 500 }, usageFlushMs: 50, ...options.settings },
  });
  const server = await startServer({ host: '127.0.0.1', port: 0, gateway, staticModels: [model] });
  let stopped = false;
  const harness: GatewayHarness = {
    home,
    storeOptions,
    store,
    engines,
    gateway,
    server,
    url: server.url,
    baseURL: `${server.url}/v1`,
    async key(team, keyOptions = {}) {
      if ((await store.getTeam(team)) === null) await store.createTeam({ name: team, limits: keyOptions.teamLimits ?? {}, logPayloads: keyOptions.logPayloads ?? false }, 'user:test');
      const { secret } = await createApiKey(store, {
        team,
        ...(keyOptions.models === undefined ? {} : { models: keyOptions.models }),
        ...(keyOptions.keyLimits === undefined ? {} : { limits: keyOptions.keyLimits }),
        ...(keyOptions.expiresAt === undefined ? {} : { expiresAt: keyOptions.expiresAt }),
      }, 'user:test');
      await gateway.refresh();
      return secret;
    },
    async adminKey() {
      const { secret } = await createApiKey(store, { team: null, role: 'admin' }, 'user:test');
      await gateway.refresh();
      return secret;
    },
    async stopGateway() {
      if (stopped) return;
      stopped = true;
      await server.close(200);
    },
  };
  t.after(async () => {
    await harness.stopGateway();
    await Promise.all(engines.map((engine) => engine.close()));
    await store.close();
    if (options.home === undefined) rmSync(home, { recursive: true, force: true });
  });
  return harness;
}
