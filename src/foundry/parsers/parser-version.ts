/**
 * Each parser's output version, with the media types it parses. A document's id includes the
 * version of the parser that made it: bump one parser's version whenever its output for the same
 * bytes can change, and only documents of its formats are parsed again on the next ingest. Kept in
 * a module of its own so the main thread can read it without loading the parsers (they run in
 * worker threads); each parser reads its own entry, and a test keeps the two in step.
 * They start at the one global version they replaced (`fabrik-parsers/1.2.0`), so a store from
 * before keeps its documents.
 */
export const PARSER_VERSIONS = {
  pdf: { mediaTypes: ['application/pdf'], version: 'fabrik-parsers/1.2.0' },
  docx: { mediaTypes: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'], version: 'fabrik-parsers/1.2.0' },
  html: { mediaTypes: ['text/html', 'application/xhtml+xml'], version: 'fabrik-parsers/1.2.0' },
  markdown: { mediaTypes: ['text/markdown'], version: 'fabrik-parsers/1.2.0' },
  csv: { mediaTypes: ['text/csv', 'text/tab-separated-values'], version: 'fabrik-parsers/1.2.0' },
  text: { mediaTypes: ['text/plain'], version: 'fabrik-parsers/1.2.0' },
} as const satisfies Record<string, { mediaTypes: readonly string[]; version: string }>;

/** Every parser version in use now, each once: what a stored document's `parserVersion` must be one of to be current. */
export const CURRENT_PARSER_VERSIONS: readonly string[] = [...new Set(Object.values(PARSER_VERSIONS).map((entry) => entry.version))];

/** The version of the parser for a media type now, or null when no parser takes it. */
export function parserVersionFor(mediaType: string): string | null {
  for (const entry of Object.values(PARSER_VERSIONS)) if ((entry.mediaTypes as readonly string[]).includes(mediaType)) return entry.version;
  return null;
}
