import { describe, expect, it } from 'vitest';
import type { Indicator } from './model.js';
import { errorRatioQuery, nativeHistogramSelector } from './queries.js';

function native(matchers: string): Extract<Indicator, { kind: 'latency' }> {
  return { kind: 'latency', histogram: 'http_request_duration_seconds', thresholdSeconds: 0.3, matchers, native: true };
}

describe('nativeHistogramSelector', () => {
  it.each([
    ['', 'http_request_duration_seconds'],
    ['  ', 'http_request_duration_seconds'],
    ['job="api"', 'http_request_duration_seconds{job="api"}'],
    ['{job="api",route!="/health"}', 'http_request_duration_seconds{job="api",route!="/health"}'],
    [' {job="api"} ', 'http_request_duration_seconds{job="api"}'],
  ])('matchers %j -> %s', (matchers, selector) => {
    expect(nativeHistogramSelector(native(matchers))).toBe(selector);
  });

  it('is the series of the error ratio the rules record', () => {
    expect(errorRatioQuery(native('job="api"'), ['route'], '5m')).toBe('1 - histogram_fraction(0, 0.3, sum by (route) (rate(http_request_duration_seconds{job="api"}[5m])))');
  });
});
