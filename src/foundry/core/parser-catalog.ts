/**
 * The parsers as the foundry's core sees them, without loading any: which version of each is current
 * and where the thread that runs them starts. parsers/parser-catalog.ts provides it from the parser
 * registry; the CLI (or whoever composes an ingest) passes it in IngestOptions.
 */
export interface ParserCatalog {
  /**
   * The module a parser worker thread runs. It answers each `{ id, bytes, fileName, limits }` message
   * with `{ id, ok: true, value: ParsedDocument }` or `{ id, ok: false, error: SerializedError }`,
   * the document's `metadata.parserVersion` naming the version of the parser that made it.
   */
  readonly workerUrl: URL;
  /** Every parser version in use now, each once. */
  readonly currentVersions: readonly string[];
  /** The version of the parser for a media type now, or null when no parser takes it. */
  versionFor(mediaType: string): string | null;
}
