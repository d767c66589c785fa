import { describe, expect, it } from 'vitest';
import { formatSeconds, formatValue, toOpenMetrics } from './openmetrics.js';

describe('toOpenMetrics', () => {
  it('writes seconds, sorts each series, groups families, escapes label values and ends with # EOF', () => {
    const text = toOpenMetrics([
      { name: 'http_requests_total', type: 'counter', help: 'Total requests.', labels: { job: 'api', code: '200' }, samples: [[1795485660000, 100], [1795485600000, 0]] },
      { name: 'temperature', type: 'gauge', samples: [[1795485600500, -1.5]] },
      { name: 'http_requests_total', labels: { job: 'a"p\\i\n', code: '500' }, samples: [[1795485600000, 0]] },
    ]);
    // Written by hand from the OpenMetrics text format.
    expect(text).toBe([
      '# HELP http_requests_total Total requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{code="200",job="api"} 0 1795485600',
      'http_requests_total{code="500",job="a\\"p\\\\i\\n"} 0 1795485600',
      'http_requests_total{code="200",job="api"} 100 1795485660',
      '# TYPE temperature gauge',
      'temperature -1.5 1795485600.5',
      '# EOF',
      '',
    ].join('\n'));
    expect(text).not.toMatch(/\n\n/);
  });

  it('writes the special values the way promtool reads them', () => {
    expect([NaN, Infinity, -Infinity, 1e-7, 0].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '1e-7', '0']);
  });

  it('keeps milliseconds as a decimal fraction of seconds', () => {
    expect(formatSeconds(1795485600000)).toBe('1795485600');
    expect(formatSeconds(1795485600075)).toBe('1795485600.075');
    expect(formatSeconds(1795485600250)).toBe('1795485600.25');
  });

  it('refuses what promtool would drop or misread: repeated timestamps, fractional ms, bad names, duplicate series', () => {
    expect(() => toOpenMetrics([{ name: 'x', samples: [[1000, 1], [1000, 2]] }])).toThrow(/two samples/);
    expect(() => toOpenMetrics([{ name: 'x', samples: [[1000.5, 1]] }])).toThrow(/whole number of milliseconds/);
    expect(() => toOpenMetrics([{ name: 'x-y', samples: [] }])).toThrow(/not a valid metric name/);
    expect(() => toOpenMetrics([{ name: 'x', labels: { '1a': 'v' }, samples: [] }])).toThrow(/not a valid label name/);
    expect(() => toOpenMetrics([{ name: 'x', samples: [] }, { name: 'x', samples: [] }])).toThrow(/given twice/);
  });
});
