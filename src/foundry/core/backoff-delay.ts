/** How long a failed job waits before its next attempt. */
export interface BackoffOptions {
  /** The wait after the first failure, before jitter (default 1 s). */
  baseMs: number;
  /** The longest wait (default 5 min). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 5 * 60_000 };

/**
 * The wait after failed attempt `attempt` (1-based): base·2^(attempt−1), capped at maxMs, then
 * "equal jitter" (half fixed, half random) so jobs that failed together (a database restart) do
 * not all come back in the same millisecond, while the wait still grows with every failure.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
