import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApiKey, checkTeamName } from '../../control/api-keys.ts';
import type { Principal } from '../../control/key-directory.ts';
import { parseLimits } from '../../control/limits.ts';
import { parseTimeOption } from '../../control/parse-time.ts';
import { fieldPath, readArray, readBoolean, readObject, readString, rejectUnknownKeys, REQUEST_FIELDS } from '../../control/read-fields.ts';
import { usageReport } from '../../control/usage-report.ts';
import type { ApiKeyRecord } from '../../store/core/control-store.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';
import { parseModelDefinition, type ModelDefinition } from '../../gateway/core/model-definition.ts';
import { addStoredModel } from '../../gateway/manage-models.ts';
import { FabrikError } from '../../shared/errors.ts';
import { decodePathSegment } from '../../shared/http-syntax.ts';
import { readJsonBody } from '../read-json-body.ts';
import { routeNotFound, sendError, sendJson } from '../send-error.ts';

export interface AdminContext {
  gateway: Gateway;
  /** Models from the config file and command line: listed, but not changed through the API. */
  staticModels: readonly ModelDefinition[];
}

/**
 * The admin API under /admin, for the console and for scripts; every call needs an admin key.
 * Teams, keys, models and usage — the same operations as `fabrik team|key|model|usage`.
 */
export function handleAdmin(context: AdminContext, request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams): void {
  let principal: Principal;
  try {
    principal = context.gateway.directory.authenticate(request.headers.authorization);
    if (principal.key.role !== 'admin') throw new FabrikError('permission_denied', `the key ${principal.key.prefix}… is not an admin key; /admin needs one (fabrik key create --admin)`, { param: 'authorization' });
  } catch (error) {
    request.resume();
    sendError(response, error);
    return;
  }
  route(context, request, response, path, query, `key:${principal.key.id}`).catch((error: unknown) => {
    // A body left unread (refused as too large) must not be taken for the next request.
    if (!request.complete && !response.headersSent) response.setHeader('connection', 'close');
    sendError(response, error);
  });
}

