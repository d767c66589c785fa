import { DAY, HOUR, MINUTE, WEEK } from '../../slo/duration.js';
import type { CalendarUnit, Period } from '../../slo/model.js';
import type { PathSegment } from '../located.js';
import { isTimeZone } from '../native/to-model.js';
import type { Placed } from './resolve.js';
import { locateIn } from './resolve.js';
import { SHORTHAND_RE } from './schema.js';
import type { Context } from './context.js';

/**
 * OpenSLO durations and calendar time windows -> the burnwatch period, for both API versions: the duration
 * shorthand (`m` h d w, `M` = 30 d, `Q` = 90 d, `Y` = 365 d) and calendar windows with their time zone.
 */

const SHORTHAND_UNIT_MS: Readonly<Record<string, number>> = { m: MINUTE, h: HOUR, d: DAY, w: WEEK, M: 30 * DAY, Q: 90 * DAY, Y: 365 * DAY };

export const SHORTHAND_CALENDAR: Readonly<Record<string, CalendarUnit>> = { d: 'day', w: 'week', M: 'month', Q: 'quarter', Y: 'year' };

export const MONTH_HINT = 'OpenSLO duration units are case-sensitive: "m" is minutes and "M" months; for a month write 1M';

/** Milliseconds of a (schema-checked) OpenSLO duration shorthand. */
export function shorthandMs(text: string): number {
  const m = SHORTHAND_RE.exec(text);
  return m ? Number(m[1]) * (SHORTHAND_UNIT_MS[m[2] ?? ''] ?? 0) : 0;
}

export function calendarPeriod(
  ctx: Context,
  at: Placed,
  durationPath: readonly PathSegment[],
  unit: CalendarUnit | undefined,
  written: string,
  calendar: { startTime: string; timeZone: string },
): Period | undefined {
  let ok = true;
  if (unit === undefined) {
    ctx.errors.push({
      ...locateIn(at, durationPath),
      message: `SLO "${ctx.sloName}": a calendar time window of ${written} is not supported`,
      hint: `calendar windows are one day, week, month, quarter or year (OpenSLO 1d, 1w, 1M, 1Q, 1Y)${/^\d+m$/.test(written) ? `; ${MONTH_HINT}` : ''}`,
    });
    ok = false;
  }
  if (!isTimeZone(calendar.timeZone)) {
    ctx.errors.push({ ...locateIn(at, ['calendar', 'timeZone']), message: `unknown time zone "${calendar.timeZone}"`, hint: 'use an IANA time zone name such as UTC, Europe/Berlin or America/New_York' });
    ok = false;
  }
  if (!ok || unit === undefined) return undefined;
  const warning = startTimeWarning(calendar.startTime, unit, calendar.timeZone);
  if (warning !== undefined) ctx.errors.push({ ...locateIn(at, ['calendar', 'startTime']), severity: 'warning', ...warning });
  return { kind: 'calendar', unit, timezone: calendar.timeZone };
}

/**
 * burnwatch resets a calendar period at its boundary (midnight; weeks start on Monday, as in
 * `slo/calendar.ts`); a startTime elsewhere is not honoured: say so, and suggest the boundary before it.
 */
function startTimeWarning(startTime: string, unit: CalendarUnit, timeZone: string): { message: string; hint: string } | undefined {
  const [date = '', time = ''] = startTime.split(' ');
  const [year = 1970, month = 1, day = 1] = date.split('-').map(Number);
  const civil = new Date(Date.UTC(year, month - 1, day));
  const isoWeekday = ((civil.getUTCDay() + 6) % 7) + 1;
  const boundary = {
    day: civil,
    week: new Date(Date.UTC(year, month - 1, day - (isoWeekday - 1))),
    month: new Date(Date.UTC(year, month - 1, 1)),
    quarter: new Date(Date.UTC(year, month - 1 - ((month - 1) % 3), 1)),
    year: new Date(Date.UTC(year, 0, 1)),
  }[unit];
  const suggestion = `${boundary.toISOString().slice(0, 10)} 00:00:00`;
  if (suggestion === `${date} ${time}`) return undefined;
  const where = { day: 'midnight', week: 'midnight on Monday', month: 'midnight on the 1st', quarter: 'midnight on the 1st of January, April, July and October', year: 'midnight on January 1st' }[unit];
  return {
    message: `burnwatch starts each calendar ${unit} at ${where} in ${timeZone}; startTime "${startTime}" is not used`,
    hint: `the period still resets every calendar ${unit}; to make the file say so, write startTime: "${suggestion}"`,
  };
}
