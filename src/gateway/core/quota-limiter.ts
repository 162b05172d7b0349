import type { Limits, QuotaAdjustment, QuotaLeaseRequest, QuotaLeaseResult } from '../../store/core/control-records.ts';
import type { QuotaLedger } from '../../store/core/control-store.ts';
import { FabrikError } from '../../shared/errors.ts';

/**
 * Exact quotas without a store write per request. Each process leases slices of a window's
 * budget from the store in one transaction and admits against its slices locally; the sum of
 * grants in a window never passes the limit, so two processes can never double it. A request
 * reserves its estimate (prompt + completion allowance) at admission and settles the actual
 * count on completion: unused budget goes back, an overrun is charged.
 *
 * Minute windows slide over 61 one-second buckets (a grant counts for 60 to 61 s after it was
 * made, so no true 60 s interval ever holds more than the limit); day and month windows follow the UTC calendar. Concurrency slots are leased the same
 * way, with an expiry renewed every tick, so a crashed process's slots come back by themselves.
 *
 * Admission is synchronous while the local slices cover a request: the hot path never awaits the
 * ledger. A request the slices cannot cover waits for one refill, and the requests that come short
 * while a refill is being prepared or is in flight share the next one (one ledger call for them all).
 */
export interface QuotaLimiter {
  /** True when some limit of these scopes counts tokens or spend (the caller must estimate the prompt). */
  countsTokens(scopes: readonly QuotaScope[]): boolean;
  /**
   * Reserves or refuses; a refusal carries the 429 error and its headers. Answers at once when the
   * local slices decide; a request they cannot cover gets a promise settled after one refill.
   */
  admit(request: AdmissionRequest): Admission | Refusal | Promise<Admission | Refusal>;
  /** Settles a reservation with what the request really used. Call exactly once per admission. */
  settle(reservation: Reservation, usage: { promptTokens: number; completionTokens: number }): void;
  /** Returns stale slices, renews concurrency leases, flushes adjustments (also runs on a timer); never rejects. */
  tick(): Promise<void>;
  /** Returns every unused slice and slot; rejects when the ledger cannot be written. */
  close(): Promise<void>;
}

export interface QuotaScope {
  /** `team:<id>` or `key:<id>`. */
  scope: string;
  limits: Limits;
}

export interface AdmissionRequest {
  scopes: readonly QuotaScope[];
  promptTokens: number;
  /** Completion tokens the request may produce (its max_tokens, or the model's default). */
  completionTokens: number;
  /** Prices per 1M tokens. */
  prices: { input: number; output: number };
}

export interface Admission {
  ok: true;
  reservation: Reservation;
  /** Completion tokens the quotas allow, or null when no limit counts tokens. Below the request's, the answer must be cut there. */
  completionAllowance: number | null;
  /** x-ratelimit-* headers for the response. */
  headers: Array<[string, string]>;
}

export interface Refusal {
  ok: false;
  error: FabrikError;
  headers: Array<[string, string]>;
}

export interface Reservation {
  readonly entries: ReadonlyArray<{ meter: WindowMeter; bucket: number; amount: number }>;
  readonly slots: readonly SlotMeter[];
  readonly prices: { input: number; output: number };
  settled: boolean;
}

type WindowKind = 'minute' | 'day' | 'month';
type Unit = 'requests' | 'tokens' | 'spend';

interface MetricSpec {
  limit: Exclude<keyof Limits, 'concurrentRequests'>;
  metric: string;
  window: WindowKind;
  unit: Unit;
  code: 'rate_limited' | 'quota_exceeded';
  /** Suffix of the x-ratelimit-* headers. */
  header: string;
  describe: string;
}

const LIMIT_HEADER = new Map<string, string>();
const REMAINING_HEADER = new Map<string, string>();

const METRICS: readonly MetricSpec[] = [
  { limit: 'requestsPerMinute', metric: 'requests_minute', window: 'minute', unit: 'requests', code: 'rate_limited', header: 'requests', describe: 'requests per minute' },
  { limit: 'tokensPerMinute', metric: 'tokens_minute', window: 'minute', unit: 'tokens', code: 'rate_limited', header: 'tokens', describe: 'tokens per minute' },
  { limit: 'tokensPerDay', metric: 'tokens_day', window: 'day', unit: 'tokens', code: 'quota_exceeded', header: 'tokens-day', describe: 'tokens per day' },
  { limit: 'tokensPerMonth', metric: 'tokens_month', window: 'month', unit: 'tokens', code: 'quota_exceeded', header: 'tokens-month', describe: 'tokens per month' },
  { limit: 'budgetPerMonth', metric: 'spend_month', window: 'month', unit: 'spend', code: 'quota_exceeded', header: 'budget', describe: 'monthly budget' },
];

