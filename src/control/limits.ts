import { fieldPath, readNumber, readObject, rejectUnknownKeys, type FieldContext } from './read-fields.ts';

export type { Limits } from '../store/core/control-records.ts';
import type { Limits } from '../store/core/control-records.ts';

export const LIMIT_NAMES = ['requestsPerMinute', 'tokensPerMinute', 'tokensPerDay', 'tokensPerMonth', 'concurrentRequests', 'budgetPerMonth'] as const satisfies ReadonlyArray<keyof Limits>;

/** The CLI option that sets each limit. */
export const LIMIT_OPTIONS: Record<keyof Limits, string> = {
  requestsPerMinute: 'rpm',
  tokensPerMinute: 'tpm',
  tokensPerDay: 'tokens-per-day',
  tokensPerMonth: 'tokens-per-month',
  concurrentRequests: 'concurrency',
  budgetPerMonth: 'budget',
};

/** Validates a limits object; every value a whole number ≥ 0 except the budget (any amount ≥ 0). */
export function parseLimits(context: FieldContext, value: unknown, path: string): Limits {
  if (value === undefined || value === null) return {};
  const object = readObject(context, value, path);
  rejectUnknownKeys(context, object, path, LIMIT_NAMES);
  const limits: Limits = {};
  for (const name of LIMIT_NAMES) {
    const raw = object[name];
    if (raw === undefined || raw === null) continue;
    limits[name] = readNumber(context, raw, fieldPath(path, name), name === 'budgetPerMonth' ? { min: 0 } : { min: 0, integer: true });
  }
  return limits;
}

/** Limits to set (a number) or remove (null); one left out is kept. */
export type LimitsPatch = Partial<Record<keyof Limits, number | null>>;

/** Validates a limits patch: like parseLimits, but a null value stays (it removes that limit). */
export function parseLimitsPatch(context: FieldContext, value: unknown, path: string): LimitsPatch {
  const object = readObject(context, value, path);
  const patch: LimitsPatch = parseLimits(context, object, path);
  for (const name of LIMIT_NAMES) if (object[name] === null) patch[name] = null;
  return patch;
}

/** Limits with `patch` applied; a null in the patch removes that limit. */
export function mergeLimits(base: Limits, patch: LimitsPatch): Limits {
  const merged: Limits = { ...base };
  for (const name of LIMIT_NAMES) {
    const value = patch[name];
    if (value === null) delete merged[name];
    else if (value !== undefined) merged[name] = value;
  }
  return merged;
}

/** One line for a table: `rpm 60, tpm 10000`, or `-` when unlimited. */
export function formatLimits(limits: Limits): string {
  const parts = LIMIT_NAMES.filter((name) => limits[name] !== undefined).map((name) => `${LIMIT_OPTIONS[name]} ${limits[name]}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}
