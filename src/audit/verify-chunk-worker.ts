import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { verifyChunk } from './verify-chunk.ts';

/** Worker thread for verify: receives chunks of rows and answers each on the port it was given. */
const { port } = workerData as { port: MessagePort };

port.on('message', (task: { id: number; seqs: number[]; texts: string[] }) => {
  try {
    const result = verifyChunk(task.seqs, task.texts);
    port.postMessage({ id: task.id, result }, [result.hashes.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ id: task.id, error: String((error as Error)?.stack ?? error) });
  }
});
port.postMessage({ ready: true });
parentPort?.unref();
