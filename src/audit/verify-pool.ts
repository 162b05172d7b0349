import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { FabrikError } from '../shared/errors.ts';
import type { ChunkResult } from './verify-chunk.ts';

/** A few worker threads that hash chunks for verify; answers arrive as messages, awaited in turn. */
export interface VerifyPool {
  readonly size: number;
  /** Queues a chunk on the least busy worker. */
  submit(id: number, seqs: number[], texts: string[]): void;
  /** Resolves with the next answer any worker gives: that chunk's id and result. */
  take(): Promise<{ id: number; result: ChunkResult }>;
  close(): void;
}

interface Member {
  worker: Worker;
  port: MessagePort;
  busy: number;
}

type Answer = { ready?: true; id?: number; result?: ChunkResult; error?: string };

// A worker that answers nothing for this long is treated as dead rather than waited on for ever.
const ANSWER_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 5_000;

/**
 * Starts `size` workers; resolves null when worker threads cannot start here (verify then runs
 * inline). Answers from every worker go into one queue; `take` hands them out in arrival order.
 */
export async function createVerifyPool(size: number): Promise<VerifyPool | null> {
  const members: Member[] = [];
  const answers: { member: Member; answer: Answer }[] = [];
  let waiter: ((found: { member: Member; answer: Answer } | null) => void) | null = null;
  let closed = false;

  const deliver = (found: { member: Member; answer: Answer } | null): void => {
    if (waiter === null) {
      if (found !== null) answers.push(found);
      return;
    }
    const wake = waiter;
    waiter = null;
    wake(found);
  };
  const next = (timeoutMs: number): Promise<{ member: Member; answer: Answer } | null> => {
    const queued = answers.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiter = null;
        resolve(null);
      }, timeoutMs);
      waiter = (found) => {
        clearTimeout(timer);
        resolve(found);
      };
    });
  };
  const close = (): void => {
    closed = true;
    for (const member of members) {
      member.port.close();
      void member.worker.terminate();
    }
    deliver(null);
  };

  try {
    for (let i = 0; i < size; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(new URL('./verify-chunk-worker.ts', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
      worker.unref();
      const member: Member = { worker, port: port1, busy: 0 };
      port1.on('message', (answer: Answer) => deliver({ member, answer }));
      // A worker that fails to load or dies answers with an error instead of leaving take() waiting.
      worker.on('error', (error) => deliver({ member, answer: { error: String(error?.stack ?? error) } }));
      members.push(member);
    }
    for (let ready = 0; ready < size; ready++) {
      if ((await next(READY_TIMEOUT_MS))?.answer.ready !== true) {
        close();
        return null;
      }
    }
  } catch {
    close();
    return null;
  }

  return {
    size,
    submit(id, seqs, texts) {
      const member = members.reduce((best, candidate) => (candidate.busy < best.busy ? candidate : best), members[0]!);
      member.busy++;
      member.port.postMessage({ id, seqs, texts });
    },
    async take() {
      const found = await next(ANSWER_TIMEOUT_MS);
      if (found === null) throw new FabrikError('internal', `audit verify workers gave no answer for ${ANSWER_TIMEOUT_MS / 1000} s`);
      found.member.busy--;
      const { answer } = found;
      if (answer.error !== undefined || answer.result === undefined || answer.id === undefined) {
        throw new FabrikError('internal', `audit verify worker failed: ${answer.error ?? 'no result'}`);
      }
      return { id: answer.id, result: answer.result };
    },
    close,
  };
}
