import { describe, expect, it } from 'vitest';
import { calendarBounds, periodWindow } from './calendar.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('slo/calendar', () => {
  // Expected instants worked out from each zone's UTC offset on that date (tz database rules).
  it.each([
    ['month', 'Europe/Berlin', '2026-12-15T12:00:00Z', '2026-11-30T23:00:00.000Z', '2026-12-31T23:00:00.000Z'], // CET, UTC+1
    ['month', 'Europe/Berlin', '2026-07-15T12:00:00Z', '2026-06-30T22:00:00.000Z', '2026-07-31T22:00:00.000Z'], // CEST, UTC+2
    ['month', 'America/New_York', '2026-04-10T00:00:00Z', '2026-04-01T04:00:00.000Z', '2026-05-01T04:00:00.000Z'], // EDT, UTC-4
    ['month', 'UTC', '2026-02-28T23:59:59Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['year', 'Asia/Kathmandu', '2026-06-01T00:00:00Z', '2025-12-31T18:15:00.000Z', '2026-12-31T18:15:00.000Z'], // UTC+5:45
    ['quarter', 'UTC', '2026-05-20T00:00:00Z', '2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'],
    ['week', 'UTC', '2026-11-26T10:00:00Z', '2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z'], // a Thursday; weeks start Monday
    ['day', 'Europe/Berlin', '2026-03-29T12:00:00Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'], // the DST day has 23 hours
  ] as const)('%s in %s at %s starts %s and ends %s', (unit, tz, at, start, end) => {
    const b = calendarBounds(Date.parse(at), unit, tz);
    expect([iso(b.startMs), iso(b.endMs)]).toEqual([start, end]);
  });

  it('resets at the boundary: the first instant of a month belongs to the new month', () => {
    const b = calendarBounds(Date.parse('2026-12-01T00:00:00Z'), 'month', 'UTC');
    expect(iso(b.startMs)).toBe('2026-12-01T00:00:00.000Z');
  });

  it('gives the last period length for rolling periods', () => {
    expect(periodWindow({ kind: 'rolling', durationMs: 1000 }, 5000)).toEqual({ startMs: 4000, endMs: 5000 });
  });
});
