import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isWarning } from './located.js';
import { loadSpecTexts } from './load.js';

/**
 * `kind: BudgetCorrection` documents loaded beside SLO files of every format: which SLOs each applies to, and
 * the located errors and warnings of `burnwatch validate`. Lines are counted by eye in the texts below.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));

function native(name: string, service: string, labels = '{}'): string {
  return `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${name}, service: ${service}, labels: ${labels} }
spec:
  objective: 99.9
  indicator:
    events:
      errors: http_requests_total{service="${service}",code=~"5.."}
      total: http_requests_total{service="${service}"}
`;
}

const sloth = `version: prometheus/v1
service: search
slos:
  - name: requests-availability
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(http_requests_total{service="search",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{service="search"}[{{.window}}]))
    alerting:
      page_alert: { disable: true }
      ticket_alert: { disable: true }
`;

const slos = [
  { file: 'slos/checkout.yaml', text: native('checkout-availability', 'checkout', '{ tier: "1" }') },
  { file: 'slos/checkout-latency.yaml', text: native('checkout-latency', 'checkout') },
  { file: 'slos/payments.yaml', text: native('payments-availability', 'payments', '{ tier: "1" }') },
  { file: 'slos/search.yaml', text: sloth },
];

const load = (corrections: string) => loadSpecTexts([...slos, { file: 'slos/corrections.yaml', text: corrections }], { runbookRoot: repo });

describe('budget corrections in the SLO folder', () => {
  it('apply to the SLOs named by id or whose labels their matchers hold for, in any format', () => {
    const r = load(`apiVersion: burnwatch/v1
kind: BudgetCorrection
metadata:
  name: 2026-11-22-dns-outage
spec:
  slos: [search-requests-availability, 'service="checkout",slo!="checkout-latency"']
  start: "2026-11-22T02:00:00Z"
  end: "2026-11-22T02:20:00Z"
  reason: upstream DNS provider outage, not ours
---
apiVersion: burnwatch/v1
kind: BudgetCorrection
metadata:
  name: weekly-cdn-purge
spec:
  slos: ['tier="1"']
  start: "2026-11-01T03:00:00+01:00"
  duration: 15m
  every: 1w
  reason: the CDN's weekly purge
`);
    expect(r.errors).toEqual([]);
    const of = (id: string) => r.slos.find((s) => s.id === id)?.corrections?.map((c) => c.name);
    expect(of('checkout-availability')).toEqual(['weekly-cdn-purge', '2026-11-22-dns-outage']); // earliest start first
    expect(of('checkout-latency')).toBeUndefined();
    expect(of('payments-availability')).toEqual(['weekly-cdn-purge']);
    expect(of('search-requests-availability')).toEqual(['2026-11-22-dns-outage']);
    expect(r.slos.find((s) => s.id === 'checkout-availability')?.corrections).toEqual([
      { name: 'weekly-cdn-purge', startMs: Date.parse('2026-11-01T02:00:00Z'), durationMs: 15 * 60_000, everyMs: 7 * 86_400_000, reason: 'the CDN\'s weekly purge', source: { file: 'slos/corrections.yaml', line: 14 } },
      { name: '2026-11-22-dns-outage', startMs: Date.parse('2026-11-22T02:00:00Z'), durationMs: 20 * 60_000, reason: 'upstream DNS provider outage, not ours', source: { file: 'slos/corrections.yaml', line: 4 } },
    ]);
    expect(r.files.find((f) => f.file === 'slos/corrections.yaml')).toMatchObject({ slos: 0, corrections: 2, errors: 0 });
  });

  it('warns at an id no SLO has and at matchers no SLO satisfies; the file stays valid', () => {
    const r = load(`apiVersion: burnwatch/v1
kind: BudgetCorrection
metadata: { name: typo }
spec:
  slos:
    - checkout-availabilty
    - 'team="nobody"'
    - checkout-latency
  start: "2026-11-22T02:00:00Z"
  duration: 20m
  reason: a typo
`);
    expect(r.errors.every(isWarning)).toBe(true);
    expect(r.errors.map((e) => [e.line, e.path, e.message])).toEqual([
      [6, 'spec.slos[0]', 'no SLO has the id "checkout-availabilty": the correction "typo" applies to no SLO through it'],
      [7, 'spec.slos[1]', 'the matchers team="nobody" hold for no SLO: the correction "typo" applies to no SLO through them'],
    ]);
    expect(r.slos.find((s) => s.id === 'checkout-latency')?.corrections?.map((c) => c.name)).toEqual(['typo']);
  });

  it('refuses a second correction of the same name, pointing at the first', () => {
    const one = (start: string) => `apiVersion: burnwatch/v1
kind: BudgetCorrection
metadata: { name: dns }
spec: { slos: [checkout-availability], start: "${start}", duration: 20m, reason: dns }
`;
    const r = loadSpecTexts([...slos, { file: 'slos/a.yaml', text: one('2026-11-22T02:00:00Z') }, { file: 'slos/b.yaml', text: one('2026-11-23T02:00:00Z') }], { runbookRoot: repo });
    expect(r.errors.map((e) => `${e.file}:${e.line} ${e.message}`)).toEqual(['slos/b.yaml:3 duplicate correction name "dns": also defined at slos/a.yaml:3:19']);
  });

  it('refuses occurrences longer than the repeat interval, and a kind that is neither', () => {
    const r = load(`apiVersion: burnwatch/v1
kind: BudgetCorrection
metadata: { name: overlapping }
spec:
  slos: [checkout-availability]
  start: "2026-11-22T02:00:00Z"
  duration: 2d
  every: 1d
  reason: nightly batch
---
apiVersion: burnwatch/v1
kind: Correction
metadata: { name: x, service: y }
`);
    expect(r.errors.map((e) => [e.line, e.path, e.message.split(':')[0]])).toEqual([
      [8, 'spec.every', 'each occurrence (2880 minutes) is longer than the repeat interval (every'],
      [11, 'spec', 'missing required field "spec"'],
      [12, 'kind', 'must be SLO, CompositeSLO or BudgetCorrection'],
    ]);
  });
});
