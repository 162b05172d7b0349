import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Gateway } from '../gateway/create-gateway.ts';
import type { ModelDefinition } from '../gateway/core/model-definition.ts';
import { DeadlineSweeper, sweepIntervalFor } from '../shared/deadline-sweeper.ts';
import { FabrikError } from '../shared/errors.ts';
import { FastConnection, type FastPathOptions } from './http1/fast-connection.ts';
import { handleAdmin } from './routes/admin-routes.ts';
import { routeNotFound, sendError } from './send-error.ts';

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
 * The HTTP server, no framework, routing on the path prefix: /v1/* is the gateway, /admin/* the
 * admin API, /metrics Prometheus text, /health liveness. The console and the foundry API will
 * mount here too.
 *
 * Connections are accepted by a plain TCP (or TLS) listener and start on the fast path
 * (http1/fast-connection.ts), which answers the gateway's inference POSTs itself; the first
 * request of any other kind hands the connection to node:http for good. node:http's server costs
 * about 40 µs of the gateway's added latency per request on this machine (bench/gateway.ts), most
 * of its budget; the fast path is where that latency is won back.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { gateway } = options;
  const admin = { gateway, staticModels: options.staticModels ?? [] };
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const url = request.url ?? '/';
    const question = url.indexOf('?');
    const path = question === -1 ? url : url.slice(0, question);
    try {
      if (path.startsWith('/v1/')) {
        gateway.handle(request, response, path);
      } else if (path === '/metrics' && request.method === 'GET') {
        if (options.metricsAuth !== false) {
          const principal = gateway.directory.authenticate(request.headers.authorization);
          if (principal.key.role !== 'admin') throw new FabrikError('permission_denied', `the key ${principal.key.prefix}… is not an admin key; /metrics needs one (a scraper on a private network may be let in without one with --metrics-public)`, { param: 'authorization' });
        }
        const body = gateway.renderMetrics();
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      } else if (path === '/health' && request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"status":"ok"}');
      } else if (path.startsWith('/admin/')) {
        handleAdmin(admin, request, response, path, new URLSearchParams(question === -1 ? '' : url.slice(question + 1)));
      } else {
        request.resume();
        sendError(response, routeNotFound(request.method, path));
      }
    } catch (error) {
      sendError(response, error);
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
