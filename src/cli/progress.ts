import { visible } from './output.ts';
/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export interface Progress {
  start(total: number): void;
  update(done: number, label?: string): void;
  stop(): void;
}

export function createProgress(title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const enabled = stream.isTTY === true && process.env.CI === undefined;
  let total = 0;
  let last = 0;
  let started = 0;
  return {
    start(count) {
      total = count;
      started = performance.now();
    },
    update(done, label = '') {
      if (!enabled) return;
      const now = performance.now();
      // Redraw at most 20 times a second; the terminal is slower than the work.
      if (done < total && now - last < 50) return;
      last = now;
      const width = 28;
      const fraction = total === 0 ? 1 : done / total;
      const filled = Math.round(fraction * width);
      const rate = done / Math.max(0.001, (now - started) / 1000);
      const columns = stream.columns || 100;
      const head = `${title} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${rate.toFixed(1)}/s `;
      const room = Math.max(0, columns - head.length - 1);
      const shown = visible(label);
      const tail = shown.length > room ? `…${shown.slice(shown.length - room + 1)}` : shown;
      stream.write(`\r\u001b[2K${head}${tail}`);
    },
    stop() {
      if (enabled) stream.write('\r\u001b[2K');
    },
  };
}
