import { PARSER_REGISTRY } from './parser-registry.ts';

/** Each parser's output version with the media types it parses, by parser name: a view of PARSER_REGISTRY. */
export const PARSER_VERSIONS: Readonly<Record<string, { mediaTypes: readonly string[]; version: string }>> = Object.fromEntries(
  PARSER_REGISTRY.map((parser) => [parser.name, { mediaTypes: parser.mediaTypes, version: parser.version }]),
);

/** Every parser version in use now, each once: what a stored document's `parserVersion` must be one of to be current. */
export const CURRENT_PARSER_VERSIONS: readonly string[] = [...new Set(PARSER_REGISTRY.map((parser) => parser.version))];

/** The version of the parser for a media type now, or null when no parser takes it. */
export function parserVersionFor(mediaType: string): string | null {
  return PARSER_REGISTRY.find((parser) => parser.mediaTypes.includes(mediaType))?.version ?? null;
}
