import { channel } from 'node:diagnostics_channel';

/** Observability without a logger: whoever cares subscribes (logs, metrics, tests). */
export const CHANNELS = {
  /** One ingested (or failed) file: { path, outcome, sha256, documentId, pages, elements, error?, durationMs }. */
  ingestFile: channel('fabrik:foundry:ingest-file'),
  /** A finished stage run: { stage, subject, durationMs, ... }. */
  stageEnd: channel('fabrik:foundry:stage-end'),
} as const;
