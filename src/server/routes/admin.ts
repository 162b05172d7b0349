import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApiKey } from '../../control/api-keys.ts';
import { parseLimits, parseLimitsPatch } from '../../control/limits.ts';
import { changeTeam, createTeam } from '../../control/team-service.ts';
import { parseTimeOption } from '../../control/parse-time.ts';
import { fieldPath, readArray, readBoolean, readObject, readString, rejectUnknownKeys, REQUEST_FIELDS } from '../../control/read-fields.ts';
import { usageReport } from '../../control/usage-report.ts';
import type { ApiKeyRecord } from '../../store/core/control-store.ts';
import type { ModelRegistry } from '../../gateway/core/model-registry.ts';
import { parseModelDefinition, type ModelDefinition } from '../../gateway/core/model-definition.ts';
import { addStoredModel } from '../../gateway/manage-models.ts';
import { FabrikError } from '../../shared/errors.ts';
import { decodePathSegment } from '../../shared/http-syntax.ts';
import type { AppContext } from '../app-context.ts';
import { readJsonBody } from '../read-json-body.ts';
import { routeNotFound, sendJson } from '../../shared/send-error.ts';
import type { ServerRoute } from '../server-route.ts';

export interface AdminContext {
  app: AppContext;
  /** The gateway's models with their replicas' state, for GET /admin/models. */
  registry: ModelRegistry;
  /** Models from the config file and command line: listed, but not changed through the API. */
  staticModels: readonly ModelDefinition[];
}

/**
 * The admin API under /admin, for the console and for scripts; the server lets only admin keys
 * in. Teams, keys, models and usage: the same operations, through the same control services, as
 * `fabrik team|key|model|usage`.
 */
export function adminRoutes(context: AdminContext): ServerRoute[] {
  return [{
    method: '*',
    path: '/admin/*',
    auth: 'admin',
    denied: '/admin needs one (fabrik key create --admin)',
    async handle(request, response, call) {
      const method = request.method ?? 'GET';
      const found = matchAdminRoute(method, call.path);
      if (found === null) {
        request.resume();
        throw routeNotFound(method, call.path);
      }
      await found.route.handle({ context, request, response, params: found.params, query: call.query, actor: `key:${call.principal?.key.id ?? 'unknown'}` });
    },
  }];
}

/** One call of the admin API: what it takes and answers (docs/admin-api.md is made from these), and its handler. */
export interface AdminRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The path, `{name}` for a segment the handler reads from `params`. */
  path: string;
  /** The JSON body or the query it takes, as documented. */
  input: string;
  /** What it answers. */
  answer: string;
  handle(call: AdminCall): Promise<void>;
}

export interface AdminCall {
  context: AdminContext;
  request: IncomingMessage;
  response: ServerResponse;
  /** The `{name}` segments of the path, decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Who the audit log names: `key:<id>` of the admin key. */
  actor: string;
}

const param = (call: AdminCall, name: string): string => call.params[name] as string;

