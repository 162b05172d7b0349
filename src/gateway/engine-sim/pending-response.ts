import type { ServerResponse } from 'node:http';
import { sendJson } from './send-json.ts';
import type { Cancellable, SimContext } from './sim-context.ts';

/**
 * A response the stand-in holds back: sent after a delay, or (body null) never, keeping the
 * socket open as a hung engine does. A client that gives up first counts as aborted.
 */
export class PendingResponse implements Cancellable {
  private readonly context: SimContext;
  private readonly response: ServerResponse;
  private readonly body: string | null;
  private readonly onSent: (() => void) | null;
  private timer: NodeJS.Timeout | null = null;
  private done = false;

  constructor(context: SimContext, response: ServerResponse, body: string | null, delayMs: number, onSent: (() => void) | null = null) {
    this.context = context;
    this.response = response;
    this.body = body;
    this.onSent = onSent;
    context.counters.inFlight++;
    context.active.add(this);
    response.on('close', () => {
      if (this.done) return;
      this.finish();
      if (!context.closing) context.counters.aborted++;
    });
    if (body !== null) this.timer = setTimeout(() => this.send(), delayMs);
  }

  cancel(): void {
    this.finish();
  }

  private send(): void {
    this.timer = null;
    if (this.done || this.body === null) return;
    this.finish();
    sendJson(this.response, 200, this.body);
    this.onSent?.();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.context.active.delete(this);
    this.context.counters.inFlight--;
  }
}
