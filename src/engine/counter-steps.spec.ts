import { describe, expect, it } from 'vitest';
import type { StepPoint } from './counter-steps.js';
import { differenceSteps, increaseOver } from './counter-steps.js';

const STEP = 300_000;
const window = { fromMs: 0, toMs: 6 * STEP, stepMs: STEP };
const at = (k: number): number => k * STEP;
/** Step values written as [step index, last, min, resets]. */
function values(rows: readonly (readonly [number, number, number?, number?])[]): StepPoint[] {
  return rows.map(([k, last, min, resets]) => ({ atMs: at(k), last, min, resets }));
}

describe('differenceSteps: exact increments from the last, lowest and reset count of each step', () => {
  it.each([
    {
      what: 'consecutive steps: the difference of their last values',
      rows: [[0, 100, 90, 0], [1, 130, 104, 0], [2, 131, 131, 0]] as const,
      increments: [[1, 30], [2, 1]],
    },
    {
      what: 'a scrape gap of three steps: the whole increase across it lands on the step after it',
      rows: [[0, 100, 90, 0], [4, 700, 650, 0], [5, 710, 702, 0]] as const,
      increments: [[4, 600], [5, 10]],
    },
    {
      what: 'a restart between two steps (the first sample of a step is below the last of the one before): its last value',
      rows: [[0, 100, 90, 0], [1, 25, 3, 0]] as const,
      increments: [[1, 25]],
    },
    {
      what: 'a restart inside a scrape gap',
      rows: [[0, 5000, 4000, 0], [3, 40, 12, 0]] as const,
      increments: [[3, 40]],
    },
    {
      what: 'a counter that grew past its old value across a restart in a gap is no restart, as for increase()',
      rows: [[0, 10, 5, 0], [3, 40, 12, 0]] as const,
      increments: [[3, 30]],
    },
    {
      what: 'a new series: its first sample is its baseline',
      rows: [[2, 17, 4, 0], [3, 20, 17, 0]] as const,
      increments: [[2, 13], [3, 3]],
    },
    {
      what: 'a counter moving once an hour: whole events, none lost at step edges',
      rows: [[0, 3, 3, 0], [1, 3, 3, 0], [2, 4, 3, 0], [3, 4, 4, 0], [4, 5, 4, 0]] as const,
      increments: [[1, 0], [2, 1], [3, 0], [4, 1]],
    },
  ])('$what', ({ rows, increments }) => {
    const r = differenceSteps(values(rows), window, undefined);
    expect(r.increments.map((i) => [i.atMs / STEP, i.increase])).toEqual(increments);
    expect(r.raw).toEqual([]);
  });

  it('starts a series absent from the baseline step at a looked-up baseline', () => {
    const r = differenceSteps(values([[2, 500, 480, 0]]), window, 450);
    expect(r.increments).toEqual([{ atMs: at(2), increase: 50 }]);
  });

  it('leaves steps with resets inside (or without a minimum or a reset count) to the raw samples, with their baseline', () => {
    const r = differenceSteps(values([[0, 100, 90, 0], [1, 20, 0, 1], [2, 30, 20], [3, 35, 30, 0]]), window, undefined);
    expect(r.raw).toEqual([{ atMs: at(1), baseline: { tsMs: at(0), value: 100 }, last: 20 }, { atMs: at(2), baseline: { tsMs: at(1), value: 20 }, last: 30 }]);
    expect(r.increments).toEqual([{ atMs: at(3), increase: 5 }]);
  });
  it('leaves a step to its raw samples when its first sample is below the previous last but above half of it (a restart or a step back)', () => {
    // 90 after 100: no restart falls to 90 % of the count; the raw samples tell a step back from a restart.
    const r = differenceSteps(values([[0, 100, 100, 0], [1, 120, 90, 0], [2, 130, 121, 0]]), window, undefined);
    expect(r.raw).toEqual([{ atMs: at(1), baseline: { tsMs: at(0), value: 100 }, last: 120 }]);
    expect(r.increments).toEqual([{ atMs: at(2), increase: 10 }]);
  });
});

describe('increaseOver', () => {
  it('sums reset-aware differences after the baseline, as increase() does', () => {
    expect(increaseOver([[1, 110], [2, 130], [3, 4], [4, 10]], { tsMs: 0, value: 100 }).increase).toBe(10 + 20 + 4 + 6);
    expect(increaseOver([[1, 110], [2, 130]], undefined).increase).toBe(20);
    expect(increaseOver([], { tsMs: 0, value: 5 }).increase).toBe(0);
  });

  it('leaves out what cannot be counted and counts across it from the last good sample', () => {
    // 120 after 130 one second later is no restart (a restart falls to at most half): a step back, left out.
    const r = increaseOver([[1000, 110], [2000, 130], [3000, 120], [4000, 140], [5000, -1], [6000, Infinity], [7000, 150]], { tsMs: 0, value: 100 });
    expect(r.increase).toBe(10 + 20 + 10 + 10);
    expect(r.rejected).toEqual([{ tsMs: 3000, value: 120, reason: 'backwards' }, { tsMs: 5000, value: -1, reason: 'negative' }, { tsMs: 6000, value: Infinity, reason: 'infinite' }]);
    expect(r.last).toEqual({ tsMs: 7000, value: 150 });
  });
});
