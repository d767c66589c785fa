import { describe, expect, it } from 'vitest';
import { sloModel } from '../../../test/support/slo-model.js';
import { DAY, HOUR, MINUTE } from '../../slo/duration.js';
import { evaluateInstance, readSums } from '../../slo/evaluate.js';
import type { Slo } from '../../slo/model.js';
import { openDb } from '../../store/db.js';
import { Ledger } from '../../store/ledger.js';
import type { CumulativeRow } from '../../store/ledger.js';
import { computeSeries, cumulativeAt, ForwardSums, idealRemaining, maintenanceBetween, seriesReadStart, sumsFromRows } from './series.js';

/**
 * Every expected figure is counted by hand from the rows written here. The SLO: 99 % (budget 0.01) over a
 * rolling day, one page tier 1h/5m at 14.4x. Traffic: 300 events per 5 minutes from T0; 1 % bad for the
 * first two hours (3 per row), then 10 % (30 per row) for half an hour.
 */

const T0 = Date.parse('2026-05-01T00:00:00Z');
const STEP = 5 * MINUTE;
const slo = sloModel(
  { objective: 99, period: { kind: 'rolling', durationMs: DAY } },
  { tiers: [{ name: 'page-1h-5m', severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 0 }] },
);

function incidentLedger(): { ledger: Ledger; id: number } {
  const ledger = new Ledger(openDb(':memory:'));
  const { id } = ledger.instance(slo.id, {}, T0);
  for (let t = T0 + STEP; t <= T0 + 150 * MINUTE; t += STEP) {
    ledger.append(id, t, { bad: t <= T0 + 2 * HOUR ? 3 : 30, total: 300, sliceBad: 0, slices: 0, data: true });
  }
  return { ledger, id };
}

describe('ledger rows for a range', () => {
  it('returns the rows in the range plus the kept row before it and the one after it', () => {
    const { ledger, id } = incidentLedger();
    const rows = ledger.cumulativeRows(id, T0 + 12 * MINUTE, T0 + 22 * MINUTE);
    // Rows every 5 minutes: 10 and 25 are the neighbours of [12, 22]; 15 and 20 are inside.
    expect(rows.map((r) => (r.slotMs - T0) / MINUTE)).toEqual([10, 15, 20, 25]);
    expect(rows[0]?.sum).toEqual({ bad: 6, total: 600, sliceBad: 0, slices: 0, dataSlots: 2 });
  });

  it('starts at the first row when the range begins before the instance', () => {
    const { ledger, id } = incidentLedger();
    expect(ledger.cumulativeRows(id, T0 - HOUR, T0 + 5 * MINUTE).map((r) => (r.slotMs - T0) / MINUTE)).toEqual([5, 10]);
  });
});

describe('cumulative sums between rows', () => {
  const rows: CumulativeRow[] = [
    { slotMs: T0, sum: { bad: 0, total: 0, sliceBad: 0, slices: 0, dataSlots: 0 } },
    { slotMs: T0 + HOUR, sum: { bad: 100, total: 1000, sliceBad: 0, slices: 0, dataSlots: 120 } },
  ];

  it('are exact on a row, interpolated between two, the last row after it and zero before the first', () => {
    expect(cumulativeAt(rows, T0 + HOUR).bad).toBe(100);
    expect(cumulativeAt(rows, T0 + HOUR / 4)).toEqual({ bad: 25, total: 250, sliceBad: 0, slices: 0, dataSlots: 30 });
    expect(cumulativeAt(rows, T0 + 2 * HOUR).total).toBe(1000);
    expect(cumulativeAt(rows, T0 - 1).total).toBe(0);
  });
});

