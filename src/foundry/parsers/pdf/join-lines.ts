// Chinese and Japanese run words together; Korean (Hangul) separates them with spaces like Latin.
const CJK_END = /[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]$/u;
const CJK_START = /^[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/u;

/** Joins the lines of a block: de-hyphenates line ends, no space between CJK characters. */
export function joinLines(lines: readonly string[]): string {
  let text = '';
  for (const line of lines) {
    if (text.length === 0) {
      text = line;
      continue;
    }
    if (text.endsWith('\u00ad')) text = text.slice(0, -1) + line;
    else if (/\p{L}-$/u.test(text) && /^\p{Ll}/u.test(line)) text = text.slice(0, -1) + line;
    else if (/\p{L}-$/u.test(text)) text += line;
    else if (CJK_END.test(text) && CJK_START.test(line)) text += line;
    else text += ` ${line}`;
  }
  return text;
}
