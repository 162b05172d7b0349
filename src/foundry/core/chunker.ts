/** How a dataset build cuts documents: sizes and overlap, in the chunker's tokens. */
export interface ChunkOptions {
  /** Largest chunk, in tokens. */
  chunkTokens: number;
  /** Tokens of the previous chunk repeated at the start of the next one within a section. */
  overlap: number;
}

/** The parts of a stored element a chunker reads. */
export interface ChunkElement {
  id: string;
  kind: string;
  text: string;
  page: number;
  span: [number, number];
}

/** One piece of a document's canonical text, with the pages and elements it covers. */
export interface Chunk {
  /** Canonical-text offsets [start, end). */
  span: [number, number];
  text: string;
  tokenCount: number;
  pages: number[];
  elementIds: string[];
}

/**
 * What a dataset build cuts documents with (stages/chunk provides one; the CLI passes it in
 * BuildServices). Its version and tokenizer go into every manifest, so a changed chunker gives new
 * dataset versions.
 */
export interface Chunker {
  /** Names the code that cuts (`chunk-v1`): the build stage's version, written into each manifest. */
  readonly version: string;
  /** The tokenizer chunk sizes are measured in (`cl100k_base`). */
  readonly tokenizer: string;
  /** Checks options, throwing invalid_option that names the option and its rule. */
  validateOptions(options: ChunkOptions): ChunkOptions;
  /** Cuts one document's canonical text into chunks. */
  chunk(text: string, elements: readonly ChunkElement[], options: ChunkOptions): Chunk[];
}
