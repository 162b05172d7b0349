import { FabrikError } from '../../shared/errors.ts';

/**
 * A YAML reader for the subset a config file needs, so fabrik needs no YAML dependency:
 * block mappings and sequences (by indentation, spaces only), `- key: value` items, flow
 * `[a, b]` and `{ a: 1 }` on one line, plain, 'single' and "double" quoted scalars, numbers,
 * true/false, null/~ and # comments. Anchors, tags, block scalars (| >) and multiple documents
 * are refused with the line that uses them.
 */
export function parseYaml(text: string, file = 'config'): unknown {
  const lines: Line[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    if (/^\s*\t/.test(raw)) throw yamlError(file, index + 1, 'indents with a tab; YAML indentation must be spaces');
    const content = stripComment(raw, file, index + 1).trimEnd();
    if (content.trim() === '') return;
    if (content === '---' && lines.length === 0) return;
    if (content === '---' || content === '...') throw yamlError(file, index + 1, 'starts a second document; a config file holds one');
    const indent = content.length - content.trimStart().length;
    lines.push({ indent, text: content.trimStart(), number: index + 1 });
  });
  if (lines.length === 0) return null;
  const reader = { lines, position: 0, file };
  const value = parseNode(reader, (lines[0] as Line).indent);
  const extra = lines[reader.position];
  if (extra !== undefined) throw yamlError(file, extra.number, `is indented to column ${extra.indent + 1}, which matches no open block`);
  return value;
}

interface Line {
  indent: number;
  text: string;
  number: number;
}

interface Reader {
  lines: Line[];
  position: number;
  file: string;
}

function parseNode(reader: Reader, indent: number): unknown {
  const line = reader.lines[reader.position] as Line;
  if (isSequenceItem(line.text)) return parseSequence(reader, line.indent);
  return parseMapping(reader, indent);
}

function isSequenceItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function parseSequence(reader: Reader, indent: number): unknown[] {
  const items: unknown[] = [];
  for (;;) {
    const line = reader.lines[reader.position];
    if (line === undefined || line.indent !== indent || !isSequenceItem(line.text)) break;
    const rest = line.text.slice(1).trimStart();
    if (rest === '') {
      reader.position += 1;
      const next = reader.lines[reader.position];
      items.push(next !== undefined && next.indent > indent ? parseNode(reader, next.indent) : null);
      continue;
    }
    if (findMappingColon(rest) !== -1 && !rest.startsWith('{') && !rest.startsWith('[')) {
      // "- key: value" opens a mapping whose keys line up with "key".
      const childIndent = indent + (line.text.length - rest.length);
      reader.lines[reader.position] = { indent: childIndent, text: rest, number: line.number };
      items.push(parseMapping(reader, childIndent));
      continue;
    }
    reader.position += 1;
    items.push(parseScalarOrFlow(rest, reader.file, line.number));
  }
  return items;
}

function parseMapping(reader: Reader, indent: number): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (;;) {
    const line = reader.lines[reader.position];
    if (line === undefined || line.indent < indent) break;
    if (line.indent > indent) throw yamlError(reader.file, line.number, `is indented to column ${line.indent + 1}; expected column ${indent + 1}`);
    if (isSequenceItem(line.text)) break;
    const colon = findMappingColon(line.text);
    if (colon === -1) throw yamlError(reader.file, line.number, `"${line.text}" is not "key: value"`);
    const key = unquoteKey(line.text.slice(0, colon).trim(), reader.file, line.number);
    if (Object.hasOwn(object, key)) throw yamlError(reader.file, line.number, `repeats the key "${key}"`);
    const rest = line.text.slice(colon + 1).trim();
    reader.position += 1;
    if (rest !== '') {
      object[key] = parseScalarOrFlow(rest, reader.file, line.number);
      continue;
    }
    const next = reader.lines[reader.position];
    if (next !== undefined && (next.indent > indent || (next.indent === indent && isSequenceItem(next.text)))) object[key] = parseNode(reader, next.indent);
    else object[key] = null;
  }
  return object;
}

/** Index of the ':' that ends a mapping key (followed by a space or the end), outside quotes; -1 if none. */
function findMappingColon(text: string): number {
  let quote: string | null = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quote !== null) {
      if (char === '\\' && quote === '"') index += 1;
      else if (char === "'" && quote === "'" && text[index + 1] === "'") index += 1;
      else if (char === quote) quote = null;
    } else if ((char === '"' || char === "'") && index === 0) quote = char;
    else if (char === ':' && (index + 1 === text.length || text[index + 1] === ' ')) return index;
  }
  return -1;
}

function unquoteKey(key: string, file: string, line: number): string {
  if (key.startsWith('"') || key.startsWith("'")) {
    const value = parseScalarOrFlow(key, file, line);
    if (typeof value !== 'string') throw yamlError(file, line, `has a key that is not a string: ${key}`);
    return value;
  }
  if (key === '') throw yamlError(file, line, 'has an empty key');
  return key;
}

function parseScalarOrFlow(text: string, file: string, line: number): unknown {
  const first = text[0];
  if (first === '&' || first === '*' || first === '!') throw yamlError(file, line, 'uses an anchor, alias or tag, which fabrik\'s config reader does not support');
  if (first === '|' || first === '>') throw yamlError(file, line, 'uses a block scalar (| or >), which fabrik\'s config reader does not support; write the value on one line');
  const flow = { text, position: 0, file, line };
  const value = parseFlowValue(flow, false);
  skipSpaces(flow);
  if (flow.position !== text.length) throw yamlError(file, line, `has unexpected text after the value: "${text.slice(flow.position)}"`);
  return value;
}

