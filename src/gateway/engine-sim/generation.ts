import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Fault } from './fault.ts';
import { generateCompletion, type Completion } from './generate-completion.ts';
import type { GenerationRequest } from './parse-generation-request.ts';
import { sendJson } from './send-json.ts';
import { nextId, type Cancellable, type ModelEntry, type SimContext } from './sim-context.ts';
import type { ModelMetrics } from './sim-metrics.ts';
import { completionBody, DONE_EVENT, responseHead, roleChunk, tokenChunk, usageChunk, usageJson } from './wire-format.ts';

/**
 * Shortest wait between two writes of one stream. Node timers fire at 1 ms granularity at best;
 * at 4 ms a stream faster than 250 tokens/s sends the tokens that fell due in one write, and
 * 1,000 concurrent streams cost at most 250k timer callbacks a second.
 */
const MIN_TICK_MS = 4;

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8' } as const;

type Outcome = 'completed' | 'aborted' | 'dropped' | 'closed';

/**
 * One chat or text completion in flight: a single timer paces it (time to first token, then
 * the token rate); a client that goes away stops the timer and counts as aborted.
 */
export class Generation implements Cancellable {
  private readonly context: SimContext;
  private readonly response: ServerResponse;
  private readonly request: GenerationRequest;
  private readonly metrics: ModelMetrics;
  private readonly completion: Completion;
  private readonly head: string;
  private readonly startedAt: number;
  private readonly firstTokenMs: number;
  private readonly intervalMs: number;
  private readonly withUsage: boolean;
  private readonly continuousUsage: boolean;
  /** Tokens after which a stall or drop fault strikes; Infinity without one. */
  private readonly faultAfter: number;
  private readonly faultMode: 'stall' | 'drop' | null;
  private sent = 0;
  /** A drop fault has struck: the next tick closes the socket. */
  private struck = false;
  /** What this generation added to the model's cachedTokens gauge. */
  private cached = 0;
  private timer: NodeJS.Timeout | null = null;
  private done = false;
  private readonly tick = (): void => this.onTick();

  constructor(context: SimContext, response: ServerResponse, request: GenerationRequest, model: ModelEntry, fault: Fault) {
    const settings = context.settings;
    this.context = context;
    this.response = response;
    this.request = request;
    this.metrics = model.metrics;
    this.startedAt = performance.now();
    this.completion = generateCompletion({
      seed: request.seed,
      length: request.maxTokens ?? settings.maxTokensDefault,
      limited: request.maxTokens !== null,
      stop: request.stop,
    });
    const id = nextId(context, request.kind === 'chat' ? 'chatcmpl-' : 'cmpl-');
    this.head = responseHead(request.kind, id, Math.floor(Date.now() / 1000), model.nameJson, request.stream);
    this.firstTokenMs = fault.mode === 'slow-first-token' ? fault.ms : settings.timeToFirstTokenMs;
    this.intervalMs = settings.tokensPerSecond > 0 ? 1000 / settings.tokensPerSecond : 0;
    this.withUsage = settings.reportUsage === 'always' || (settings.reportUsage === 'when-asked' && (!request.stream || request.includeUsage));
    this.continuousUsage = this.withUsage && request.includeUsage && request.continuousUsage;
    this.faultMode = fault.mode === 'stall' || fault.mode === 'drop' ? fault.mode : null;
    this.faultAfter = (fault.mode === 'stall' || fault.mode === 'drop') && fault.afterTokens !== undefined ? fault.afterTokens : Infinity;
  }

  /** Begins answering: at once when nothing is timed, otherwise on the timer. */
  start(): void {
    const metrics = this.metrics;
    metrics.promptTokens += this.request.promptTokens;
    metrics.running++;
    this.context.counters.inFlight++;
    if (this.firstTokenMs === 0 && this.intervalMs === 0 && this.faultMode === null) {
      // The benchmark path: no timer, no close listener, one write.
      if (this.request.stream) {
        this.response.writeHead(200, SSE_HEADERS);
        this.onTick();
      } else {
        this.respondWhole();
      }
      return;
    }
    this.hold(this.request.promptTokens);
    this.context.active.add(this);
    this.response.on('close', () => {
      if (!this.done) this.finish(this.context.closing ? 'closed' : 'aborted');
    });
    if (this.request.stream) {
      this.response.writeHead(200, SSE_HEADERS);
      // vLLM's server sends the headers at once; the first event waits for the first token.
      this.response.flushHeaders();
      this.timer = setTimeout(this.tick, this.firstTokenMs);
    } else if (this.faultMode === 'stall') {
      // A non-streaming answer comes in one piece, so a stalled engine never sends a byte.
    } else {
      const tokens = Math.min(this.completion.tokens.length, this.faultAfter);
      this.timer = setTimeout(this.tick, this.firstTokenMs + Math.max(0, tokens - 1) * this.intervalMs);
    }
  }

