import type { OutgoingHttpHeaders } from 'node:http';
import type { HttpResponse } from '../../shared/http-response.ts';
import { FabrikError } from '../../shared/errors.ts';
import { errorEvent, sendError } from '../../shared/send-error.ts';
import type { Exchange } from './exchange.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import type { GatewaySettings } from './gateway-settings.ts';
import { pickReplica, recordFailure, recordSuccess, releaseProbe, type ModelRoute, type Replica } from './replica-pool.ts';
import type { UpstreamController, UpstreamFailure, UpstreamHandler } from './upstream.ts';
import { createSseEventScanner, eventUsage, hasData, isDoneEvent, isUsageOnlyEvent, type SseEventScanner } from './sse-event-scanner.ts';

export interface ForwardContext {
  settings: GatewaySettings;
  metrics: GatewayMetrics;
  /** Called exactly once, when the exchange is over however it ended. */
  finish(exchange: Exchange): void;
}

interface Attempt {
  replica: Replica;
  controller: UpstreamController | null;
  responded: boolean;
  done: boolean;
  /** Set when the gateway cut the attempt (the total timeout), to report instead of the abort. */
  failure: FabrikError | null;
}

const DONE_EVENT = Buffer.from('data: [DONE]\n\n');
const LENGTH_FINISH = Buffer.from('"finish_reason":"length"');
const MAX_ERROR_BODY = 64 * 1024;
const NOTHING: Buffer[] = [];

/**
 * Sends the exchange to a replica and streams the answer back: retries and fails over on
 * connect errors, timeouts, 429 and 5xx until the first byte reaches the client; after that, a
 * failure ends a stream with an error event (and any other answer by closing the connection).
 * Bytes go through as the engine sent them; SSE is cut only at event boundaries.
 *
 * A failure the request itself causes must not count against a replica, or one client's bad
 * input opens every circuit for everyone: a 4xx never counts, and an engine's 5xx answer is only
 * held against its replica once another replica has answered the same body otherwise. The same
 * 5xx (or a 4xx) from a second replica convicts the body: no more retries, neither is counted.
 */
