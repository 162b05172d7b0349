import type { FabrikError } from '../../shared/errors.ts';
import type { ModelRoute, Replica } from './replica-pool.ts';
import type { TokenUsage } from './sse-event-scanner.ts';

/** One client request on its way through the gateway: what was asked, and what happened. */
export interface Exchange {
  readonly id: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** The API path after the replica's base URL, e.g. /v1/chat/completions. */
  readonly path: string;
  readonly route: ModelRoute;
  readonly stream: boolean;
  /** The client asked for stream_options.include_usage itself (else the usage-only chunk is dropped). */
  readonly clientWantsUsage: boolean;
  readonly upstreamBody: Buffer;
  /** Completion tokens the quotas allow when below what was asked; the answer is cut there with a final quota event. */
  readonly cap: number | null;
  /** Headers added to a successful answer (x-ratelimit-*). */
  readonly headers: ReadonlyArray<[string, string]>;
  replica: Replica | null;
  attempts: number;
  /** The client has the status line: no retry is possible any more. */
  committed: boolean;
  clientGone: boolean;
  status: number;
  error: FabrikError | null;
  /** The engine's own count, when it sent one. */
  usage: TokenUsage | null;
  firstEventAt: number | null;
  lastEventAt: number | null;
  dataEvents: number;
  capReached: boolean;
  /** A copy of a non-streamed answer (to count tokens when the engine sent no usage, or to log it). */
  responseBody: Buffer[];
  /** The data events of a stream, kept for the same reasons. */
  events: Buffer[];
  finished: boolean;
}
