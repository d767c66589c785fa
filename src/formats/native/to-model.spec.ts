import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../slo/duration.js';
import { loadSpecTexts } from '../load.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

/** The shape issue #3 gives for burnwatch/v1, verbatim apart from the name. */
const ISSUE_EXAMPLE = `apiVersion: burnwatch/v1
kind: SLO
metadata:
  name: checkout-availability
  service: checkout
  labels: { team: payments }
  description: Checkout API requests succeed.
spec:
  objective: 99.9                  # percent, 0 < x < 100
  period: 30d                      # rolling; or { calendar: month, timezone: Europe/Berlin }
  budgeting: occurrences           # or { timeslices: { slice: 1m, target: 0.95 } }
  indicator:                       # exactly one of events | latency | ratio | boolGauge
    events:
      errors: sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total{service="checkout"}[{{.window}}]))
  groupBy: [route]                 # optional: one SLO instance per label set
  alerting:
    runbook: runbooks/checkout-availability.md   # must exist; also an absolute URL is allowed
    labels: { team: payments }                    # routing labels
    minEvents: 100                 # below this many events in a long window a tier does not fire
    noData: { after: 15m }
    tiers:
      - { severity: page, long: 1h, short: 5m, budgetPercent: 2 }
      - { severity: ticket, long: 3d, short: 6h, budgetPercent: 10, for: 30m }
  maintenance:
    - { start: "2026-12-06T02:00:00Z", duration: 2h, every: 1w, reason: "db patching" }
`;

function load(text: string) {
  return loadSpecTexts([{ file: 'slos/example.yaml', text }], { cwd: repo, runbookRoot: repo });
}

