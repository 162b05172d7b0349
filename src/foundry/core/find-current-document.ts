import type { DocumentStore } from '../../store/core/foundry-store.ts';
import type { DocumentRecord } from '../../store/core/records.ts';
import { CURRENT_PARSER_VERSIONS, parserVersionFor } from '../parsers/parser-version.ts';

/**
 * The document parsed from this content by the current version of the parser for its format, or
 * null. A document made by an older version of its parser is not current, so that content is parsed
 * again; documents of other formats stay as they are.
 */
export async function findCurrentDocument(store: Pick<DocumentStore, 'findDocument'>, sha256: string): Promise<DocumentRecord | null> {
  for (const version of CURRENT_PARSER_VERSIONS) {
    const document = await store.findDocument(sha256, version);
    if (document !== null && parserVersionFor(document.mediaType) === version) return document;
  }
  return null;
}
