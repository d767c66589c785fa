import { describe, expect, it } from 'vitest';
import { groupedLabels, parseCounterRatio, parseCounterSum } from './counters.js';

const W = '{{.window}}';
const none = { kind: 'by', labels: [] };

describe('parseCounterSum', () => {
  it.each([
    [`sum(rate(http_requests_total{job="api",code=~"5.."}[${W}]))`, [['http_requests_total{job="api",code=~"5.."}', 1]], none],
    [`sum(increase(jobs_total[${W}]))`, [['jobs_total', 1]], none],
    [`sum(irate(jobs_total[${W}]))`, [['jobs_total', 1]], none],
    [`sum by (route, code) (rate(x_total[${W}]))`, [['x_total', 1]], { kind: 'by', labels: ['code', 'route'] }],
    [`sum(rate(x_total[${W}])) by (route)`, [['x_total', 1]], { kind: 'by', labels: ['route'] }],
    [`sum without (pod) (rate(x_total[${W}]))`, [['x_total', 1]], { kind: 'without', labels: ['pod'] }],
    [`SUM(rate(x_total[{{ .window }}]))`, [['x_total', 1]], none],
    [`(sum(rate(a_total[${W}])))`, [['a_total', 1]], none],
    [`sum(rate(a_total[${W}])) + sum(rate(b_total[${W}])) - sum(rate(c_total{k="v"}[${W}]))`, [['a_total', 1], ['b_total', 1], ['c_total{k="v"}', -1]], none],
    [`sum(rate(a_total[${W}])) - (sum(rate(b_total[${W}])) - sum(rate(c_total[${W}])))`, [['a_total', 1], ['b_total', -1], ['c_total', 1]], none],
  ])('reads %s as counter terms', (template, terms, grouping) => {
    expect(parseCounterSum(template)).toEqual({ terms: terms.map(([selector, sign]) => ({ selector, sign })), grouping });
  });

  it.each([
    ['a fixed range', 'sum(rate(x_total[5m]))'],
    ['a fixed range beside the window', `sum(rate(x_total[${W}])) + sum(rate(y_total[5m]))`],
    ['no sum', `rate(x_total[${W}])`],
    ['another aggregation', `avg(rate(x_total[${W}]))`],
    ['another function', `sum(delta(x_total[${W}]))`],
    ['a subquery', `sum(rate(x_total[${W}:1m]))`],
    ['an offset', `sum(rate(x_total[${W}] offset 1h))`],
    ['a selector without metric name', `sum(rate({__name__=~"x.*"}[${W}]))`],
    ['a product', `sum(rate(x_total[${W}])) * 60`],
    ['different groupings', `sum by (a) (rate(x_total[${W}])) + sum(rate(y_total[${W}]))`],
    ['a ratio', `sum(rate(x_total[${W}])) / sum(rate(y_total[${W}]))`],
    ['a native histogram', `histogram_count(sum(rate(h[${W}])))`],
    ['a gauge over time', `sum(avg_over_time(up[${W}]))`],
    ['a sum inside rate', `sum(rate(sum(x_total)[${W}:]))`],
    ['a syntax error', `sum(rate(x_total[${W}])`],
  ])('does not read %s', (_what, template) => {
    expect(parseCounterSum(template)).toBeUndefined();
  });
});

describe('parseCounterRatio', () => {
  it('reads a ratio of sums, as Sloth raw error ratios are written', () => {
    expect(parseCounterRatio(`sum(rate(x_total{code="500"}[${W}]))\n/\nsum(rate(x_total[${W}]))`)).toEqual({
      numerator: { terms: [{ selector: 'x_total{code="500"}', sign: 1 }], grouping: none },
      denominator: { terms: [{ selector: 'x_total', sign: 1 }], grouping: none },
      complement: false,
    });
  });

  it('reads one minus a ratio (a success ratio turned into an error ratio)', () => {
    const r = parseCounterRatio(`1 - (sum by (route) (rate(ok_total[${W}])) / sum by (route) (rate(all_total[${W}])))`);
    expect(r?.complement).toBe(true);
    expect(r?.numerator.terms).toEqual([{ selector: 'ok_total', sign: 1 }]);
    expect(r?.denominator.grouping).toEqual({ kind: 'by', labels: ['route'] });
  });

  it('reads sums of terms on either side', () => {
    const r = parseCounterRatio(`(sum(rate(a[${W}])) + sum(rate(b[${W}]))) / sum(rate(c[${W}]))`);
    expect(r?.numerator.terms.map((t) => t.selector)).toEqual(['a', 'b']);
  });

  it.each([
    ['a sum', `sum(rate(a[${W}]))`],
    ['a product', `sum(rate(a[${W}])) * sum(rate(b[${W}]))`],
    ['precedence: a + (b / c)', `sum(rate(a[${W}])) + sum(rate(b[${W}])) / sum(rate(c[${W}]))`],
    ['two minus a ratio', `2 - (sum(rate(a[${W}])) / sum(rate(b[${W}])))`],
    ['vector matching', `sum by (a) (rate(x[${W}])) / on (a) sum by (a) (rate(y[${W}]))`],
    ['different groupings', `sum by (a) (rate(x[${W}])) / sum(rate(y[${W}]))`],
    ['gauges', `sum(avg_over_time(a[${W}])) / sum(avg_over_time(b[${W}]))`],
  ])('does not read %s', (_what, template) => {
    expect(parseCounterRatio(template)).toBeUndefined();
  });
});

describe('groupedLabels', () => {
  const labels = { __name__: 'x_total', route: '/a', pod: 'p1', code: '500' };
  it('keeps the by labels, all but the without labels, and never the metric name', () => {
    expect(groupedLabels(labels, { kind: 'by', labels: ['route', 'missing'] })).toEqual({ route: '/a' });
    expect(groupedLabels(labels, { kind: 'by', labels: [] })).toEqual({});
    expect(groupedLabels(labels, { kind: 'without', labels: ['pod'] })).toEqual({ route: '/a', code: '500' });
  });
});
