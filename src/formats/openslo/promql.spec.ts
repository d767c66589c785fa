import { describe, expect, it } from 'vitest';
import { checkPromqlSyntax, renderWindow } from '../../promql/syntax.js';
import { counterRateTemplate, counterSelector, gaugeRatioTemplate, rawRatioTemplate, thresholdTemplate } from './promql.js';

/**
 * The rewrites are checked for their text here and for what Prometheus computes from them in
 * test/openslo-promql.spec.ts (promtool evaluates them on known series).
 */
describe('spec/openslo/promql: OpenSLO instant queries as window templates', () => {
  it.each([
    ['http_requests_total{code="200"}', 'http_requests_total{code="200"}'],
    ['  sum(http_requests{k8s_cluster="prod",code=~"2xx|4xx"})\n', 'http_requests{k8s_cluster="prod",code=~"2xx|4xx"}'],
    ['SUM (x)', 'x'],
  ])('reads %j as the counter selector %j', (query, selector) => {
    expect(counterSelector(query)).toBe(selector);
  });

  it.each(['sum by (code) (x)', 'sum(x) + sum(y)', 'rate(x[5m])', 'max(x)', 'sum(x) by (a)'])('does not read %j as one counter selector', (query) => {
    expect(counterSelector(query)).toBeUndefined();
  });

  it.each([
    ['sum by (code) (http_requests{job="api"})', 'sum by (code) (rate(http_requests{job="api"}[{{.window}}]))'],
    ['sum(a{x="1"}) - sum(b)', 'sum(rate(a{x="1"}[{{.window}}])) - sum(rate(b[{{.window}}]))'],
    ['label_replace(sum(c), "l", "v", "", "")', 'label_replace(sum(rate(c[{{.window}}])), "l", "v", "", "")'],
  ])('turns the counter expression %j into rates over the window', (query, template) => {
    const out = counterRateTemplate(query);
    expect(out).toEqual({ template });
    expect(checkPromqlSyntax(renderWindow(template, '5m'))).toBeUndefined();
  });

  it.each([
    ['sum(rate(x[5m]))', /fixed range \[5m\]/],
    ['sum(x offset 1h)', /offset and @ modifiers/],
    ['vector(1)', /selects no series/],
  ])('reports the counter expression %j it cannot rewrite', (query, message) => {
    const out = counterRateTemplate(query);
    expect('message' in out ? out.message : '').toMatch(message);
  });

  it('compares each sample of a threshold query over the window with the objective (op -> PromQL comparison)', () => {
    expect(thresholdTemplate('latency_ms{job="x"}', 'lt', 500)).toBe(
      'sum(sum_over_time(((latency_ms{job="x"}) < bool 500)[{{.window}}:]))\n/\nsum(count_over_time(((latency_ms{job="x"}) < bool 500)[{{.window}}:]))',
    );
    expect(thresholdTemplate('q', 'gte', 0.25)).toContain('(q) >= bool 0.25');
    expect(thresholdTemplate('q', 'gt', 1)).toContain('(q) > bool 1');
    expect(thresholdTemplate('q', 'lte', 2)).toContain('(q) <= bool 2');
    expect(checkPromqlSyntax(renderWindow(thresholdTemplate('sum(min_over_time(lag[2m]))', 'gt', 1), '1h'))).toBeUndefined();
  });

  it('averages gauges and raw ratios over the window, and keeps queries that already hold {{.window}}', () => {
    expect(gaugeRatioTemplate('sum(healthy)', 'pods')).toBe('sum(avg_over_time((sum(healthy))[{{.window}}:]))\n/\nsum(avg_over_time(pods[{{.window}}]))');
    expect(rawRatioTemplate('error_ratio{job="a"}')).toBe('avg_over_time(error_ratio{job="a"}[{{.window}}])');
    expect(rawRatioTemplate('1 - avg_over_time(up[{{.window}}])')).toBe('1 - avg_over_time(up[{{.window}}])');
  });
});
