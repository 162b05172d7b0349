import type { ParserCatalog } from '../core/parser-catalog.ts';
import { CURRENT_PARSER_VERSIONS, parserVersionFor } from './parser-version.ts';

/** The registered parsers for ingest: their current versions and the worker-thread entry that runs them. */
export const PARSER_CATALOG: ParserCatalog = {
  workerUrl: new URL('./parse-worker.ts', import.meta.url),
  currentVersions: CURRENT_PARSER_VERSIONS,
  versionFor: parserVersionFor,
};
