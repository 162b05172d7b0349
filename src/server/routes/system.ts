import type { AppContext } from '../app-context.ts';
import type { ServerRoute } from '../server-route.ts';

/** The server's own routes: liveness, and the metrics every plane registered. */
export function systemRoutes(app: AppContext, options: { metricsAuth: boolean }): ServerRoute[] {
  return [
    {
      method: 'GET',
      path: '/health',
      auth: 'none',
      handle(_request, response) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"status":"ok"}');
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      // It names teams and replicas: an admin key, unless the operator opened it (--metrics-public).
      auth: options.metricsAuth ? 'admin' : 'none',
      denied: '/metrics needs one (a scraper on a private network may be let in without one with --metrics-public)',
      handle(_request, response) {
        const body = app.metrics.render();
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      },
    },
  ];
}