describe('window sums at instants that move forward', () => {
  // A ledger thinned as the daemon keeps it: hourly rows, then 5-minute rows, then a row every 30 s, with
  // traffic that changes every row (so an interpolation error shows in the sums).
  const rows: CumulativeRow[] = [];
  let sum = { bad: 0, total: 0, sliceBad: 0, slices: 0, dataSlots: 0 };
  const add = (slotMs: number, k: number, slots: number) => {
    sum = { bad: sum.bad + (k % 7) * 0.37, total: sum.total + 100 + (k % 13), sliceBad: sum.sliceBad + (k % 3 === 0 ? 1 : 0), slices: sum.slices + 1, dataSlots: sum.dataSlots + slots };
    rows.push({ slotMs, sum });
  };
  let k = 0;
  for (let t = T0; t < T0 + 3 * DAY; t += HOUR) add(t, k++, 120);
  for (let t = T0 + 3 * DAY; t < T0 + 4 * DAY; t += 5 * MINUTE) add(t, k++, 10);
  for (let t = T0 + 4 * DAY; t <= T0 + 4 * DAY + 7 * HOUR; t += 30_000) add(t, k++, 1);
  const windows = [30_000, 5 * MINUTE, 7 * MINUTE, HOUR, 6 * HOUR, DAY, 3 * DAY, 5 * DAY];

  it('are those of the rows read afresh at every instant, through every kind of row and before the first', () => {
    const forward = new ForwardSums(rows);
    let checked = 0;
    // Steps that fall on rows, between rows and past the last row.
    for (let t = T0 - 2 * HOUR; t <= T0 + 4 * DAY + 8 * HOUR; t += 7 * MINUTE + 13_000) {
      forward.moveTo(t);
      const fresh = sumsFromRows(rows, t);
      for (const w of windows) expect(forward.window(w), `window ${w} at ${t - T0}`).toEqual(fresh.window(w));
      // A start that moves with the calendar (a period that began at midnight).
      const midnight = Math.floor(t / DAY) * DAY;
      expect(forward.since(midnight)).toEqual(fresh.since(midnight));
      checked++;
    }
    expect(checked).toBeGreaterThan(800);
    // Sent back to an earlier instant (a caller that breaks the rule), it searches again rather than read on.
    forward.moveTo(T0 + DAY + 90_000);
    expect(forward.window(6 * HOUR)).toEqual(sumsFromRows(rows, T0 + DAY + 90_000).window(6 * HOUR));
  });

  it('are computed by hand for a window between two hourly rows', () => {
    const forward = new ForwardSums(rows).moveTo(T0 + 2 * HOUR);
    // Rows at T0, T0+1h and T0+2h; the 90-minute window starts halfway between the first two.
    const w = forward.window(90 * MINUTE);
    const first = rows[0]?.sum;
    const second = rows[1]?.sum;
    const third = rows[2]?.sum;
    if (!first || !second || !third) throw new Error('rows missing');
    expect(w.total).toBeCloseTo(third.total - (first.total + second.total) / 2, 9);
    expect(w.dataSlots).toBe(third.dataSlots - first.dataSlots - 60);
  });
});

describe('a 30-day chart over a thinned ledger', () => {
  // Hourly rows for 20 days, 5-minute rows for 3 days, then a row every 30 s for 7 hours; traffic and errors
  // change at every row, with a stretch without data.
  const rows: CumulativeRow[] = [];
  let sum = { bad: 0, total: 0, sliceBad: 0, slices: 0, dataSlots: 0 };
  const add = (slotMs: number, k: number, slots: number) => {
    const data = k % 97 > 3;
    sum = { bad: sum.bad + (data ? (k % 11) * 0.61 + (k % 53 === 0 ? 40 : 0) : 0), total: sum.total + (data ? 200 + (k % 17) : 0), sliceBad: sum.sliceBad, slices: sum.slices, dataSlots: sum.dataSlots + (data ? slots : 0) };
    rows.push({ slotMs, sum });
  };
  let k = 0;
  const start = Date.parse('2026-02-20T00:00:00Z');
  let t = start;
  for (; t < start + 20 * DAY; t += HOUR) add(t, k++, 120);
  for (; t < start + 23 * DAY; t += 5 * MINUTE) add(t, k++, 10);
  for (; t <= start + 23 * DAY + 7 * HOUR; t += 30_000) add(t, k++, 1);
  const end = start + 23 * DAY + 7 * HOUR;
  const tiers = [
    { name: 'page-1h-5m', severity: 'page' as const, longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 0 },
    { name: 'page-6h-30m', severity: 'page' as const, longMs: 6 * HOUR, shortMs: 30 * MINUTE, factor: 6, forMs: 0 },
    { name: 'ticket-1d-2h', severity: 'ticket' as const, longMs: DAY, shortMs: 2 * HOUR, factor: 3, forMs: 0 },
    { name: 'ticket-3d-6h', severity: 'ticket' as const, longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 1, forMs: 0 },
  ];
  const shown = (n: number): number | null => (Number.isFinite(n) ? Math.round(n * 1e6) / 1e6 : null);

  it.each([
    ['a rolling 7 days', sloModel({ period: { kind: 'rolling', durationMs: 7 * DAY } }, { tiers })],
    // Santiago's midnight moves with DST (2026-04-05): a week that does not last 7 x 24 hours.
    ['a calendar week in America/Santiago', sloModel({ period: { kind: 'calendar', unit: 'week', timezone: 'America/Santiago' } }, { tiers })],
    ['a calendar month with a nightly budget correction', sloModel({
      period: { kind: 'calendar', unit: 'month', timezone: 'Europe/Berlin' },
      corrections: [{ name: 'nightly-batch', reason: 'batch', startMs: start + 2 * HOUR, durationMs: 90 * MINUTE, everyMs: DAY, source: { file: 'slos/corrections.yaml', line: 3 } }],
    }, { tiers })],
  ] as [string, Slo][])('for %s: at every point, what the engine computes from the rows read afresh', (_name, model) => {
    const from = end - 20 * DAY;
    const series = computeSeries(model, rows, from, end, 5 * MINUTE);
    expect(series.times).toHaveLength(20 * 288 + 1);
    for (let i = 0; i < series.times.length; i++) {
      const at = from + i * 5 * MINUTE;
      const reader = sumsFromRows(rows, at);
      const obs = evaluateInstance(model, readSums(model, at, reader), at);
      expect(series.budgetRemaining[i], `budget at point ${i}`).toBe(shown(obs.budget.remaining));
      for (const tier of obs.tiers) {
        const name = tier.name;
        expect(series.windows[name.split('-')[1] ?? '']?.[i], `${name} long window at point ${i}`).toBe(shown(tier.longBurnRate));
        expect(series.windows[name.split('-')[2] ?? '']?.[i], `${name} short window at point ${i}`).toBe(shown(tier.shortBurnRate));
      }
      const step = reader.window(5 * MINUTE);
      expect(series.sli[i], `SLI at point ${i}`).toBe(shown(step.total > 0 ? 1 - step.bad / step.total : NaN));
    }
  });
});

