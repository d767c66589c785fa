import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from './duration.js';
import { burnRateFactor, catalogForPeriod, resolveTiers, tierCanFire, tiersFromCatalog } from './windows.js';

const DAYS = (n: number): number => n * DAY;

describe('slo/windows', () => {
  // Factors as Sloth writes them in its generated rules (corpus sloth/integration/out-base*.yaml.tpl and
  // the corpus README table), compared as exact float64 values.
  it.each([
    ['30d', DAYS(30), [14.4, 6, 3, 1]],
    ['28d', DAYS(28), [13.44, 5.6000000000000005, 2.8000000000000003, 0.9333333333333333]],
  ])('default tiers for %s equal Sloth\'s catalog factors to the last digit', (_name, period, factors) => {
    const tiers = tiersFromCatalog(catalogForPeriod(period), period);
    expect(tiers.map((t) => t.factor)).toEqual(factors);
    expect(tiers.map((t) => t.name)).toEqual(['page-1h-5m', 'page-6h-30m', 'ticket-1d-2h', 'ticket-3d-6h']);
  });

  it('reproduces the 7d catalog factors of Sloth\'s windows example (8, 12.5, 20, 42 %)', () => {
    const week = DAYS(7);
    expect([
      burnRateFactor(8, week, HOUR),
      burnRateFactor(12.5, week, 6 * HOUR),
      burnRateFactor(20, week, DAY),
      burnRateFactor(42, week, 3 * DAY),
    ]).toEqual([13.44, 3.5, 1.4000000000000001, 0.98]);
  });

  it('matches the workbook: 2 % of a 30-day budget in 1 h is a 14.4x burn, 5 % in 6 h is 6x', () => {
    expect(burnRateFactor(2, DAYS(30), HOUR)).toBe(14.4);
    expect(burnRateFactor(5, DAYS(30), 6 * HOUR)).toBe(6);
  });

  it('scales windows by period/30d for other periods and keeps the budget shares', () => {
    const tiers = tiersFromCatalog(catalogForPeriod(DAYS(7)), DAYS(7));
    // 1h x 7/30 = 14m; 5m x 7/30 = 70 s -> 1m; 6h -> 1h24m; 30m -> 7m; 1d -> 5h36m; 2h -> 28m; 3d -> 16h48m; 6h -> 1h24m
    expect(tiers.map((t) => [t.longMs / MINUTE, t.shortMs / MINUTE])).toEqual([[14, 1], [84, 7], [336, 28], [1008, 84]]);
    expect(tiers.map((t) => t.budgetPercent)).toEqual([2, 5, 10, 10]);
    tiers.forEach((t, i) => expect(t.factor).toBeCloseTo([14.4, 6, 3, 1][i] ?? 0, 9));
  });

  it('overrides a default tier matched by severity and long window, adds new ones and removes disabled ones', () => {
    const tiers = resolveTiers(DAYS(30), [
      { severity: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, budgetPercent: 10, forMs: 30 * MINUTE },
      { severity: 'page', longMs: 6 * HOUR, disabled: true },
      { severity: 'page', longMs: 2 * HOUR, factor: 10 },
    ], true);
    expect(tiers.map((t) => [t.name, t.factor, t.forMs])).toEqual([
      ['page-1h-5m', 14.4, 0],
      ['ticket-1d-2h', 3, 0],
      ['ticket-3d-6h', 1, 30 * MINUTE],
      ['page-2h-10m', 10, 0],
    ]);
  });

  it('starts from no tiers when defaults are off', () => {
    expect(resolveTiers(DAYS(30), [{ severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, budgetPercent: 2 }], false).map((t) => t.name)).toEqual(['page-1h-5m']);
  });

  it('knows a tier cannot fire when factor x budget reaches an error ratio of 1 (workbook: 90 % SLO)', () => {
    const [page] = tiersFromCatalog(catalogForPeriod(DAYS(30)));
    if (!page) throw new Error('no tier');
    expect(tierCanFire(page, 0.1)).toBe(false); // 14.4 x 0.1 = 1.44
    expect(tierCanFire(page, 0.05)).toBe(true); // 0.72
  });
});
