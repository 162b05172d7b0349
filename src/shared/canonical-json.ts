import { FabrikError } from './errors.ts';

/**
 * RFC 8785 JSON Canonicalization Scheme. Strings and numbers use ECMAScript's JSON serialisation,
 * which RFC 8785 adopts (§3.2.2); member names sort by UTF-16 code units, which is what the default
 * string comparison in JavaScript does (§3.2.3). Values outside the I-JSON data model throw instead
 * of being silently rewritten the way JSON.stringify would (NaN → null, lone surrogates escaped).
 * Object members whose value is `undefined` are left out, as JSON.stringify does.
 */
export function canonicalize(value: unknown): string {
  return serialize(value, [], []);
}

// Appends run this once per entry, so it concatenates strings (V8 ropes, flattened once) and keeps
// the path for error messages as a stack that is only joined when something is wrong.
function serialize(value: unknown, path: (string | number)[], ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, `${value} is not a finite number (RFC 8785 §3.2.2.3)`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw notJson(path, `a ${typeof value} is not a JSON value`);
  }
  if (value === null) return 'null';
  if (ancestors.includes(value)) throw notJson(path, 'the value refers to itself (a cycle)');
  ancestors.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      path.push(index);
      if (item === undefined) throw notJson(path, 'undefined is not a JSON value');
      out += (index > 0 ? ',' : '') + serialize(item, path, ancestors);
      path.pop();
    }
    out += ']';
  } else {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw notJson(path, `a ${(value as object).constructor?.name ?? 'non-plain'} object is not a JSON object; convert it first (e.g. a Date to an ISO string)`);
    }
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, exactly the order RFC 8785 §3.2.3 asks for.
    const names = Object.keys(record).sort();
    out = '{';
    let first = true;
    for (const name of names) {
      const member = record[name];
      if (member === undefined) continue;
      path.push(name);
      out += (first ? '' : ',') + serializeString(name, path) + ':' + serialize(member, path, ancestors);
      path.pop();
      first = false;
    }
    out += '}';
  }
  ancestors.pop();
  return out;
}

function serializeString(value: string, path: (string | number)[]): string {
  if (!value.isWellFormed()) throw notJson(path, 'the string holds a lone surrogate, which RFC 8785 §3.2.2.2 forbids');
  return JSON.stringify(value);
}

function notJson(path: (string | number)[], rule: string): FabrikError {
  const where = path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : `${text}.${part}`), '$');
  return new FabrikError('invalid_option', `${where}: ${rule}`, { param: where });
}

/**
 * Whether `text` is exactly the RFC 8785 form of the JSON value it holds. The common case takes a
 * fast path through the native JSON.stringify (same string and number rules) plus a check that
 * every object's members already appear in sorted order; anything unusual gets the full check.
 */
export function isCanonicalJson(text: string, parsed: unknown): boolean {
  // Escaped surrogates may be lone ones, which JSON.stringify would happily round-trip.
  if (!text.includes('\\u') && JSON.stringify(parsed) === text && membersSorted(parsed)) return true;
  try {
    return canonicalize(parsed) === text;
  } catch {
    return false;
  }
}

function membersSorted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!membersSorted(item)) return false;
    return true;
  }
  let previous: string | null = null;
  for (const name in value) {
    if (previous !== null && !(previous < name)) return false;
    previous = name;
    if (!membersSorted((value as Record<string, unknown>)[name])) return false;
  }
  return true;
}
