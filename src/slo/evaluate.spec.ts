import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from './duration.js';
import type { InstanceSums, WindowSum } from './evaluate.js';
import { budgetStatus, evaluateInstance, ratioOf, readSums, windowsOf } from './evaluate.js';
import { sloModel } from '../../test/support/slo-model.js';
import type { Period, Slo, Tier } from './model.js';

/**
 * evaluateInstance and budgetStatus over hand-made window sums: each expected number is worked out in the
 * comment next to it from the sums given, not from burnwatch.
 */

const AT = Date.parse('2026-03-30T00:00:00Z'); // two days before the end of March (UTC)

const PAGE_1H_5M: Tier = { name: 'page-1h-5m', severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 0 };
const TICKET_3D_6H: Tier = { name: 'ticket-3d-6h', severity: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 1, forMs: 0 };

function slo(over: { period?: Period; minEvents?: number; tiers?: readonly Tier[] } = {}): Slo {
  return sloModel(
    { objective: 99, period: over.period ?? { kind: 'rolling', durationMs: 30 * DAY } },
    { minEvents: over.minEvents ?? 0, tiers: over.tiers ?? [PAGE_1H_5M, TICKET_3D_6H] },
  );
}

function sum(bad: number, total: number, dataSlots = 1): WindowSum {
  return { bad, total, sliceBad: 0, slices: 0, dataSlots };
}

/** Sums per window length (ms), every window the SLOs below use (empty unless given), and the budget period's sum. */
function sums(windows: ReadonlyMap<number, WindowSum>, period: WindowSum): InstanceSums {
  const all = [5 * MINUTE, HOUR, 6 * HOUR, 3 * DAY];
  return { windows: new Map(all.map((ms) => [ms, windows.get(ms) ?? sum(0, 0, 0)])), period };
}

describe('evaluateInstance', () => {
  // Objective 99 %: the budget is 0.01 (in float64, (100 - 99) / 100 = 0.01 exactly). 14.4 x 0.01 = 0.144.
  const burning = new Map<number, WindowSum>([
    [HOUR, sum(30, 200)], // 0.15 > 0.144: burn rate 15
    [5 * MINUTE, sum(5, 20)], // 0.25: burn rate 25
    [3 * DAY, sum(1, 1000)],
    [6 * HOUR, sum(1, 100)],
  ]);

  it('fires a tier when both windows are above factor x budget, with burn rates over the budget', () => {
    const obs = evaluateInstance(slo(), sums(burning, sum(30, 10_000)), AT);
    const page = obs.tiers.find((t) => t.name === 'page-1h-5m');
    expect(page).toMatchObject({ active: true, qualifies: true, longEvents: 200, threshold: 14.4 });
    expect(page?.longBurnRate).toBeCloseTo(15, 9);
    expect(page?.shortBurnRate).toBeCloseTo(25, 9);
    expect(obs.raw).toEqual({ page: true, ticket: false });
    expect(obs.unknown).toBe(false);
  });

  it('does not fire on the long window alone', () => {
    const calmShort = new Map(burning).set(5 * MINUTE, sum(1, 20)); // 0.05 < 0.144
    const obs = evaluateInstance(slo(), sums(calmShort, sum(30, 10_000)), AT);
    expect(obs.raw.page).toBe(false);
  });

  it('keeps a tier from qualifying below minEvents in its long window (200 events in the hour)', () => {
    const below = evaluateInstance(slo({ minEvents: 201 }), sums(burning, sum(30, 10_000)), AT);
    expect(below.tiers[0]).toMatchObject({ active: true, qualifies: false });
    const at = evaluateInstance(slo({ minEvents: 200 }), sums(burning, sum(30, 10_000)), AT);
    expect(at.tiers[0]).toMatchObject({ active: true, qualifies: true });
  });

  it('is unknown, and neither pages nor tickets, when the freshest window has no data', () => {
    const stale = new Map(burning).set(5 * MINUTE, sum(5, 20, 0));
    const obs = evaluateInstance(slo(), sums(stale, sum(30, 10_000)), AT);
    expect(obs.unknown).toBe(true);
    expect(obs.raw).toEqual({ page: false, ticket: false });
  });
});

