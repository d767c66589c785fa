import { describe, expect, it } from 'vitest';
import { DAY, parseDuration, WEEK } from '../../slo/duration.js';
import { pyrraAbsentDurationMs, pyrraWindows, scaleToWindow } from './windows.js';

const d = (text: string): number => {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`bad duration ${text}`);
  return ms;
};

/**
 * Expected: the table "Resulting window pairs by SLO window" in reference/slo-anchors.md §2.2
 * (long/short, for), computed there from Pyrra's `Windows()`; its 2w row matches Pyrra's README
 * (burnrate3m, 15m, 30m, 1h, 3h, 12h, 2d).
 */
const ANCHOR_TABLE: readonly (readonly [string, number, readonly (readonly [string, string, string])[]])[] = [
  ['1w', WEEK, [['15m', '1m', '1m'], ['1h30m', '8m', '4m'], ['6h', '30m', '15m'], ['1d', '1h30m', '45m']]],
  ['2w', 2 * WEEK, [['30m', '3m', '1m'], ['3h', '15m', '8m'], ['12h', '1h', '30m'], ['2d', '3h', '1h30m']]],
  ['28d', 28 * DAY, [['1h', '5m', '2m'], ['6h', '30m', '15m'], ['1d', '2h', '1h'], ['4d', '6h', '3h']]],
  ['30d', 30 * DAY, [['1h4m', '5m', '2m'], ['6h26m', '32m', '16m'], ['1d1h43m', '2h9m', '1h4m'], ['4d6h51m', '6h26m', '3h13m']]],
  ['12w', 12 * WEEK, [['3h', '15m', '6m'], ['18h', '1h30m', '45m'], ['3d', '6h', '3h'], ['12d', '18h', '9h']]],
];

describe('spec/pyrra: Pyrra alert windows', () => {
  it.each(ANCHOR_TABLE)('scales the 28-day windows to a %s SLO window as Pyrra does', (_name, windowMs, rows) => {
    const windows = pyrraWindows(windowMs);
    expect(windows.map((w) => [w.longMs, w.shortMs, w.forMs])).toEqual(rows.map(([long, short, forText]) => [d(long), d(short), d(forText)]));
  });

  it('keeps Pyrra\'s fixed factors and severities whatever the window', () => {
    for (const windowMs of [WEEK, 2 * WEEK, 28 * DAY, 30 * DAY]) {
      expect(pyrraWindows(windowMs).map((w) => [w.factor, w.severity])).toEqual([[14, 'critical'], [7, 'critical'], [2, 'warning'], [1, 'warning']]);
    }
  });

  it('rounds exact half minutes up, as Go Duration.Round does (1w: 5m x 1/4 = 1m15s -> 1m, 30m x 1/4 = 7m30s -> 8m)', () => {
    expect(scaleToWindow(d('5m'), WEEK)).toBe(d('1m'));
    expect(scaleToWindow(d('30m'), WEEK)).toBe(d('8m'));
    expect(scaleToWindow(d('2m'), WEEK)).toBe(d('1m')); // 30 s exactly
  });

  it('scales a one-year window exactly (4d x 365/28 = 52d 3h 25m 42.9s -> 52d3h26m)', () => {
    expect(scaleToWindow(d('4d'), 365 * DAY)).toBe(d('52d3h26m'));
    expect(scaleToWindow(d('5m'), 365 * DAY)).toBe(d('1h5m')); // 65m 10.7s
  });

  // Expected: the `for` of SLOMetricAbsent in Pyrra's slo/rules_test.go for its 28-day test objectives
  // (http-ratio 99 % -> 10m, grpc-errors 99.9 % -> 3m, http-latency 99.5 % -> 6m); the 99 % case is also the
  // worked example in slo-anchors.md §2.2.
  it.each([
    [99, '10m'],
    [99.9, '3m'],
    [99.5, '6m'],
  ])('waits as long as Pyrra before the absent alert: %s %% over 28d -> %s', (target, expected) => {
    expect(pyrraAbsentDurationMs(target, 28 * DAY)).toBe(d(expected));
  });
});
