/**
 * The stand-in's "model": deterministic, plausible-looking text, one vocabulary entry per token.
 * Every token is plain ASCII letters, a leading space or punctuation, so it can be spliced into
 * JSON without escaping (the hot path relies on that; a stop string only ever shortens a token).
 */

const WORDS = [
  'the', 'factory', 'model', 'data', 'system', 'team', 'value', 'result', 'process', 'report',
  'token', 'engine', 'request', 'answer', 'document', 'record', 'quality', 'number', 'signal', 'pump',
  'pressure', 'sensor', 'service', 'policy', 'invoice', 'order', 'line', 'plan', 'cost', 'energy',
  'is', 'was', 'runs', 'keeps', 'shows', 'needs', 'makes', 'holds', 'takes', 'gives',
  'moves', 'reads', 'checks', 'builds', 'serves', 'reaches', 'meets', 'sets', 'finds', 'starts',
  'and', 'with', 'for', 'from', 'into', 'over', 'under', 'after', 'before', 'within',
  'a', 'every', 'each', 'one', 'two', 'three', 'new', 'old', 'clear', 'simple',
  'stable', 'quick', 'quiet', 'local', 'daily', 'final', 'main', 'safe', 'exact', 'open',
  'lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit', 'sed', 'tempor',
] as const;

const FIRST = WORDS.map((word) => word[0]?.toUpperCase() + word.slice(1));
const SENTENCE_START = FIRST.map((word) => ` ${word}`);
const MIDDLE = WORDS.map((word) => ` ${word}`);

export type FinishReason = 'stop' | 'length';

export interface Completion {
  /** One entry per streamed chunk; their concatenation is the text. */
  tokens: string[];
  text: string;
  /** Tokens the model produced, including one that completed a stop string. */
  completionTokens: number;
  finishReason: FinishReason;
  /** The stop string that ended the text (vLLM's `stop_reason`), or null. */
  stopReason: string | null;
}

export interface CompletionRequest {
  seed: number;
  /** How many tokens to produce unless a stop string ends it earlier. */
  length: number;
  /** True when the client set max_tokens: ending at `length` is then finish_reason "length". */
  limited: boolean;
  stop: readonly string[];
}

/** The completion the stand-in gives for a prompt seed: same seed, same text. */
export function generateCompletion(request: CompletionRequest): Completion {
  const tokens = new Array<string>(request.length);
  let state = request.seed | 0;
  let text = '';
  let sentenceLeft = 0;
  for (let index = 0; index < request.length; index++) {
    state = nextState(state);
    const random = scramble(state);
    let token: string;
    if (index === 0) {
      token = FIRST[random % FIRST.length] as string;
      sentenceLeft = 5 + (random >>> 8) % 12;
    } else if (sentenceLeft === 0) {
      token = '.';
      sentenceLeft = -1;
    } else if (sentenceLeft === -1) {
      token = SENTENCE_START[random % SENTENCE_START.length] as string;
      sentenceLeft = 5 + (random >>> 8) % 12;
    } else if (sentenceLeft > 2 && (random >>> 16) % 13 === 0 && tokens[index - 1] !== ',') {
      token = ',';
    } else {
      token = MIDDLE[random % MIDDLE.length] as string;
      sentenceLeft--;
    }
    tokens[index] = token;
    if (request.stop.length > 0) {
      const from = text.length;
      text += token;
      const cut = findStop(text, from, request.stop);
      if (cut !== null) return stopAt(tokens, index, text, cut);
    }
  }
  if (request.stop.length === 0) text = tokens.join('');
  return { tokens, text, completionTokens: request.length, finishReason: request.limited ? 'length' : 'stop', stopReason: null };
}

/** 32-bit FNV-1a of a string's UTF-16 code units: a cheap, stable prompt seed. */
export function hashText(text: string, hash = 0x811c9dc5): number {
  let value = hash;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

function nextState(state: number): number {
  return (state + 0x6d2b79f5) | 0;
}

// mulberry32's output function: good enough spread for choosing words.
function scramble(state: number): number {
  let value = Math.imul(state ^ (state >>> 15), state | 1);
  value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
  return (value ^ (value >>> 14)) >>> 0;
}

function findStop(text: string, appendedFrom: number, stop: readonly string[]): { at: number; stop: string } | null {
  let best: { at: number; stop: string } | null = null;
  for (const candidate of stop) {
    if (candidate.length === 0) continue;
    // Only a match that ends in the newest token is new.
    const at = text.indexOf(candidate, Math.max(0, appendedFrom - candidate.length + 1));
    if (at !== -1 && (best === null || at < best.at)) best = { at, stop: candidate };
  }
  return best;
}

function stopAt(tokens: string[], lastIndex: number, text: string, cut: { at: number; stop: string }): Completion {
  const kept = tokens.slice(0, lastIndex + 1);
  let start = 0;
  for (let index = 0; index < kept.length; index++) {
    const token = kept[index] as string;
    if (start + token.length > cut.at) kept[index] = token.slice(0, Math.max(0, cut.at - start));
    start += token.length;
  }
  return { tokens: kept, text: text.slice(0, cut.at), completionTokens: lastIndex + 1, finishReason: 'stop', stopReason: cut.stop };
}