export function forwardExchange(context: ForwardContext, exchange: Exchange, response: HttpResponse): void {
  const { settings, metrics } = context;
  const { timeouts, circuit } = settings;
  let current: Attempt | null = null;
  let tried: Set<Replica> | null = null;
  // A replica that answered this body with a 5xx, not yet counted: the next answer says whose fault it was.
  let suspect: Replica | null = null;

  /** The suspect's 5xx was its own (another replica answered, or failed for its own reasons): count it. */
  const convict = (): void => {
    if (suspect === null) return;
    recordFailure(suspect, Date.now(), circuit);
    suspect = null;
  };
  /** The body caused the suspect's 5xx: it does not count. */
  const acquit = (): void => {
    if (suspect === null) return;
    releaseProbe(suspect);
    suspect = null;
  };

  const finish = (): void => {
    if (exchange.finished) return;
    // Nobody else answered: as before, the 5xx counts against the replica that sent it.
    convict();
    exchange.finished = true;
    context.finish(exchange);
    // An exchange that lived through a young-generation collection now sits in the old one, where,
    // dead or not, it would keep what it points to alive through the next collections: let go.
    exchange.responseBody = NOTHING;
    exchange.events = NOTHING;
    current = null;
  };

  const endAttempt = (attempt: Attempt, outcome: 'success' | 'failure' | 'neutral' | 'suspect'): void => {
    if (attempt.done) return;
    attempt.done = true;
    attempt.replica.inFlight -= 1;
    if (outcome === 'success') recordSuccess(attempt.replica);
    else if (outcome === 'failure') recordFailure(attempt.replica, Date.now(), circuit);
    else if (outcome === 'neutral') releaseProbe(attempt.replica);
    // 'suspect': judged later (a half-open probe stays taken until then).
    else suspect = attempt.replica;
  };

  const fail = (error: FabrikError, headers: ReadonlyArray<[string, string]> = []): void => {
    if (exchange.finished) return;
    exchange.error = error;
    exchange.status = error.status;
    if (!exchange.clientGone) sendError(response, error, headers);
    finish();
  };

  response.on('close', () => {
    if (exchange.finished || response.writableFinished) return;
    // The client left: stop the engine's work and settle what was delivered.
    exchange.clientGone = true;
    exchange.status = 499;
    // No verdict on an earlier 5xx: a client that leaves between two tries must not make it count.
    acquit();
    if (current !== null && !current.done) {
      endAttempt(current, 'neutral');
      current.controller?.abort();
    }
    finish();
  });

  const retryOrFail = (replica: Replica, error: FabrikError, sameAgain: boolean): void => {
    (tried ??= new Set()).add(replica);
    if (exchange.attempts <= settings.retries && performance.now() - exchange.startedAt < timeouts.totalMs) {
      metrics.retried(exchange.route.definition.name);
      start(error, sameAgain);
    } else fail(error);
  };

  const start = (lastError: FabrikError | null, sameAgain: boolean): void => {
    if (exchange.finished) return;
    const wallClock = Date.now();
    let pick = pickReplica(exchange.route, tried, wallClock, circuit);
    // A kept-alive connection the engine had just closed is not the replica's fault: one more try on it.
    if (pick.replica === null && sameAgain) pick = pickReplica(exchange.route, null, wallClock, circuit);
    if (pick.replica === null) {
      const name = exchange.route.definition.name;
      const error = lastError ?? (pick.reason === 'busy'
        ? new FabrikError('no_healthy_upstream', `every replica of model "${name}" is at its concurrency limit; retry shortly`, { param: 'model' })
        : new FabrikError('no_healthy_upstream', `model "${name}" has no healthy replica (${exchange.route.replicas.length} configured: failing health checks or circuit open)`, { param: 'model' }));
      fail(error, pick.reason === 'busy' || lastError === null ? [['retry-after', '1']] : []);
      return;
    }
    const replica = pick.replica;
    exchange.attempts += 1;
    exchange.replica = replica;
    replica.inFlight += 1;
    replica.requests += 1;
    const headers: Array<[string, string]> = [['content-type', 'application/json'], ['x-request-id', exchange.id]];
    if (replica.authorization !== undefined) headers.push(['authorization', replica.authorization]);
    const attempt: Attempt = { replica, controller: null, responded: false, done: false, failure: null };
    current = attempt;
    // The connection's idle timer enforces the first-byte and between-chunk timeouts; the total is
    // checked on every chunk, and waiting for the head never outlasts it. (A timer registry shared
    // by all requests was tried: a long-lived Set written on every request kept each request's
    // objects alive through young-generation collections and tripled the time spent collecting.)
    const left = Math.max(1, timeouts.totalMs - (performance.now() - exchange.startedAt));
    try {
      attempt.controller = replica.pool.dispatch({
        method: 'POST',
        path: replica.basePath + exchange.path,
        headers,
        body: exchange.upstreamBody,
        headersTimeoutMs: Math.min(timeouts.firstByteMs, left),
        bodyTimeoutMs: Math.min(timeouts.idleMs, left),
      }, createHandler(attempt));
    } catch (error) {
      endAttempt(attempt, 'failure');
      retryOrFail(replica, upstreamError(replica, 'upstream_error', 'could not be reached', (error as Error).message), false);
    }
  };

  /**
   * What the client is told when a request to the engine failed: which replica of the model, by
   * number, and what went wrong, never its URL or host (every key holder reads this). The
   * detail goes to the replica's lastError, for GET /admin/models.
   */
  const upstreamError = (replica: Replica, code: 'upstream_error' | 'upstream_timeout', what: string, cause?: string): FabrikError => {
    replica.lastError = { at: new Date().toISOString(), message: `${replica.url}: ${what}${cause === undefined ? '' : `: ${cause}`}` };
    return new FabrikError(code, `${replicaLabel(exchange.route, replica)} ${what}`, { param: 'model' });
  };

  const upstreamFailure = (attempt: Attempt, error: UpstreamFailure): FabrikError => {
    if (attempt.failure !== null) return attempt.failure;
    const replica = attempt.replica;
    switch (error.code) {
      case 'connect_timeout':
        return upstreamError(replica, 'upstream_timeout', `accepted no connection within ${timeouts.connectMs} ms`);
      case 'headers_timeout':
        return upstreamError(replica, 'upstream_timeout', `sent no response within ${timeouts.firstByteMs} ms`);
      case 'body_timeout':
        return upstreamError(replica, 'upstream_timeout', `sent nothing for ${timeouts.idleMs} ms`);
      case 'protocol':
        return upstreamError(replica, 'upstream_error', `answered with a malformed HTTP response: ${redactUpstream(error.message, replica)}`, error.message);
      default:
        return attempt.responded
          ? upstreamError(replica, 'upstream_error', 'closed the connection mid-response')
          : upstreamError(replica, 'upstream_error', 'could not be reached', error.message);
    }
  };

  const createHandler = (attempt: Attempt): UpstreamHandler => {
    // What the response turned out to be, once its status is known.
    let mode: 'error' | 'body' | 'sse' = 'body';
    let status = 0;
    let errorBody: Buffer[] = [];
    let errorSize = 0;
    let expected = -1;
    let received = 0;
    let scanner: SseEventScanner | null = null;
    const cap = exchange.cap;
    let lengthFinish = false;
    let cut = false;
    let out: Buffer[] = [];

    const pause = (): void => {
      const controller = attempt.controller;
      if (controller === null) return;
      controller.pause();
      response.once('drain', () => controller.resume());
    };
    /** A failure after the status line went out: a stream gets an error event, anything else a cut connection. */
    const reportFailure = (failure: FabrikError): void => {
      exchange.error = failure;
      exchange.status = failure.status;
      if (mode === 'sse' && !exchange.clientGone) response.end(errorEvent(failure));
      else response.destroy();
      finish();
    };
    const capEvent = (): Buffer => Buffer.from(errorEvent(new FabrikError('quota_exceeded', `the answer was ended at ${cap} completion tokens: the quota has no more room for this request`, { param: 'max_tokens' })));
    const onEvent = (event: Buffer): void => {
      if (cut) return;
      if (!hasData(event)) {
        out.push(event);
        return;
      }
      if (isDoneEvent(event)) {
        if (cap !== null && (lengthFinish || (exchange.usage !== null && exchange.usage.completionTokens >= cap))) {
          exchange.capReached = true;
          out.push(capEvent());
        }
        out.push(event);
        return;
      }
      const now = performance.now();
      if (exchange.firstEventAt === null) exchange.firstEventAt = now;
      exchange.lastEventAt = now;
      exchange.dataEvents += 1;
      const usage = eventUsage(event);
      if (usage !== null) {
        exchange.usage = usage;
        if (!exchange.clientWantsUsage && isUsageOnlyEvent(event)) return;
      } else {
        exchange.events.push(event);
      }
      if (cap !== null) {
        if (event.indexOf(LENGTH_FINISH) !== -1) lengthFinish = true;
        // Backstop for an engine that ignores max_tokens: every content event holds at least one token.
        if (exchange.dataEvents > cap + 2) {
          exchange.capReached = true;
          cut = true;
          out.push(capEvent(), DONE_EVENT);
          return;
        }
      }
      out.push(event);
    };

    return {
      onResponseStart(statusCode, headers) {
        attempt.responded = true;
        status = statusCode;
        if (attempt.done || exchange.finished) return;
        if (statusCode >= 400) {
          mode = 'error';
          return;
        }
        exchange.committed = true;
        exchange.status = statusCode;
        const contentType = headers['content-type'] ?? 'application/json';
        mode = contentType.includes('text/event-stream') ? 'sse' : 'body';
        const head: OutgoingHttpHeaders = { 'content-type': contentType, 'x-request-id': exchange.id };
        if (mode === 'sse') head['cache-control'] = 'no-cache';
        else if (headers['content-length'] !== undefined) {
          head['content-length'] = headers['content-length'];
          expected = Number(headers['content-length']);
        }
        for (const [name, value] of exchange.headers) head[name] = value;
        response.writeHead(statusCode, head);
      },

      onResponseData(chunk) {
        if (attempt.done || exchange.finished) return;
        if (performance.now() - exchange.startedAt > timeouts.totalMs) {
          attempt.failure = new FabrikError('upstream_timeout', `the request took longer than ${timeouts.totalMs} ms in total`, { param: 'model' });
          // Aborting ends the attempt silently; the failure is reported here. A slow generation is
          // not a broken replica: it does not count against the circuit.
          attempt.controller?.abort();
          endAttempt(attempt, 'neutral');
          if (mode === 'error') fail(attempt.failure);
          else reportFailure(attempt.failure);
          return;
        }
        if (mode === 'error') {
          if (errorSize < MAX_ERROR_BODY) errorBody.push(chunk);
          errorSize += chunk.length;
          return;
        }
        if (mode === 'body') {
          exchange.responseBody.push(chunk);
          received += chunk.length;
          // The common answer is one chunk with a content-length: end() sends it with the headers in one write.
          if (received === expected && exchange.responseBody.length === 1) return;
          if (!response.write(chunk)) pause();
          return;
        }
        (scanner ??= createSseEventScanner()).push(chunk, onEvent);
        if (out.length === 0) return;
        const written = response.write(joinSlices(out));
        out = [];
        if (cut) {
          endAttempt(attempt, 'neutral');
          response.end();
          attempt.controller?.abort();
          finish();
          return;
        }
        if (!written) pause();
      },

      onResponseEnd() {
        if (attempt.done || exchange.finished) return;
        if (mode === 'error') {
          const body = Buffer.concat(errorBody);
          errorBody = [];
          if (status === 429) convict();
          else if (suspect !== null) {
            // A second replica refused or failed on the same body: the body is the cause.
            acquit();
            endAttempt(attempt, 'neutral');
            sendEngineError(status, body, attempt.replica);
            return;
          }
          const retryable = status >= 500 || status === 429;
          const retrying = retryable && exchange.attempts <= settings.retries && hasOtherCandidate(attempt.replica);
          endAttempt(attempt, status < 500 ? 'neutral' : retrying ? 'suspect' : 'failure');
          if (retrying) {
            retryOrFail(attempt.replica, engineFailure(status, body, exchange.route, attempt.replica), false);
          } else {
            sendEngineError(status, body, attempt.replica);
          }
          return;
        }
        convict();
        endAttempt(attempt, 'success');
        if (mode === 'body' && received === expected && exchange.responseBody.length === 1) response.end(exchange.responseBody[0]);
        else response.end(mode === 'sse' && !cut ? scanner?.rest() : undefined);
        finish();
      },

      onResponseError(error) {
        if (attempt.done || exchange.finished) return;
        const failure = upstreamFailure(attempt, error);
        // A connection failure is no verdict on the body: the earlier 5xx counts as well.
        convict();
        endAttempt(attempt, 'failure');
        if (!attempt.responded || mode === 'error') {
          // A kept-alive connection the engine closed before answering: the same replica may be tried again.
          retryOrFail(attempt.replica, failure, !attempt.responded && error.reused && error.code === 'closed');
          return;
        }
        reportFailure(failure);
      },
    };
  };

  const hasOtherCandidate = (replica: Replica): boolean => exchange.route.replicas.some((other) => other !== replica && !(tried?.has(other) ?? false) && other.healthy && other.circuit !== 'open');

  const sendEngineError = (status: number, body: Buffer, replica: Replica): void => {
    if (exchange.clientGone) {
      finish();
      return;
    }
    const normalized = normalizeEngineError(status, body, (text) => redactUpstream(text, replica));
    if (normalized === null) {
      fail(engineFailure(status, body, exchange.route, replica));
      return;
    }
    if (status >= 500) replica.lastError = { at: new Date().toISOString(), message: `${replica.url}: HTTP ${status}: ${body.toString('utf8').slice(0, 300)}` };
    exchange.status = status;
    exchange.error = new FabrikError(status >= 500 ? 'upstream_error' : 'invalid_request', normalized.message);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(normalized.body), 'x-request-id': exchange.id });
    response.end(normalized.body);
    finish();
  };

  start(null, false);
}