for (const spec of METRICS) {
  LIMIT_HEADER.set(spec.metric, `x-ratelimit-limit-${spec.header}`);
  REMAINING_HEADER.set(spec.metric, `x-ratelimit-remaining-${spec.header}`);
}

interface WindowMeter {
  scope: string;
  spec: MetricSpec;
  /** Limit in the meter's unit (spend: micro-units). */
  limit: number;
  bucket: number;
  /** Granted to this process in `bucket`, after returns. */
  leased: number;
  /** Reserved or settled locally against `leased`. */
  used: number;
  /** The window's total over all processes when this process last leased. */
  committed: number;
  lastUsed: number;
  /** Dropped from the limiter's table by tick(); a cached list holding it must be rebuilt. */
  retired: boolean;
}

interface SlotMeter {
  scope: string;
  limit: number;
  held: number;
  inFlight: number;
  /** Requests waiting for a refill that claims for them: the tick keeps their slots. */
  waiting: number;
  lastUsed: number;
}

/** One ledger call for every request that came short while it was being prepared. */
interface Refill {
  /** Per meter: the sum of what the waiting requests need. */
  meters: Map<WindowMeter, number>;
  /** Per slot meter: how many waiting requests need one more slot. */
  slots: Map<SlotMeter, number>;
  /** Set when the ledger could not be written (locked): the waiters degrade to the leases in hand. */
  failed: boolean;
  /** Meters whose grant came back after their bucket rolled (given back, not usable). */
  orphaned: Set<WindowMeter>;
  done: Promise<void>;
}

/** What one admission works on, gathered without touching the ledger. */
interface Plan {
  time: number;
  prompt: number;
  wanted: number;
  slots: SlotMeter[];
  active: WindowMeter[];
  shortSlots: SlotMeter[];
  shortMeters: WindowMeter[];
  countsTokens: boolean;
}

export interface QuotaLimiterOptions {
  /** Who holds leased slots: unique per process. */
  holder: string;
  now?: () => number;
  /** A slice is limit / sliceDivisor (at least what the request needs). Tuned: 20 keeps refills rare without starving a second process for long. */
  sliceDivisor?: number;
  tickMs?: number;
  slotTtlMs?: number;
  /** After a lease fails (the store is locked by another writer), admissions use the leases in hand this long before trying again. */
  storeRetryMs?: number;
}

/**
 * A minute window sums 61 one-second buckets, not 60: any true 60 s interval touches at most 61
 * buckets, so no 60 s anywhere admits more than the limit (with 60, bursts at bucket edges
 * admitted up to twice it). The price: a grant counts for between 60 and 61 s.
 */
const MINUTE_BUCKETS = 61;
const DAY_MS = 86_400_000;

