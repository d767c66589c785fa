import { describe, expect, it } from 'vitest';
import { eventCountQuery } from '../rules/events.js';
import type { Indicator } from '../slo/model.js';
import { planFor } from './plan.js';

describe('planFor, native histograms', () => {
  const indicator: Indicator = { kind: 'latency', histogram: 'http_request_duration_seconds', thresholdSeconds: 0.3, matchers: 'job="api"', native: true };

  it('samples the good fraction and the count of the same series the rules read', () => {
    const rate = 'sum by (route) (rate(http_request_duration_seconds{job="api"}[{{.window}}]))';
    expect(planFor(indicator, ['route'])).toEqual({
      kind: 'rates',
      count: 'good',
      events: `histogram_fraction(0, 0.3, ${rate}) * histogram_count(${rate})`,
      total: `histogram_count(${rate})`,
    });
    expect(eventCountQuery(indicator, ['route'], '1h', 3_600_000)).toBe('sum by (route) (histogram_count(increase(http_request_duration_seconds{job="api"}[1h])))');
  });
});