/** Several event slices as one buffer: a view when they lie side by side in one chunk (the common case), else a copy. */
function joinSlices(slices: Buffer[]): Buffer {
  const first = slices[0] as Buffer;
  if (slices.length === 1) return first;
  let length = first.length;
  let contiguous = true;
  for (let index = 1; index < slices.length; index += 1) {
    const slice = slices[index] as Buffer;
    if (slice.buffer !== first.buffer || slice.byteOffset !== first.byteOffset + length) contiguous = false;
    length += slice.length;
  }
  return contiguous ? Buffer.from(first.buffer, first.byteOffset, length) : Buffer.concat(slices, length);
}

/**
 * An engine's error in the OpenAI shape, whatever shape it came in: OpenAI's and llama.cpp's
 * `{ error: { message, … } }`, older vLLM's top-level `{ object: "error", message, … }`, TGI's
 * and Ollama's `{ error: "text" }`. Null when the body is not JSON with a message. `redact`
 * rewrites the message (the gateway takes engine hosts and URLs out of it).
 */
export function normalizeEngineError(status: number, body: Buffer, redact: (text: string) => string = (text) => text): { body: string; message: string } | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  let source: Record<string, unknown> | null = null;
  if (typeof record.error === 'object' && record.error !== null) source = record.error as Record<string, unknown>;
  else if (record.object === 'error' || typeof record.message === 'string') source = record;
  else if (typeof record.error === 'string') source = { message: record.error, type: record.error_type };
  if (source === null || typeof source.message !== 'string') return null;
  const error = {
    message: redact(source.message),
    type: typeof source.type === 'string' ? source.type : status >= 500 ? 'server_error' : 'invalid_request_error',
    param: typeof source.param === 'string' ? source.param : null,
    code: typeof source.code === 'string' || typeof source.code === 'number' ? source.code : null,
  };
  return { body: JSON.stringify({ error }), message: error.message };
}

