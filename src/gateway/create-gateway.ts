import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { createKeyDirectory, type KeyDirectory, type Principal } from '../control/key-directory.ts';
import type { HttpResponse } from '../shared/http-response.ts';
import { sendError, sendJson } from '../shared/send-error.ts';
import { FabrikError } from '../shared/errors.ts';
import { decodePathSegment } from '../shared/http-syntax.ts';
import type { ControlStore, UsageRecord } from '../store/core/control-store.ts';
import { bodyText, streamText } from './core/count-response-tokens.ts';
import { estimatePromptTokens, loadTokenCounter, tokenCounter, type Endpoint } from './core/count-tokens.ts';
import type { Exchange } from './core/exchange.ts';
import { extractUsage } from './core/extract-usage.ts';
import { exceedsJsonDepth } from './core/json-depth.ts';
import { forwardExchange, type ForwardContext } from './core/forward-exchange.ts';
import { gatewayRequestChannel } from './core/gateway-channels.ts';
import { createGatewayMetrics, type GatewayMetrics } from './core/gateway-metrics.ts';
import { resolveGatewaySettings, type DeepPartial, type GatewaySettings } from './core/gateway-settings.ts';
import { startHealthChecks, type HealthChecker } from './core/health-checker.ts';
import type { ModelDefinition } from './core/model-definition.ts';
import { createModelRegistry, type ModelRegistry } from './core/model-registry.ts';
import { createQuotaLimiter, type Admission, type QuotaLimiter, type Refusal, type Reservation } from './core/quota-limiter.ts';
import type { ModelRoute } from './core/replica-pool.ts';
import { createUpstreamPools } from './upstreams/upstream-pools.ts';
import { createUsageRecorder, type UsageRecorder } from './core/usage-recorder.ts';

export interface GatewayOptions {
  store: ControlStore;
  /** Models from the config file and the command line; the store's (admin API, `fabrik model add`) come after them. */
  models?: readonly ModelDefinition[];
  settings?: DeepPartial<GatewaySettings>;
  /** Names this process in quota leases; unique per process. */
  holder?: string;
}

