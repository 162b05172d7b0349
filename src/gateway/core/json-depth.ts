/**
 * Whether the JSON text in `bytes` nests objects and arrays deeper than `limit`. One pass over the
 * bytes, no allocation; strings are skipped (a bracket inside one does not count). The gateway
 * refuses such bodies before admission: JSON.stringify and the token estimate recurse, and a deep
 * enough body makes them throw.
 */
export function exceedsJsonDepth(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index += 1) {
    const byte = bytes[index] as number;
    if (inString) {
      if (byte === 92) index += 1; // a backslash: the next byte is escaped
      else if (byte === 34) inString = false;
    } else if (byte === 34) inString = true;
    else if (byte === 123 || byte === 91) {
      depth += 1;
      if (depth > limit) return true;
    } else if (byte === 125 || byte === 93) depth -= 1;
  }
  return false;
}