  /** Stops the timer without answering (the stand-in is closing). */
  cancel(): void {
    this.finish('closed');
  }

  private onTick(): void {
    this.timer = null;
    if (this.done) return;
    if (this.response.destroyed) {
      this.finish('aborted');
      return;
    }
    if (this.struck || (!this.request.stream && this.faultMode === 'drop')) return this.drop();
    if (!this.request.stream) {
      this.respondWhole();
      return;
    }
    const tokens = this.completion.tokens;
    const total = tokens.length;
    const elapsed = performance.now() - this.startedAt;
    const due = this.intervalMs === 0 ? total : Math.min(total, Math.floor((elapsed - this.firstTokenMs) / this.intervalMs + 1e-6) + 1);
    const until = Math.min(due, this.faultAfter);
    let out = '';
    if (this.sent === 0 && until > 0) {
      this.metrics.timeToFirstToken.observe(elapsed / 1000);
      if (this.request.kind === 'chat') out = roleChunk(this.head);
    }
    const kind = this.request.kind;
    const last = total - 1;
    for (let index = this.sent; index < until; index++) {
      out += tokenChunk(kind, this.head, tokens[index] as string, index === last ? this.completion : null, this.continuousUsage ? usageJson(this.request.promptTokens, index + 1) : null);
    }
    const produced = until - this.sent;
    if (produced > 0) {
      this.sent = until;
      this.metrics.generationTokens += produced;
      this.hold(produced);
    }
    if (this.faultMode !== null && this.sent === Math.min(total, this.faultAfter)) {
      if (out.length > 0) this.response.write(out);
      // A stall writes nothing more and runs no timer: the socket stays open until someone closes it.
      // A drop strikes when the next token would have come, as a crash between two tokens does
      // (and so a client reads the tokens before it sees the connection go).
      if (this.faultMode === 'drop') {
        this.struck = true;
        this.timer = setTimeout(this.tick, Math.max(MIN_TICK_MS, this.intervalMs));
      }
      return;
    }
    if (this.sent === total) {
      if (this.withUsage) out += usageChunk(this.head, this.request.promptTokens, this.completion.completionTokens);
      this.response.end(out + DONE_EVENT);
      this.finish('completed');
      return;
    }
    if (out.length > 0) this.response.write(out);
    const next = this.firstTokenMs + this.sent * this.intervalMs - elapsed;
    this.timer = setTimeout(this.tick, Math.max(MIN_TICK_MS, next));
  }

  private respondWhole(): void {
    const completion = this.completion;
    sendJson(this.response, 200, completionBody(this.request.kind, this.head, completion, this.request.promptTokens, this.withUsage));
    this.metrics.timeToFirstToken.observe(this.firstTokenMs / 1000);
    this.metrics.generationTokens += completion.completionTokens;
    this.finish('completed');
  }

  private drop(): void {
    this.finish('dropped');
    this.response.destroy();
  }

  private finish(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const context = this.context;
    const metrics = this.metrics;
    context.active.delete(this);
    context.counters.inFlight--;
    metrics.running--;
    if (outcome === 'completed') {
      metrics.requestLatency.observe((performance.now() - this.startedAt) / 1000);
      if (this.completion.finishReason === 'length') metrics.finishedLength++;
      else metrics.finishedStop++;
    } else {
      metrics.finishedAbort++;
      if (outcome === 'aborted') context.counters.aborted++;
    }
    metrics.cachedTokens -= this.cached;
  }

  private hold(tokens: number): void {
    this.cached += tokens;
    this.metrics.cachedTokens += tokens;
  }
}
