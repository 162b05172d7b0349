import type { Gateway } from '../../gateway/create-gateway.ts';
import type { ServerRoute } from '../server-route.ts';

/**
 * The gateway plane: everything under /v1. The gateway authenticates its own requests (it meters
 * those it refuses, 401s included); its inference POSTs are mostly answered by the fast path
 * (http1/fast-connection.ts), which checks `gateway.isInferencePath` before any of this.
 */
export function gatewayRoutes(gateway: Gateway): ServerRoute[] {
  return [{
    method: '*',
    path: '/v1/*',
    auth: 'plane',
    handle: (request, response, call) => gateway.handle(request, response, call.path),
  }];
}