interface Flow {
  text: string;
  position: number;
  file: string;
  line: number;
}

function skipSpaces(flow: Flow): void {
  while (flow.text[flow.position] === ' ') flow.position += 1;
}

function parseFlowValue(flow: Flow, nested: boolean): unknown {
  skipSpaces(flow);
  const char = flow.text[flow.position];
  if (char === '[') {
    flow.position += 1;
    const items: unknown[] = [];
    skipSpaces(flow);
    if (flow.text[flow.position] === ']') {
      flow.position += 1;
      return items;
    }
    for (;;) {
      items.push(parseFlowValue(flow, true));
      skipSpaces(flow);
      const next = flow.text[flow.position++];
      if (next === ']') return items;
      if (next !== ',') throw yamlError(flow.file, flow.line, 'has a [list] that is missing a "," or "]"');
    }
  }
  if (char === '{') {
    flow.position += 1;
    const object: Record<string, unknown> = {};
    skipSpaces(flow);
    if (flow.text[flow.position] === '}') {
      flow.position += 1;
      return object;
    }
    for (;;) {
      skipSpaces(flow);
      const key = parseFlowKey(flow);
      skipSpaces(flow);
      if (flow.text[flow.position] !== ':') throw yamlError(flow.file, flow.line, `has a {map} entry "${key}" without ":"`);
      flow.position += 1;
      object[key] = parseFlowValue(flow, true);
      skipSpaces(flow);
      const next = flow.text[flow.position++];
      if (next === '}') return object;
      if (next !== ',') throw yamlError(flow.file, flow.line, 'has a {map} that is missing a "," or "}"');
    }
  }
  if (char === '"' || char === "'") return parseQuoted(flow);
  const stop = nested ? /[,\]}]/ : null;
  let end = flow.position;
  while (end < flow.text.length && !(stop !== null && stop.test(flow.text[end] as string))) end += 1;
  const raw = flow.text.slice(flow.position, end).trim();
  flow.position = end;
  return plainScalar(raw);
}

function parseFlowKey(flow: Flow): string {
  const char = flow.text[flow.position];
  if (char === '"' || char === "'") return parseQuoted(flow);
  let end = flow.position;
  while (end < flow.text.length && flow.text[end] !== ':' && flow.text[end] !== ',' && flow.text[end] !== '}') end += 1;
  const key = flow.text.slice(flow.position, end).trim();
  flow.position = end;
  return key;
}

function parseQuoted(flow: Flow): string {
  const quote = flow.text[flow.position] as string;
  let index = flow.position + 1;
  let value = '';
  for (;;) {
    if (index >= flow.text.length) throw yamlError(flow.file, flow.line, `has a ${quote === '"' ? 'double' : 'single'}-quoted string that does not end`);
    const char = flow.text[index] as string;
    if (quote === "'" && char === "'") {
      if (flow.text[index + 1] === "'") {
        value += "'";
        index += 2;
        continue;
      }
      break;
    }
    if (quote === '"' && char === '"') break;
    if (quote === '"' && char === '\\') {
      const escape = flow.text.slice(index, index + 6);
      try {
        const decoded = JSON.parse(`"${escape.startsWith('\\u') ? escape : escape.slice(0, 2)}"`) as string;
        value += decoded;
        index += escape.startsWith('\\u') ? 6 : 2;
        continue;
      } catch {
        throw yamlError(flow.file, flow.line, `has an invalid escape ${escape.slice(0, 2)} in a double-quoted string`);
      }
    }
    value += char;
    index += 1;
  }
  flow.position = index + 1;
  return value;
}

function plainScalar(raw: string): unknown {
  if (raw === '' || raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL') return null;
  if (raw === 'true' || raw === 'True' || raw === 'TRUE') return true;
  if (raw === 'false' || raw === 'False' || raw === 'FALSE') return false;
  if (/^[-+]?\d[\d_]*$/.test(raw)) return Number(raw.replaceAll('_', ''));
  if (/^[-+]?(\d[\d_]*)?\.\d+([eE][-+]?\d+)?$/.test(raw) || /^[-+]?\d+(\.\d*)?[eE][-+]?\d+$/.test(raw)) return Number(raw.replaceAll('_', ''));
  return raw;
}

/** Drops a # comment (one that starts the line or follows a space), leaving # inside quotes. */
function stripComment(line: string, file: string, number: number): string {
  let quote: string | null = null;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quote !== null) {
      if (char === '\\' && quote === '"') index += 1;
      else if (char === "'" && quote === "'" && line[index + 1] === "'") index += 1;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      const before = line.slice(0, index).trimEnd();
      if (before === '' || /[:\-[{,]$/.test(before)) quote = char;
    } else if (char === '#' && (index === 0 || line[index - 1] === ' ')) return line.slice(0, index);
  }
  if (quote !== null) throw yamlError(file, number, 'has a quoted string that does not end on its line');
  return line;
}

function yamlError(file: string, line: number, rule: string): FabrikError {
  return new FabrikError('invalid_config', `${file}:${line} ${rule}`, { param: file });
}
