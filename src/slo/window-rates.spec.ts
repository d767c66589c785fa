import { describe, expect, it } from 'vitest';
import { burnRatesByWindow } from './window-rates.js';

const H = 3_600_000;
const M = 60_000;

describe('slo/window-rates', () => {
  it('lists each window once, in the order the tiers name them (long before short)', () => {
    const rates = burnRatesByWindow([
      { longMs: H, shortMs: 5 * M, longBurnRate: 20, shortBurnRate: 30 },
      { longMs: 6 * H, shortMs: 30 * M, longBurnRate: 7, shortBurnRate: 8 },
      { longMs: 3 * 24 * H, shortMs: 6 * H, longBurnRate: 1, shortBurnRate: 99 },
    ]);
    expect([...rates]).toEqual([['1h', 20], ['5m', 30], ['6h', 7], ['30m', 8], ['3d', 1]]);
  });

  it('keeps the first finite rate of a shared window, and NaN only when no tier has one', () => {
    const rates = burnRatesByWindow([
      { longMs: 6 * H, shortMs: 30 * M, longBurnRate: NaN, shortBurnRate: NaN },
      { longMs: 3 * 24 * H, shortMs: 6 * H, longBurnRate: NaN, shortBurnRate: 2.5 },
    ]);
    expect(rates.get('6h')).toBe(2.5);
    expect(rates.get('30m')).toBeNaN();
    expect(rates.get('3d')).toBeNaN();
  });
});