async function route(context: AdminContext, request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams, actor: string): Promise<void> {
  const { gateway } = context;
  const store = gateway.store;
  const method = request.method ?? 'GET';
  const parts = path.split('/').filter((part) => part !== '').map((part) => decodePathSegment(part)).slice(1);
  const [collection, id, action] = parts;

  if (collection === 'teams') {
    if (method === 'GET' && id === undefined) return sendJson(response, 200, { teams: await store.listTeams() });
    if (method === 'GET' && id !== undefined) {
      const team = await store.getTeam(id);
      if (team === null) throw new FabrikError('not_found', `team "${id}" does not exist`, { param: 'team' });
      return sendJson(response, 200, team);
    }
    if (method === 'POST' && id === undefined) {
      const body = readObject(REQUEST_FIELDS, await readJsonBody(request), '');
      rejectUnknownKeys(REQUEST_FIELDS, body, '', ['name', 'limits', 'logPayloads']);
      const team = await store.createTeam({
        name: checkTeamName(readString(REQUEST_FIELDS, body.name, 'name')),
        limits: parseLimits(REQUEST_FIELDS, body.limits, 'limits'),
        logPayloads: body.logPayloads === undefined ? false : readBoolean(REQUEST_FIELDS, body.logPayloads, 'logPayloads'),
      }, actor);
      await gateway.refresh();
      return sendJson(response, 201, team);
    }
    if (method === 'PATCH' && id !== undefined) {
      const body = readObject(REQUEST_FIELDS, await readJsonBody(request), '');
      rejectUnknownKeys(REQUEST_FIELDS, body, '', ['limits', 'logPayloads']);
      const team = await store.updateTeam(id, {
        ...(body.limits === undefined ? {} : { limits: parseLimits(REQUEST_FIELDS, body.limits, 'limits') }),
        ...(body.logPayloads === undefined ? {} : { logPayloads: readBoolean(REQUEST_FIELDS, body.logPayloads, 'logPayloads') }),
      }, actor);
      await gateway.refresh();
      return sendJson(response, 200, team);
    }
  }

  if (collection === 'keys') {
    if (method === 'GET' && id === undefined) {
      const team = query.get('team');
      const teamId = team === null ? undefined : (await store.getTeam(team))?.id;
      if (team !== null && teamId === undefined) throw new FabrikError('not_found', `team "${team}" does not exist`, { param: 'team' });
      return sendJson(response, 200, { keys: (await store.listKeys({ ...(teamId === undefined ? {} : { teamId }), includeRevoked: query.get('revoked') === 'true' })).map(publicKey) });
    }
    if (method === 'POST' && id === undefined) {
      const body = readObject(REQUEST_FIELDS, await readJsonBody(request), '');
      rejectUnknownKeys(REQUEST_FIELDS, body, '', ['team', 'name', 'models', 'limits', 'expires', 'admin']);
      const admin = body.admin === undefined ? false : readBoolean(REQUEST_FIELDS, body.admin, 'admin');
      const { key, secret } = await createApiKey(store, {
        team: body.team === undefined || body.team === null ? null : readString(REQUEST_FIELDS, body.team, 'team'),
        ...(body.name === undefined ? {} : { name: readString(REQUEST_FIELDS, body.name, 'name') }),
        role: admin ? 'admin' : 'user',
        models: body.models === undefined ? null : readArray(REQUEST_FIELDS, body.models, 'models').map((model, index) => readString(REQUEST_FIELDS, model, fieldPath('models', index))),
        limits: parseLimits(REQUEST_FIELDS, body.limits, 'limits'),
        expiresAt: body.expires === undefined || body.expires === null ? null : parseTimeOption(readString(REQUEST_FIELDS, body.expires, 'expires'), 'expires', Date.now(), 1, 'invalid_request'),
      }, actor);
      await gateway.refresh();
      return sendJson(response, 201, { key: publicKey(key), secret });
    }
    if (((method === 'POST' && action === 'revoke') || (method === 'DELETE' && action === undefined)) && id !== undefined) {
      const key = await store.revokeKey(id, actor);
      await gateway.refresh();
      return sendJson(response, 200, publicKey(key));
    }
  }

  if (collection === 'models') {
    if (method === 'GET' && id === undefined) {
      const fixed = new Set(context.staticModels.map((model) => model.name));
      return sendJson(response, 200, {
        models: gateway.registry.routes().map((route) => ({
          name: route.definition.name,
          aliases: route.definition.aliases,
          upstreamModel: route.definition.upstreamModel,
          prices: route.definition.prices,
          maxOutputTokens: route.definition.maxOutputTokens,
          source: fixed.has(route.definition.name) ? 'config' : 'store',
          replicas: route.replicas.map((replica) => ({
            url: replica.url, weight: replica.definition.weight, maxConcurrent: replica.definition.maxConcurrent,
            healthy: replica.healthy, circuit: replica.circuit, inFlight: replica.inFlight, requests: replica.requests, failures: replica.failures, lastError: replica.lastError,
          })),
        })),
      });
    }
    if (method === 'POST' && id === undefined) {
      const model = parseModelDefinition(REQUEST_FIELDS, await readJsonBody(request), '');
      await addStoredModel(store, model, actor, context.staticModels);
      await gateway.refresh();
      return sendJson(response, 201, { name: model.name, aliases: model.aliases, replicas: model.replicas.map((replica) => replica.url) });
    }
    if (method === 'DELETE' && id !== undefined) {
      await store.removeModel(id, actor);
      await gateway.refresh();
      return sendJson(response, 200, { removed: id });
    }
  }

  if (collection === 'usage' && method === 'GET' && id === undefined) {
    const now = Date.now();
    const groupBy = (query.get('groupBy') ?? 'team,model').split(',').filter((part) => part !== '');
    for (const name of groupBy) if (name !== 'team' && name !== 'key' && name !== 'model') throw new FabrikError('invalid_request', `groupBy must list team, key or model; got ${JSON.stringify(name)}`, { param: 'groupBy' });
    const since = query.get('since');
    const until = query.get('until');
    return sendJson(response, 200, await usageReport(store, {
      ...(since === null ? {} : { since: parseTimeOption(since, 'since', now, -1, 'invalid_request') }),
      ...(until === null ? {} : { until: parseTimeOption(until, 'until', now, -1, 'invalid_request') }),
      ...(query.get('team') === null ? {} : { team: query.get('team') as string }),
      ...(query.get('model') === null ? {} : { model: query.get('model') as string }),
      groupBy: groupBy as Array<'team' | 'key' | 'model'>,
    }));
  }

  request.resume();
  throw routeNotFound(method, path);
}

/** A key as the API shows it: never the hash. */
function publicKey(key: ApiKeyRecord): Omit<ApiKeyRecord, 'hash'> {
  const { hash: _hash, ...rest } = key;
  return rest;
}