function engineFailure(status: number, body: Buffer, route: ModelRoute, replica: Replica): FabrikError {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 300);
  const normalized = normalizeEngineError(status, body);
  const raw = normalized?.message ?? (text === '' ? 'no body' : text);
  const detail = redactUpstream(raw, replica);
  const label = replicaLabel(route, replica);
  if (status >= 500 || status === 429) replica.lastError = { at: new Date().toISOString(), message: `${replica.url}: HTTP ${status}: ${raw}` };
  if (status === 429) return new FabrikError('no_healthy_upstream', `every replica tried is overloaded; the last, ${label}, answered 429: ${detail}`, { param: 'model' });
  if (status >= 500) return new FabrikError('upstream_error', `${label} failed with HTTP ${status}: ${detail}`, { param: 'model' });
  return new FabrikError('invalid_request', `${label} refused the request with HTTP ${status}: ${detail}`);
}

/** How clients are told which replica failed: `upstream replica 2 of model "llama"` (its place in the model's list). */
function replicaLabel(route: ModelRoute, replica: Replica): string {
  return `upstream replica ${route.replicas.indexOf(replica) + 1} of model "${route.definition.name}"`;
}

const ANY_URL = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g;
const BRACKETED_IPV6 = /\[[0-9a-f:.]+\](?::\d{1,5})?/gi;

/** An engine's text without internal addresses: URLs, the replica's host, IP addresses. */
export function redactUpstream(text: string, replica: Replica): string {
  let host = '';
  let hostname = '';
  try {
    const url = new URL(replica.url);
    host = url.host;
    hostname = url.hostname;
  } catch {
    // A replica URL is checked when read; nothing to take out otherwise.
  }
  let redacted = text.replace(ANY_URL, '<upstream url>');
  if (host !== '') redacted = redacted.split(host).join('<upstream host>');
  if (hostname !== '') redacted = redacted.split(hostname).join('<upstream host>');
  return redacted.replace(BRACKETED_IPV6, '<address>').replace(IPV4, '<address>');
}
