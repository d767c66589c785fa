import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpecTexts } from './load.js';

/**
 * CompositeSLO files: read into the model, and each mistake a located error (file, line of the child entry).
 * Lines are counted by hand in the texts below.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));

const child = (name: string, groupBy?: string): string => `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${name}, service: shop }
spec:
  objective: 99.9
  indicator:
    events:
      errors: http_requests_total{job="${name}",code=~"5.."}
      total: http_requests_total{job="${name}"}
${groupBy === undefined ? '' : `  groupBy: [${groupBy}]\n`}`;

const composite = (name: string, children: string, extra = ''): string => `apiVersion: burnwatch/v1
kind: CompositeSLO
metadata: { name: ${name}, service: checkout }
spec:
  objective: 99.5
  period: 28d
  children:
${children}${extra}`;

const load = (texts: Record<string, string>): ReturnType<typeof loadSpecTexts> =>
  loadSpecTexts(Object.entries(texts).map(([file, text]) => ({ file, text })), { runbookRoot: repo });

describe('kind: CompositeSLO', () => {
  it('reads into the model: method, children and weights, tiers from its own period, inhibitChildren', () => {
    const { slos, errors } = load({
      'catalogue.yaml': child('catalogue'),
      'payments.yaml': child('payments'),
      'journey.yaml': composite('checkout-journey', '    - { slo: catalogue, weight: 1 }\n    - { slo: payments, weight: 2 }\n', '  method: weightedRatio\n  alerting: { inhibitChildren: true }\n'),
    });
    expect(errors).toEqual([]);
    const journey = slos.find((s) => s.id === 'checkout-journey');
    expect(journey?.indicator).toEqual({ kind: 'composite', method: 'weightedRatio', children: [{ sloId: 'catalogue', weight: 1 }, { sloId: 'payments', weight: 2 }] });
    expect(journey?.alerting.inhibitChildren).toBe(true);
    expect(journey?.objective).toBe(99.5);
    expect(journey?.period).toEqual({ kind: 'rolling', durationMs: 28 * 86_400_000 });
    // The workbook's tiers scaled to 28 days: page 1h/5m at 2 % of the budget is 0.02 x 672 h / 1 h = 13.44.
    expect(journey?.alerting.tiers.find((t) => t.name === 'page-1h-5m')?.factor).toBeCloseTo(13.44, 10);
    expect(journey?.source).toMatchObject({ file: 'journey.yaml', line: 3, format: 'burnwatch/v1' });
  });

  it('defaults to weightedEvents and weight 1, and takes its children\'s groupBy', () => {
    const { slos, errors } = load({
      'a.yaml': child('a', 'region'),
      'b.yaml': child('b', 'region'),
      'j.yaml': composite('j', '    - slo: a\n    - slo: b\n'),
    });
    expect(errors).toEqual([]);
    const j = slos.find((s) => s.id === 'j');
    expect(j?.indicator).toMatchObject({ method: 'weightedEvents', children: [{ sloId: 'a', weight: 1 }, { sloId: 'b', weight: 1 }] });
    expect(j?.groupBy).toEqual(['region']);
  });

  it('accepts a composite of composites', () => {
    const { slos, errors } = load({
      'a.yaml': child('a'),
      'b.yaml': child('b'),
      'inner.yaml': composite('inner', '    - slo: a\n'),
      'outer.yaml': composite('outer', '    - slo: inner\n    - slo: b\n'),
    });
    expect(errors).toEqual([]);
    expect(slos.map((s) => s.id).sort()).toEqual(['a', 'b', 'inner', 'outer']);
  });

  it.each([
    ['an unknown child, with the nearest id', { 'a.yaml': child('payments'), 'j.yaml': composite('j', '    - slo: payment\n') }, 'j.yaml', 8, /child "payment" is not a loaded SLO/, /did you mean "payments"/],
    ['a child listed twice', { 'a.yaml': child('a'), 'j.yaml': composite('j', '    - slo: a\n    - slo: a\n') }, 'j.yaml', 9, /listed twice/, /once/],
    ['a weight of 0', { 'a.yaml': child('a'), 'j.yaml': composite('j', '    - { slo: a, weight: 0 }\n') }, 'j.yaml', 8, /must be above 0/, /remove it/],
    ['a negative weight', { 'a.yaml': child('a'), 'j.yaml': composite('j', '    - { slo: a, weight: -1 }\n') }, 'j.yaml', 8, /must be above 0/, /./],
    ['children that group by different labels', { 'a.yaml': child('a', 'region'), 'b.yaml': child('b'), 'j.yaml': composite('j', '    - slo: a\n    - slo: b\n') }, 'j.yaml', 9, /child "b" groups by no labels \(one instance\) but child "a" by \[region\]/, /same groupBy/],
    ['a composite that contains itself', { 'j.yaml': composite('j', '    - slo: j\n') }, 'j.yaml', 8, /leads back to this composite: j -> j/, /cannot contain itself/],
    ['no children', { 'j.yaml': composite('j', '    []\n').replace('  children:\n    []', '  children: []') }, 'j.yaml', 7, /at least one child/, /./],
    ['an unknown method', { 'a.yaml': child('a'), 'j.yaml': composite('j', '    - slo: a\n', '  method: average\n') }, 'j.yaml', 9, /weightedEvents or weightedRatio/, undefined],
  ])('%s is a located error', (_, texts, file, line, message, hint) => {
    const { slos, errors } = load(texts);
    const e = errors.find((x) => x.file === file);
    expect(e, JSON.stringify(errors)).toBeDefined();
    expect(e?.line).toBe(line);
    expect(e?.message).toMatch(message);
    if (hint !== undefined) expect(e?.hint).toMatch(hint);
    expect(slos.some((s) => s.id === 'j')).toBe(false);
  });

  it('reports a loop of composites at each composite of the loop, with the path', () => {
    const { errors } = load({
      'a.yaml': composite('a', '    - slo: b\n'),
      'b.yaml': composite('b', '    - slo: c\n'),
      'c.yaml': composite('c', '    - slo: a\n'),
    });
    expect(errors.map((e) => [e.file, e.line, e.message])).toEqual([
      ['a.yaml', 8, 'child "b" leads back to this composite: a -> b -> c -> a'],
      ['b.yaml', 8, 'child "c" leads back to this composite: b -> c -> a -> b'],
      ['c.yaml', 8, 'child "a" leads back to this composite: c -> a -> b -> c'],
    ]);
  });

  it('finds children in other formats (a Sloth SLO by its <service>-<name> id)', () => {
    const sloth = `version: prometheus/v1
service: shop
slos:
  - name: cart
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="cart",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="cart"}[{{.window}}]))
    alerting: { name: CartBurn, page_alert: { disable: true }, ticket_alert: { disable: true } }
`;
    const { slos, errors } = load({ 'sloth.yaml': sloth, 'j.yaml': composite('j', '    - slo: shop-cart\n') });
    expect(errors.filter((e) => e.severity !== 'warning')).toEqual([]);
    expect(slos.find((s) => s.id === 'j')?.indicator).toMatchObject({ children: [{ sloId: 'shop-cart' }] });
  });
});

describe('a composite written back as burnwatch/v1 (convert)', () => {
  it('is a CompositeSLO document that loads back to the same model', async () => {
    const { toNativeYaml } = await import('./native/to-yaml.js');
    const texts = { 'a.yaml': child('a'), 'b.yaml': child('b'), 'j.yaml': composite('j', '    - { slo: a, weight: 1 }\n    - { slo: b, weight: 2.5 }\n', '  method: weightedRatio\n  alerting: { inhibitChildren: true }\n') };
    const first = load(texts).slos.find((s) => s.id === 'j');
    if (!first) throw new Error('not loaded');
    const yaml = toNativeYaml(first);
    expect(yaml.problems).toEqual([]);
    expect(yaml.text).toContain('kind: CompositeSLO');
    expect(yaml.text).toContain('- { slo: b, weight: 2.5 }');
    const again = load({ ...texts, 'j.yaml': yaml.text ?? '' }).slos.find((s) => s.id === 'j');
    expect({ ...again, source: undefined }).toEqual({ ...first, source: undefined });
  });
});