export function createQuotaLimiter(ledger: QuotaLedger, options: QuotaLimiterOptions): QuotaLimiter {
  const now = options.now ?? Date.now;
  const sliceDivisor = options.sliceDivisor ?? 20;
  const slotTtlMs = options.slotTtlMs ?? 30_000;
  const storeRetryMs = options.storeRetryMs ?? 100;
  // Until then the ledger is not asked for more: a locked store costs admissions nothing.
  let storeRetryAt = 0;
  const meters = new Map<string, WindowMeter>();
  // The meters of one scope object (principals are reloaded, so a stale entry simply drops out).
  const scopeMeters = new WeakMap<QuotaScope, WindowMeter[]>();
  const slotMeters = new Map<string, SlotMeter>();
  let pending: QuotaAdjustment[] = [];
  // Ledger calls run one after another: a refill, a tick's returns and renewals never interleave.
  let ledgerTail: Promise<unknown> = Promise.resolve();
  // The refill that requests coming short now join; null once it has started.
  let collecting: Refill | null = null;

  let monthFrom = 0;
  let monthTo = -1;
  let monthBucket = 0;
  const bucketOf = (window: WindowKind, time: number): number => {
    if (window === 'minute') return Math.floor(time / 1000);
    if (window === 'day') return Math.floor(time / DAY_MS);
    if (time < monthFrom || time >= monthTo) {
      const date = new Date(time);
      monthBucket = date.getUTCFullYear() * 12 + date.getUTCMonth();
      monthFrom = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
      monthTo = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
    return monthBucket;
  };
  const fromBucket = (window: WindowKind, bucket: number): number => (window === 'minute' ? bucket - MINUTE_BUCKETS + 1 : bucket);
  /** When the budget granted in `bucket` stops counting. */
  const bucketEnd = (window: WindowKind, bucket: number): number => {
    if (window === 'minute') return (bucket + MINUTE_BUCKETS) * 1000;
    if (window === 'day') return (bucket + 1) * DAY_MS;
    return Date.UTC(Math.floor(bucket / 12), (bucket % 12) + 1, 1);
  };

  const meterFor = (scope: string, spec: MetricSpec, limits: Limits, time: number): WindowMeter => {
    const key = `${scope}|${spec.metric}`;
    const raw = limits[spec.limit] as number;
    const limit = spec.unit === 'spend' ? Math.round(raw * 1_000_000) : raw;
    let meter = meters.get(key);
    if (meter === undefined) {
      meter = { scope, spec, limit, bucket: bucketOf(spec.window, time), leased: 0, used: 0, committed: 0, lastUsed: time, retired: false };
      meters.set(key, meter);
    }
    meter.limit = limit;
    return meter;
  };

  const metersOf = (quotaScope: QuotaScope, time: number): WindowMeter[] => {
    let list = scopeMeters.get(quotaScope);
    if (list === undefined || list.some((meter) => meter.retired)) {
      list = [];
      for (const spec of METRICS) if (quotaScope.limits[spec.limit] !== undefined) list.push(meterFor(quotaScope.scope, spec, quotaScope.limits, time));
      scopeMeters.set(quotaScope, list);
    }
    for (const meter of list) {
      meter.lastUsed = time;
      roll(meter, time);
    }
    return list;
  };

  /** A meter whose bucket has passed gives back what it leased and did not use. */
  const roll = (meter: WindowMeter, time: number): void => {
    const bucket = bucketOf(meter.spec.window, time);
    // Never backwards: a request that waited for a refill may carry an older time than the meter's.
    if (bucket <= meter.bucket) return;
    const unused = meter.leased - meter.used;
    if (unused > 0) pending.push({ scope: meter.scope, metric: meter.spec.metric, bucket: meter.bucket, delta: -unused });
    meter.bucket = bucket;
    meter.leased = 0;
    meter.used = 0;
  };

  const costMicros = (prices: { input: number; output: number }, prompt: number, completion: number): number => Math.ceil(prompt * prices.input + completion * prices.output);

  const remainingOf = (meter: WindowMeter): number => Math.max(0, meter.limit - meter.committed + (meter.leased - meter.used));

  const need = (meter: WindowMeter, request: AdmissionRequest, prompt: number, completion: number): number =>
    meter.spec.unit === 'requests' ? 1 : meter.spec.unit === 'tokens' ? prompt + completion : costMicros(request.prices, prompt, completion);

  /** Runs `work` after every ledger call queued before it. */
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = ledgerTail.then(work);
    ledgerTail = run.then(() => undefined, () => undefined);
    return run;
  };

  /** The store could not lease more: what is left here is spent, which says nothing about the window. */
  const unleasedRefusal = (meter: WindowMeter): Refusal => {
    const who = meter.scope.startsWith('team:') ? 'team' : 'key';
    return {
      ok: false,
      error: new FabrikError('rate_limited', `the ${who}'s ${meter.spec.describe} leased to this gateway are used and the quota store is locked by another writer; retry after 1 s`, { param: meter.spec.limit }),
      headers: [['retry-after', '1']],
    };
  };

  /** A refusal at the limit: the window's total (read from the ledger, off the hot path) says when to retry. */
  const refusal = async (meter: WindowMeter, time: number, reason: string): Promise<Refusal> => {
    let committed = meter.committed;
    let oldestBucket: number | null = null;
    try {
      ({ committed, oldestBucket } = await ledger.quotaCommitted(meter.scope, meter.spec.metric, fromBucket(meter.spec.window, bucketOf(meter.spec.window, time))));
    } catch {
      // The store cannot be read now: the last lease's view serves for the headers.
    }
    const resetAt = bucketEnd(meter.spec.window, oldestBucket ?? meter.bucket);
    const seconds = Math.max(1, Math.ceil((resetAt - time) / 1000));
    const remaining = Math.max(0, meter.limit - committed + (meter.leased - meter.used));
    const who = meter.scope.startsWith('team:') ? 'team' : 'key';
    const shown = meter.spec.unit === 'spend' ? (meter.limit / 1_000_000).toString() : String(meter.limit);
    return {
      ok: false,
      error: new FabrikError(meter.spec.code, `the ${who}'s limit of ${shown} ${meter.spec.describe} is reached (${reason}); retry after ${seconds} s`, { param: meter.spec.limit }),
      headers: [
        ['retry-after', String(seconds)],
        [`x-ratelimit-limit-${meter.spec.header}`, shown],
        [`x-ratelimit-remaining-${meter.spec.header}`, meter.spec.unit === 'spend' ? (remaining / 1_000_000).toString() : String(remaining)],
        [`x-ratelimit-reset-${meter.spec.header}`, `${seconds}s`],
      ],
    };
  };

  /** Gathers the meters and slots of a request and which of them its local slices cannot cover. Changes no count. */
  const plan = (request: AdmissionRequest, time: number): Plan => {
    const prompt = Math.max(0, Math.ceil(request.promptTokens));
    const wanted = Math.max(1, Math.ceil(request.completionTokens));
    const slots: SlotMeter[] = [];
    const shortSlots: SlotMeter[] = [];
    for (const { scope, limits } of request.scopes) {
      if (limits.concurrentRequests === undefined) continue;
      let slot = slotMeters.get(scope);
      if (slot === undefined) {
        slot = { scope, limit: limits.concurrentRequests, held: 0, inFlight: 0, waiting: 0, lastUsed: time };
        slotMeters.set(scope, slot);
      }
      slot.limit = limits.concurrentRequests;
      slot.lastUsed = time;
      slots.push(slot);
      if (slot.inFlight + 1 > slot.held) shortSlots.push(slot);
    }
    const active: WindowMeter[] = [];
    const shortMeters: WindowMeter[] = [];
    let countsTokens = false;
    for (const quotaScope of request.scopes) {
      for (const meter of metersOf(quotaScope, time)) {
        active.push(meter);
        if (meter.spec.unit !== 'requests') countsTokens = true;
        if (meter.leased - meter.used < need(meter, request, prompt, wanted)) shortMeters.push(meter);
      }
    }
    return { time, prompt, wanted, slots, active, shortSlots, shortMeters, countsTokens };
  };

  /**
   * Admits against the slices in hand, or refuses. `unleased`: the ledger could not be asked for
   * more, so a short meter or slot refuses as "store locked" rather than "limit reached".
   */
  const decide = (request: AdmissionRequest, p: Plan, unleased: boolean): Admission | Refusal | Promise<Refusal> => {
    for (const slot of p.slots) {
      if (slot.inFlight + 1 <= slot.held) continue;
      const who = slot.scope.startsWith('team:') ? 'team' : 'key';
      return {
        ok: false,
        error: new FabrikError('rate_limited', unleased
          ? `the ${who}'s ${slot.held} concurrent requests held by this gateway are in use and the quota store is locked by another writer; retry after 1 s`
          : `the ${who}'s limit of ${slot.limit} concurrent requests is reached; retry when one finishes`, { param: 'concurrentRequests' }),
        headers: [['retry-after', '1'], ['x-ratelimit-limit-concurrent', String(slot.limit)], ['x-ratelimit-remaining-concurrent', '0']],
      };
    }
    // The completion allowance is what every token and spend meter can still afford.
    let allowance = p.wanted;
    for (const meter of p.active) {
      const available = meter.leased - meter.used;
      let affordable: number;
      if (meter.spec.unit === 'requests') affordable = available >= 1 ? Infinity : 0;
      else if (meter.spec.unit === 'tokens') affordable = available - p.prompt;
      else affordable = request.prices.output > 0 ? Math.floor((available - p.prompt * request.prices.input) / request.prices.output) : available - p.prompt * request.prices.input >= 0 ? Infinity : 0;
      if (affordable < 1) {
        if (unleased && p.shortMeters.includes(meter)) return unleasedRefusal(meter);
        return refusal(meter, p.time, meter.spec.unit === 'requests' ? 'no request left in the window' : `this request needs at least ${need(meter, request, p.prompt, 1)} and ${Math.max(0, available)} is left to this gateway`);
      }
      allowance = Math.min(allowance, affordable);
    }
    for (const slot of p.slots) slot.inFlight += 1;
    const entries: Array<{ meter: WindowMeter; bucket: number; amount: number }> = [];
    const headers: Array<[string, string]> = [];
    for (const meter of p.active) {
      const amount = need(meter, request, p.prompt, allowance);
      meter.used += amount;
      entries.push({ meter, bucket: meter.bucket, amount });
      if (meter.spec.window === 'minute') headers.push([LIMIT_HEADER.get(meter.spec.metric) as string, String(meter.limit)], [REMAINING_HEADER.get(meter.spec.metric) as string, String(remainingOf(meter))]);
    }
    return { ok: true, reservation: { entries, slots: p.slots, prices: request.prices, settled: false }, completionAllowance: p.countsTokens ? allowance : null, headers };
  };

  /** Claims the slots and leases the slices a refill's waiters need, with the pending returns, in as few ledger calls as it can. */
  const runRefill = async (refill: Refill): Promise<void> => {
    const time = now();
    if (time < storeRetryAt) {
      refill.failed = true;
      return;
    }
    try {
      for (const [slot, waiters] of refill.slots) {
        if (slot.inFlight + waiters <= slot.held) continue;
        const slice = Math.max(1, Math.ceil(slot.limit / sliceDivisor));
        slot.held = await ledger.claimSlots(slot.scope, options.holder, Math.max(slot.inFlight + waiters - slot.held, slice), slot.limit, time, slotTtlMs);
      }
    } catch {
      refill.failed = true;
      storeRetryAt = time + storeRetryMs;
      return;
    }
    const short: WindowMeter[] = [];
    const leases: QuotaLeaseRequest[] = [];
    for (const [meter, needed] of refill.meters) {
      if (meter.retired) continue;
      roll(meter, time);
      const available = meter.leased - meter.used;
      if (needed <= available) continue;
      short.push(meter);
      leases.push({
        scope: meter.scope,
        metric: meter.spec.metric,
        bucket: meter.bucket,
        fromBucket: fromBucket(meter.spec.window, meter.bucket),
        limit: meter.limit,
        want: Math.max(needed - available, Math.ceil(meter.limit / sliceDivisor)),
      });
    }
    if (leases.length === 0) return;
    const adjustments = pending;
    pending = [];
    let results: QuotaLeaseResult[];
    try {
      results = await ledger.leaseQuota(leases, adjustments);
    } catch {
      pending = adjustments.concat(pending);
      refill.failed = true;
      storeRetryAt = time + storeRetryMs;
      return;
    }
    short.forEach((meter, index) => {
      const result = results[index];
      const lease = leases[index] as QuotaLeaseRequest;
      if (result === undefined) return;
      if (meter.retired || meter.bucket !== lease.bucket) {
        // The bucket rolled while the ledger answered: the grant is charged to a bucket this meter no longer counts in.
        if (result.granted > 0) pending.push({ scope: lease.scope, metric: lease.metric, bucket: lease.bucket, delta: -result.granted });
        refill.orphaned.add(meter);
        return;
      }
      meter.leased += result.granted;
      meter.committed = result.committed;
    });
  };

  /** The refill a request coming short now joins (started once the ledger calls before it are done). */
  const nextRefill = (): Refill => {
    if (collecting !== null) return collecting;
    const refill: Refill = { meters: new Map(), slots: new Map(), failed: false, orphaned: new Set(), done: Promise.resolve() };
    collecting = refill;
    refill.done = serial(async () => {
      if (collecting === refill) collecting = null;
      await runRefill(refill);
    });
    return refill;
  };

  /** Waits for one refill that covers this request's short meters and slots, then decides. */
  const admitAfterRefill = async (request: AdmissionRequest, p: Plan, retried: boolean): Promise<Admission | Refusal> => {
    const refill = nextRefill();
    for (const slot of p.shortSlots) {
      refill.slots.set(slot, (refill.slots.get(slot) ?? 0) + 1);
      slot.waiting += 1;
    }
    for (const meter of p.shortMeters) refill.meters.set(meter, (refill.meters.get(meter) ?? 0) + need(meter, request, p.prompt, p.wanted));
    try {
      await refill.done;
    } finally {
      for (const slot of p.shortSlots) slot.waiting -= 1;
    }
    const again = plan(request, Math.max(p.time, now()));
    // A grant that came back after its bucket rolled is given back: this one request asks once more.
    if (!retried && !refill.failed && again.shortMeters.some((meter) => refill.orphaned.has(meter))) return admitAfterRefill(request, again, true);
    return decide(request, again, refill.failed || (again.shortMeters.length + again.shortSlots.length > 0 && again.time < storeRetryAt));
  };

  /** Writes the pending returns and overrun charges; on failure they are kept for the next try. */
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const adjustments = pending;
    pending = [];
    try {
      await ledger.adjustQuota(adjustments);
    } catch (error) {
      // Kept for the next tick: a return or an overrun charge is never lost to a locked store.
      pending = adjustments.concat(pending);
      throw error;
    }
  };

  const limiter: QuotaLimiter = {
    countsTokens(scopes) {
      for (const { limits } of scopes) {
        if (limits.tokensPerMinute !== undefined || limits.tokensPerDay !== undefined || limits.tokensPerMonth !== undefined || limits.budgetPerMonth !== undefined) return true;
      }
      return false;
    },

    admit(request) {
      const p = plan(request, now());
      // The hot path: the slices in hand cover the request, no ledger call and no await.
      if (p.shortSlots.length === 0 && p.shortMeters.length === 0) return decide(request, p, false);
      // The ledger failed a moment ago: degrade to the slices in hand instead of asking again.
      if (p.time < storeRetryAt) return decide(request, p, true);
      return admitAfterRefill(request, p, false);
    },

    settle(reservation, usage) {
      if (reservation.settled) return;
      reservation.settled = true;
      for (const slot of reservation.slots) slot.inFlight -= 1;
      for (const entry of reservation.entries) {
        const { meter } = entry;
        if (meter.spec.unit === 'requests') continue;
        const actual = meter.spec.unit === 'tokens' ? usage.promptTokens + usage.completionTokens : Math.round(usage.promptTokens * reservation.prices.input + usage.completionTokens * reservation.prices.output);
        const delta = actual - entry.amount;
        if (delta === 0) continue;
        if (meter.bucket === entry.bucket) {
          // Same bucket: the local slice absorbs the difference; an overrun beyond the slice is charged to the store.
          meter.used += delta;
          if (meter.used > meter.leased) {
            pending.push({ scope: meter.scope, metric: meter.spec.metric, bucket: entry.bucket, delta: meter.used - meter.leased });
            meter.leased = meter.used;
          }
        } else {
          pending.push({ scope: meter.scope, metric: meter.spec.metric, bucket: entry.bucket, delta });
        }
      }
    },

    tick() {
      const time = now();
      for (const [key, meter] of meters) {
        roll(meter, time);
        if (meter.leased === 0 && time - meter.lastUsed > 120_000) {
          meter.retired = true;
          meters.delete(key);
        }
      }
      return serial(async () => {
        try {
          await flush();
        } catch {
          // The store is locked: the adjustments and the slots wait for the next tick (slots expire after slotTtlMs).
          return;
        }
        for (const [scope, slot] of slotMeters) {
          // Between ticks a process keeps the slots it claimed (a burst claims a slice at a time);
          // each tick gives back all but those in use or waited for, so another process waits at most a tick.
          const held = Math.min(slot.held, slot.inFlight + slot.waiting);
          const idle = slot.inFlight === 0 && slot.waiting === 0;
          try {
            if (held !== slot.held || held > 0) await ledger.setSlots(scope, options.holder, held, time, slotTtlMs);
          } catch {
            return;
          }
          slot.held = held;
          if (idle) slotMeters.delete(scope);
        }
      });
    },

    close() {
      const time = now();
      for (const meter of meters.values()) {
        const unused = meter.leased - meter.used;
        if (unused > 0) pending.push({ scope: meter.scope, metric: meter.spec.metric, bucket: meter.bucket, delta: -unused });
        meter.leased = meter.used;
      }
      return serial(async () => {
        await flush();
        for (const [scope, slot] of slotMeters) await ledger.setSlots(scope, options.holder, slot.inFlight, time, slotTtlMs);
      });
    },
  };
  return limiter;
}