describe('spec/native: burnwatch/v1 to the model', () => {
  it('accepts the shape from the issue and maps every field', () => {
    const result = load(ISSUE_EXAMPLE);
    expect(result.errors).toEqual([]);
    const [slo] = result.slos;
    expect(slo).toBeDefined();
    if (!slo) return;
    expect(slo.id).toBe('checkout-availability');
    expect(slo.service).toBe('checkout');
    expect(slo.labels).toEqual({ team: 'payments' });
    expect(slo.objective).toBe(99.9);
    expect(slo.period).toEqual({ kind: 'rolling', durationMs: 30 * DAY });
    expect(slo.budgeting).toEqual({ kind: 'occurrences' });
    expect(slo.indicator).toEqual({
      kind: 'events',
      count: 'bad',
      events: { kind: 'template', template: 'sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))' },
      total: { kind: 'template', template: 'sum(rate(http_requests_total{service="checkout"}[{{.window}}]))' },
    });
    expect(slo.groupBy).toEqual(['route']);
    expect(slo.alerting.runbook).toBe('runbooks/checkout-availability.md');
    expect(slo.alerting.minEvents).toBe(100);
    expect(slo.alerting.noDataAfterMs).toBe(15 * MINUTE);
    // The two listed tiers override the workbook defaults they match; the other two stay as they are.
    expect(slo.alerting.tiers.map((t) => [t.name, t.factor, t.forMs])).toEqual([
      ['page-1h-5m', 14.4, 0],
      ['page-6h-30m', 6, 0],
      ['ticket-1d-2h', 3, 0],
      ['ticket-3d-6h', 1, 30 * MINUTE],
    ]);
    expect(slo.maintenance).toEqual([{ startMs: Date.UTC(2026, 11, 6, 2), durationMs: 2 * HOUR, everyMs: 7 * DAY, reason: 'db patching' }]);
    expect(slo.alerting.exhaustion).toEqual({ threshold: 0, severity: 'ticket' });
  });

  it('reads counter selectors, calendar periods, timeslices and several documents per file', () => {
    const text = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: a, service: s }
spec:
  objective: 99
  period: { calendar: month, timezone: Europe/Berlin }
  budgeting: { timeslices: { slice: 1m, target: 0.95 } }
  indicator:
    events:
      good: http_requests_total{code!~"5.."}
      total: http_requests_total
---
apiVersion: burnwatch/v1
kind: SLO
metadata: { name: b, service: s }
spec:
  objective: 99.5
  indicator:
    boolGauge: { selector: 'probe_success{job="blackbox"}' }
`;
    const result = load(text);
    expect(result.errors).toEqual([]);
    const [a, b] = result.slos;
    expect(a?.period).toEqual({ kind: 'calendar', unit: 'month', timezone: 'Europe/Berlin' });
    expect(a?.budgeting).toEqual({ kind: 'timeslices', sliceMs: MINUTE, target: 0.95 });
    expect(a?.indicator).toMatchObject({ kind: 'events', count: 'good', events: { kind: 'selector' }, total: { kind: 'selector', selector: 'http_requests_total' } });
    expect(b?.period).toEqual({ kind: 'rolling', durationMs: 30 * DAY });
    expect(b?.indicator).toEqual({ kind: 'boolGauge', selector: 'probe_success{job="blackbox"}' });
    // The line of b's name: the 15th of the file (its metadata).
    expect(b?.source).toEqual({ file: 'slos/example.yaml', document: 1, line: 15, format: 'burnwatch/v1' });
  });

  it('reads a latency indicator with a duration threshold', () => {
    const result = load(`apiVersion: burnwatch/v1
kind: SLO
metadata: { name: lat, service: s }
spec:
  objective: 99
  period: 28d
  indicator:
    latency: { histogram: http_request_duration_seconds_bucket, threshold: 300ms, selector: '{job="api"}' }
`);
    expect(result.errors).toEqual([]);
    expect(result.slos[0]?.indicator).toEqual({ kind: 'latency', histogram: 'http_request_duration_seconds', thresholdSeconds: 0.3, matchers: '{job="api"}', native: false });
    // 28 days: Sloth's google-28d factors.
    expect(result.slos[0]?.alerting.tiers.map((t) => t.factor)).toEqual([13.44, 5.6000000000000005, 2.8000000000000003, 0.9333333333333333]);
  });

  it('reads policy.freezeBelow as a share of the budget, written as a percentage or a fraction', () => {
    const doc = (freezeBelow: string) => `apiVersion: burnwatch/v1\nkind: SLO\nmetadata: { name: a, service: s }\nspec:\n  objective: 99\n  indicator: { boolGauge: { selector: up } }\n  policy: { freezeBelow: ${freezeBelow} }\n`;
    expect(load(doc('10%')).slos[0]?.policy).toEqual({ freezeBelow: 0.1 });
    expect(load(doc('2.5%')).slos[0]?.policy).toEqual({ freezeBelow: 0.025 });
    expect(load(doc('0.25')).slos[0]?.policy).toEqual({ freezeBelow: 0.25 });
    expect(load(doc('0%')).slos[0]?.policy).toEqual({ freezeBelow: 0 });
    expect(load(ISSUE_EXAMPLE).slos[0]?.policy).toBeUndefined();
    for (const [bad, words] of [['150%', 'at most 100%'], ['10', 'ambiguous'], ['ten', 'not a percentage'], ['-1', 'not a percentage']] as const) {
      const result = load(doc(bad));
      expect(result.slos).toEqual([]);
      expect(result.errors.map((e) => [e.line, e.path])).toEqual([[7, 'spec.policy.freezeBelow']]);
      expect(result.errors[0]?.message).toContain(words);
      expect(result.errors[0]?.hint).toContain('25%');
    }
    const unknown = load(doc('10%').replace('freezeBelow', 'freezeBellow'));
    expect(unknown.errors.map((e) => [e.line, e.path, e.hint])).toEqual([[7, 'spec.policy.freezeBellow', 'did you mean "freezeBelow"?']]);
  });

  it('reports a duplicate id in another file at the second definition, naming the first', () => {
    const doc = (name: string) => `apiVersion: burnwatch/v1\nkind: SLO\nmetadata:\n  name: ${name}\n  service: s\nspec:\n  objective: 99\n  indicator: { boolGauge: { selector: up } }\n`;
    const result = loadSpecTexts([{ file: 'a.yaml', text: doc('same') }, { file: 'b.yaml', text: doc('same') }], { cwd: repo });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ file: 'b.yaml', line: 4, col: 9, path: 'metadata.name' });
    expect(result.errors[0]?.message).toContain('duplicate SLO id "same": also defined at a.yaml:4:9');
  });

  it('reports every problem of a file, not only the first', () => {
    const result = load(`apiVersion: burnwatch/v1
kind: SLO
metadata: { name: x, service: s, team: a }
spec:
  objective: 120
  period: 30days
  indicator:
    events: { errors: 'sum(rate(x[{{.window}}])', total: 'y{' }
`);
    expect(result.errors.map((e) => [e.line, e.path])).toEqual([
      [3, 'metadata.team'],
      [5, 'spec.objective'],
      [6, 'spec.period'],
      [8, 'spec.indicator.events.errors'],
      [8, 'spec.indicator.events.total'],
    ]);
  });
});
