import { describe, expect, it } from 'vitest';
import { dueDigest } from './digest.js';

const weekly = { name: 'weekly-slo', every: 'week' as const, timezone: 'Europe/Berlin', at: '09:00' };
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('when a digest is due', () => {
  it.each([
    // Monday 2026-11-16 08:59 in Berlin (07:59 UTC): not yet.
    ['2026-11-16T07:59:00Z', undefined],
    // 09:00 in Berlin: the week from Monday 2026-11-09 00:00 (Sunday 23:00 UTC) to Monday 2026-11-16 00:00.
    ['2026-11-16T08:00:00Z', '2026-11-08T23:00:00.000Z'],
    // Two days later (a daemon that was down): still sent, late.
    ['2026-11-18T08:00:00Z', '2026-11-08T23:00:00.000Z'],
    // Later than two days after its time: given up.
    ['2026-11-18T08:01:00Z', undefined],
  ])('weekly at 09:00 Berlin, at %s: the week from %s', (now, from) => {
    const due = dueDigest(weekly, Date.parse(now));
    expect(iso(due?.range.fromMs)).toBe(from);
    if (due) expect(due.id).toBe('digest:weekly-slo@2026-11-08T23:00:00Z');
  });

  it('monthly: November\'s digest on December 1st at 09:00 in Berlin', () => {
    const due = dueDigest({ ...weekly, every: 'month' }, Date.parse('2026-12-01T08:30:00Z'));
    expect([iso(due?.range.fromMs), iso(due?.range.toMs), due?.range.label]).toEqual(['2026-10-31T23:00:00.000Z', '2026-11-30T23:00:00.000Z', '2026-11']);
  });
});
