import { FabrikError } from '../../shared/errors.ts';
import type { ParseContext, ParsedDocument, Parser } from '../core/parsed-document.ts';
import { detectFormat, type Refusal } from './detect-media-type.ts';
import { PARSER_REGISTRY, parserForMediaType } from './parser-registry.ts';

export { parserForMediaType } from './parser-registry.ts';

/** Every parser, each claiming its media types (the registry's entries). */
export const PARSERS: readonly Parser[] = PARSER_REGISTRY;

/**
 * Detects the format of the bytes and parses them. Throws FabrikError: empty_file, file_too_large,
 * unsupported_format, encrypted_file, archive_limit, parse_failed or no_text, each naming the file.
 */
export async function parseDocument(bytes: Uint8Array, context: ParseContext): Promise<ParsedDocument> {
  const { fileName, limits } = context;
  if (bytes.length === 0) throw new FabrikError('empty_file', `${fileName} is empty (0 bytes); there is nothing to parse.`, { param: fileName });
  if (bytes.length > limits.maxBytes) {
    throw new FabrikError('file_too_large', `${fileName} is ${bytes.length} bytes, more than the limit of ${limits.maxBytes} bytes (limits.maxBytes).`, { param: fileName });
  }
  const { mediaType, refusal } = detectFormat(bytes, fileName);
  if (refusal !== null) throw refusalError(refusal, fileName);
  const parser = parserForMediaType(mediaType);
  if (parser === null) throw refusalError({ code: 'unsupported_format', what: mediaType }, fileName);
  let document: ParsedDocument;
  try {
    document = await parser.parse(bytes, context);
  } catch (error) {
    throw toParseError(error, fileName, mediaType);
  }
  if (document.elements.length === 0) {
    const hint = parser.noTextHint === undefined ? '' : ` (${parser.noTextHint})`;
    throw new FabrikError('no_text', `${fileName} parsed as ${mediaType} but holds no extractable text${hint}.`, { param: fileName });
  }
  document.metadata.parserVersion = parser.version;
  return document;
}

const FORMAT_NAMES = PARSER_REGISTRY.map((parser) => parser.label).join(', ');

/** The error for bytes detection refused, naming the file and what its bytes are. */
function refusalError(refusal: Refusal, fileName: string): FabrikError {
  if (refusal.code === 'encrypted_file') return new FabrikError('encrypted_file', `${fileName} is ${refusal.what}; it needs a password to open and none was given.`, { param: fileName });
  if (refusal.code === 'parse_failed') return new FabrikError('parse_failed', `${fileName} is ${refusal.what} and cannot be parsed.`, { param: fileName });
  return new FabrikError('unsupported_format', `${fileName} is not a format fabrik parses (${FORMAT_NAMES}): its bytes look like ${refusal.what}.`, { param: fileName });
}

/** Library errors become parse_failed (or encrypted_file) naming the file; our own errors pass through. */
function toParseError(error: unknown, fileName: string, mediaType: string): FabrikError {
  if (error instanceof FabrikError) return error;
  const name = error instanceof Error ? error.name : '';
  const cause = error instanceof Error ? error.message : String(error);
  if (name === 'PasswordException') {
    return new FabrikError('encrypted_file', `${fileName} is encrypted and needs a password to open (${cause}).`, { param: fileName, cause: error });
  }
  if (error instanceof RangeError && /call stack/i.test(cause)) {
    return new FabrikError('parse_failed', `${fileName} (${mediaType}) is nested too deeply to parse: ${cause}.`, { param: fileName, cause: error });
  }
  return new FabrikError('parse_failed', `${fileName} (${mediaType}) could not be parsed: ${cause || name || 'unknown error'}.`, { param: fileName, cause: error });
}
