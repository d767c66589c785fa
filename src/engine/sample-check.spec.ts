import { describe, expect, it } from 'vitest';
import { CounterTracker } from './feeds.js';
import { classifySample, isRejection, RESET_GAP_MS } from './sample-check.js';
import type { SampleClass, SampleToCheck } from './sample-check.js';

const MIN = 60_000;
const T = 1_800_000_000_000;

function counter(prev: [number, number] | undefined, at: number, value: number): SampleToCheck {
  return { kind: 'counter', tsMs: at, value, prev: prev === undefined ? undefined : { tsMs: prev[0], value: prev[1] } };
}

describe('classifySample', () => {
  const cases: readonly (readonly [string, SampleToCheck, SampleClass])[] = [
    // Counters: what Prometheus should never send.
    ['counter +Inf', counter([T, 10], T + 15_000, Infinity), 'infinite'],
    ['counter -Inf', counter([T, 10], T + 15_000, -Infinity), 'infinite'],
    ['counter NaN', counter([T, 10], T + 15_000, NaN), 'nan'],
    ['counter negative', counter([T, 10], T + 15_000, -3), 'negative'],
    ['first sample negative', counter(undefined, T, -1), 'negative'],
    ['first sample +Inf', counter(undefined, T, Infinity), 'infinite'],
    ['first sample', counter(undefined, T, 1e9), 'ok'],
    // Counters going up or staying.
    ['counter up', counter([T, 10], T + 15_000, 12), 'ok'],
    ['counter flat', counter([T, 10], T + 15_000, 10), 'ok'],
    ['counter from 0', counter([T, 0], T + 15_000, 0), 'ok'],
    // Genuine resets, counted by increase() as the new value.
    ['reset to 0', counter([T, 1000], T + 15_000, 0), 'reset'],
    ['reset to a small value', counter([T, 1000], T + 15_000, 7), 'reset'],
    ['reset to exactly half', counter([T, 1000], T + 15_000, 500), 'reset'],
    ['reset of a young counter (2 -> 1)', counter([T, 2], T + 15_000, 1), 'reset'],
    ['reset hidden in a 5-minute scrape gap, to a large value', counter([T, 1000], T + RESET_GAP_MS, 900), 'reset'],
    ['reset hidden in a 2-hour gap', counter([T, 1000], T + 120 * MIN, 999), 'reset'],
    // Decreases no restart explains.
    ['backwards by 1 of 1000', counter([T, 1000], T + 15_000, 999), 'backwards'],
    ['backwards to just over half', counter([T, 1000], T + 15_000, 500.5), 'backwards'],
    ['backwards just inside the gap limit', counter([T, 1000], T + RESET_GAP_MS - 1, 900), 'backwards'],
    ['backwards 3 -> 2', counter([T, 3], T + 15_000, 2), 'backwards'],
    // boolGauge samples.
    ['gauge 1', { kind: 'gauge', value: 1 }, 'ok'],
    ['gauge 0', { kind: 'gauge', value: 0 }, 'ok'],
    ['gauge 0.5', { kind: 'gauge', value: 0.5 }, 'ok'],
    ['gauge 2', { kind: 'gauge', value: 2 }, 'out_of_range'],
    ['gauge -1', { kind: 'gauge', value: -1 }, 'out_of_range'],
    ['gauge NaN', { kind: 'gauge', value: NaN }, 'nan'],
    ['gauge +Inf', { kind: 'gauge', value: Infinity }, 'infinite'],
    // Rates of events from range queries: NaN is "nothing happened".
    ['rate', { kind: 'rate', value: 3.5 }, 'ok'],
    ['rate NaN (histogram_fraction of no observations)', { kind: 'rate', value: NaN }, 'empty'],
    ['rate +Inf', { kind: 'rate', value: Infinity }, 'infinite'],
    ['rate negative', { kind: 'rate', value: -0.5 }, 'negative'],
    ['rate floating-point noise below 0', { kind: 'rate', value: -1e-12 }, 'ok'],
    // Ratios: NaN is 0/0 (no traffic); finite values are clamped by the caller.
    ['ratio', { kind: 'ratio', value: 0.02 }, 'ok'],
    ['ratio NaN', { kind: 'ratio', value: NaN }, 'empty'],
    ['ratio -Inf', { kind: 'ratio', value: -Infinity }, 'infinite'],
    ['ratio slightly above 1 (scrape skew)', { kind: 'ratio', value: 1.01 }, 'ok'],
    // Counts Prometheus aggregated (backfill).
    ['count', { kind: 'count', value: 120 }, 'ok'],
    ['count NaN', { kind: 'count', value: NaN }, 'nan'],
    ['count +Inf', { kind: 'count', value: Infinity }, 'infinite'],
    ['count negative', { kind: 'count', value: -1 }, 'negative'],
  ];

  it.each(cases)('%s -> %s', (_name, sample, expected) => {
    expect(classifySample(sample)).toBe(expected);
  });

  it('tells rejections from samples that count', () => {
    expect(['ok', 'reset', 'empty'].map((c) => isRejection(c as SampleClass))).toEqual([false, false, false]);
    expect(['nan', 'infinite', 'negative', 'backwards', 'out_of_range'].map((c) => isRejection(c as SampleClass))).toEqual([true, true, true, true, true]);
  });
});