/** The admin API, in the order docs/admin-api.md lists it. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET', path: '/admin/teams', input: '', answer: '`{teams}`',
    async handle({ context, response }) {
      sendJson(response, 200, { teams: await context.app.control.listTeams() });
    },
  },
  {
    method: 'GET', path: '/admin/teams/{team}', input: '', answer: 'the team (by name or id); 404 `not_found`',
    async handle(call) {
      const team = await call.context.app.control.getTeam(param(call, 'team'));
      if (team === null) throw new FabrikError('not_found', `team "${param(call, 'team')}" does not exist`, { param: 'team' });
      sendJson(call.response, 200, team);
    },
  },
  {
    method: 'POST', path: '/admin/teams', input: '`{name, limits?, logPayloads?}`', answer: '201 the team; 409 `already_exists`',
    async handle({ context, request, response, actor }) {
      const body = readObject(REQUEST_FIELDS, await readJsonBody(request), '');
      rejectUnknownKeys(REQUEST_FIELDS, body, '', ['name', 'limits', 'logPayloads']);
      const team = await createTeam(context.app.control, {
        name: readString(REQUEST_FIELDS, body.name, 'name'),
        limits: parseLimits(REQUEST_FIELDS, body.limits, 'limits'),
        logPayloads: body.logPayloads === undefined ? false : readBoolean(REQUEST_FIELDS, body.logPayloads, 'logPayloads'),
      }, actor);
      await context.app.refresh();
      sendJson(response, 201, team);
    },
  },
  {
    method: 'PATCH', path: '/admin/teams/{team}', input: '`{limits?, logPayloads?}`: a limit given is set, `null` removes it, one left out is kept (as `fabrik team set`)', answer: 'the team',
    async handle(call) {
      const body = readObject(REQUEST_FIELDS, await readJsonBody(call.request), '');
      rejectUnknownKeys(REQUEST_FIELDS, body, '', ['limits', 'logPayloads']);
      const team = await changeTeam(call.context.app.control, param(call, 'team'), {
        ...(body.limits === undefined || body.limits === null ? {} : { limits: parseLimitsPatch(REQUEST_FIELDS, body.limits, 'limits') }),
        ...(body.logPayloads === undefined ? {} : { logPayloads: readBoolean(REQUEST_FIELDS, body.logPayloads, 'logPayloads') }),
      }, call.actor);
      await call.context.app.refresh();
      sendJson(call.response, 200, team);
    },
  },
  {
    method: 'GET', path: '/admin/keys', input: '`?team=&revoked=true`', answer: '`{keys}` (never their hashes)',
    async handle({ context, response, query }) {
      const store = context.app.control;
      const team = query.get('team');
      const teamId = team === null ? undefined : (await store.getTeam(team))?.id;
      if (team !== null && teamId === undefined) throw new FabrikError('not_found', `team "${team}" does not exist`, { param: 'team' });
      sendJson(response, 200, { keys: (await store.listKeys({ ...(teamId === undefined ? {} : { teamId }), includeRevoked: query.get('revoked') === 'true' })).map(publicKey) });
    },
  },
  {
    method: 'POST', path: '/admin/keys', input: '`{team, name?, models?, limits?, expires?, admin?}`', answer: '201 `{key, secret}`: the only time the secret is shown',
    async handle({ context, request, response, actor }) {
      const body = readObject(REQUEST_FIELDS, await readJsonBody(request), '');
      rejectUnknownKeys(REQUEST_FIELDS, body, '', ['team', 'name', 'models', 'limits', 'expires', 'admin']);
      const admin = body.admin === undefined ? false : readBoolean(REQUEST_FIELDS, body.admin, 'admin');
      const { key, secret } = await createApiKey(context.app.control, {
        team: body.team === undefined || body.team === null ? null : readString(REQUEST_FIELDS, body.team, 'team'),
        ...(body.name === undefined ? {} : { name: readString(REQUEST_FIELDS, body.name, 'name') }),
        role: admin ? 'admin' : 'user',
        models: body.models === undefined ? null : readArray(REQUEST_FIELDS, body.models, 'models').map((model, index) => readString(REQUEST_FIELDS, model, fieldPath('models', index))),
        limits: parseLimits(REQUEST_FIELDS, body.limits, 'limits'),
        expiresAt: body.expires === undefined || body.expires === null ? null : parseTimeOption(readString(REQUEST_FIELDS, body.expires, 'expires'), 'expires', Date.now(), 1, 'invalid_request'),
      }, actor);
      await context.app.refresh();
      sendJson(response, 201, { key: publicKey(key), secret });
    },
  },
  {
    method: 'POST', path: '/admin/keys/{id}/revoke', input: '', answer: 'the key, revoked (revoking twice changes nothing)',
    handle: revokeKey,
  },
  {
    method: 'DELETE', path: '/admin/keys/{id}', input: '', answer: 'the key, revoked',
    handle: revokeKey,
  },
  {
    method: 'GET', path: '/admin/models', input: '', answer: '`{models}`: every model with its source (config or store) and its replicas\' health, circuit, in-flight and failure counts, and `lastError` (`{at, message}` or null)',
    async handle({ context, response }) {
      const fixed = new Set(context.staticModels.map((model) => model.name));
      sendJson(response, 200, {
        models: context.registry.routes().map((route) => ({
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
    },
  },
  {
    method: 'POST', path: '/admin/models', input: 'a model as in the config file', answer: '201 `{name, aliases, replicas}`; 409 `already_exists` for a name in use',
    async handle({ context, request, response, actor }) {
      const model = parseModelDefinition(REQUEST_FIELDS, await readJsonBody(request), '');
      await addStoredModel(context.app.control, model, actor, context.staticModels);
      await context.app.refresh();
      sendJson(response, 201, { name: model.name, aliases: model.aliases, replicas: model.replicas.map((replica) => replica.url) });
    },
  },
  {
    method: 'DELETE', path: '/admin/models/{name}', input: '', answer: '`{removed}`: models in the store only (a config file\'s are changed there)',
    async handle(call) {
      await call.context.app.control.removeModel(param(call, 'name'), call.actor);
      await call.context.app.refresh();
      sendJson(call.response, 200, { removed: param(call, 'name') });
    },
  },
  {
    method: 'GET', path: '/admin/usage', input: '`?since=&until=&team=&model=&groupBy=team,key,model`', answer: 'aggregates and totals',
    async handle({ context, response, query }) {
      const now = Date.now();
      const groupBy = (query.get('groupBy') ?? 'team,model').split(',').filter((part) => part !== '');
      for (const name of groupBy) if (name !== 'team' && name !== 'key' && name !== 'model') throw new FabrikError('invalid_request', `groupBy must list team, key or model; got ${JSON.stringify(name)}`, { param: 'groupBy' });
      const since = query.get('since');
      const until = query.get('until');
      sendJson(response, 200, await usageReport(context.app.control, {
        ...(since === null ? {} : { since: parseTimeOption(since, 'since', now, -1, 'invalid_request') }),
        ...(until === null ? {} : { until: parseTimeOption(until, 'until', now, -1, 'invalid_request') }),
        ...(query.get('team') === null ? {} : { team: query.get('team') as string }),
        ...(query.get('model') === null ? {} : { model: query.get('model') as string }),
        groupBy: groupBy as Array<'team' | 'key' | 'model'>,
      }));
    },
  },
];

async function revokeKey(call: AdminCall): Promise<void> {
  const key = await call.context.app.control.revokeKey(param(call, 'id'), call.actor);
  await call.context.app.refresh();
  sendJson(call.response, 200, publicKey(key));
}

/** The route for a method and path, with the path's `{name}` segments, or null. Segments are percent-decoded (a malformed escape is invalid_request). */
export function matchAdminRoute(method: string, path: string): { route: AdminRoute; params: Record<string, string> } | null {
  // Every segment is decoded first: a malformed escape is a 400 wherever it is, not a 404.
  const segments = path.split('/').filter((part) => part !== '').map((part) => decodePathSegment(part));
  for (const route of ADMIN_ROUTES) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/').filter((part) => part !== '');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let index = 0; index < pattern.length && matched; index += 1) {
      const expected = pattern[index] as string;
      const segment = segments[index] as string;
      if (expected.startsWith('{')) params[expected.slice(1, -1)] = segment;
      else matched = segment === expected;
    }
    if (matched) return { route, params };
  }
  return null;
}

/** A key as the API shows it: never the hash. */
function publicKey(key: ApiKeyRecord): Omit<ApiKeyRecord, 'hash'> {
  const { hash: _hash, ...rest } = key;
  return rest;
}
