/** Content-addressed, immutable storage of source bytes, keyed by SHA-256. */
export interface BlobStore {
  /** Stores bytes under their hash; a no-op when present. Durable when it returns. */
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /** Removes a blob (an erasure request); false when it was not there. */
  delete(sha256: string): Promise<boolean>;
  /** Where a blob lives, for humans (a file path or an object URL). */
  locate(sha256: string): string;
}
