/**
 * The settings an ingest reads. FabrikConfig has them all, so a loaded configuration passes as it is;
 * the foundry does not depend on where they come from.
 */
export interface IngestSettings {
  /** fabrik's data folder: its own files there (store, blobs, keys, exports) are never inputs. */
  home: string;
  /** Parser worker threads. */
  workers: number;
  /** Wall-clock limit for parsing one file, in milliseconds. */
  parseTimeoutMs: number;
  /** Heap limit for a parser worker, in MiB. */
  parseMemoryMb: number;
  /** Largest input file in bytes. */
  maxFileBytes: number;
}
