import { Worker } from 'node:worker_threads';
import { FabrikError, type ErrorCode, type SerializedError } from './errors.ts';

export interface WorkerPoolOptions {
  size: number;
  /** Wall-clock limit per task; the worker running it is terminated when it passes. */
  timeoutMs: number;
  /** V8 old-generation heap limit per worker, in MiB. */
  memoryMb: number;
  /** Error codes for the three ways a task can die with its worker. */
  codes?: { timeout: ErrorCode; memory: ErrorCode; crash: ErrorCode };
}

/** What a worker posts back for one task. */
export type WorkerReply<T> = { id: number; ok: true; value: T } | { id: number; ok: false; error: SerializedError };

interface Task {
  id: number;
  message: Record<string, unknown>;
  transfer: ArrayBuffer[];
  label: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  timer: NodeJS.Timeout | null;
}

/**
 * A fixed set of worker threads, one task each at a time, with a time and a heap limit per task.
 * A worker that times out, runs out of memory or crashes is replaced; only its task fails.
 */
export class WorkerPool {
  readonly #url: URL;
  readonly #options: Required<WorkerPoolOptions>;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;

  constructor(url: URL, options: WorkerPoolOptions) {
    this.#url = url;
    this.#options = { codes: { timeout: 'parse_timeout', memory: 'parse_memory', crash: 'parse_failed' }, ...options };
  }

  /** Runs one task; `label` names it in errors (a file path). */
  run<T>(message: Record<string, unknown>, transfer: ArrayBuffer[], label: string): Promise<T> {
    if (this.#closed) return Promise.reject(new FabrikError('internal', 'worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, message, transfer, label, resolve: resolve as (value: unknown) => void, reject });
      this.#dispatch();
    });
  }

  /** Terminates every worker; queued tasks are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.reject(new FabrikError('internal', 'worker pool closed before the task ran'));
    await Promise.all(this.#slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((candidate) => candidate.task === null);
      if (slot === undefined) {
        if (this.#slots.length >= this.#options.size) return;
        slot = this.#spawn();
      }
      const task = this.#queue.shift() as Task;
      slot.task = task;
      slot.timer = setTimeout(() => this.#kill(slot, new FabrikError(this.#options.codes.timeout, `${task.label}: took longer than ${this.#options.timeoutMs} ms (FABRIK_PARSE_TIMEOUT_MS)`, { param: task.label })), this.#options.timeoutMs);
      slot.worker.ref();
      slot.worker.postMessage({ ...task.message, id: task.id }, task.transfer);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(this.#url, {
      resourceLimits: { maxOldGenerationSizeMb: this.#options.memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(16, this.#options.memoryMb / 16)) },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, task: null, timer: null };
    worker.on('message', (reply: WorkerReply<unknown>) => {
      const task = slot.task;
      if (task === null || reply.id !== task.id) return;
      this.#finish(slot);
      if (reply.ok) task.resolve(reply.value);
      else task.reject(new FabrikError(reply.error.code, reply.error.message, { param: reply.error.param }));
      this.#dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const label = slot.task?.label ?? 'worker';
      const fabrik = error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new FabrikError(this.#options.codes.memory, `${label}: needed more than ${this.#options.memoryMb} MiB of memory (FABRIK_PARSE_MEMORY_MB)`, { param: label })
        : new FabrikError(this.#options.codes.crash, `${label}: the parser crashed: ${error.message}`, { param: label });
      this.#kill(slot, fabrik);
    });
    worker.on('exit', () => {
      if (this.#slots.includes(slot)) this.#kill(slot, new FabrikError(this.#options.codes.crash, `${slot.task?.label ?? 'worker'}: the parser thread exited`));
    });
    this.#slots.push(slot);
    return slot;
  }

  #finish(slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    slot.worker.unref();
  }

  #kill(slot: Slot, error: Error): void {
    const task = slot.task;
    this.#finish(slot);
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    void slot.worker.terminate();
    task?.reject(error);
    if (!this.#closed) this.#dispatch();
  }
}
