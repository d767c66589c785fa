import { describe, expect, it } from 'vitest';
import {
  formatBurnRate,
  formatFractionPercent,
  formatHumanDuration,
  formatNumber,
  formatObjective,
  formatTier,
  formatTimeToExhaustion,
  truncateText,
} from './alert-text.js';
import type { TierStatus } from './notifier.js';

const H = 3_600_000;
const M = 60_000;
const D = 24 * H;

describe('formatHumanDuration', () => {
  it.each([
    [0, '<1s'],
    [999, '<1s'],
    [1000, '1s'],
    [45_000, '45s'],
    [90_000, '1m 30s'],
    [H, '1h'],
    [H + 5 * M + 30_000, '1h 5m'],
    [2 * D + 4 * H, '2d 4h'],
    [2 * D + 5 * M, '2d'],
    [45 * D + 23 * H + 59 * M, '45d 23h'],
    [Infinity, 'forever'],
  ])('%i ms -> %s', (ms, expected) => {
    expect(formatHumanDuration(ms)).toBe(expected);
  });
});

describe('number formats', () => {
  it.each([
    [14.4, '14.4'],
    [6, '6'],
    [13.44, '13.44'],
    [14.923, '14.92'],
    [-0.0001, '0'],
    [Number.NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('formatNumber(%d) = %s', (value, expected) => {
    expect(formatNumber(value)).toBe(expected);
  });

  it('formats burn rates, budget fractions and objectives', () => {
    expect(formatBurnRate(14.9)).toBe('14.9x');
    expect(formatBurnRate(Number.NaN)).toBe('NaN');
    expect(formatFractionPercent(0.625)).toBe('62.5%');
    expect(formatFractionPercent(-0.1)).toBe('-10%');
    expect(formatFractionPercent(0.02134)).toBe('2.1%');
    expect(formatObjective(99.9)).toBe('99.9%');
    expect(formatObjective(99.95)).toBe('99.95%');
    expect(formatTimeToExhaustion(null)).toBe('not burning');
    expect(formatTimeToExhaustion(2 * D + 4 * H)).toBe('2d 4h');
  });

  it('formats a tier as long / short (> threshold) over windows', () => {
    const tier: TierStatus = { name: 'page-1h-5m', longWindow: '1h', shortWindow: '5m', longBurnRate: 14.9, shortBurnRate: 16.2, threshold: 14.4, active: true };
    expect(formatTier(tier)).toBe('14.9x / 16.2x (> 14.4x) over 1h/5m');
  });
});

describe('truncateText', () => {
  it('keeps short text and cuts long text with an ellipsis', () => {
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('abcd', 3)).toBe('ab…');
  });

  it('never splits a surrogate pair', () => {
    const cut = truncateText('a🔥🔥🔥', 3);
    expect(cut).toBe('a…');
  });
});
