/**
 * The version of the parsers' output. Document ids include it, so bump it whenever any parser's
 * output changes: documents are then parsed again on the next ingest. Kept in a module of its own
 * so the main thread can read it without loading the parsers (they run in worker threads).
 */
export const PARSER_VERSION = 'fabrik-parsers/1.2.0';
