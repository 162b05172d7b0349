import type { Chunker } from '../../core/chunker.ts';
import { CHUNK_TOKENIZER, CHUNKER_VERSION, chunkDocument, validateChunkOptions } from './chunk-document.ts';

/** The chunk stage for dataset builds: cl100k_base token budgets, cuts on element and word boundaries, sections kept apart. */
export const documentChunker: Chunker = {
  version: CHUNKER_VERSION,
  tokenizer: CHUNK_TOKENIZER,
  validateOptions: validateChunkOptions,
  chunk: chunkDocument,
};