/** The OpenAI-compatible front door: /v1 requests in, engines' answers out, with keys, quotas and metering. */
export interface Gateway {
  /** Answers a POST to an inference endpoint (chat, completions, embeddings), reading its body. */
  handleInference(request: IncomingMessage, response: HttpResponse, path: string): void;
  /** Answers GET /v1/models and GET /v1/models/{model}: the models the caller's key may use. */
  listModels(request: IncomingMessage, response: HttpResponse, path: string): void;
  /** Answers a /v1 request no route takes, naming the routes there are. */
  notFound(request: IncomingMessage, response: HttpResponse, path: string): void;
  /** The POST endpoints that handleBuffered answers (chat, completions, embeddings). */
  isInferencePath(path: string): boolean;
  /** Answers a POST to an inference endpoint whose body has already been read (the server's fast path). */
  handleBuffered(path: string, authorization: string | undefined, body: Buffer, response: HttpResponse): void;
  /** Checks a request's key from its head alone, before its body is read: false when it was refused (answered on `response`). */
  authorizeHead(authorization: string | undefined, response: HttpResponse, path?: string): boolean;
  /** Answers and meters a request to an inference endpoint that the server refused before reading its body (413: the bodies gathered are at their cap). */
  refuseHead(path: string, authorization: string | undefined, error: unknown, response: HttpResponse, headers?: ReadonlyArray<[string, string]>): void;
  readonly store: ControlStore;
  readonly registry: ModelRegistry;
  readonly directory: KeyDirectory;
  readonly limiter: QuotaLimiter;
  readonly settings: GatewaySettings;
  /** Prometheus text for /metrics. */
  renderMetrics(): string;
  /** Re-reads keys, teams and models when the store changed (runs on a timer too). */
  refresh(): Promise<void>;
  checkHealth(): Promise<void>;
  /** Writes the metered usage recorded so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
};
const INCLUDE_USAGE = Buffer.from('"stream_options":{"include_usage":true},');
/**
 * Requests without a valid key are metered as rows (team and key null) at this many a second,
 * with bursts of UNAUTHENTICATED_BURST: a flood of bad keys must not grow gateway_usage without
 * bound. Past it they are still counted in /metrics (team "-"), just not one row each.
 */
const UNAUTHENTICATED_ROWS_PER_SECOND = 1;
const UNAUTHENTICATED_BURST = 60;

/** Builds the gateway over a control store, loading its keys, teams and models first. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { store } = options;
  const settings = resolveGatewaySettings(options.settings);
  const staticModels = options.models ?? [];
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const requestTag = `req_${randomBytes(5).toString('hex')}`;
  let requestCount = 0;
  const created = Math.floor(Date.now() / 1000);

  const directory = await createKeyDirectory(store);
  const { timeouts } = settings;
  const pools = createUpstreamPools({
    connectTimeoutMs: timeouts.connectMs,
    shortestTimeoutMs: Math.min(timeouts.connectMs, timeouts.firstByteMs, timeouts.idleMs, settings.healthCheck.timeoutMs),
  });
  const registry = createModelRegistry([...staticModels, ...(await store.listModels())], pools);
  const limiter = createQuotaLimiter(store, { holder });
  const metrics: GatewayMetrics = createGatewayMetrics();
  const recorder: UsageRecorder = createUsageRecorder({
    store,
    actor: `service:gateway@${holder}`,
    flushMs: settings.usageFlushMs,
  });
  const health: HealthChecker = startHealthChecks(registry, settings.healthCheck);

  const refresh = async (): Promise<void> => {
    if (await directory.refresh()) registry.update([...staticModels, ...(await store.listModels())]);
  };
  let refreshing = false;
  const refreshTimer = setInterval(() => {
    // A slow store must not pile refreshes up behind each other.
    if (refreshing) return;
    refreshing = true;
    refresh().catch(() => {
      // The store is busy: the next tick tries again.
    }).finally(() => {
      refreshing = false;
    });
  }, settings.refreshMs);
  refreshTimer.unref();
  // A tick never rejects: pending returns stay queued until one gets the lock.
  const quotaTimer = setInterval(() => void limiter.tick(), 1000);
  quotaTimer.unref();

  const record = (usage: UsageRecord, principal: Principal | null, payload?: { request: string; response: string }, modelLabel = usage.model): void => {
    recorder.record(usage, payload === undefined ? undefined : { requestId: usage.requestId, teamId: usage.teamId, time: usage.time, ...payload });
    metrics.observe({
      // A model name nobody configured is not a label: it would let clients grow the series without bound.
      model: modelLabel,
      team: principal?.team?.name ?? (principal?.key.role === 'admin' ? 'admin' : '-'),
      status: usage.status,
      durationSeconds: usage.durationMs / 1000,
      ttftSeconds: usage.ttftMs === null ? null : usage.ttftMs / 1000,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
    });
    if (gatewayRequestChannel.hasSubscribers) gatewayRequestChannel.publish(usage);
  };

  /** Meters and answers a request refused before it reached an engine. */
  const refuse = (response: HttpResponse, error: unknown, context: RefusalContext, headers: ReadonlyArray<[string, string]> = []): void => {
    const fabrik = sendError(response, error, headers);
    record({
      requestId: context.id, time: context.arrived, teamId: context.principal.team?.id ?? null, keyId: context.principal.key.id, model: context.model, replica: null,
      endpoint: context.endpoint, status: fabrik.status, errorCode: fabrik.code, promptTokens: 0, completionTokens: 0, tokensSource: 'none',
      ttftMs: null, itlMs: null, durationMs: performance.now() - context.started, costMicros: 0, stream: context.stream,
    }, context.principal, undefined, context.resolved ? context.model : '-');
  };

  let unauthenticatedRows = UNAUTHENTICATED_BURST;
  let unauthenticatedRefilled = performance.now();
  /** A request without a valid key: counted in /metrics, and metered with no team or key while the row budget above lasts. */
  const refuseUnauthenticated = (response: HttpResponse, error: unknown, started: number, endpoint: string, arrived = Date.now()): void => {
    const fabrik = sendError(response, error);
    const durationMs = performance.now() - started;
    metrics.observe({ model: '-', team: '-', status: fabrik.status, durationSeconds: durationMs / 1000, ttftSeconds: null, promptTokens: 0, completionTokens: 0 });
    const now = performance.now();
    unauthenticatedRows = Math.min(UNAUTHENTICATED_BURST, unauthenticatedRows + ((now - unauthenticatedRefilled) / 1000) * UNAUTHENTICATED_ROWS_PER_SECOND);
    unauthenticatedRefilled = now;
    if (unauthenticatedRows < 1) return;
    unauthenticatedRows -= 1;
    const usage: UsageRecord = {
      requestId: `${requestTag}${(++requestCount).toString(36)}`, time: arrived, teamId: null, keyId: null, model: '-', replica: null,
      endpoint, status: fabrik.status, errorCode: fabrik.code, promptTokens: 0, completionTokens: 0, tokensSource: 'none',
      ttftMs: null, itlMs: null, durationMs, costMicros: 0, stream: false,
    };
    recorder.record(usage);
    if (gatewayRequestChannel.hasSubscribers) gatewayRequestChannel.publish(usage);
  };

