import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../../gateway/create-gateway.ts';
import { startServer } from '../../server/start-server.ts';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../config/config-schema.ts';
import { loadFabrikConfig } from '../../config/load-config.ts';
import { FabrikError } from '../../shared/errors.ts';
import { openFabrik } from '../../open-fabrik.ts';
import { JSON_OPTION, stringOption, type Command } from '../command.ts';

/**
 * V8 settings for the server process. A proxy allocates fast and keeps little: an 8 MB young
 * generation (Node grows it to 16-64 MB by default) and one V8 helper thread keep the RSS after
 * load ~40 MB lower at the same CPU per request (measured with bench/gateway.ts's load: 4 MB cost
 * 20% more CPU in collections, 16 MB and the default no less CPU than 8).
 */
const SERVER_V8_FLAGS = ['--max-semi-space-size=8', '--v8-pool-size=1'];

/**
 * Started from the command line, `fabrik serve` replaces itself (execve, same pid) with a process
 * that loads only the server's modules and runs with SERVER_V8_FLAGS; glibc gets two malloc
 * arenas instead of one per thread, and Node's compile cache is on, so from the second start the
 * TypeScript is not stripped again and the stripper (26 MB resident) is never loaded.
 * FABRIK_SERVE_EXEC=0 keeps it in the first process.
 */
function execServerProcess(): void {
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (execve === undefined || process.env.FABRIK_SERVE_EXEC === '0' || process.env.FABRIK_SERVE_PROCESS === '1') return;
  const serveAt = process.argv.indexOf('serve', 2);
  if (serveAt !== 2) return;
  const entry = new URL('./serve-process.ts', import.meta.url).pathname;
  execve(process.execPath, [process.execPath, ...SERVER_V8_FLAGS, ...process.execArgv, entry, ...process.argv.slice(serveAt + 1)], {
    ...process.env,
    FABRIK_SERVE_PROCESS: '1',
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache'),
  });
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the HTTP server: the OpenAI-compatible gateway (/v1), the admin API (/admin) and /metrics.',
  usage: 'fabrik serve [--config FILE] [--host HOST] [--port N] [--tls-cert FILE --tls-key FILE] [--metrics-public] [--max-connections N] [--head-timeout MS] [--model NAME=URL[,URL…]]… [--json]',
  description: [
    'The config file (YAML or JSON; --config or $FABRIK_CONFIG) lists models, replicas, prices and gateway',
    'settings; the environment overrides it and options override both (docs/config.md).',
    '--model adds a model on the command line (repeatable). Models added with `fabrik model add` or',
    'POST /admin/models are read from the store. Stops cleanly on SIGINT/SIGTERM, writing pending usage.',
  ].join('\n'),
  options: {
    config: { type: 'string', short: 'c', description: 'a YAML or JSON config file', defaultText: '$FABRIK_CONFIG, else none' },
    host: { type: 'string', description: 'address to listen on', defaultText: DEFAULT_HOST },
    port: { type: 'string', short: 'p', description: 'port to listen on (0 picks a free one)', defaultText: String(DEFAULT_PORT) },
    'tls-cert': { type: 'string', description: 'PEM certificate chain: serve HTTPS' },
    'tls-key': { type: 'string', description: 'PEM private key for --tls-cert' },
    'metrics-public': { type: 'boolean', description: 'GET /metrics without a key (by default it needs an admin key, as a Prometheus bearer_token)' },
    'metrics-auth': { type: 'boolean', description: 'GET /metrics needs an admin key: the default, kept for scripts' },
    'max-connections': { type: 'string', description: 'client connections open at once; more are closed as they arrive', defaultText: '10000' },
    'head-timeout': { type: 'string', description: 'ms a request head (and a new connection\'s first) may take to arrive, else 408', defaultText: '10000' },
    model: { type: 'string', multiple: true, description: 'NAME=URL[,URL…]: a model and its replicas (repeatable)' },
    json: { ...JSON_OPTION, description: 'print where it listens as one JSON line' },
  },
  positionals: [0, 0],
  async run({ values }) {
    execServerProcess();
    const config = loadFabrikConfig({ file: stringOption(values, 'config'), flags: values });
    const { server: settings, models } = config.serve;
    const pemOption = (path: string, flag: string): string => (config.sources.get(path) === 'flag' ? `--${flag}` : path);
    const tls = settings.tls === null ? null : { cert: readPem(settings.tls.cert, pemOption('server.tls.cert', 'tls-cert')), key: readPem(settings.tls.key, pemOption('server.tls.key', 'tls-key')) };
    const fabrik = openFabrik(config.fabrik);
    const store = await fabrik.control();
    let gateway;
    try {
      gateway = await createGateway({ store, models, settings: config.serve.gateway });
    } catch (error) {
      await fabrik.close();
      throw error;
    }
    let server;
    try {
      server = await startServer({ host: settings.host, port: settings.port, tls, gateway, staticModels: models, metricsAuth: settings.metricsAuth, maxConnections: settings.maxConnections, headTimeoutMs: settings.headTimeoutMs });
    } catch (error) {
      await gateway.close();
      await fabrik.close();
      throw error;
    }
    const names = gateway.registry.routes().map((route) => route.definition.name);
    if (values.json === true) process.stdout.write(`${JSON.stringify({ url: server.url, models: names })}\n`);
    else {
      process.stdout.write(`fabrik serving on ${server.url}  (${names.length} model${names.length === 1 ? '' : 's'}${names.length === 0 ? '' : `: ${names.join(', ')}`})\n`);
      if (!(await store.listKeys()).some((key) => key.role === 'admin')) process.stdout.write('no admin key yet: create one with `fabrik key create --admin`\n');
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    await fabrik.close();
    return 0;
  },
};

/** Reads a PEM file; `name` is where its path was given (--tls-cert, server.tls.cert). */
function readPem(file: string, name: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new FabrikError('path_not_found', `${file}: cannot be read (${name}): ${(error as Error).message}`, { param: name.replace(/^--/, '') });
  }
}
