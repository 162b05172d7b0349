/** Something with a deadline (performance.now() milliseconds; Infinity for none). */
export interface Expiring {
  deadline: number;
  /** Called by a sweep once `now` is past the deadline; it should move or clear the deadline. */
  expire(now: number): void;
}

/**
 * Timeouts for long-lived objects (connections) checked by one interval instead of a timer each.
 * Moving a deadline is a field write, where re-arming a node timer allocates one and touches the
 * timer lists: on the gateway's hot path that was about 2 µs per request and per timer. A
 * deadline fires up to `intervalMs` late; the interval runs only while something is registered
 * and never keeps the process alive.
 */
export class DeadlineSweeper {
  readonly intervalMs: number;
  private readonly items = new Set<Expiring>();
  private timer: NodeJS.Timeout | null = null;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  add(item: Expiring): void {
    this.items.add(item);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), this.intervalMs);
      this.timer.unref();
    }
  }

  delete(item: Expiring): void {
    this.items.delete(item);
    if (this.items.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.items.size;
  }

  /** Expires what is due now (the interval calls this). */
  sweep(now = performance.now()): void {
    for (const item of this.items) if (item.deadline <= now) item.expire(now);
  }
}

/** A sweep interval for timeouts as short as `shortestMs`: a quarter of it, between 10 ms and 1 s. */
export function sweepIntervalFor(shortestMs: number): number {
  return Math.min(1_000, Math.max(10, Math.floor(shortestMs / 4)));
}