  /**
   * The gateway's one auth step: the caller of an inference request, or null once its refusal has
   * been answered and metered (a 401 is metered like any other refusal).
   */
  const authenticate = (authorization: string | undefined, response: HttpResponse, started: number, endpoint: string, arrived = Date.now()): Principal | null => {
    try {
      return directory.authenticate(authorization);
    } catch (error) {
      refuseUnauthenticated(response, error, started, endpoint, arrived);
      return null;
    }
  };

  /** Meters and answers a request with a valid key refused before its body was read (413). */
  const refuseUnread = (response: HttpResponse, error: unknown, principal: Principal, endpoint: string, started: number, arrived: number, headers: ReadonlyArray<[string, string]> = []): void => {
    refuse(response, error, { id: `${requestTag}${(++requestCount).toString(36)}`, arrived, started, principal, model: '-', resolved: false, endpoint, stream: false }, headers);
  };

  const inference = (request: IncomingMessage, response: HttpResponse, endpoint: Endpoint, path: string): void => {
    const started = performance.now();
    const arrived = Date.now();
    const principal = authenticate(request.headers.authorization, response, started, endpoint, arrived);
    if (principal === null) {
      request.resume();
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > settings.maxBodyBytes) {
      response.setHeader('connection', 'close');
      refuseUnread(response, new FabrikError('payload_too_large', `the request body has ${declared} bytes; the limit is ${settings.maxBodyBytes}`, { param: 'body' }), principal, endpoint, started, arrived);
      request.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > settings.maxBodyBytes) {
        if (!tooLarge) {
          tooLarge = true;
          response.setHeader('connection', 'close');
          refuseUnread(response, new FabrikError('payload_too_large', `the request body is larger than the limit of ${settings.maxBodyBytes} bytes`, { param: 'body' }), principal, endpoint, started, arrived);
          request.destroy();
        }
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) return;
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      admit(response, endpoint, path, principal, body, started, arrived);
    });
  };

  const admit = (response: HttpResponse, endpoint: Endpoint, path: string, principal: Principal, body: Buffer, started: number, arrived: number): void => {
    const id = `${requestTag}${(++requestCount).toString(36)}`;
    const context: RefusalContext = { id, arrived, started, principal, model: '-', resolved: false, endpoint, stream: false };
    let parsed: Record<string, unknown>;
    if (exceedsJsonDepth(body, settings.maxJsonDepth)) {
      refuse(response, new FabrikError('invalid_request', `the request body nests objects and arrays deeper than the limit of ${settings.maxJsonDepth}`, { param: 'body' }), context);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (error) {
      refuse(response, new FabrikError('invalid_request', `the request body must be a JSON object: ${(error as Error).message}`, { param: 'body' }), context);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      refuse(response, new FabrikError('invalid_request', `the request body must be a JSON object; got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`, { param: 'body' }), context);
      return;
    }
    parsed = value as Record<string, unknown>;
    const model = parsed.model;
    if (typeof model !== 'string' || model === '') {
      refuse(response, new FabrikError('invalid_request', 'model must be a non-empty string naming one of GET /v1/models', { param: 'model' }), context);
      return;
    }
    context.model = model;
    const stream = endpoint !== 'embeddings' && parsed.stream === true;
    context.stream = stream;
    const route = registry.resolve(model);
    if (route === undefined) {
      refuse(response, new FabrikError('not_found', `the model "${model}" does not exist; GET /v1/models lists the models`, { param: 'model' }), context);
      return;
    }
    context.model = route.definition.name;
    context.resolved = true;
    if (!mayUse(principal, route)) {
      refuse(response, new FabrikError('permission_denied', `the key ${principal.key.prefix}… may not use the model "${model}"`, { param: 'model' }), context);
      return;
    }

    // Quotas: reserve the prompt estimate plus the completion the request may produce.
    const scopes = principal.quotaScopes;
    // Engines honour either field: reserve the larger, and cap both when capping.
    const requestedCompletion = readPositiveInteger(parsed.max_completion_tokens);
    const requestedMax = readPositiveInteger(parsed.max_tokens);
    const requested = requestedCompletion === null ? requestedMax : requestedMax === null ? requestedCompletion : Math.max(requestedCompletion, requestedMax);
    const choices = endpoint === 'embeddings' ? 1 : readPositiveInteger(parsed.n) ?? 1;
    let promptEstimate: number | null = null;
    if (scopes.length > 0) {
      const countsTokens = limiter.countsTokens(scopes);
      if (countsTokens) promptEstimate = estimatePromptTokens(endpoint, parsed);
      const completionReserve = endpoint === 'embeddings' ? 0 : (requested ?? route.definition.maxOutputTokens) * choices;
      let admission: Admission | Refusal | Promise<Admission | Refusal>;
      try {
        admission = limiter.admit({ scopes, promptTokens: promptEstimate ?? 0, completionTokens: completionReserve, prices: route.definition.prices });
      } catch (error) {
        refuse(response, error, context);
        return;
      }
      const admitted = (result: Admission | Refusal): void => {
        if (!result.ok) {
          refuse(response, result.error, context, result.headers);
          return;
        }
        let cap: number | null = null;
        let upstreamMaxTokens: number | null = null;
        const allowance = result.completionAllowance;
        if (allowance !== null && endpoint !== 'embeddings') {
          const perChoice = Math.max(1, Math.floor(allowance / choices));
          if (allowance < completionReserve) {
            cap = perChoice;
            upstreamMaxTokens = perChoice;
          } else if (requested === null) {
            // The reservation assumed the model's maxOutputTokens: make the engine keep to it.
            upstreamMaxTokens = perChoice;
          } else if (requestedCompletion !== null && requestedMax !== null && requestedCompletion !== requestedMax) {
            // The two fields disagree: both are set to the larger, which is what was reserved.
            upstreamMaxTokens = requested;
          }
        }
        forward(response, { endpoint, path, principal, body, started, arrived, parsed, model, route, stream, promptEstimate }, context, result.reservation, result.headers, cap, upstreamMaxTokens);
      };
      // Only a request the local slices cannot cover waits, for one refill shared with the others short now.
      if (admission instanceof Promise) {
        admission.then(admitted, (error: unknown) => refuse(response, error, context)).catch(() => {
          // forward() rethrows only after the exchange finished: nothing is left to answer.
          response.destroy();
        });
      }
      else admitted(admission);
      return;
    }
    forward(response, { endpoint, path, principal, body, started, arrived, parsed, model, route, stream, promptEstimate }, context, null, [], null, null);
  };

  /** Sends an admitted request to an engine and meters it when it finishes. */
  const forward = (
    response: HttpResponse, request: ParsedRequest, context: RefusalContext,
    reservation: Reservation | null, headers: ReadonlyArray<[string, string]>, cap: number | null, upstreamMaxTokens: number | null,
  ): void => {
    const { endpoint, path, principal, body, started, arrived, parsed, model, route, stream, promptEstimate } = request;
    const { id } = context;
    // From here the reservation is held: every way out must settle it (the catch below, or finish).
    let forwarding: Exchange | null = null;
    try {
      // The body goes to the engine as the client sent it, unless the gateway must change it.
      let upstreamBody = body;
      let reserialise = false;
      if (route.definition.upstreamModel !== model) {
        parsed.model = route.definition.upstreamModel;
        reserialise = true;
      }
      let clientWantsUsage = true;
      let splice = false;
      if (stream) {
        const streamOptions = parsed.stream_options;
        clientWantsUsage = isRecord(streamOptions) && streamOptions.include_usage === true;
        if (!clientWantsUsage) {
          if (streamOptions === undefined) splice = true;
          else {
            parsed.stream_options = { ...(isRecord(streamOptions) ? streamOptions : {}), include_usage: true };
            reserialise = true;
          }
        }
      }
      if (upstreamMaxTokens !== null) {
        if (parsed.max_completion_tokens !== undefined) parsed.max_completion_tokens = upstreamMaxTokens;
        if (parsed.max_tokens !== undefined || parsed.max_completion_tokens === undefined) parsed.max_tokens = upstreamMaxTokens;
        reserialise = true;
      }
      if (reserialise) {
        if (splice) parsed.stream_options = { include_usage: true };
        upstreamBody = Buffer.from(JSON.stringify(parsed));
      } else if (splice) {
        upstreamBody = spliceIncludeUsage(body);
      }

      const exchange: Exchange = {
        id, startedAt: started, path, route, stream, clientWantsUsage, upstreamBody, cap, headers,
        replica: null, attempts: 0, committed: false, clientGone: false, status: 0, error: null, usage: null,
        firstEventAt: null, lastEventAt: null, dataEvents: 0, capReached: false, responseBody: [], events: [], finished: false,
      };
      forwarding = exchange;
      metrics.inFlight(route.definition.name, 1);
      const forwardContext: ForwardContext = {
        settings,
        metrics,
        finish: (done) => {
          metrics.inFlight(route.definition.name, -1);
          // The exchange lets go of its buffers when this returns; counting may finish later.
          const answer = done.stream ? done.events : done.responseBody;
          const complete = (tokens: MeteredTokens): void => {
            if (reservation !== null) limiter.settle(reservation, tokens);
            const prices = route.definition.prices;
            const ttftMs = done.firstEventAt === null ? null : done.firstEventAt - started;
            const itlMs = done.firstEventAt !== null && done.lastEventAt !== null && done.dataEvents > 1 ? (done.lastEventAt - done.firstEventAt) / (done.dataEvents - 1) : null;
            const usage: UsageRecord = {
              requestId: id, time: arrived, teamId: principal.team?.id ?? null, keyId: principal.key.id, model: route.definition.name,
              replica: done.replica?.url ?? null, endpoint, status: done.status, errorCode: done.error?.code ?? null,
              promptTokens: tokens.promptTokens, completionTokens: tokens.completionTokens, tokensSource: tokens.source,
              ttftMs, itlMs, durationMs: performance.now() - started,
              costMicros: Math.round(tokens.promptTokens * prices.input + tokens.completionTokens * prices.output), stream,
            };
            const payload = principal.team?.logPayloads === true
              ? { request: body.toString('utf8'), response: Buffer.concat(answer).toString('utf8') }
              : undefined;
            record(usage, principal, payload);
          };
          const engineTokens = engineUsage(done);
          if (engineTokens !== null) complete(engineTokens);
          else if (tokenCounter() !== null) complete(countTokensOf(done.stream, answer, endpoint, parsed));
          else loadTokenCounter().then(() => complete(countTokensOf(done.stream, answer, endpoint, parsed)), () => complete({ promptTokens: promptEstimate ?? 0, completionTokens: done.dataEvents, source: 'gateway' }));
        },
      };
      forwardExchange(forwardContext, exchange, response);
    } catch (error) {
      if (forwarding?.finished === true) throw error;
      if (forwarding !== null) {
        forwarding.finished = true;
        metrics.inFlight(route.definition.name, -1);
      }
      if (reservation !== null) limiter.settle(reservation, { promptTokens: 0, completionTokens: 0 });
      if (response.headersSent) response.destroy();
      else refuse(response, error, context);
    }
  };

  const listModels = (request: IncomingMessage, response: HttpResponse, path: string): void => {
    let principal: Principal;
    try {
      principal = directory.authenticate(request.headers.authorization);
    } catch (error) {
      sendError(response, error);
      return;
    }
    const entries: Array<{ id: string; object: 'model'; created: number; owned_by: string; root: string }> = [];
    for (const route of registry.routes()) {
      if (!mayUse(principal, route)) continue;
      for (const name of [route.definition.name, ...route.definition.aliases]) entries.push({ id: name, object: 'model', created, owned_by: 'fabrik', root: route.definition.name });
    }
    if (path === '/v1/models') {
      sendJson(response, 200, { object: 'list', data: entries });
      return;
    }
    let name: string;
    try {
      name = decodePathSegment(path.slice('/v1/models/'.length), 'model');
    } catch (error) {
      sendError(response, error);
      return;
    }
    const entry = entries.find((candidate) => candidate.id === name);
    if (entry === undefined) sendError(response, new FabrikError('not_found', `the model "${name}" does not exist`, { param: 'model' }));
    else sendJson(response, 200, entry);
  };

  return {
    store,
    registry,
    directory,
    limiter,
    settings,
    isInferencePath: (path) => ENDPOINTS[path] !== undefined,
    authorizeHead(authorization, response, path = '') {
      return authenticate(authorization, response, performance.now(), ENDPOINTS[path] ?? path) !== null;
    },
    refuseHead(path, authorization, error, response, headers = []) {
      const started = performance.now();
      const arrived = Date.now();
      const principal = authenticate(authorization, response, started, ENDPOINTS[path] ?? path, arrived);
      if (principal === null) return;
      refuseUnread(response, error, principal, ENDPOINTS[path] ?? path, started, arrived, headers);
    },
    handleBuffered(path, authorization, body, response) {
      const endpoint = ENDPOINTS[path];
      if (endpoint === undefined) throw new FabrikError('not_found', `no inference endpoint at ${path}`, { param: 'path' });
      const started = performance.now();
      const arrived = Date.now();
      const principal = authenticate(authorization, response, started, endpoint, arrived);
      if (principal === null) return;
      admit(response, endpoint, path, principal, body, started, arrived);
    },
    handleInference(request, response, path) {
      const endpoint = ENDPOINTS[path];
      if (endpoint === undefined) throw new FabrikError('not_found', `no inference endpoint at ${path}`, { param: 'path' });
      inference(request, response, endpoint, path);
    },
    listModels,
    notFound(request, response, path) {
      request.resume();
      sendError(response, new FabrikError('not_found', `no route for ${request.method ?? 'GET'} ${path}; the gateway serves POST /v1/chat/completions, /v1/completions, /v1/embeddings and GET /v1/models`, { param: 'path' }));
    },
    renderMetrics: () => metrics.render(registry),
    refresh,
    checkHealth: () => health.checkNow(),
    flush: () => recorder.flush(),
    async close() {
      clearInterval(refreshTimer);
      clearInterval(quotaTimer);
      health.stop();
      try {
        await limiter.close();
      } catch {
        // Unreturned slices expire with their window.
      }
      await recorder.close();
      pools.close();
    },
  };
}

