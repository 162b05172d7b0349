/**
 * An OpenAI-compatible server that behaves like vLLM, standing in for a GPU engine in tests,
 * demos and benchmarks. Built on node:http alone: benchmarks use it as the raw engine that a
 * gateway's added latency is measured against, so its own cost must stay small.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FabrikError } from '../../shared/errors.ts';
import { FaultState, parseFault, type Fault } from './fault.ts';
import { Generation } from './generation.ts';
import { MAX_MODEL_LEN, parseChatRequest, parseCompletionRequest } from './parse-generation-request.ts';
import { PendingResponse } from './pending-response.ts';
import { respondEmbeddings } from './respond-embeddings.ts';
import { sendError, sendJson } from './send-json.ts';
import type { SimContext, SimSettings } from './sim-context.ts';
import { ModelMetrics, renderMetrics } from './sim-metrics.ts';
import { SimRequestError } from './sim-request-error.ts';

export type { Fault } from './fault.ts';

export interface EngineSimOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Served model names; default ['sim-llama-3-8b']. */
  models?: string[];
  /** Streaming rate per request; default 50; 0 = as fast as possible. */
  tokensPerSecond?: number;
  /** Default 150; 0 allowed. */
  timeToFirstTokenMs?: number;
  /** Completion length when max_tokens is absent (it then ends with finish_reason "stop"); default 64. */
  maxTokensDefault?: number;
  /** Default 384. */
  embeddingDimensions?: number;
  /** Stream usage: vLLM sends it only when stream_options.include_usage asks ('when-asked', the default). */
  reportUsage?: 'always' | 'when-asked' | 'never';
  /** When set, /v1 requests need `Authorization: Bearer <apiKey>` (vLLM's --api-key). */
  apiKey?: string;
}

export interface EngineSim {
  /** e.g. http://127.0.0.1:43211 (no trailing slash). */
  url: string;
  port: number;
  /** Fault injection, also reachable as POST /sim/fault {mode, ...}. */
  setFault(fault: Fault): void;
  /** Inference requests (chat, completions, embeddings) received, in flight, and abandoned by their client. */
  stats(): { requests: number; inFlight: number; aborted: number };
  /** Closes the server and every open connection. */
  close(): Promise<void>;
}

/** Largest request body accepted, as vLLM's default is generous but finite. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Starts the stand-in and resolves once it listens. */
export async function startEngineSim(options: EngineSimOptions = {}): Promise<EngineSim> {
  const settings = resolveSettings(options);
  const context: SimContext = {
    settings,
    models: new Map(),
    metricsList: [],
    faults: new FaultState(),
    active: new Set(),
    counters: { requests: 0, inFlight: 0, aborted: 0 },
    closing: false,
    idPrefix: randomBytes(8).toString('hex'),
    sequence: 0,
  };
  for (const model of settings.models) {
    const metrics = new ModelMetrics(model);
    context.models.set(model, { metrics, nameJson: JSON.stringify(model) });
    context.metricsList.push(metrics);
  }
  const created = Math.floor(Date.now() / 1000);
  const modelsBody = JSON.stringify({
    object: 'list',
    data: settings.models.map((id) => ({ id, object: 'model', created, owned_by: 'vllm', root: id, parent: null, max_model_len: MAX_MODEL_LEN })),
  });
  const server = createServer((request, response) => handleRequest(context, modelsBody, request, response));
  // An engine behind a gateway holds connections open; uvicorn's default keep-alive is 5 s as well.
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    setFault: (fault) => context.faults.set(parseFault(fault)),
    stats: () => ({ ...context.counters }),
    close: () => (closing ??= closeSim(context, server)),
  };
}

function resolveSettings(options: EngineSimOptions): SimSettings {
  const models = options.models ?? ['sim-llama-3-8b'];
  if (models.length === 0 || models.some((model) => typeof model !== 'string' || model.length === 0) || new Set(models).size !== models.length) {
    throw new FabrikError('invalid_option', 'models must be a non-empty list of distinct, non-empty names', { param: 'models' });
  }
  const settings: SimSettings = {
    models,
    tokensPerSecond: options.tokensPerSecond ?? 50,
    timeToFirstTokenMs: options.timeToFirstTokenMs ?? 150,
    maxTokensDefault: options.maxTokensDefault ?? 64,
    embeddingDimensions: options.embeddingDimensions ?? 384,
    reportUsage: options.reportUsage ?? 'when-asked',
    apiKey: options.apiKey ?? null,
  };
  requireNumber(settings.tokensPerSecond, 'tokensPerSecond', 0, 1_000_000, false);
  requireNumber(settings.timeToFirstTokenMs, 'timeToFirstTokenMs', 0, 3_600_000, false);
  requireNumber(settings.maxTokensDefault, 'maxTokensDefault', 1, 1_000_000, true);
  requireNumber(settings.embeddingDimensions, 'embeddingDimensions', 1, 65_536, true);
  if (!['always', 'when-asked', 'never'].includes(settings.reportUsage)) {
    throw new FabrikError('invalid_option', `reportUsage must be always, when-asked or never; got ${JSON.stringify(settings.reportUsage)}`, { param: 'reportUsage' });
  }
  return settings;
}

