import { FabrikError, type ErrorCode } from '../shared/errors.ts';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time from an option: a duration (`90s`, `15m`, `24h`, `30d`, `2w`) counted back from
 * `now` (direction -1, for --since) or forward (direction 1, for --expires), or an ISO-8601 date.
 */
export function parseTimeOption(raw: string, name: string, now: number, direction: 1 | -1, code: ErrorCode = 'invalid_option'): number {
  const duration = /^(\d+)([smhdw])$/.exec(raw.trim());
  if (duration !== null) return now + direction * Number(duration[1]) * (UNITS[duration[2] as string] as number);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim())) {
    const time = Date.parse(raw.trim());
    if (!Number.isNaN(time)) return time;
  }
  throw new FabrikError(code, `${name} must be a duration such as 30d, 24h or 15m, or an ISO-8601 date such as 2026-01-31; got ${JSON.stringify(raw)}`, { param: name });
}
