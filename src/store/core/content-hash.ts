import { createHash } from 'node:crypto';
import { canonicalize } from '../../shared/canonical-json.ts';
import type { ChunkRecord, DocumentRecord, ElementRecord } from './records.ts';

/**
 * The content hash of a document: SHA-256 over one line of JSON for the document (id, blob sha256,
 * parser version, media type, canonical text) and one per element (id, ordinal, kind, text, page,
 * bbox as [x0, y0, x1, y1], span, source span, level, then a tab and its attributes in RFC 8785
 * form), joined by newlines. Every
 * store adapter records it when the document is inserted; `fabrik verify` and `dataset build`
 * recompute it. Streamed line by line: one canonical JSON text of a large document cost ~0.5 s.
 */
export function documentContentSha256(document: Pick<DocumentRecord, 'id' | 'sha256' | 'parserVersion' | 'mediaType' | 'text'>, elements: readonly ElementRecord[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([document.id, document.sha256, document.parserVersion, document.mediaType, document.text.toWellFormed()]));
  let pending = '';
  for (const element of elements) {
    const { bbox } = element;
    pending += `\n${JSON.stringify([element.id, element.ordinal, element.kind, element.text.toWellFormed(), element.page, bbox === null ? null : [bbox.x0, bbox.y0, bbox.x1, bbox.y1], element.span, element.sourceSpan, element.level])}`;
    pending += `\t${element.attributes === null ? 'null' : canonicalize(asStored(element.attributes))}`;
    // Hash in pieces of about 64 KiB: one update per element is a native call each.
    if (pending.length > 65_536) {
      hash.update(pending);
      pending = '';
    }
  }
  hash.update(pending);
  return hash.digest('hex');
}

/** The content hash of a chunk: SHA-256 of the canonical JSON of everything an export line takes from it. */
export function chunkContentSha256(chunk: ChunkRecord): string {
  return createHash('sha256').update(canonicalize(asStored({
    id: chunk.id,
    documentId: chunk.documentId,
    text: chunk.text,
    tokenCount: chunk.tokenCount,
    span: chunk.span,
    pages: chunk.pages,
    elementIds: chunk.elementIds,
  }))).digest('hex');
}

// A fresh record and the same record read back from a store must hash alike, so hash what a store
// keeps: text as UTF-8 (a lone surrogate becomes U+FFFD) and JSON (undefined members dropped,
// undefined in an array null).
function asStored(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (typeof value !== 'object' || value === null) return value === undefined ? null : value;
  if (Array.isArray(value)) return value.map(asStored);
  const copy: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    if (member !== undefined) copy[name.toWellFormed()] = asStored(member);
  }
  return copy;
}
