import { describe, expect, it } from 'vitest';
import { MINUTE } from './duration.js';
import type { SlicedBudgeting } from './timeslices.js';
import { countSlices, SliceAccumulator, sliceSpanMs } from './timeslices.js';

const TIMESLICES: SlicedBudgeting = { kind: 'timeslices', sliceMs: MINUTE, target: 0.95 };
const RATIO: SlicedBudgeting = { kind: 'ratioTimeslices', sliceMs: MINUTE };

describe('slo/timeslices: countSlices', () => {
  it.each([
    // [budgeting, bad, total, step, expected]
    ['5 bad of 100: good ratio 0.95, at the target, is good', TIMESLICES, 5, 100, MINUTE, { sliceBad: 0, slices: 1 }],
    ['6 bad of 100: good ratio 0.94 is bad', TIMESLICES, 6, 100, MINUTE, { sliceBad: 1, slices: 1 }],
    ['a 5-minute step of 1-minute slices counts 5 slices, all bad', TIMESLICES, 10, 100, 5 * MINUTE, { sliceBad: 5, slices: 5 }],
    ['a step shorter than a slice counts one slice', TIMESLICES, 10, 100, 30_000, { sliceBad: 1, slices: 1 }],
    ['ratioTimeslices: the error ratio, 0.06', RATIO, 6, 100, MINUTE, { sliceBad: 0.06, slices: 1 }],
    ['ratioTimeslices: a 5-minute step adds 5 x 0.1', RATIO, 10, 100, 5 * MINUTE, { sliceBad: 0.5, slices: 5 }],
    ['negative bad events count as none', TIMESLICES, -1, 10, MINUTE, { sliceBad: 0, slices: 1 }],
  ] as const)('%s', (_name, budgeting, bad, total, stepMs, want) => {
    expect(countSlices(budgeting, { bad, total }, stepMs)).toEqual(want);
  });

  it('counts no slice without events', () => {
    expect(countSlices(TIMESLICES, { bad: 0, total: 0 }, MINUTE)).toBeUndefined();
    expect(countSlices(RATIO, { bad: 3, total: 0 }, MINUTE)).toBeUndefined();
  });
});

describe('slo/timeslices: sliceSpanMs', () => {
  it('is the slice, or the step when a step is longer', () => {
    expect([sliceSpanMs(TIMESLICES, 30_000), sliceSpanMs(TIMESLICES, MINUTE), sliceSpanMs(TIMESLICES, 5 * MINUTE), sliceSpanMs(TIMESLICES, 60 * MINUTE)])
      .toEqual([MINUTE, MINUTE, 5 * MINUTE, 60 * MINUTE]);
  });
});

describe('slo/timeslices: SliceAccumulator', () => {
  it('counts what was carried in and added since, per instance, and starts over at each boundary', () => {
    const acc = new SliceAccumulator<string>(TIMESLICES, 30_000, new Map([['a', { bad: 1, total: 10 }]]));
    acc.add('a', { bad: 2, total: 10 }); // a: 3 of 20 bad, good ratio 0.85: bad
    acc.add('b', { bad: 0, total: 10 }); // b: none bad: good
    acc.add('c', { bad: 0, total: 0 }); // c: no events: no slice
    expect(acc.close()).toEqual(new Map([['a', { sliceBad: 1, slices: 1 }], ['b', { sliceBad: 0, slices: 1 }]]));
    expect(acc.carried()).toEqual(new Map());
    acc.add('a', { bad: 0, total: 10 });
    acc.add('a', { bad: 1, total: 10 }); // 1 of 20 bad, good ratio 0.95: good
    expect(acc.carried()).toEqual(new Map([['a', { bad: 1, total: 20 }]]));
    expect(acc.close()).toEqual(new Map([['a', { sliceBad: 0, slices: 1 }]]));
  });

  it('does not change the span it was given', () => {
    const carried = new Map([['a', { bad: 1, total: 10 }]]);
    const acc = new SliceAccumulator<string>(RATIO, MINUTE, carried);
    acc.add('a', { bad: 1, total: 10 });
    expect(acc.close().get('a')).toEqual({ sliceBad: 0.1, slices: 1 });
    expect(carried.get('a')).toEqual({ bad: 1, total: 10 });
  });
});
