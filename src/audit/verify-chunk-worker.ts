import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { verifyChunk } from './verify-chunk.ts';

/**
 * Worker thread for verify: receives chunks of rows, answers on the port it was given and bumps a
 * shared counter, so the main thread can wait synchronously (verify's API is synchronous).
 */
const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

function answer(message: unknown, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

port.on('message', (task: { id: number; seqs: number[]; texts: string[] }) => {
  try {
    const result = verifyChunk(task.seqs, task.texts);
    answer({ id: task.id, result }, [result.hashes.buffer as ArrayBuffer]);
  } catch (error) {
    answer({ id: task.id, error: String((error as Error)?.stack ?? error) });
  }
});
answer({ ready: true });
parentPort?.unref();
