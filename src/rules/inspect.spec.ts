import { describe, expect, it } from 'vitest';
import { burnRateConditions, evaluateConstant, promqlShape, sliWindow } from './inspect.js';

// The page alert of Sloth's examples/_gen/getting-started.yml (corpus sloth/generated), filter shortened.
const SLOTH_PAGE = `(
    max(slo:sli_error:ratio_rate5m{sloth_id="a"} > (14.4 * 0.0009999999999999432)) without (sloth_window)
    and
    max(slo:sli_error:ratio_rate1h{sloth_id="a"} > (14.4 * 0.0009999999999999432)) without (sloth_window)
)
or
(
    max(slo:sli_error:ratio_rate30m{sloth_id="a"} > (6 * 0.0009999999999999432)) without (sloth_window)
    and
    max(slo:sli_error:ratio_rate6h{sloth_id="a"} > (6 * 0.0009999999999999432)) without (sloth_window)
)`;

describe('burnRateConditions', () => {
  it('reads the window pairs and thresholds of a Sloth alert', () => {
    expect(burnRateConditions(SLOTH_PAGE)).toEqual([
      { shortWindow: '5m', longWindow: '1h', factor: 14.4, errorBudget: 0.0009999999999999432 },
      { shortWindow: '30m', longWindow: '6h', factor: 6, errorBudget: 0.0009999999999999432 },
    ]);
  });

  it('orders a pair by window length whatever the order written, and ignores other comparisons', () => {
    const expr = 'slo:sli_error:ratio_rate1d{a="b"} > (3 * 0.01) and slo:sli_error:ratio_rate2h{a="b"} > (3 * 0.01) and on() (sum(x) >= 10)';
    expect(burnRateConditions(expr)).toEqual([{ shortWindow: '2h', longWindow: '1d', factor: 3, errorBudget: 0.01 }]);
  });

  it('rejects a pair whose windows use different thresholds', () => {
    expect(() => burnRateConditions('slo:sli_error:ratio_rate5m > (14.4 * 0.001) and slo:sli_error:ratio_rate1h > (6 * 0.001)')).toThrow(/different thresholds/);
  });

  it('finds nothing in an expression without conditions', () => {
    expect(burnRateConditions('sum(rate(x[5m]))')).toEqual([]);
  });
});

describe('evaluateConstant', () => {
  it.each([
    ['vector(1-0.9990000000000001)', 1 - 0.9990000000000001],
    ['vector(30)', 30],
    ['vector((2 + 4) / 3 * 2)', 4],
    ['vector(1e-05)', 1e-5],
  ])('%s = %d', (expr, value) => {
    expect(evaluateConstant(expr)).toBe(value);
  });

  it('gives undefined for anything that is not constant', () => {
    expect(evaluateConstant('vector(time())')).toBeUndefined();
    expect(evaluateConstant('up')).toBeUndefined();
    expect(evaluateConstant('vector(1')).toBeUndefined();
  });
});

describe('promqlShape', () => {
  it('ignores spacing and line breaks but not tokens or parentheses', () => {
    expect(promqlShape('(a)\n/\n(b)\n')).toBe(promqlShape('(a) / (b)'));
    expect(promqlShape('(a) / (b)')).not.toBe(promqlShape('a / b'));
    expect(promqlShape('rate(x[5m])')).not.toBe(promqlShape('rate(x[1h])'));
    expect(promqlShape('sum(')).toBeUndefined();
  });
});

describe('sliWindow', () => {
  it('reads the window of an SLI series name', () => {
    expect(sliWindow('slo:sli_error:ratio_rate4w')).toBe('4w');
    expect(sliWindow('slo:objective:ratio')).toBeUndefined();
  });
});
