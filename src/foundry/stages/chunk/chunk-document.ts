import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { FabrikError } from '../../../shared/errors.ts';
import type { Chunk, ChunkElement, ChunkOptions } from '../../core/chunker.ts';

export type { Chunk, ChunkElement, ChunkOptions } from '../../core/chunker.ts';

/** The tokenizer chunk sizes are measured in (OpenAI's cl100k_base BPE). */
export const CHUNK_TOKENIZER = 'cl100k_base';
export const CHUNKER_VERSION = 'chunk-v1';

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { chunkTokens: 512, overlap: 64 };

interface Unit {
  start: number;
  end: number;
  tokens: number;
  heading: boolean;
}

const HEADING_KINDS = new Set(['title', 'heading']);
/** Tokens a boundary between two units may add when they are tokenized together ("\n\n" and merges). */
const BOUNDARY_TOKENS = 2;

/** Checks chunk options, naming the option and its rule. */
export function validateChunkOptions(options: ChunkOptions): ChunkOptions {
  if (!Number.isSafeInteger(options.chunkTokens) || options.chunkTokens < 16 || options.chunkTokens > 65_536) {
    throw new FabrikError('invalid_option', `--chunk-tokens must be a whole number from 16 to 65536; got ${options.chunkTokens}`, { param: 'chunk-tokens' });
  }
  if (!Number.isSafeInteger(options.overlap) || options.overlap < 0 || options.overlap > options.chunkTokens / 2) {
    throw new FabrikError('invalid_option', `--overlap must be a whole number from 0 to half of --chunk-tokens (${Math.floor(options.chunkTokens / 2)}); got ${options.overlap}`, { param: 'overlap' });
  }
  return options;
}

/**
 * Cuts a document's canonical text into chunks of at most `chunkTokens` BPE tokens. Cuts fall
 * on element boundaries where they can and otherwise between words, never inside one (a single
 * word longer than the limit becomes a chunk of its own). A heading always starts a new chunk,
 * so a chunk never runs from one section into the next; overlap is only added inside a section.
 */
export function chunkDocument(text: string, elements: readonly ChunkElement[], options: ChunkOptions): Chunk[] {
  validateChunkOptions(options);
  const limit = options.chunkTokens;
  const units = toUnits(text, elements, limit);
  const spans: Array<[number, number]> = [];
  let start = -1;
  let end = -1;
  let estimate = 0;
  let hasBody = false;

  const close = (): void => {
    if (start >= 0) spans.push([start, end]);
    start = -1;
    hasBody = false;
    estimate = 0;
  };

  for (let index = 0; index < units.length; index += 1) {
    const unit = units[index] as Unit;
    if (start >= 0 && unit.heading && hasBody) close();
    if (start >= 0) {
      let fits = estimate + BOUNDARY_TOKENS + unit.tokens <= limit;
      if (!fits) fits = countTokens(text.slice(start, unit.end)) <= limit;
      if (!fits) {
        const previous: [number, number] = [start, end];
        close();
        if (!unit.heading && options.overlap > 0) {
          const overlapStart = overlapStartIn(text, previous, options.overlap, limit - unit.tokens - BOUNDARY_TOKENS);
          if (overlapStart !== null) {
            start = overlapStart;
            end = previous[1];
            estimate = countTokens(text.slice(overlapStart, previous[1]));
          }
        }
      }
    }
    if (start < 0) {
      start = unit.start;
      estimate = unit.tokens;
    } else {
      estimate += BOUNDARY_TOKENS + unit.tokens;
    }
    end = unit.end;
    if (!unit.heading) hasBody = true;
  }
  close();

  return spans.map(([spanStart, spanEnd]) => {
    const chunkText = text.slice(spanStart, spanEnd);
    const covered = elements.filter((element) => element.span[0] < spanEnd && element.span[1] > spanStart);
    return {
      span: [spanStart, spanEnd],
      text: chunkText,
      tokenCount: countTokens(chunkText),
      pages: [...new Set(covered.map((element) => element.page))].sort((a, b) => a - b),
      elementIds: covered.map((element) => element.id),
    };
  });
}

/** Elements as packing units; an element over the limit is split into runs of whole words. */
function toUnits(text: string, elements: readonly ChunkElement[], limit: number): Unit[] {
  const units: Unit[] = [];
  for (const element of elements) {
    const [start, end] = element.span;
    const heading = HEADING_KINDS.has(element.kind);
    const tokens = countTokens(text.slice(start, end));
    if (tokens <= limit) {
      units.push({ start, end, tokens, heading });
      continue;
    }
    // Words with their leading whitespace; their token counts add up to the run's count
    // closely because the BPE pre-tokenizer already splits at these boundaries.
    const pattern = /\s*\S+/gy;
    pattern.lastIndex = start;
    let runStart = -1;
    let runEnd = -1;
    let runTokens = 0;
    for (let match = pattern.exec(text); match !== null && pattern.lastIndex <= end; match = pattern.exec(text)) {
      const wordEnd = pattern.lastIndex;
      const wordStart = wordEnd - match[0].trimStart().length;
      const wordTokens = countTokens(match[0]);
      if (runStart >= 0 && runTokens + wordTokens + BOUNDARY_TOKENS > limit) {
        units.push({ start: runStart, end: runEnd, tokens: runTokens, heading });
        runStart = -1;
      }
      if (runStart < 0) {
        runStart = wordStart;
        runTokens = countTokens(text.slice(wordStart, wordEnd));
      } else {
        runTokens += wordTokens;
      }
      runEnd = wordEnd;
    }
    if (runStart >= 0) units.push({ start: runStart, end: runEnd, tokens: runTokens, heading });
  }
  return units;
}

/**
 * Where the overlap taken from the end of the previous chunk starts: the earliest word start
 * whose tail holds at most `overlap` tokens (and leaves room for the next unit), or null.
 */
function overlapStartIn(text: string, previous: [number, number], overlap: number, room: number): number | null {
  const budget = Math.min(overlap, room);
  if (budget <= 0) return null;
  const [start, end] = previous;
  let best: number | null = null;
  let position = end;
  while (position > start) {
    // Step back to the start of the previous word.
    let cursor = position;
    while (cursor > start && /\s/.test(text[cursor - 1] ?? '')) cursor -= 1;
    while (cursor > start && !/\s/.test(text[cursor - 1] ?? '')) cursor -= 1;
    if (cursor === position) break;
    if (countTokens(text.slice(cursor, end)) > budget) break;
    best = cursor;
    position = cursor;
  }
  // Repeating the whole previous chunk is not an overlap.
  return best === start ? null : best;
}
