import { describe, expect, it } from 'vitest';
import { HOUR, WEEK } from './duration.js';
import { isInMaintenance, occurrenceAt, slotExcluded } from './maintenance.js';

const weekly = { startMs: Date.parse('2026-12-06T02:00:00Z'), durationMs: 2 * HOUR, everyMs: WEEK, reason: 'db patching' };

describe('slo/maintenance', () => {
  it.each([
    ['2026-12-06T01:59:59Z', false],
    ['2026-12-06T02:00:00Z', true],
    ['2026-12-06T03:59:59Z', true],
    ['2026-12-06T04:00:00Z', false],
    ['2026-12-13T02:30:00Z', true], // the next week
    ['2026-12-12T02:30:00Z', false],
    ['2026-11-29T02:30:00Z', false], // before the first occurrence
  ])('a weekly 2h window from 2026-12-06T02:00Z covers %s: %s', (at, inside) => {
    expect(isInMaintenance([weekly], Date.parse(at))).toBe(inside);
  });

  it('returns the occurrence bounds', () => {
    expect(occurrenceAt(weekly, Date.parse('2026-12-20T03:00:00Z'))).toEqual({ startMs: Date.parse('2026-12-20T02:00:00Z'), endMs: Date.parse('2026-12-20T04:00:00Z') });
  });

  it('excludes a slot whose end falls inside the window', () => {
    expect(slotExcluded([weekly], Date.parse('2026-12-06T02:00:30Z'))).toBe(true);
    expect(slotExcluded([weekly], Date.parse('2026-12-06T02:00:00Z'))).toBe(false); // the slot (01:59:30, 02:00:00]
    expect(slotExcluded([weekly], Date.parse('2026-12-06T04:00:00Z'))).toBe(true); // (03:59:30, 04:00:00]
  });
});
