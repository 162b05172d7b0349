import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../gateway/create-gateway.ts';
import type { ModelDefinition } from '../gateway/core/model-definition.ts';
import { FabrikError } from '../shared/errors.ts';
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
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  server: Server;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes the gateway. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The HTTP server: one node:http listener, no framework, routing on the path prefix.
 * /v1/* is the gateway, /admin/* the admin API, /metrics Prometheus text, /health liveness.
 * The console and the foundry API will mount here too.
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
  const serverOptions = { keepAliveTimeout: 65_000, noDelay: true };
  const server: Server = options.tls === undefined || options.tls === null
    ? createHttpServer(serverOptions, handler)
    : createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, handler);
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
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      await gateway.close();
    },
  };
}
