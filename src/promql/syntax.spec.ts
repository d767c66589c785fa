import { describe, expect, it } from 'vitest';
import { checkPromqlSyntax, matches, parseMatchers, parseVectorSelector, renderWindow, unquote } from './syntax.js';

describe('promql/syntax', () => {
  it.each([
    'sum(rate(http_requests_total{code=~"5.."}[5m]))',
    '1 - avg_over_time(up{job="api"}[5m])',
    'sum by (route) (rate(x[5m])) / sum by (route) (rate(y[5m]))',
    'histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))',
  ])('accepts %s', (expr) => {
    expect(checkPromqlSyntax(expr)).toBeUndefined();
  });

  it.each([
    ['sum(rate(x[5m])', 3],
    ['x{a="b"', 1],
    ['rate(x[5m])) ', 11],
    ['', 0],
  ])('rejects %j at offset %d', (expr, offset) => {
    expect(checkPromqlSyntax(expr)?.offset).toBe(offset);
  });

  it('renders {{.window}} and Sloth\'s spaced variant', () => {
    expect(renderWindow('rate(x[{{.window}}]) / rate(y[{{ .window }}])', '1h')).toBe('rate(x[1h]) / rate(y[1h])');
  });

  it('parses selectors with every matcher type and rejects expressions', () => {
    expect(parseVectorSelector('http_requests_total{code=~"5..",job!="x",a="b",c!~"d|e"}')).toEqual({
      metric: 'http_requests_total',
      matchers: [
        { name: 'code', op: '=~', value: '5..' },
        { name: 'job', op: '!=', value: 'x' },
        { name: 'a', op: '=', value: 'b' },
        { name: 'c', op: '!~', value: 'd|e' },
      ],
    });
    expect(parseVectorSelector('{__name__="up",job="x"}')).toEqual({ metric: 'up', matchers: [{ name: 'job', op: '=', value: 'x' }] });
    expect(parseVectorSelector('sum(up)')).toBeUndefined();
    expect(parseVectorSelector('up[5m]')).toBeUndefined();
    expect(parseMatchers('{job="api",route!="/health"}')).toHaveLength(2);
    expect(parseMatchers('job="api"')).toEqual([{ name: 'job', op: '=', value: 'api' }]);
    expect(parseMatchers('job=')).toBeUndefined();
  });

  it('unquotes Go string literals as PromQL does', () => {
    expect(unquote('"a\\"b\\\\c\\n"')).toBe('a"b\\c\n');
    expect(unquote("'it\\'s'")).toBe("it's");
    expect(unquote('`raw\\n`')).toBe('raw\\n');
    expect(unquote('"\\u00e9\\x41"')).toBe('éA');
  });

  it('matches regexes fully anchored, and a missing label as the empty string', () => {
    expect(matches({ code: '500' }, { name: 'code', op: '=~', value: '5..' })).toBe(true);
    expect(matches({ code: '1500' }, { name: 'code', op: '=~', value: '5..' })).toBe(false);
    expect(matches({}, { name: 'route', op: '=', value: '' })).toBe(true);
    expect(matches({ route: '/a' }, { name: 'route', op: '!~', value: '/b|/c' })).toBe(true);
  });
});
