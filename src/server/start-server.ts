import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { KeyDirectory, Principal } from '../control/key-directory.ts';
import type { Gateway } from '../gateway/create-gateway.ts';
import type { ModelDefinition } from '../gateway/core/model-definition.ts';
import { DeadlineSweeper, sweepIntervalFor } from '../shared/deadline-sweeper.ts';
import { FabrikError } from '../shared/errors.ts';
import type { AppContext } from './app-context.ts';
import { FastConnection, type FastPathOptions } from './http1/fast-connection.ts';
import { createMetricsRegistry } from './metrics-registry.ts';
import { adminRoutes } from './routes/admin.ts';
import { gatewayRoutes } from './routes/gateway.ts';
import { systemRoutes } from './routes/system.ts';
import { routeNotFound, sendError } from '../shared/send-error.ts';
import type { ServerRoute } from './server-route.ts';

export interface ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM certificate chain and key: serve HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
  gateway: Gateway;
  staticModels?: readonly ModelDefinition[];
  /** GET /metrics needs an admin key (default: true, it names teams and replicas); false opens it (--metrics-public). */
  metricsAuth?: boolean;
  /** An idle kept-alive client connection is closed after this long (default 65 s). */
  keepAliveTimeoutMs?: number;
  /** A request's head and body must arrive within this long, else 408 (default 300 s, as node:http). */
  requestTimeoutMs?: number;
  /** A request's head must arrive within this long, and a new connection must send one, else 408 or a close (default 10 s). */
  headTimeoutMs?: number;
  /** Client connections open at once; more are closed as they arrive (default 10,000). */
  maxConnections?: number;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  /** The listening socket server (TCP, or TLS with a certificate). */
  server: Server;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes the gateway. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The HTTP server, no framework. The server owns routing: each plane contributes a route table
 * (routes/<plane>.ts: /v1/* the gateway, /admin/* the admin API, /metrics and /health the
 * server's own), the server authenticates once per the route's rule and answers every error one
 * way; planes register their metrics into the app context's registry. The console and the
 * foundry API will mount here too.
 *
 * Connections are accepted by a plain TCP (or TLS) listener and start on the fast path
 * (http1/fast-connection.ts), which answers the gateway's inference POSTs itself; the first
 * request of any other kind hands the connection to node:http for good. node:http's server costs
 * about 40 µs of the gateway's added latency per request on this machine (bench/gateway.ts), most
 * of its budget; the fast path is where that latency is won back.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { gateway } = options;
  const metrics = createMetricsRegistry();
  const app: AppContext = { control: gateway.store, directory: gateway.directory, metrics, refresh: () => gateway.refresh() };
  metrics.register('gateway', () => gateway.renderMetrics());
  const router = createRouter([
    ...gatewayRoutes(gateway),
    ...adminRoutes({ app, registry: gateway.registry, staticModels: options.staticModels ?? [] }),
    ...systemRoutes(app, { metricsAuth: options.metricsAuth !== false }),
  ]);
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const url = request.url ?? '/';
    const question = url.indexOf('?');
    const path = question === -1 ? url : url.slice(0, question);
    const method = request.method ?? 'GET';
    const route = router(method, path);
    if (route === undefined) {
      request.resume();
      sendError(response, routeNotFound(method, path));
      return;
    }
    // The one auth step: a route says who may call it; the server checks before the handler runs.
    let principal: Principal | null = null;
    try {
      if (route.auth === 'admin') principal = authenticateAdmin(app.directory, request.headers.authorization, route.denied ?? `${path} needs one`);
    } catch (error) {
      request.resume();
      sendError(response, error);
      return;
    }
    // The one error handler: whatever a plane's handler throws or rejects with is answered here.
    const fail = (error: unknown): void => {
      // A body left unread (refused as too large) must not be taken for the next request.
      if (!request.complete && !response.headersSent) response.setHeader('connection', 'close');
      sendError(response, error);
    };
    try {
      const done = route.handle(request, response, { path, query: new URLSearchParams(question === -1 ? '' : url.slice(question + 1)), principal });
      if (done instanceof Promise) done.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 65_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  const headTimeoutMs = Math.min(options.headTimeoutMs ?? 10_000, requestTimeoutMs);
  const maxConnections = options.maxConnections ?? 10_000;
  const http = createHttpServer({ keepAliveTimeout: keepAliveTimeoutMs, requestTimeout: requestTimeoutMs, headersTimeout: headTimeoutMs, noDelay: true }, handler);
  const fast: FastPathOptions = {
    allowed: (method, path) => method === 'POST' && gateway.isInferencePath(path),
    handle: (head, body, response) => {
      try {
        gateway.handleBuffered(head.path, head.authorization, body, response);
      } catch (error) {
        sendError(response, error);
      }
    },
    authorize: (head, response) => gateway.authorizeHead(head.authorization, response, head.path),
    refuse: (head, error, response, headers) => gateway.refuseHead(head.path, head.authorization, error, response, headers),
    gathered: { bytes: 0, limit: gateway.settings.maxBufferedBodyBytes },
    handOff: (socket) => http.emit('connection', socket),
    maxHeadBytes: 16 * 1024,
    maxBodyBytes: gateway.settings.maxBodyBytes,
    keepAliveTimeoutMs,
    requestTimeoutMs,
    headTimeoutMs,
    sweeper: new DeadlineSweeper(sweepIntervalFor(Math.min(keepAliveTimeoutMs, headTimeoutMs))),
  };
  const connections = new Set<FastConnection>();
  const accept = (socket: Socket): void => {
    // Every connection holds a descriptor: past the cap, new ones are closed at once (slowloris).
    if (connections.size >= maxConnections) {
      socket.destroy();
      return;
    }
    const connection = new FastConnection(socket, fast);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  };
  const server: Server = options.tls === undefined || options.tls === null
    ? createTcpServer({ allowHalfOpen: true, noDelay: true }, accept)
    : createTlsServer({ allowHalfOpen: true, noDelay: true, cert: options.tls.cert, key: options.tls.key, ALPNProtocols: ['http/1.1'] }, accept);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error & { code?: string }): void => {
      reject(new FabrikError('invalid_option', `cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`, { param: 'port', cause: error }));
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // node:http never listens itself; 'listening' starts its tracking of the connections it is
  // handed (idle and request timeouts, closeIdleConnections).
  http.emit('listening');
  const address = server.address() as AddressInfo;
  const scheme = options.tls === undefined || options.tls === null ? 'http' : 'https';
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${scheme}://${host}:${address.port}`,
    host: address.address,
    port: address.port,
    server,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.closeWhenIdle();
      http.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const connection of connections) connection.destroy();
        http.closeAllConnections();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      http.close(() => {});
      await gateway.close();
    },
  };
}

/** Finds a route by exact path and method (one Map lookup), else by the first prefix (`/v1/*`) that matches. */
function createRouter(routes: readonly ServerRoute[]): (method: string, path: string) => ServerRoute | undefined {
  const exact = new Map<string, ServerRoute[]>();
  const prefixes: Array<{ prefix: string; route: ServerRoute }> = [];
  for (const route of routes) {
    if (route.path.endsWith('/*')) prefixes.push({ prefix: route.path.slice(0, -1), route });
    else exact.set(route.path, [...(exact.get(route.path) ?? []), route]);
  }
  return (method, path) => {
    const hit = exact.get(path)?.find((route) => route.method === '*' || route.method === method);
    if (hit !== undefined) return hit;
    // Prefixes in the order the planes gave them: `/v1/models/*` before the `/v1/*` that answers the rest.
    for (const { prefix, route } of prefixes) if (path.startsWith(prefix) && (route.method === '*' || route.method === method)) return route;
    return undefined;
  };
}

/** The principal of an admin key; anything else is authentication_failed or permission_denied (saying why `denied`). */
function authenticateAdmin(directory: KeyDirectory, authorization: string | undefined, denied: string): Principal {
  const principal = directory.authenticate(authorization);
  if (principal.key.role !== 'admin') throw new FabrikError('permission_denied', `the key ${principal.key.prefix}… is not an admin key; ${denied}`, { param: 'authorization' });
  return principal;
}
