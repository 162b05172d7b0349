/**
 * What every parser produces: a document of elements over one canonical text.
 * Element spans index the canonical text (UTF-16 code units, end exclusive); where a parser
 * knows where an element's bytes lie in the source file it also sets `sourceSpan` (byte offsets).
 */

export type { BoundingBox, ElementKind } from '../../store/core/records.ts';
export { ELEMENT_KINDS } from '../../store/core/records.ts';
import type { BoundingBox, ElementKind } from '../../store/core/records.ts';

export interface ParsedElement {
  kind: ElementKind;
  text: string;
  /** 1-based page number; formats without pages use 1. */
  page: number;
  /** Canonical-text offsets [start, end). */
  span: [number, number];
  bbox?: BoundingBox;
  /** Byte offsets [start, end) in the source file, when the parser knows them. */
  sourceSpan?: [number, number];
  /** Heading level (1 = top) or list nesting depth (1 = top). */
  level?: number;
  /** Small, JSON-safe extras: table cells, list ordinal, code language, link targets. */
  attributes?: Record<string, string | number | boolean | string[] | string[][]>;
}

export interface ParsedDocument {
  mediaType: string;
  title: string | null;
  pageCount: number;
  /** Elements' texts joined by a blank line ("\n\n"), in reading order. */
  text: string;
  elements: ParsedElement[];
  /** Non-fatal problems worth telling the user (a damaged page skipped, an encoding guessed). */
  warnings: string[];
  metadata: Record<string, string | number | boolean>;
}

export interface ParseLimits {
  /** Largest input in bytes. */
  maxBytes: number;
  /** Largest total uncompressed size of a zip container's entries. */
  maxUnpackedBytes: number;
  /** Largest uncompressed/compressed ratio of any zip entry. */
  maxCompressionRatio: number;
  /** Most entries in a zip container. */
  maxArchiveEntries: number;
  /** Most pages read from one document. */
  maxPages: number;
  /** Deepest element nesting a parser walks (HTML/DOCX trees). */
  maxDepth: number;
  /**
   * Largest WebAssembly memory a parser may grow to. V8's heap limit on the worker does not count
   * wasm memory, so parsers that run wasm (PDFium) check this themselves.
   */
  maxMemoryBytes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxBytes: 256 * 1024 * 1024,
  maxUnpackedBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxArchiveEntries: 10_000,
  maxPages: 5_000,
  maxDepth: 256,
  maxMemoryBytes: 1024 * 1024 * 1024,
};

export interface ParseContext {
  /** The file name (never used to choose a parser, only as a hint among text formats and for messages). */
  fileName: string;
  limits: ParseLimits;
}

/** A parser turns the bytes of one media type into a ParsedDocument; it throws FabrikError on bad input. */
export interface Parser {
  readonly mediaTypes: readonly string[];
  /** The version of this parser's output (its entry in parsers/parser-registry.ts): stored with each document it makes, part of the document's id. */
  readonly version: string;
  parse(bytes: Uint8Array, context: ParseContext): Promise<ParsedDocument>;
}