function requireNumber(value: number, name: string, min: number, max: number, integer: boolean): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new FabrikError('invalid_option', `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(value)}`, { param: name });
  }
}

function handleRequest(context: SimContext, modelsBody: string, request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const method = request.method;
  switch (path) {
    case '/v1/chat/completions':
    case '/v1/completions':
    case '/v1/embeddings':
      if (method !== 'POST') return methodNotAllowed(response, 'POST');
      if (!authorized(context, request, response)) return drain(request);
      return readBody(request, response, (text) => handleInference(context, path, text, response));
    case '/v1/models':
      if (method !== 'GET') return methodNotAllowed(response, 'GET');
      if (!authorized(context, request, response)) return drain(request);
      return sendJson(response, 200, modelsBody);
    case '/health':
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(response, 'GET');
      if (context.faults.failsEverything()) {
        const fault = context.faults.fault;
        return sendError(response, fault.mode === 'fail' ? (fault.status ?? 500) : 500, 'engine-sim: the engine is failing (fault mode fail)');
      }
      // vLLM answers 200 with an empty body.
      response.writeHead(200, { 'content-length': 0 });
      return void response.end();
    case '/metrics':
      if (method !== 'GET') return methodNotAllowed(response, 'GET');
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void response.end(renderMetrics(context.metricsList));
    case '/sim/fault':
      if (method === 'GET') return sendJson(response, 200, JSON.stringify({ fault: context.faults.fault }));
      if (method !== 'POST') return methodNotAllowed(response, 'GET, POST');
      return readBody(request, response, (text) => {
        try {
          const fault = parseFault(parseJson(text));
          context.faults.set(fault);
          sendJson(response, 200, JSON.stringify({ fault }));
        } catch (error) {
          sendRequestError(response, error);
        }
      });
    case '/sim/stats':
      if (method !== 'GET') return methodNotAllowed(response, 'GET');
      return sendJson(response, 200, JSON.stringify(context.counters));
    default:
      drain(request);
      return sendError(response, 404, `no route for ${method} ${path}`);
  }
}

function handleInference(context: SimContext, path: string, text: string, response: ServerResponse): void {
  context.counters.requests++;
  const fault = context.faults.next(text);
  if (fault.mode === 'fail') return sendError(response, fault.status ?? 500, 'engine-sim: injected failure (fault mode fail)');
  const beforeHeaders = fault.mode === 'stall' || fault.mode === 'drop' ? fault.afterTokens === undefined || path === '/v1/embeddings' : false;
  if (beforeHeaders && fault.mode === 'stall') return void new PendingResponse(context, response, null, 0);
  if (beforeHeaders && fault.mode === 'drop') return void response.destroy();
  try {
    const body = parseJson(text);
    if (path === '/v1/embeddings') {
      return respondEmbeddings(context, response, body, fault.mode === 'slow-first-token' ? fault.ms : context.settings.timeToFirstTokenMs);
    }
    const generation = path === '/v1/chat/completions' ? parseChatRequest(body) : parseCompletionRequest(body);
    const model = context.models.get(generation.model);
    if (model === undefined) throw new SimRequestError(404, `The model \`${generation.model}\` does not exist.`, 'model');
    new Generation(context, response, generation, model, fault).start();
  } catch (error) {
    sendRequestError(response, error);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SimRequestError(400, `the request body is not valid JSON: ${(error as Error).message}`, null);
  }
}

function sendRequestError(response: ServerResponse, error: unknown): void {
  if (error instanceof SimRequestError) return sendError(response, error.status, error.message, error.param);
  if (error instanceof FabrikError) return sendError(response, error.status, error.message, error.param);
  sendError(response, 500, `engine-sim: ${error instanceof Error ? error.message : String(error)}`);
}

/** Collects the body; one chunk (the usual case for a small request) is decoded without a copy. */
function readBody(request: IncomingMessage, response: ServerResponse, onBody: (text: string) => void): void {
  let first: Buffer | null = null;
  let rest: Buffer[] | null = null;
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return;
    if (first === null) first = chunk;
    else (rest ??= [first]).push(chunk);
  });
  request.on('end', () => {
    if (size > MAX_BODY_BYTES) return sendError(response, 413, `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    onBody(rest !== null ? Buffer.concat(rest).toString('utf8') : first !== null ? (first as Buffer).toString('utf8') : '');
  });
}

function authorized(context: SimContext, request: IncomingMessage, response: ServerResponse): boolean {
  const key = context.settings.apiKey;
  if (key === null || request.headers.authorization === `Bearer ${key}`) return true;
  sendError(response, 401, 'Unauthorized: a valid Authorization: Bearer key is required');
  return false;
}

function methodNotAllowed(response: ServerResponse, allow: string): void {
  response.setHeader('allow', allow);
  sendError(response, 405, `method not allowed; use ${allow}`);
}

function drain(request: IncomingMessage): void {
  request.resume();
}

async function closeSim(context: SimContext, server: Server): Promise<void> {
  context.closing = true;
  for (const pending of [...context.active]) pending.cancel();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
