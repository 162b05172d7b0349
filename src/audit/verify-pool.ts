import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { FabrikError } from '../shared/errors.ts';
import type { ChunkResult } from './verify-chunk.ts';

/** A few worker threads that hash chunks for verify, driven synchronously from the calling thread. */
export interface VerifyPool {
  readonly size: number;
  /** Queues a chunk on the least busy worker. */
  submit(id: number, seqs: number[], texts: string[]): void;
  /** Blocks until some worker answers; returns that chunk's id and result. */
  take(): { id: number; result: ChunkResult };
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
 * Starts `size` workers; returns null when worker threads cannot start here (verify then runs
 * inline). verify's API is synchronous, so answers are read with receiveMessageOnPort and the
 * thread sleeps on a shared counter (Atomics.wait) that every worker bumps after posting.
 */
export function createVerifyPool(size: number): VerifyPool | null {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const members: Member[] = [];
  const close = (): void => {
    for (const member of members) {
      member.port.close();
      void member.worker.terminate();
    }
  };
  const poll = (): { member: Member; answer: Answer } | null => {
    for (const member of members) {
      const received = receiveMessageOnPort(member.port);
      if (received !== undefined) return { member, answer: received.message as Answer };
    }
    return null;
  };
  const wait = (timeoutMs: number): { member: Member; answer: Answer } | null => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(signal, 0);
      const found = poll();
      if (found !== null) return found;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      Atomics.wait(signal, 0, seen, Math.min(left, 1000));
    }
  };

  try {
    for (let i = 0; i < size; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(new URL('./verify-chunk-worker.ts', import.meta.url), { workerData: { port: port2, signal }, transferList: [port2] });
      worker.unref();
      // Without a listener a worker that fails to load would crash this process; the ready wait below notices instead.
      worker.on('error', () => {});
      members.push({ worker, port: port1, busy: 0 });
    }
    for (let ready = 0; ready < size; ready++) {
      if (wait(READY_TIMEOUT_MS)?.answer.ready !== true) {
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
    take() {
      const found = wait(ANSWER_TIMEOUT_MS);
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
