import type { DocumentStore } from '../../store/core/foundry-store.ts';
import type { DocumentRecord } from '../../store/core/records.ts';
import type { ParserCatalog } from './parser-catalog.ts';

/**
 * The document parsed from this content by the current version of the parser for its format, or
 * null. A document made by an older version of its parser is not current, so that content is parsed
 * again; documents of other formats stay as they are.
 */
export async function findCurrentDocument(store: Pick<DocumentStore, 'findDocument'>, sha256: string, parsers: Pick<ParserCatalog, 'currentVersions' | 'versionFor'>): Promise<DocumentRecord | null> {
  for (const version of parsers.currentVersions) {
    const document = await store.findDocument(sha256, version);
    if (document !== null && parsers.versionFor(document.mediaType) === version) return document;
  }
  return null;
}
