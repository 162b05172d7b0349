import { FabrikError } from '../shared/errors.ts';

export type { AuditEntryInput } from '../store/core/audit-store.ts';
import type { AuditEntryInput } from '../store/core/audit-store.ts';

/** One log entry as stored (its RFC 8785 canonical JSON is the Merkle leaf). */
export interface AuditEntry {
  seq: number;
  /** ISO-8601 UTC, as Date.prototype.toISOString writes it. */
  time: string;
  actor: string;
  action: string;
  subjects: string[];
  options: Record<string, unknown>;
  codeVersion: string;
}

const ENTRY_KEYS = ['action', 'actor', 'codeVersion', 'options', 'seq', 'subjects', 'time'];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** Builds an entry from caller input, checking each field; throws invalid_option naming the field. */
export function createAuditEntry(input: AuditEntryInput, seq: number, time: Date, codeVersion: string): AuditEntry {
  if (typeof input !== 'object' || input === null) throw invalid('input', 'must be an object');
  if (typeof input.actor !== 'string' || input.actor.length === 0) throw invalid('actor', 'must be a non-empty string');
  if (typeof input.action !== 'string' || input.action.length === 0) throw invalid('action', 'must be a non-empty string');
  if (!Array.isArray(input.subjects) || !input.subjects.every((subject) => typeof subject === 'string')) {
    throw invalid('subjects', 'must be an array of strings');
  }
  const options = input.options ?? {};
  if (!isPlainObject(options)) throw invalid('options', 'must be a plain object');
  if (Number.isNaN(time.getTime())) throw invalid('now', 'returned an invalid Date');
  return { seq, time: time.toISOString(), actor: input.actor, action: input.action, subjects: [...input.subjects], options, codeVersion };
}

/** Checks that a parsed JSON value has exactly the shape of an AuditEntry; returns the broken rule or null. */
export function auditEntryProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'entry is not a JSON object';
  const keys = Object.keys(value);
  // Canonical entries already list their fields in sorted order; only other input needs the sort.
  if (keys.some((key, index) => key !== ENTRY_KEYS[index])) keys.sort();
  if (keys.length !== ENTRY_KEYS.length || keys.some((key, index) => key !== ENTRY_KEYS[index])) {
    return `entry must have exactly the fields ${ENTRY_KEYS.join(', ')}`;
  }
  const entry = value as Record<string, unknown>;
  if (!Number.isSafeInteger(entry.seq) || (entry.seq as number) < 1) return 'entry seq must be a positive integer';
  if (typeof entry.time !== 'string' || !ISO_UTC.test(entry.time)) return 'entry time must be an ISO-8601 UTC timestamp';
  if (typeof entry.actor !== 'string' || entry.actor.length === 0) return 'entry actor must be a non-empty string';
  if (typeof entry.action !== 'string' || entry.action.length === 0) return 'entry action must be a non-empty string';
  if (!Array.isArray(entry.subjects) || !entry.subjects.every((subject) => typeof subject === 'string')) return 'entry subjects must be an array of strings';
  if (!isPlainObject(entry.options)) return 'entry options must be an object';
  if (typeof entry.codeVersion !== 'string') return 'entry codeVersion must be a string';
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function invalid(field: string, rule: string): FabrikError {
  return new FabrikError('invalid_option', `audit entry ${field} ${rule}`, { param: field });
}
