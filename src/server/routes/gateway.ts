import type { Gateway } from '../../gateway/create-gateway.ts';
import type { ServerRoute } from '../server-route.ts';

/**
 * The gateway plane: the OpenAI-compatible routes under /v1. The gateway authenticates its own
 * requests (it meters those it refuses, 401s included). Its inference POSTs are mostly answered by
 * the fast path (http1/fast-connection.ts), which takes them after a constant-time check of the
 * path (`gateway.isInferencePath`) and never reaches this table.
 */
export function gatewayRoutes(gateway: Gateway): ServerRoute[] {
  const inference = (path: string): ServerRoute => ({ method: 'POST', path, auth: 'plane', handle: (request, response, call) => gateway.handleInference(request, response, call.path) });
  return [
    inference('/v1/chat/completions'),
    inference('/v1/completions'),
    inference('/v1/embeddings'),
    { method: 'GET', path: '/v1/models', auth: 'plane', handle: (request, response, call) => gateway.listModels(request, response, call.path) },
    { method: 'GET', path: '/v1/models/*', auth: 'plane', handle: (request, response, call) => gateway.listModels(request, response, call.path) },
    { method: '*', path: '/v1/*', auth: 'plane', handle: (request, response, call) => gateway.notFound(request, response, call.path) },
  ];
}
