import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpecs, loadSpecTexts } from '../load.js';

/**
 * OpenSLO openslo.com/v2alpha: composites from several objectives with compositeWeight, and located messages.
 * Lines counted in the texts: 1 apiVersion, 2 kind, 3 metadata, 4 name, [5 annotations], then spec; objectives:
 * on 9, the first objective's displayName on 10, target 11, compositeWeight 12, sli 13, its spec 15.
 */

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const load = (text: string): ReturnType<typeof loadSpecTexts> => loadSpecTexts([{ file: 'journey.yaml', text }], { runbookRoot: repo });

const ratio = (job: string, indent = 10): string => ['', 'ratioMetric:', '  counter: true', `  good: { dataSourceRef: prometheus, spec: { query: 'http_requests_total{job="${job}",code!~"5.."}' } }`, `  total: { dataSourceRef: prometheus, spec: { query: 'http_requests_total{job="${job}"}' } }`].join(`\n${' '.repeat(indent)}`);

const composite = (extra = '', weights: [number, number] = [1, 2], targets: [number, number] = [0.995, 0.995]): string => `apiVersion: openslo.com/v2alpha
kind: SLO
metadata:
  name: checkout-journey
${extra}spec:
  service: checkout
  timeWindow: [{ duration: 28d, isRolling: true }]
  budgetingMethod: Occurrences
  objectives:
    - displayName: catalogue
      target: ${targets[0]}
      compositeWeight: ${weights[0]}
      sli:
        metadata: { name: catalogue-requests }
        spec:${ratio('catalogue')}
    - displayName: payments
      target: ${targets[1]}
      compositeWeight: ${weights[1]}
      sli:
        metadata: { name: payments-requests }
        spec:${ratio('payments')}
`;

describe('openslo.com/v2alpha', () => {
  it('reads several objectives with compositeWeight as a composite of one SLO per objective (weightedRatio)', () => {
    const { slos, errors } = load(composite());
    expect(errors).toEqual([]);
    expect(slos.map((s) => s.id)).toEqual(['checkout-journey.catalogue', 'checkout-journey.payments', 'checkout-journey']);
    const journey = slos.find((s) => s.id === 'checkout-journey');
    expect(journey?.indicator).toEqual({ kind: 'composite', method: 'weightedRatio', children: [{ sloId: 'checkout-journey.catalogue', weight: 1 }, { sloId: 'checkout-journey.payments', weight: 2 }] });
    expect(journey?.objective).toBeCloseTo(99.5, 10);
    expect(journey?.period).toEqual({ kind: 'rolling', durationMs: 28 * 86_400_000 });
    expect(journey?.source).toMatchObject({ format: 'openslo/v2alpha', line: 4 });
    expect(slos[1]?.indicator).toEqual({ kind: 'events', count: 'good', events: { kind: 'selector', selector: 'http_requests_total{job="payments",code!~"5.."}' }, total: { kind: 'selector', selector: 'http_requests_total{job="payments"}' } });
  });

  it('takes the method from the burnwatch.dev/composite-method annotation', () => {
    const { slos, errors } = load(composite('  annotations: { burnwatch.dev/composite-method: weightedEvents }\n'));
    expect(errors).toEqual([]);
    expect(slos.find((s) => s.id === 'checkout-journey')?.indicator).toMatchObject({ method: 'weightedEvents' });
  });

  it.each([
    ['a weight of 0', composite('', [0, 2]), 12, /objectives\[0\]\.compositeWeight must be a number above 0/],
    ['objectives with different targets', composite('', [1, 2], [0.995, 0.999]), 9, /different targets/],
    ['an unknown method annotation', composite('  annotations: { burnwatch.dev/composite-method: average }\n'), 5, /must be weightedEvents or weightedRatio/],
    ['a threshold SLI', composite().replace('ratioMetric:', 'thresholdMetric: { dataSourceRef: prometheus, spec: { query: up } }\n          ratioMetric:'), 16, /sli\.spec\.thresholdMetric is not read from v2alpha/],
    ['a BudgetAdjustment', 'apiVersion: openslo.com/v2alpha\nkind: BudgetAdjustment\nmetadata: { name: p }\nspec: {}\n', 2, /kind "BudgetAdjustment" of openslo.com\/v2alpha is not read/],
  ])('%s is a located error naming the field', (_, text, line, message) => {
    const { slos, errors } = load(text);
    const e = errors.find((x) => x.severity !== 'warning');
    expect(e?.message, JSON.stringify(errors)).toMatch(message);
    expect(e?.line).toBe(line);
    expect(slos.some((s) => s.id === 'checkout-journey')).toBe(false);
  });

  it('reads go-sdk\'s v2alpha examples: its SLO (op on a ratio objective and alert policies are warnings)', () => {
    const corpus = fileURLToPath(new URL('../../../../shared/corpus/openslo/go-sdk/v2alpha/examples/', import.meta.url));
    const { slos, errors } = loadSpecs(['slos.yaml', 'slis.yaml', 'services.yaml', 'data_sources.yaml', 'alert_policies.yaml'].map((f) => `${corpus}${f}`));
    expect(errors.filter((e) => e.severity !== 'warning')).toEqual([]);
    expect(errors.filter((e) => e.severity === 'warning').map((e) => e.message)).toEqual([
      'kind AlertPolicy of openslo.com/v2alpha is not read: burnwatch alerts with the default multi-window tiers of each SLO\'s period',
      'kind AlertPolicy of openslo.com/v2alpha is not read: burnwatch alerts with the default multi-window tiers of each SLO\'s period',
      'kind AlertPolicy of openslo.com/v2alpha is not read: burnwatch alerts with the default multi-window tiers of each SLO\'s period',
      'objectives[0].op is ignored: the objective of a ratio SLI is its target share of good events',
    ]);
    // The file: a calendar week in New York, Timeslices of 1 minute at 95 %, 99.5 %, good over total counters.
    expect(slos).toHaveLength(1);
    expect(slos[0]).toMatchObject({ id: 'web-availability', service: 'web', objective: 99.5, period: { kind: 'calendar', unit: 'week', timezone: 'America/New_York' }, budgeting: { kind: 'timeslices', sliceMs: 60_000, target: 0.95 } });
    expect(slos[0]?.indicator).toMatchObject({ kind: 'events', count: 'good' });
  });

  it('reads a plain v2alpha SLO (one objective, inline sli) as an ordinary SLO', () => {
    const text = `apiVersion: openslo.com/v2alpha
kind: SLO
metadata: { name: checkout-journey }
spec:
  service: checkout
  sli:
    metadata: { name: checkout-requests }
    spec:${ratio('checkout', 6)}
  timeWindow: [{ duration: 1M, calendar: { startTime: '2026-01-01 00:00:00', timeZone: Europe/Berlin } }]
  objectives: [{ target: 0.999 }]
`;
    const { slos, errors } = load(text);
    expect(errors.filter((e) => e.severity !== 'warning'), text).toEqual([]);
    expect(slos[0]?.period).toEqual({ kind: 'calendar', unit: 'month', timezone: 'Europe/Berlin' });
    expect(slos.map((s) => [s.id, s.indicator.kind])).toEqual([['checkout-journey', 'events']]);
  });
});