describe('budgetStatus', () => {
  // 50 bad of 10,000 in the period: error ratio 0.005 = half of the 0.01 budget, 0.5 left.
  const half = sum(50, 10_000);

  it('reports the remaining budget and, at the current burn, the time to exhaustion (rolling 30 d)', () => {
    // remaining 0.5 x 30 d / burn rate 1 = 15 d.
    const status = budgetStatus(slo(), sums(new Map(), half), AT, 1);
    expect(status.remaining).toBeCloseTo(0.5, 12);
    expect(status.consumed).toBeCloseTo(0.5, 12);
    expect(status.errorRatio).toBeCloseTo(0.005, 12);
    expect(status.events).toBe(10_000);
    expect(status.timeToExhaustionMs).toBeCloseTo(15 * DAY, 0);
  });

  it('has no time to exhaustion when a calendar budget resets before it runs out', () => {
    const month: Period = { kind: 'calendar', unit: 'month', timezone: 'UTC' };
    // 15 d at burn rate 1, but March ends in 2 d: the budget resets first.
    expect(budgetStatus(slo({ period: month }), sums(new Map(), half), AT, 1).timeToExhaustionMs).toBeNull();
    // At burn rate 100: 0.5 x 30 d / 100 = 3.6 h, before the month ends.
    expect(budgetStatus(slo({ period: month }), sums(new Map(), half), AT, 100).timeToExhaustionMs).toBeCloseTo(3.6 * HOUR, 0);
    const status = budgetStatus(slo({ period: month }), sums(new Map(), half), AT, 1);
    expect(status.periodStartMs).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(status.periodEndMs).toBe(Date.parse('2026-04-01T00:00:00Z'));
  });

  it('is exhausted at once when the budget is spent, and has no end when nothing burns', () => {
    expect(budgetStatus(slo(), sums(new Map(), sum(150, 10_000)), AT, 3).timeToExhaustionMs).toBe(0);
    expect(budgetStatus(slo(), sums(new Map(), half), AT, 0).timeToExhaustionMs).toBeNull();
    expect(budgetStatus(slo(), sums(new Map(), sum(0, 0, 0)), AT, NaN)).toMatchObject({ remaining: 1, timeToExhaustionMs: null });
  });
});

describe('windowsOf', () => {
  it('lists each window once, shortest first, with the one-hour current-burn window', () => {
    expect(windowsOf(slo())).toEqual([5 * MINUTE, HOUR, 6 * HOUR, 3 * DAY]);
  });

  it('gives each SLO the windows of its own tiers (they are worked out once per tier list)', () => {
    const first = slo();
    expect(windowsOf(first)).toEqual([5 * MINUTE, HOUR, 6 * HOUR, 3 * DAY]);
    const other = { ...first, alerting: { ...first.alerting, tiers: [{ ...first.alerting.tiers[0] as Tier, longMs: 2 * HOUR, shortMs: 10 * MINUTE }] } };
    expect(windowsOf(other)).toEqual([10 * MINUTE, HOUR, 2 * HOUR]);
    expect(windowsOf(first)).toEqual([5 * MINUTE, HOUR, 6 * HOUR, 3 * DAY]);
  });
});

describe('readSums', () => {
  it.each([
    ['rolling 30 d: the period is the last 30 days', { kind: 'rolling', durationMs: 30 * DAY }, AT - 30 * DAY],
    ['calendar month: the period starts on the 1st', { kind: 'calendar', unit: 'month', timezone: 'UTC' }, Date.parse('2026-03-01T00:00:00Z')],
    ['calendar week: the period starts on Monday', { kind: 'calendar', unit: 'week', timezone: 'UTC' }, Date.parse('2026-03-30T00:00:00Z')],
  ] as const)('reads every window of the tiers once, and the budget period (%s)', (_name, period, periodStartMs) => {
    const reads: string[] = [];
    const reader = {
      window: (ms: number): WindowSum => {
        reads.push(`window ${ms / MINUTE}m`);
        return sum(ms / MINUTE, 10 * (ms / MINUTE));
      },
      since: (startMs: number): WindowSum => {
        reads.push(`since ${new Date(startMs).toISOString()}`);
        return sum(7, 70);
      },
    };
    const got = readSums(slo({ period }), AT, reader);
    expect(reads).toEqual(['window 5m', 'window 60m', 'window 360m', 'window 4320m', `since ${new Date(periodStartMs).toISOString()}`]);
    expect(got.windows.get(6 * HOUR)).toEqual(sum(360, 3600));
    expect(got.period).toEqual(sum(7, 70));
  });

  it('is what the evaluation needs: it refuses sums without a window its tiers use', () => {
    const partial: InstanceSums = { windows: new Map([[HOUR, sum(0, 10)]]), period: sum(0, 10) };
    expect(() => evaluateInstance(slo(), partial, AT)).toThrow(/300000 ms window/);
  });
});

describe('ratios of timeslice budgets', () => {
  const sliced = (bad: number, total: number, sliceBad: number, slices: number): WindowSum => ({ bad, total, sliceBad, slices, dataSlots: 1 });

  it.each([
    ['events: bad over total', sliced(5, 100, 9, 10), false, 0.05],
    ['slices: bad slices over slices', sliced(5, 100, 9, 10), true, 0.9],
    ['events without any: NaN', sliced(0, 0, 1, 2), false, NaN],
    ['slices without any: NaN', sliced(5, 100, 0, 0), true, NaN],
  ] as const)('%s', (_name, s, slices, want) => {
    expect(ratioOf(s, slices)).toBe(want);
  });

  it('spends the budget by bad slices, and counts slices as its events', () => {
    // 3 bad slices of 100: ratio 0.03 against the 0.01 budget of 99 %: 3 budgets spent, -2 left.
    const timesliced = sloModel({ objective: 99, budgeting: { kind: 'timeslices', sliceMs: 5 * MINUTE, target: 0.95 } }, { tiers: [PAGE_1H_5M] });
    const status = budgetStatus(timesliced, { period: sliced(40, 10_000, 3, 100) }, AT, 0);
    expect(status.consumed).toBeCloseTo(3, 12);
    expect(status.remaining).toBeCloseTo(-2, 12);
    expect(status.events).toBe(100);
    expect(status.timeToExhaustionMs).toBe(0);
  });
});
