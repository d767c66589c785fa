import type { CalendarUnit, Period } from './model.js';

/**
 * Calendar periods in a time zone: where the period containing `atMs` starts and ends. Weeks start on Monday
 * (ISO 8601). Uses the platform's time-zone database through Intl (pure: no clock, no I/O).
 */

interface LocalParts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 1 = Monday .. 7 = Sunday
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether the platform's time-zone database knows `name` (an IANA zone such as Europe/Berlin, or UTC). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function localParts(atMs: number, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(atMs))) parts[p.type] = p.value;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
    second: Number(parts['second']),
    weekday: WEEKDAYS[parts['weekday'] ?? 'Mon'] ?? 1,
  };
}

/** Offset of the zone from UTC at an instant, in ms (Europe/Berlin in winter: +3,600,000). */
function offsetMs(atMs: number, timeZone: string): number {
  const p = localParts(atMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/**
 * The instant of a local wall-clock time in a zone. For a time skipped by a DST change the instant after the
 * gap is returned; for a repeated time, the first occurrence.
 */
export function zonedTimeToUtc(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  // The zone's offsets a day either side of the wall time: both sides of a change near it. Each gives one
  // candidate instant; those whose local time is the wall time are its occurrences.
  const candidates = [...new Set([offsetMs(wall - DAY_MS, timeZone), offsetMs(wall, timeZone), offsetMs(wall + DAY_MS, timeZone)])].map((o) => wall - o);
  const occurrences = candidates.filter((c) => c + offsetMs(c, timeZone) === wall);
  if (occurrences.length > 0) return Math.min(...occurrences);
  // Skipped (the clocks jumped over it): the later candidate, by the offset before the jump, is where the gap
  // ends. Refining one guess instead went back and forth here and could end before the gap: 2027-03-28 in
  // Asia/Beirut (midnight skipped) started at 23:00 on the 27th, an instant of the day before.
  return Math.max(...candidates);
}

const DAY_MS = 86_400_000;

function startOf(unit: CalendarUnit, p: LocalParts): [number, number, number] {
  switch (unit) {
    case 'day':
      return [p.year, p.month, p.day];
    case 'week': {
      const d = new Date(Date.UTC(p.year, p.month - 1, p.day - (p.weekday - 1)));
      return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    }
    case 'month':
      return [p.year, p.month, 1];
    case 'quarter':
      return [p.year, Math.floor((p.month - 1) / 3) * 3 + 1, 1];
    case 'year':
      return [p.year, 1, 1];
  }
}

function advance(unit: CalendarUnit, [y, m, d]: [number, number, number]): [number, number, number] {
  const next = new Date(Date.UTC(y, m - 1, d));
  switch (unit) {
    case 'day':
      next.setUTCDate(next.getUTCDate() + 1);
      break;
    case 'week':
      next.setUTCDate(next.getUTCDate() + 7);
      break;
    case 'month':
      next.setUTCMonth(next.getUTCMonth() + 1);
      break;
    case 'quarter':
      next.setUTCMonth(next.getUTCMonth() + 3);
      break;
    case 'year':
      next.setUTCFullYear(next.getUTCFullYear() + 1);
      break;
  }
  return [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
}

/** Start (inclusive) and end (exclusive) of the calendar period containing `atMs`, from the zone's clock. */
export function calendarBounds(atMs: number, unit: CalendarUnit, timeZone: string): { startMs: number; endMs: number } {
  const start = startOf(unit, localParts(atMs, timeZone));
  const end = advance(unit, start);
  return { startMs: zonedTimeToUtc(...start, timeZone), endMs: zonedTimeToUtc(...end, timeZone) };
}

/**
 * The budget window of a period at `atMs`: the last `durationMs` for a rolling period; from the start of the
 * current calendar period for a calendar one (the budget resets at the boundary). `endMs` is the period's end
 * (for rolling periods, `atMs` itself).
 */
export function periodWindow(period: Period, atMs: number): { startMs: number; endMs: number } {
  if (period.kind === 'rolling') return { startMs: atMs - period.durationMs, endMs: atMs };
  // The period's last window is kept: an instant inside it is in no other period, and an evaluation asks three
  // times per instant, a chart 8,641 instants (a 30-day chart of a monthly SLO read the zone's clock about
  // 200,000 times, 1.5 s, before).
  const last = PERIOD_WINDOWS.get(period);
  if (last !== undefined && atMs >= last.startMs && atMs < last.endMs) return { startMs: last.startMs, endMs: last.endMs };
  const found = calendarBounds(atMs, period.unit, period.timezone);
  PERIOD_WINDOWS.set(period, found);
  return { startMs: found.startMs, endMs: found.endMs };
}

/** The calendar window periodWindow gave last, by period (the model is read-only: a changed SLO is a new object). */
const PERIOD_WINDOWS = new WeakMap<Period, { readonly startMs: number; readonly endMs: number }>();
