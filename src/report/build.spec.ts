import { describe, expect, it } from 'vitest';
import { sloModel } from '../../test/support/slo-model.js';
import type { BudgetStatus, WindowSum } from '../slo/evaluate.js';
import { buildReport } from './build.js';
import { episodesOf, longestEpisodes, meanTimeToResolve, notInhibited } from './episodes.js';
import { maintenanceIn, rangeFigures, timelineStep } from './figures.js';
import type { BurnTransition, InstanceHistory } from './model.js';
import { monthRange, previousPeriod, quarterRange } from './range.js';

/** Expected figures are worked out by hand in the comments beside them, never taken from the code's output. */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string): number => Date.parse(iso);
const sum = (bad: number, total: number, extra: Partial<WindowSum> = {}): WindowSum => ({ bad, total, sliceBad: 0, slices: 0, dataSlots: 1, ...extra });

describe('report ranges in a time zone', () => {
  it.each([
    // Berlin is UTC+1 in November: the month starts at 23:00 UTC the day before.
    ['2026-11', 'Europe/Berlin', '2026-10-31T23:00:00Z', '2026-11-30T23:00:00Z'],
    // March 2026 in Berlin: UTC+1 at its start, UTC+2 (summer time from March 29) at its end.
    ['2026-03', 'Europe/Berlin', '2026-02-28T23:00:00Z', '2026-03-31T22:00:00Z'],
    ['2026-12', 'UTC', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    // New York: UTC-5 in winter.
    ['2027-01', 'America/New_York', '2027-01-01T05:00:00Z', '2027-02-01T05:00:00Z'],
  ])('month %s in %s runs from %s to %s', (month, zone, from, to) => {
    const r = monthRange(month, zone);
    expect([new Date(r.fromMs).toISOString(), new Date(r.toMs).toISOString()]).toEqual([from.replace('Z', '.000Z'), to.replace('Z', '.000Z')]);
    expect(r.label).toBe(month);
  });

  it('gives quarters: 2026-Q4 in Berlin starts in summer time (UTC+2) and ends in winter time (UTC+1)', () => {
    const r = quarterRange('2026-Q4', 'Europe/Berlin');
    expect(new Date(r.fromMs).toISOString()).toBe('2026-09-30T22:00:00.000Z');
    expect(new Date(r.toMs).toISOString()).toBe('2026-12-31T23:00:00.000Z');
    expect(new Date(quarterRange('2026-q1', 'UTC').toMs).toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });

  it.each([['2026-13'], ['2026-1'], ['26-11'], ['november']])('refuses the month "%s"', (text) => {
    expect(() => monthRange(text, 'UTC')).toThrow(/--month must be a month such as 2026-11/);
  });

  it('refuses an unknown zone and a bad quarter, naming them', () => {
    expect(() => monthRange('2026-11', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(() => quarterRange('2026-Q5', 'UTC')).toThrow(/--quarter must be a quarter such as 2026-Q4/);
  });

  it('finds the last complete week (Monday to Monday) and month before an instant', () => {
    // Wednesday 2026-11-18 10:00 Berlin: the week before runs Monday 2026-11-09 00:00 to Monday 2026-11-16 00:00 local.
    const week = previousPeriod('week', at('2026-11-18T09:00:00Z'), 'Europe/Berlin');
    expect(new Date(week.fromMs).toISOString()).toBe('2026-11-08T23:00:00.000Z');
    expect(new Date(week.toMs).toISOString()).toBe('2026-11-15T23:00:00.000Z');
    expect(week.label).toBe('week of 2026-11-09');
    // Just after midnight on December 1st in Berlin (23:30 UTC on November 30th): November is complete.
    const month = previousPeriod('month', at('2026-11-30T23:30:00Z'), 'Europe/Berlin');
    expect(new Date(month.fromMs).toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(month.label).toBe('2026-11');
  });
});

const FROM = at('2026-11-01T00:00:00Z');
const TO = at('2026-12-01T00:00:00Z');
const tr = (severity: 'page' | 'ticket', iso: string, from: BurnTransition['from'], to: BurnTransition['to']): BurnTransition => ({ severity, atMs: at(iso), from, to });

describe('episodes from alert transitions', () => {
  it('keeps an episode through missing data and ends it at the resolve', () => {
    const episodes = episodesOf([
      tr('page', '2026-11-22T02:00:00Z', 'inactive', 'pending'),
      tr('page', '2026-11-22T02:02:00Z', 'pending', 'firing'),
      tr('page', '2026-11-22T02:10:00Z', 'firing', 'nodata'),
      tr('page', '2026-11-22T02:12:00Z', 'nodata', 'firing'),
      tr('page', '2026-11-22T02:30:00Z', 'firing', 'inactive'),
    ], 'page', FROM, TO);
    // 02:02 to 02:30: one episode of 28 minutes.
    expect(episodes).toEqual([{ severity: 'page', startMs: at('2026-11-22T02:02:00Z'), endMs: at('2026-11-22T02:30:00Z'), startedBefore: false, resolved: true }]);
  });

  it('cuts episodes to the range and says so; nodata outside an episode is none', () => {
    const episodes = episodesOf([
      tr('page', '2026-10-20T01:00:00Z', 'inactive', 'firing'),
      tr('page', '2026-10-20T02:00:00Z', 'firing', 'inactive'), // before the range: left out
      tr('page', '2026-10-31T23:00:00Z', 'inactive', 'firing'),
      tr('page', '2026-11-01T00:45:00Z', 'firing', 'inactive'),
      tr('page', '2026-11-10T00:00:00Z', 'inactive', 'nodata'),
      tr('page', '2026-11-10T05:00:00Z', 'nodata', 'inactive'),
      tr('page', '2026-11-30T23:00:00Z', 'inactive', 'firing'),
      tr('page', '2026-12-01T01:00:00Z', 'firing', 'inactive'), // after the range's end
      tr('ticket', '2026-11-05T00:00:00Z', 'inactive', 'firing'), // another severity
    ], 'page', FROM, TO);
    expect(episodes).toEqual([
      { severity: 'page', startMs: FROM, endMs: at('2026-11-01T00:45:00Z'), startedBefore: true, resolved: true },
      { severity: 'page', startMs: at('2026-11-30T23:00:00Z'), endMs: TO, startedBefore: false, resolved: false },
    ]);
  });

  it('drops tickets that fired only while a page of the instance fired (never sent), keeps the others', () => {
    const pages = [{ severity: 'page' as const, startMs: 100, endMs: 200, startedBefore: false, resolved: true }];
    const inside = { severity: 'ticket' as const, startMs: 120, endMs: 180, startedBefore: false, resolved: true };
    const after = { severity: 'ticket' as const, startMs: 150, endMs: 400, startedBefore: false, resolved: true };
    expect(notInhibited([inside, after], pages)).toEqual([after]);
  });

  it('averages time to resolve over the episodes that began and resolved in the range', () => {
    const e = (startMs: number, endMs: number, startedBefore = false, resolved = true) => ({ severity: 'page' as const, startMs, endMs, startedBefore, resolved });
    // 28 min and 40 min resolved inside: (28 + 40) / 2 = 34 min; the cut ones do not count.
    expect(meanTimeToResolve([e(0, 28 * MIN), e(HOUR, HOUR + 40 * MIN), e(0, 5 * MIN, true), e(2 * HOUR, 9 * HOUR, false, false)])).toBe(34 * MIN);
    expect(meanTimeToResolve([e(0, 5 * MIN, true)])).toBeNull();
    expect(longestEpisodes([e(0, 10), e(5, 50), e(100, 140), e(200, 210)], 2).map((x) => x.startMs)).toEqual([5, 100]);
  });
});

describe('range figures', () => {
  it('occurrences: 5 bad of 10,000 at 99.9 % is an SLI of 99.95 % and half the range\'s budget', () => {
    // Budget: 0.1 % of 10,000 = 10 bad events; 5 spent = 0.5.
    const f = rangeFigures(sloModel(), sum(5, 10_000));
    expect(f.sli).toBeCloseTo(0.9995, 12);
    expect(f.budgetSpent).toBeCloseTo(0.5, 9);
    expect([f.good, f.total]).toEqual([9_995, 10_000]);
  });

  it('timeslices: 3 bad of 1,440 one-minute slices at 99 %', () => {
    // SLI 1437 / 1440 = 0.997916...; spent (3 / 1440) / 0.01 = 0.208333...
    const slo = sloModel({ objective: 99, budgeting: { kind: 'timeslices', sliceMs: MIN, target: 0.95 } });
    const f = rangeFigures(slo, sum(999, 999_999, { sliceBad: 3, slices: 1_440 }));
    expect(f.sli).toBeCloseTo(1437 / 1440, 12);
    expect(f.budgetSpent).toBeCloseTo(0.2083333333, 9);
  });

  it('without events there is no SLI and no share of budget (not 100 %, not 0 %)', () => {
    expect(rangeFigures(sloModel(), sum(0, 0))).toEqual({ good: 0, total: 0, sli: null, budgetSpent: null });
  });

  it('lists the occurrences of a weekly maintenance window in a month, cut to the range', () => {
    // Sundays 02:00 UTC for 1 h from 2026-10-04: in November the 1st, 8th, 15th, 22nd and 29th.
    const weekly = { startMs: at('2026-10-04T02:00:00Z'), durationMs: HOUR, everyMs: 7 * DAY, reason: 'patching' };
    const m = maintenanceIn([weekly], FROM, TO, 50);
    expect(m.count).toBe(5);
    expect(m.list.map((o) => new Date(o.startMs).toISOString().slice(0, 10))).toEqual(['2026-11-01', '2026-11-08', '2026-11-15', '2026-11-22', '2026-11-29']);
    // One starting 30 minutes before the range is cut to its start.
    const edge = maintenanceIn([{ startMs: FROM - 30 * MIN, durationMs: HOUR, reason: 'db upgrade' }], FROM, TO, 50);
    expect(edge.list).toEqual([{ startMs: FROM, endMs: FROM + 30 * MIN, reason: 'db upgrade' }]);
    // Every minute for 10 s over the month: 43,200 counted, 3 listed.
    const often = maintenanceIn([{ startMs: 0, durationMs: 10_000, everyMs: MIN, reason: 'x' }], FROM, TO, 3);
    expect([often.count, often.list.length]).toEqual([30 * 1440, 3]);
  });

  it('picks a chart step that keeps a month under 240 points', () => {
    // 30 days / 240 = 3 h.
    expect(timelineStep(30 * DAY, 240)).toBe(3 * HOUR);
    expect(timelineStep(92 * DAY, 240)).toBe(12 * HOUR);
    expect(timelineStep(2 * HOUR, 240)).toBe(MIN);
    expect(timelineStep(400 * DAY, 240)).toBe(2 * DAY);
  });
});

describe('buildReport', () => {
  /** An instance whose ledger holds 1,000 events per hour, with 30 % bad during 02:00-02:30 on November 22nd. */
  function history(over: Partial<InstanceHistory> = {}): InstanceHistory {
    const incidentFrom = at('2026-11-22T02:00:00Z');
    const incidentTo = at('2026-11-22T02:30:00Z');
    const overlap = (a: number, b: number) => Math.max(0, Math.min(b, incidentTo) - Math.max(a, incidentFrom));
    return {
      slo: sloModel(),
      labels: {},
      // 1,000 events per hour; 30 % of those in the incident bad, and nothing else.
      sumBetween: (a, b) => sum(overlap(a, b) / HOUR * 1000 * 0.3, (b - a) / HOUR * 1000),
      budgetAt: (t): BudgetStatus => ({ remaining: 0.25, consumed: 0.75, timeToExhaustionMs: t === TO ? null : 1, errorRatio: 0, events: 1, periodStartMs: t - 30 * DAY, periodEndMs: t }),
      transitions: [
        tr('page', '2026-11-22T02:03:00Z', 'inactive', 'firing'),
        tr('page', '2026-11-22T02:41:00Z', 'firing', 'inactive'),
        tr('ticket', '2026-11-22T02:20:00Z', 'inactive', 'firing'),
        tr('ticket', '2026-11-22T04:20:00Z', 'firing', 'inactive'),
      ],
      corrections: [],
      warnings: [],
      ...over,
    };
  }

  it('gives the month\'s SLI, budget spent and left, pages and tickets with durations', () => {
    const range = { fromMs: FROM, toMs: TO, timezone: 'UTC' };
    const report = buildReport(range, [history()], { groupBy: 'service', source: 'test' });
    const i = report.instances[0]!;
    // 720 h x 1,000 = 720,000 events; 0.5 h x 1,000 x 30 % = 150 bad. SLI = 1 - 150 / 720,000 = 0.999791666...
    expect(i.total).toBeCloseTo(720_000, 6);
    expect(i.sli).toBeCloseTo(0.9997916667, 9);
    // Budget of the range: 0.1 % of 720,000 = 720 events; 150 spent = 0.208333...
    expect(i.budgetSpent).toBeCloseTo(0.2083333333, 8);
    expect(i.budgetRemaining).toBe(0.25);
    expect(i.pages.map((p) => [p.durationMs, p.resolved])).toEqual([[38 * MIN, true]]);
    // The page (02:03-02:41) saw 27 minutes of the incident: 27/60 x 1,000 x 30 % = 135 bad = 135/720 of the budget.
    expect(i.pages[0]!.budgetSpent).toBeCloseTo(135 / 720, 9);
    expect(i.tickets.map((t) => t.durationMs)).toEqual([2 * HOUR]);
    expect(i.pageMttrMs).toBe(38 * MIN);
    expect(i.longestBurns.map((e) => e.severity)).toEqual(['ticket', 'page']);
    expect(i.corrections).toEqual([]);
    // The chart: 3 h steps over 30 days = 240 steps, plus the start.
    expect(i.timelineStepMs).toBe(3 * HOUR);
    expect(i.timeline).toHaveLength(241);
    // The step 00:00-03:00 on November 22nd: 150 bad of 3,000 = 5 %, a burn rate of 50 (5 % / 0.1 %).
    const step = i.timeline.find((p) => p.atMs === at('2026-11-22T03:00:00Z'));
    expect(step?.burnRate).toBeCloseTo(50, 9);
  });

  it('totals per group: service by default, or a label (instance labels before SLO labels)', () => {
    const range = { fromMs: FROM, toMs: TO, timezone: 'UTC' };
    const quiet = (id: string, service: string, labels: Record<string, string>, sloLabels: Record<string, string> = {}) => history({ slo: sloModel({ id, service, labels: sloLabels }), labels, transitions: [], sumBetween: (a, b) => sum(0, (b - a) / HOUR * 10) });
    const histories = [history(), quiet('cart', 'checkout', {}), quiet('search', 'search', { team: 'discovery' }), quiet('ads', 'ads', {}, { team: 'growth' })];
    const byService = buildReport(range, histories, { groupBy: 'service', source: 'test' });
    expect(byService.groups.map((g) => [g.key, g.instances, g.pages, g.tickets, g.met, g.missed])).toEqual([['ads', 1, 0, 0, 1, 0], ['checkout', 2, 1, 1, 2, 0], ['search', 1, 0, 0, 1, 0]]);
    expect(byService.groups[1]!.pageFiringMs).toBe(38 * MIN);
    const byTeam = buildReport(range, histories, { groupBy: 'team', source: 'test' });
    expect(byTeam.groups.map((g) => [g.key, g.instances])).toEqual([['(none)', 2], ['discovery', 1], ['growth', 1]]);
  });

  it('reports nothing known as null, not as a perfect month', () => {
    const range = { fromMs: FROM, toMs: TO, timezone: 'UTC' };
    const empty = history({ sumBetween: () => sum(0, 0), budgetAt: () => undefined, transitions: [] });
    const i = buildReport(range, [empty], { groupBy: 'service', source: 'test' }).instances[0]!;
    expect([i.sli, i.budgetSpent, i.budgetRemaining, i.timeToExhaustionMs, i.pageMttrMs]).toEqual([null, null, null, null, null]);
    expect(buildReport(range, [empty], { groupBy: 'service', source: 'test' }).groups[0]).toMatchObject({ met: 0, missed: 0, noData: 1, worstSli: null });
  });
});
