import { calendarBounds, isTimeZone, zonedTimeToUtc } from '../slo/calendar.js';
import type { ReportRange } from './model.js';

/**
 * Calendar ranges of a report in a time zone: a month (`2026-11`), a quarter (`2026-Q4`), or the last complete
 * week or month before an instant (digests). Zone offsets come from the platform's time-zone database (Intl,
 * through slo/calendar.ts), so daylight-saving changes fall where they do in that zone.
 */

export class ReportRangeError extends Error {
  override readonly name = 'ReportRangeError';
}

export function checkTimeZone(timezone: string): void {
  if (!isTimeZone(timezone)) throw new ReportRangeError(`unknown time zone "${timezone}": use an IANA name such as UTC, Europe/Berlin or America/New_York`);
}

/** `2026-11` in `timezone`: from the first instant of the month to the first instant of the next. */
export function monthRange(text: string, timezone: string): ReportRange {
  checkTimeZone(timezone);
  const m = /^(\d{4})-(\d{2})$/.exec(text.trim());
  const year = Number(m?.[1]);
  const month = Number(m?.[2]);
  if (!m || month < 1 || month > 12 || year < 1970) throw new ReportRangeError(`--month must be a month such as 2026-11, not "${text}"`);
  return {
    fromMs: zonedTimeToUtc(year, month, 1, timezone),
    toMs: zonedTimeToUtc(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1, timezone),
    timezone,
    label: `${m[1]}-${m[2]}`,
  };
}

/** `2026-Q4` in `timezone`: October to December. */
export function quarterRange(text: string, timezone: string): ReportRange {
  checkTimeZone(timezone);
  const m = /^(\d{4})-Q([1-4])$/i.exec(text.trim());
  const year = Number(m?.[1]);
  if (!m || year < 1970) throw new ReportRangeError(`--quarter must be a quarter such as 2026-Q4, not "${text}"`);
  const q = Number(m[2]);
  const first = (q - 1) * 3 + 1;
  return {
    fromMs: zonedTimeToUtc(year, first, 1, timezone),
    toMs: zonedTimeToUtc(q === 4 ? year + 1 : year, q === 4 ? 1 : first + 3, 1, timezone),
    timezone,
    label: `${m[1]}-Q${q}`,
  };
}

export type DigestUnit = 'week' | 'month';

/** The last complete calendar week (Monday to Monday) or month before `atMs` in `timezone`. */
export function previousPeriod(unit: DigestUnit, atMs: number, timezone: string): ReportRange {
  const current = calendarBounds(atMs, unit, timezone);
  const previous = calendarBounds(current.startMs - 1, unit, timezone);
  return { fromMs: previous.startMs, toMs: previous.endMs, timezone, label: periodLabel(unit, previous.startMs, timezone) };
}

/** `2026-11` for a month, `week of 2026-11-16` for a week, as people in the zone count them. */
function periodLabel(unit: DigestUnit, startMs: number, timezone: string): string {
  const day = localDate(startMs, timezone);
  return unit === 'month' ? day.slice(0, 7) : `week of ${day}`;
}

/** `YYYY-MM-DD` of an instant in a zone. */
export function localDate(atMs: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(atMs));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
