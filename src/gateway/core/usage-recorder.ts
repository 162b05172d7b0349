import type { PayloadRecord, UsageRecord, UsageStore } from '../../store/core/control-store.ts';
import { UsageBuffer } from './usage-buffer.ts';

/**
 * Metering off the request path: a finished request's record goes into a buffer, and a timer
 * writes the buffer every `flushMs` in transactions of at most `batchSize` records, each with
 * one audit entry naming its request ids and counts. Between two transactions the event loop
 * serves requests (setImmediate), so a large backlog never stalls the proxy for long.
 *
 * A worker thread with its own connection was tried: it cost ~60 MB of memory (a second V8
 * isolate that strips TypeScript again) and ~2 µs per record of structured cloning, for writes
 * that take ~3 µs per record here.
 */
export interface UsageRecorder {
  record(record: UsageRecord, payload?: PayloadRecord): void;
  /** Writes everything recorded so far; resolves when it is in the store. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Records dropped because the store stayed unavailable while the buffer was full. */
  readonly dropped: number;
}

export interface UsageRecorderOptions {
  store: UsageStore;
  actor: string;
  flushMs?: number;
  /** Most records in one transaction and one audit entry. */
  batchSize?: number;
  /** Most records kept while the store is unavailable. */
  maxPending?: number;
  /** How long close() keeps retrying while the store is locked by another writer. */
  closeTimeoutMs?: number;
}

export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const { store, actor } = options;
  const flushMs = options.flushMs ?? 1000;
  const batchSize = options.batchSize ?? 1000;
  const maxPending = options.maxPending ?? 200_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  const buffer = new UsageBuffer();
  let payloads: PayloadRecord[] = [];
  let dropped = 0;
  let draining: Promise<void> | null = null;
  let closed = false;

  const yieldToRequests = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  const drainOnce = async (): Promise<void> => {
    // Written rows are dropped once at the end (or on failure), not after every batch.
    let written = 0;
    try {
      while (written < buffer.size || payloads.length > 0) {
        const batch = buffer.records(written, written + batchSize);
        const batchPayloads = payloads;
        try {
          await store.recordUsage(batch, batchPayloads, actor);
        } catch {
          // The store is locked or unavailable: keep the records for the next flush.
          return;
        }
        written += batch.length;
        payloads = payloads.slice(batchPayloads.length);
        if (written < buffer.size) await yieldToRequests();
      }
    } finally {
      buffer.shift(written);
      dropped += buffer.truncateTo(maxPending);
    }
  };

  const drain = (): Promise<void> => {
    draining ??= drainOnce().finally(() => {
      draining = null;
    });
    return draining;
  };

  const timer = setInterval(() => void drain(), flushMs);
  timer.unref();

  return {
    record(record, payload) {
      if (closed) return;
      buffer.push(record);
      if (payload !== undefined) payloads.push(payload);
    },
    async flush() {
      if (draining !== null) await draining;
      await drain();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      if (draining !== null) await draining;
      await drain();
      // A write fails at once while another writer holds the lock: wait for it here, off the
      // event loop, rather than lose the last records (the old 10 s busy timeout, asynchronously).
      const deadline = Date.now() + closeTimeoutMs;
      while ((buffer.size > 0 || payloads.length > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(flushMs, 50)));
        await drain();
      }
    },
    get dropped() {
      return dropped;
    },
  };
}
