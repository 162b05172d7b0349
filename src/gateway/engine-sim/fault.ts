import { SimRequestError } from './sim-request-error.ts';

/** A misbehaviour the stand-in can be told to show, to test what a gateway does about it. */
export type Fault =
  | { mode: 'none' }
  /**
   * Answer requests with `status` (500) in the OpenAI error shape: the next `count` (default all), or a `rate` share of them;
   * with `match`, only requests whose body contains it (an input that crashes the engine).
   */
  | { mode: 'fail'; status?: number; count?: number; rate?: number; match?: string }
  /** Stop sending after `afterTokens` tokens (before the headers when absent) and keep the socket open. */
  | { mode: 'stall'; afterTokens?: number }
  /** Destroy the socket after `afterTokens` tokens (before the headers when absent). */
  | { mode: 'drop'; afterTokens?: number }
  /** Make every request's time to first token `ms`. */
  | { mode: 'slow-first-token'; ms: number };

const NONE: Fault = { mode: 'none' };

/** Validates a fault (from POST /sim/fault or the API); throws SimRequestError naming the field. */
export function parseFault(value: unknown): Fault {
  if (typeof value !== 'object' || value === null) throw new SimRequestError(400, 'a fault must be a JSON object with a mode', 'mode');
  const record = value as Record<string, unknown>;
  switch (record.mode) {
    case 'none':
      return NONE;
    case 'fail': {
      const fault: Fault = { mode: 'fail' };
      const status = optionalInteger(record, 'status', 400, 599);
      const count = optionalInteger(record, 'count', 1, Number.MAX_SAFE_INTEGER);
      const rate = record.rate;
      if (status !== undefined) fault.status = status;
      if (count !== undefined) fault.count = count;
      if (rate !== undefined) {
        if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) throw new SimRequestError(400, 'rate must be a number greater than 0 and at most 1', 'rate');
        fault.rate = rate;
      }
      const match = record.match;
      if (match !== undefined && match !== null) {
        if (typeof match !== 'string' || match === '') throw new SimRequestError(400, 'match must be a non-empty string', 'match');
        fault.match = match;
      }
      return fault;
    }
    case 'stall':
    case 'drop': {
      const afterTokens = optionalInteger(record, 'afterTokens', 0, Number.MAX_SAFE_INTEGER);
      return afterTokens === undefined ? { mode: record.mode } : { mode: record.mode, afterTokens };
    }
    case 'slow-first-token': {
      const ms = optionalInteger(record, 'ms', 0, 3_600_000);
      if (ms === undefined) throw new SimRequestError(400, 'ms is required for mode slow-first-token', 'ms');
      return { mode: 'slow-first-token', ms };
    }
    default:
      throw new SimRequestError(400, `mode must be one of none, fail, stall, drop, slow-first-token; got ${JSON.stringify(record.mode)}`, 'mode');
  }
}

/** The current fault and its counters; `next()` says what happens to one incoming request. */
export class FaultState {
  fault: Fault = NONE;
  private failuresLeft = Infinity;
  private seen = 0;

  set(fault: Fault): void {
    this.fault = fault;
    this.failuresLeft = fault.mode === 'fail' && fault.count !== undefined ? fault.count : Infinity;
    this.seen = 0;
  }

  /** The fault for the next inference request (its body); counts it against `count` and `rate`. */
  next(body: string): Fault {
    const fault = this.fault;
    if (fault.mode !== 'fail') return fault;
    if (fault.match !== undefined && !body.includes(fault.match)) return NONE;
    const index = this.seen++;
    if (fault.rate !== undefined && Math.floor((index + 1) * fault.rate) === Math.floor(index * fault.rate)) return NONE;
    if (--this.failuresLeft <= 0) this.set(NONE);
    return fault;
  }

  /** True while every request fails: /health then fails too, as a dead engine's does. */
  failsEverything(): boolean {
    return this.fault.mode === 'fail' && this.fault.count === undefined && this.fault.match === undefined && (this.fault.rate === undefined || this.fault.rate === 1);
  }
}

function optionalInteger(record: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SimRequestError(400, `${name} must be an integer from ${min} to ${max}`, name);
  }
  return value;
}
