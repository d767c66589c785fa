import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { calendarBounds, periodWindow } from './calendar.js';
import type { CalendarUnit } from './model.js';

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
    // Beirut (UTC+2, UTC+3 in summer) skips midnight on 2027-03-28: that day starts at 01:00 local (22:00Z), so the
    // day before keeps 24 hours and the 28th has 23.
    ['day', 'Asia/Beirut', '2027-03-28T12:00:00Z', '2027-03-27T22:00:00.000Z', '2027-03-28T21:00:00.000Z'],
    ['day', 'Asia/Beirut', '2027-03-27T21:30:00Z', '2027-03-26T22:00:00.000Z', '2027-03-27T22:00:00.000Z'],
    ['month', 'Asia/Beirut', '2027-03-27T21:30:00Z', '2027-02-28T22:00:00.000Z', '2027-03-31T21:00:00.000Z'],
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

  describe('the window a calendar period keeps from the last call', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    // Zones with DST changes at midnight (Santiago, Beirut), a half-hour shift (Lord Howe) and odd offsets.
    const zones = ['UTC', 'Europe/Berlin', 'America/Santiago', 'Asia/Beirut', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns'] as const;
    const units: readonly CalendarUnit[] = ['day', 'week', 'month', 'quarter', 'year'];

    it('gives a calendar period\'s window at each instant as the zone\'s clock does, by period object too', () => {
      const from = Date.parse('2025-06-01T00:00:00Z');
      const to = Date.parse('2027-06-01T00:00:00Z');
      fc.assert(
        fc.property(fc.constantFrom(...zones), fc.constantFrom(...units), fc.array(fc.integer({ min: from, max: to }), { minLength: 1, maxLength: 40 }), (zone, unit, instants) => {
          const period = { kind: 'calendar' as const, unit, timezone: zone };
          for (const at of instants) {
            for (const t of [at, at - 1, at + 1]) expect(periodWindow(period, t)).toEqual(calendarBounds(t, unit, zone));
          }
        }),
        { numRuns: 200 },
      );
    });

    it('gives each period\'s first and last millisecond to that period, across DST changes', () => {
      for (const zone of zones) {
        let at = Date.parse('2025-12-20T00:00:00Z');
        for (let i = 0; i < 60; i++) {
          const period = calendarBounds(at, 'day', zone);
          expect(calendarBounds(period.startMs, 'day', zone)).toEqual(period);
          expect(calendarBounds(period.endMs - 1, 'day', zone)).toEqual(period);
          const daily = { kind: 'calendar' as const, unit: 'day' as const, timezone: zone };
          expect(periodWindow(daily, period.startMs)).toEqual(period);
          expect(periodWindow(daily, period.endMs - 1)).toEqual(period);
          expect(periodWindow(daily, period.endMs)).toEqual(calendarBounds(period.endMs, 'day', zone));
          at = period.endMs + 7 * 86_400_000;
        }
      }
    });

    it('reads the zone\'s clock once for a month of 5-minute points, not at every point', () => {
      const formatToParts = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
      const start = Date.parse('2026-06-01T00:00:00Z');
      const monthly = { kind: 'calendar' as const, unit: 'month' as const, timezone: 'Europe/Paris' };
      for (let t = start; t < start + 29 * 86_400_000; t += 300_000) periodWindow(monthly, t);
      // One lookup (about 7 reads of the clock) for 8,352 instants in the same month.
      expect(formatToParts.mock.calls.length).toBeLessThanOrEqual(10);
    });
  });
});