describe('an SLO instance over time', () => {
  const { ledger, id } = incidentLedger();
  const from = T0 + 2 * HOUR;
  const to = T0 + 150 * MINUTE;
  const series = computeSeries(slo, ledger.cumulativeRows(id, seriesReadStart(slo, from), to), from, to, STEP);

  it('has one point per step, both ends included', () => {
    expect(series.times).toEqual([0, 5, 10, 15, 20, 25, 30].map((m) => (from + m * MINUTE) / 1000));
  });

  it('shows the burn rate of each tier window as the engine computes it', () => {
    // At 2h30: the last hour holds rows 1h35..2h (6 x 3 bad) and 2h05..2h30 (6 x 30 bad) of 300 each:
    // 198 / 3600 = 0.055 -> burn rate 5.5; the last 5 minutes: 30 / 300 = 0.1 -> 10.
    expect(series.windows['1h']?.at(-1)).toBeCloseTo(5.5, 9);
    expect(series.windows['5m']?.at(-1)).toBeCloseTo(10, 9);
    // At 2h: one hour of 1 % -> burn rate 1 in both windows.
    expect(series.windows['1h']?.[0]).toBeCloseTo(1, 9);
    expect(series.windows['5m']?.[0]).toBeCloseTo(1, 9);
  });

  it('shows the budget left over the period', () => {
    // At 2h30 the day holds everything: (24 x 3 + 6 x 30) / (30 x 300) = 252 / 9000 = 0.028 -> 2.8 budgets spent.
    expect(series.budgetRemaining.at(-1)).toBeCloseTo(1 - 2.8, 9);
    // At 2h: 1 % over two hours: exactly one budget spent.
    expect(series.budgetRemaining[0]).toBeCloseTo(0, 9);
  });

  it('shows the SLI over each step', () => {
    expect(series.sli[0]).toBeCloseTo(0.99, 9);
    expect(series.sli.at(-1)).toBeCloseTo(0.9, 9);
  });

  it('names the tiers and their thresholds', () => {
    expect(series.tiers).toEqual([{ name: 'page-1h-5m', severity: 'page', longWindow: '1h', shortWindow: '5m', threshold: 14.4 }]);
  });

  it('has no figures before the instance had data', () => {
    const early = computeSeries(slo, ledger.cumulativeRows(id, T0 - HOUR, T0 + 10 * MINUTE), T0 - 5 * MINUTE, T0 + 10 * MINUTE, STEP);
    expect(early.budgetRemaining.slice(0, 2)).toEqual([null, null]);
    expect(early.windows['5m']?.slice(0, 2)).toEqual([null, null]);
    expect(early.windows['5m']?.[3]).toBeCloseTo(1, 9);
  });
});

describe('the ideal budget line', () => {
  it('goes from 1 to 0 over a calendar month', () => {
    const monthly = sloModel({ period: { kind: 'calendar', unit: 'month', timezone: 'UTC' } });
    // May has 31 days: 10 days in, 21/31 of the budget should be left.
    expect(idealRemaining(monthly, Date.parse('2026-05-11T00:00:00Z'), 0)).toBeCloseTo(21 / 31, 12);
  });

  it('goes from 1 at the start of the chart to 0 one rolling period later', () => {
    expect(idealRemaining(slo, T0 + 6 * HOUR, T0)).toBeCloseTo(0.75, 12);
    expect(idealRemaining(slo, T0 + 25 * HOUR, T0)).toBeNull();
  });
});

describe('maintenance windows in a range', () => {
  it('lists each occurrence of a repeating window that overlaps the range', () => {
    const weekly = { startMs: T0, durationMs: HOUR, everyMs: 7 * DAY, reason: 'db upgrade' };
    expect(maintenanceBetween([weekly], T0 + 7 * DAY + 30 * MINUTE, T0 + 15 * DAY)).toEqual([
      { startMs: T0 + 7 * DAY, endMs: T0 + 7 * DAY + HOUR, reason: 'db upgrade' },
      { startMs: T0 + 14 * DAY, endMs: T0 + 14 * DAY + HOUR, reason: 'db upgrade' },
    ]);
  });
});
