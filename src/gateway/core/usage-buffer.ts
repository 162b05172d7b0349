import type { UsageRecord } from '../../store/core/control-store.ts';

const NUMBERS = 9;

/**
 * Metered requests waiting to be written, kept in columns: numbers in one Float64Array, strings
 * as references to strings that exist anyway (team and key ids, model, replica). A record object
 * per request, held until the next flush, would survive two young-generation collections and be
 * copied by each; columns leave the collector only each request's id to copy.
 */
export class UsageBuffer {
  #size = 0;
  #capacity: number;
  #numbers: Float64Array;
  #strings: Array<Array<string | null>>;

  constructor(capacity = 4096) {
    this.#capacity = capacity;
    this.#numbers = new Float64Array(capacity * NUMBERS);
    this.#strings = Array.from({ length: 8 }, () => new Array<string | null>(capacity).fill(null));
  }

  get size(): number {
    return this.#size;
  }

  push(record: UsageRecord): void {
    if (this.#size === this.#capacity) this.#grow();
    const row = this.#size++;
    const numbers = this.#numbers;
    const at = row * NUMBERS;
    numbers[at] = record.time;
    numbers[at + 1] = record.status;
    numbers[at + 2] = record.promptTokens;
    numbers[at + 3] = record.completionTokens;
    numbers[at + 4] = record.ttftMs ?? Number.NaN;
    numbers[at + 5] = record.itlMs ?? Number.NaN;
    numbers[at + 6] = record.durationMs;
    numbers[at + 7] = record.costMicros;
    numbers[at + 8] = record.stream ? 1 : 0;
    const strings = this.#strings;
    (strings[0] as Array<string | null>)[row] = record.requestId;
    (strings[1] as Array<string | null>)[row] = record.teamId;
    (strings[2] as Array<string | null>)[row] = record.keyId;
    (strings[3] as Array<string | null>)[row] = record.model;
    (strings[4] as Array<string | null>)[row] = record.replica;
    (strings[5] as Array<string | null>)[row] = record.endpoint;
    (strings[6] as Array<string | null>)[row] = record.errorCode;
    (strings[7] as Array<string | null>)[row] = record.tokensSource;
  }

  /** Records from..to (exclusive) as objects, for one write. */
  records(from: number, to: number): UsageRecord[] {
    const result: UsageRecord[] = [];
    const numbers = this.#numbers;
    const [ids, teams, keys, models, replicas, endpoints, errors, sources] = this.#strings as [Array<string | null>, Array<string | null>, Array<string | null>, Array<string | null>, Array<string | null>, Array<string | null>, Array<string | null>, Array<string | null>];
    for (let row = from; row < Math.min(to, this.#size); row += 1) {
      const at = row * NUMBERS;
      const ttft = numbers[at + 4] as number;
      const itl = numbers[at + 5] as number;
      result.push({
        requestId: ids[row] as string,
        time: numbers[at] as number,
        teamId: teams[row] ?? null,
        keyId: keys[row] ?? null,
        model: models[row] as string,
        replica: replicas[row] ?? null,
        endpoint: endpoints[row] as string,
        status: numbers[at + 1] as number,
        errorCode: errors[row] ?? null,
        promptTokens: numbers[at + 2] as number,
        completionTokens: numbers[at + 3] as number,
        tokensSource: sources[row] as UsageRecord['tokensSource'],
        ttftMs: Number.isNaN(ttft) ? null : ttft,
        itlMs: Number.isNaN(itl) ? null : itl,
        durationMs: numbers[at + 6] as number,
        costMicros: numbers[at + 7] as number,
        stream: numbers[at + 8] === 1,
      });
    }
    return result;
  }

  /** Drops the first `count` records (written), keeping the rest in order. */
  shift(count: number): void {
    const kept = this.#size - count;
    if (kept > 0) {
      this.#numbers.copyWithin(0, count * NUMBERS, this.#size * NUMBERS);
      for (const column of this.#strings) column.copyWithin(0, count, this.#size);
    }
    for (const column of this.#strings) column.fill(null, Math.max(0, kept), this.#size);
    this.#size = Math.max(0, kept);
  }

  /** Drops the oldest records beyond `limit`. */
  truncateTo(limit: number): number {
    if (this.#size <= limit) return 0;
    const dropped = this.#size - limit;
    this.shift(dropped);
    return dropped;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    const numbers = new Float64Array(capacity * NUMBERS);
    numbers.set(this.#numbers);
    this.#numbers = numbers;
    for (const column of this.#strings) column.length = capacity;
    this.#capacity = capacity;
  }
}