/** What a refusal is metered with. */
interface RefusalContext {
  id: string;
  arrived: number;
  started: number;
  principal: Principal;
  model: string;
  resolved: boolean;
  endpoint: string;
  stream: boolean;
}

/** An inference request that passed authentication, parsing and model resolution. */
interface ParsedRequest {
  endpoint: Endpoint;
  path: string;
  principal: Principal;
  body: Buffer;
  started: number;
  arrived: number;
  parsed: Record<string, unknown>;
  /** The model name as the client sent it. */
  model: string;
  route: ModelRoute;
  stream: boolean;
  promptEstimate: number | null;
}

function mayUse(principal: Principal, route: ModelRoute): boolean {
  if (principal.models === null) return true;
  if (principal.models.has(route.definition.name)) return true;
  return route.definition.aliases.some((alias) => principal.models?.has(alias) === true);
}

interface MeteredTokens {
  promptTokens: number;
  completionTokens: number;
  source: UsageRecord['tokensSource'];
}

/** The engine's own count, or null when it sent none (or nothing was answered: then zero). */
function engineUsage(exchange: Exchange): MeteredTokens | null {
  if (exchange.usage === null && !exchange.stream && exchange.responseBody.length > 0 && exchange.status < 400) {
    exchange.usage = extractUsage(exchange.responseBody.length === 1 ? (exchange.responseBody[0] as Buffer) : Buffer.concat(exchange.responseBody));
  }
  if (exchange.usage !== null) return { ...exchange.usage, source: 'engine' };
  const answered = exchange.stream ? exchange.dataEvents > 0 : exchange.status > 0 && exchange.status < 400 && exchange.responseBody.length > 0;
  return answered ? null : { promptTokens: 0, completionTokens: 0, source: 'none' };
}

/** The gateway's own cl100k_base count, for an engine that reported no usage (the counter must be loaded). */
function countTokensOf(stream: boolean, answer: readonly Buffer[], endpoint: Endpoint, body: Record<string, unknown>): MeteredTokens {
  const count = tokenCounter() as (text: string) => number;
  return {
    promptTokens: estimatePromptTokens(endpoint, body, count),
    completionTokens: count(stream ? streamText(answer) : bodyText(answer)),
    source: 'gateway',
  };
}

/** Adds `"stream_options":{"include_usage":true},` after the body's opening brace: no re-serialisation. */
function spliceIncludeUsage(body: Buffer): Buffer {
  let index = 0;
  while (index < body.length && body[index] !== 123) index += 1;
  return Buffer.concat([body.subarray(0, index + 1), INCLUDE_USAGE, body.subarray(index + 1)]);
}

function readPositiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
