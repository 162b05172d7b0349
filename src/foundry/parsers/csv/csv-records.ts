/** One CSV record: its fields and the [start, end) of its text, line terminator excluded. */
export interface CsvRecord {
  fields: string[];
  start: number;
  end: number;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * RFC 4180 records, leniently: quoted fields may hold delimiters, line breaks and doubled quotes;
 * CRLF, LF and lone CR end records; a quote inside an unquoted field is literal; an unterminated
 * quote runs to the end of the text (reported through `unterminated`).
 */
export function parseCsvRecords(text: string, delimiter: string): { records: CsvRecord[]; unterminated: boolean } {
  const records: CsvRecord[] = [];
  const separator = delimiter.charCodeAt(0);
  let fields: string[] = [];
  let recordStart = 0;
  let index = 0;
  let unterminated = false;
  const length = text.length;
  while (index <= length) {
    // At the start of a field.
    let value: string;
    if (text.charCodeAt(index) === QUOTE) {
      const parts: string[] = [];
      let from = index + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close < 0) {
          parts.push(text.slice(from));
          index = length;
          unterminated = true;
          break;
        }
        parts.push(text.slice(from, close));
        if (text.charCodeAt(close + 1) === QUOTE) {
          parts.push('"');
          from = close + 2;
          continue;
        }
        index = close + 1;
        break;
      }
      // Anything between the closing quote and the next delimiter is kept, as most readers do.
      let tail = index;
      while (tail < length && !isBoundary(text.charCodeAt(tail), separator)) tail++;
      if (tail > index) parts.push(text.slice(index, tail));
      index = tail;
      value = parts.join('');
    } else {
      let end = index;
      while (end < length && !isBoundary(text.charCodeAt(end), separator)) end++;
      value = text.slice(index, end);
      index = end;
    }
    fields.push(value);
    const code = text.charCodeAt(index);
    if (index < length && code === separator) {
      index++;
      continue;
    }
    // End of record: a line break or the end of the text.
    const recordEnd = index;
    if (code === CR) index += text.charCodeAt(index + 1) === LF ? 2 : 1;
    else if (code === LF) index++;
    else index = length + 1;
    if (!(fields.length === 1 && fields[0] === '' && recordEnd === recordStart)) {
      records.push({ fields, start: recordStart, end: recordEnd });
    }
    fields = [];
    recordStart = index;
    if (index === length) break;
  }
  return { records, unterminated };
}

function isBoundary(code: number, separator: number): boolean {
  return code === separator || code === LF || code === CR;
}
