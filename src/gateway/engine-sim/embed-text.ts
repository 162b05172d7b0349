/** Positions each word adds to: enough for overlapping texts to score clearly above unrelated ones. */
const POSITIONS_PER_WORD = 4;

/**
 * A deterministic unit vector for a text. Words are hashed into signed positions (feature
 * hashing), so texts that share words have a higher cosine than texts that do not: retrieval
 * demos behave sensibly without a model.
 */
export function embedText(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let hash = 0x811c9dc5;
  let inWord = false;
  for (let index = 0; index <= text.length; index++) {
    const code = index < text.length ? foldCase(text.charCodeAt(index)) : -1;
    if (code !== -1 && isWordCode(code)) {
      hash = Math.imul(hash ^ code, 0x01000193);
      inWord = true;
    } else if (inWord) {
      addWord(vector, hash >>> 0);
      hash = 0x811c9dc5;
      inWord = false;
    }
  }
  let norm = 0;
  for (let index = 0; index < dimensions; index++) norm += (vector[index] as number) ** 2;
  if (norm === 0) {
    // No words (punctuation, empty input): still a stable vector of its own.
    let state = hashString(text);
    for (let index = 0; index < dimensions; index++) {
      state = mix(state + index);
      vector[index] = (state / 0xffffffff) * 2 - 1;
      norm += (vector[index] as number) ** 2;
    }
  }
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < dimensions; index++) vector[index] = (vector[index] as number) * scale;
  return vector;
}

function addWord(vector: Float32Array, wordHash: number): void {
  let state = wordHash;
  for (let position = 0; position < POSITIONS_PER_WORD; position++) {
    state = mix(state + position);
    const index = state % vector.length;
    vector[index] = (vector[index] as number) + ((state & 0x80000000) === 0 ? 1 : -1);
  }
}

function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code > 127;
}

function foldCase(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

// A 32-bit finaliser (murmur3's fmix32): spreads consecutive seeds apart.
function mix(seed: number): number {
  let value = seed >>> 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35);
  return (value ^ (value >>> 16)) >>> 0;
}