describe('CounterTracker with rejected samples', () => {
  const S = 15_000;
  function diff(points: [number, number][], fromMs = -1): { increments: [number, number][]; rejected: [number, number, string][] } {
    const rejected: [number, number, string][] = [];
    const increments = new CounterTracker().diff('k', points.map(([i, v]) => [T + i * S, v] as const), fromMs, (ts, v, reason) => rejected.push([(ts - T) / S, v, reason]));
    return { increments: increments.map(([ts, inc]) => [(ts - T) / S, inc]), rejected };
  }

  it('counts a reset to 0 and to a small value as the new value, as increase() does', () => {
    // Prometheus increase() without extrapolation over these samples: 10 + 0 + 5 + 2 + 5 = 22.
    expect(diff([[0, 1000], [1, 1010], [2, 0], [3, 5], [4, 2], [5, 7]])).toEqual({ increments: [[1, 10], [2, 0], [3, 5], [4, 2], [5, 5]], rejected: [] });
  });

  it('counts a reset hidden in a scrape gap as the new value, however large', () => {
    // 20 scrapes (5 minutes) without a sample, then 900: a restart that has counted 900 since.
    expect(diff([[0, 1000], [1, 1010], [21, 900], [22, 910]])).toEqual({ increments: [[1, 10], [21, 900], [22, 10]], rejected: [] });
  });

  it('rejects a step back that is no reset and counts from the last accepted sample when the counter passes it', () => {
    expect(diff([[0, 1000], [1, 1010], [2, 1005], [3, 1008], [4, 1020]])).toEqual({
      increments: [[1, 10], [4, 10]],
      rejected: [[2, 1005, 'backwards'], [3, 1008, 'backwards']],
    });
  });

  it('takes a counter that stays below its last accepted sample for 5 minutes as reset', () => {
    const below = Array.from({ length: 20 }, (_, i) => [i + 2, 990 + i * 0.1] as [number, number]);
    const { increments, rejected } = diff([[0, 1000], [1, 1010], ...below]);
    // Samples 2..20 are within 5 minutes of sample 1 (19 x 15 s = 285 s): rejected. Sample 21 is 300 s after it.
    expect(rejected.map(([i]) => i)).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    expect(increments).toEqual([[1, 10], [21, below[19]?.[1]]]);
  });

  it('skips +Inf, -Inf, NaN and negative samples and counts what they hid from the next sane one', () => {
    const { increments, rejected } = diff([[0, 1000], [1, Infinity], [2, -Infinity], [3, NaN], [4, -5], [5, 1050]]);
    expect(increments).toEqual([[5, 50]]);
    expect(rejected).toEqual([[1, Infinity, 'infinite'], [2, -Infinity, 'infinite'], [3, NaN, 'nan'], [4, -5, 'negative']]);
  });

  it('neither reports nor takes as a baseline a bad sample before the window (the lookback)', () => {
    const { increments, rejected } = diff([[0, Infinity], [1, 1000], [2, 1010]], T + 1 * S);
    expect(rejected).toEqual([]);
    expect(increments).toEqual([[2, 10]]);
  });
});
