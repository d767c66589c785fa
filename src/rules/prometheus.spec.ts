import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../slo/duration.js';
import { sloModel } from '../../test/support/slo-model.js';
import type { Slo, Tier } from '../slo/model.js';
import { burnRateConditions, evaluateConstant, promqlShape } from './inspect.js';
import type { AlertingRule, RecordingRule, RuleGroup } from './prometheus.js';
import { labelFilter, rulesForSlos, sloRuleGroups } from './prometheus.js';

/** Tiers of the workbook's 30-day table (SRE Workbook, "Alerting on SLOs", table 5-8 plus the 1d/2h pair). */
const WORKBOOK: Tier[] = [
  { name: 'page-1h-5m', severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 0 },
  { name: 'page-6h-30m', severity: 'page', longMs: 6 * HOUR, shortMs: 30 * MINUTE, factor: 6, forMs: 0 },
  { name: 'ticket-1d-2h', severity: 'ticket', longMs: DAY, shortMs: 2 * HOUR, factor: 3, forMs: 0 },
  { name: 'ticket-3d-6h', severity: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 1, forMs: 0 },
];

function slo(overrides: Partial<Slo> = {}, alerting: Partial<Slo['alerting']> = {}): Slo {
  return sloModel(
    { labels: { team: 'payments' }, ...overrides },
    {
      labels: { team: 'payments' },
      tiers: WORKBOOK,
      page: { enabled: true, labels: { channel: '#pay-oncall' }, annotations: {} },
      ...alerting,
    },
  );
}

const alerts = (groups: readonly RuleGroup[]): AlertingRule[] =>
  groups.flatMap((g) => g.rules).filter((r): r is AlertingRule => 'alert' in r);
const records = (groups: readonly RuleGroup[]): RecordingRule[] =>
  groups.flatMap((g) => g.rules).filter((r): r is RecordingRule => 'record' in r);

describe('sloRuleGroups', () => {
  it('names groups, rules and labels as Sloth does', () => {
    const { groups } = sloRuleGroups(slo());
    expect(groups.map((g) => g.name)).toEqual([
      'sloth-slo-sli-recordings-checkout-availability',
      'sloth-slo-meta-recordings-checkout-availability',
      'sloth-slo-alerts-checkout-availability',
    ]);
    expect(records(groups).filter((r) => r.record.startsWith('slo:sli_error')).map((r) => r.labels['sloth_window']))
      .toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']);
    const period = records(groups).find((r) => r.record === 'slo:sli_error:ratio_rate30d');
    expect(period?.labels).toEqual({ team: 'payments', sloth_id: 'checkout-availability', sloth_service: 'checkout', sloth_slo: 'checkout-availability', sloth_window: '30d' });
    // The period is the mean of the 5m ratios, not a 30d rate over raw counters.
    expect(period?.expr).toContain('sum_over_time(slo:sli_error:ratio_rate5m{');
    expect(period?.expr).not.toContain('http_requests_total');
  });

  it('thresholds each tier at factor x (100 - objective) / 100 in float64', () => {
    const [page, ticket] = alerts(sloRuleGroups(slo()).groups);
    expect(page?.labels).toEqual({ team: 'payments', channel: '#pay-oncall', sloth_id: 'checkout-availability', sloth_service: 'checkout', sloth_slo: 'checkout-availability', sloth_severity: 'page' });
    expect(burnRateConditions(page?.expr ?? '')).toEqual([
      { shortWindow: '5m', longWindow: '1h', factor: 14.4, errorBudget: 0.0009999999999999432 },
      { shortWindow: '30m', longWindow: '6h', factor: 6, errorBudget: 0.0009999999999999432 },
    ]);
    expect(burnRateConditions(ticket?.expr ?? '').map((c) => c.factor)).toEqual([3, 1]);
    expect(page?.for).toBeUndefined();
  });

  it('emits no alert rule for a disabled severity, and no alert group when nothing can fire', () => {
    const pageOnly = alerts(sloRuleGroups(slo({}, { ticket: { enabled: false, labels: {}, annotations: {} } })).groups);
    expect(pageOnly.map((r) => r.labels['sloth_severity'])).toEqual(['page']);
    const none = sloRuleGroups(slo({}, { page: { enabled: false, labels: {}, annotations: {} }, ticket: { enabled: false, labels: {}, annotations: {} } }));
    expect(none.groups.map((g) => g.name)).not.toContain('sloth-slo-alerts-checkout-availability');
  });

  it('gives the severity rule a for: when all its tiers share it, and splits tiers that differ', () => {
    const tiers = WORKBOOK.map((t) => (t.severity === 'page' ? { ...t, forMs: 2 * MINUTE } : t.name === 'ticket-1d-2h' ? { ...t, forMs: HOUR } : t));
    const rules = alerts(sloRuleGroups(slo({}, { tiers })).groups);
    expect(rules.map((r) => [r.labels['sloth_severity'], r.labels['burnwatch_tier'], r.for])).toEqual([
      ['page', undefined, '2m'],
      ['ticket', 'ticket-1d-2h', '1h'],
      ['ticket', 'ticket-3d-6h', undefined],
    ]);
    expect(burnRateConditions(rules[1]?.expr ?? '')).toHaveLength(1);
  });

  it('guards each tier with minEvents over its long window', () => {
    const rules = alerts(sloRuleGroups(slo({ groupBy: ['route'] }, { minEvents: 100 })).groups);
    const page = rules[0]?.expr ?? '';
    expect(page).toContain('and on(route)\n    (sum by (route) (increase(http_requests_total{job="checkout"}[1h]))) >= 100');
    expect(page).toContain('(sum by (route) (increase(http_requests_total{job="checkout"}[6h]))) >= 100');
    expect(promqlShape(page)).toBeDefined();
    expect(burnRateConditions(page)).toHaveLength(2);
  });

  it('drops the minEvents guard for ratio indicators, with a note', () => {
    const r = sloRuleGroups(slo({ indicator: { kind: 'ratio', template: '1 - avg_over_time(up{job="x"}[{{.window}}])', meaning: 'error' } }, { minEvents: 10 }));
    expect(alerts(r.groups)[0]?.expr).not.toContain('>= 10');
    expect(r.notes.map((n) => n.message).join()).toContain('minEvents 10 is not exported');
  });

  it('notes that budget corrections are not exported, and only for an SLO that has one', () => {
    const dns = { name: 'dns', startMs: 0, durationMs: 20 * MINUTE, reason: 'upstream', source: { file: 'slos/c.yaml', line: 3 } };
    expect(sloRuleGroups(slo({ corrections: [dns] })).notes.map((n) => n.message)).toContain('budget corrections are not exported: the rules count the corrected events in their windows and budget');
    expect(sloRuleGroups(slo()).notes.map((n) => n.message).join()).not.toContain('budget corrections');
  });

  it('exports keepFiringFor, budget exhaustion and no-data alerts', () => {
    const rules = alerts(sloRuleGroups(slo({}, { keepFiringForMs: 10 * MINUTE, exhaustion: { threshold: 0.1, severity: 'ticket' }, noDataAfterMs: 15 * MINUTE })).groups);
    expect(rules.every((r) => r.keep_firing_for === '10m' || r.labels['burnwatch_condition'] === 'no-data')).toBe(true);
    const exhausted = rules.find((r) => r.labels['burnwatch_condition'] === 'budget-exhausted');
    expect(exhausted?.expr).toBe(`slo:period_error_budget_remaining:ratio${labelFilter({ sloth_id: 'checkout-availability', sloth_service: 'checkout', sloth_slo: 'checkout-availability' })} <= 0.1`);
    expect(exhausted?.labels['sloth_severity']).toBe('ticket');
    const noData = rules.find((r) => r.labels['burnwatch_condition'] === 'no-data');
    expect(noData?.expr).toMatch(/^absent\(slo:sli_error:ratio_rate5m\{/);
    expect(noData?.for).toBe('15m');
  });

  it('passes Prometheus templates in labels and annotations through unchanged, and adds the runbook', () => {
    const annotations = { description: '{{ $labels.route }} burns {{ $value | humanize }}x' };
    const rules = alerts(sloRuleGroups(slo({}, { annotations, runbook: 'https://runbooks.example.com/checkout', page: { enabled: true, labels: { route: '{{$labels.route}}' }, annotations: {} } })).groups);
    expect(rules[0]?.annotations['description']).toBe(annotations.description);
    expect(rules[0]?.labels['route']).toBe('{{$labels.route}}');
    expect(rules[0]?.annotations['runbook_url']).toBe('https://runbooks.example.com/checkout');
  });

  it('uses the nominal length of a calendar period, with a note', () => {
    const r = sloRuleGroups(slo({ period: { kind: 'calendar', unit: 'month', timezone: 'Europe/Berlin' } }));
    expect(records(r.groups).map((x) => x.record)).toContain('slo:sli_error:ratio_rate30d');
    expect(evaluateConstant(records(r.groups).find((x) => x.record === 'slo:time_period:days')?.expr ?? '')).toBe(30);
    expect(r.notes[0]?.message).toContain('calendar month');
  });

  it('records a 28-day period as 4w and a 7-day one as 1w, as Prometheus names durations', () => {
    const names = (days: number): string[] => records(sloRuleGroups(slo({ period: { kind: 'rolling', durationMs: days * DAY } })).groups).map((r) => r.record);
    expect(names(28)).toContain('slo:sli_error:ratio_rate4w');
    expect(names(7)).toContain('slo:sli_error:ratio_rate1w');
  });

  it('writes every expression as valid PromQL, for every indicator kind', () => {
    const indicators: Slo['indicator'][] = [
      { kind: 'latency', histogram: 'http_request_duration_seconds', thresholdSeconds: 0.3, matchers: '{job="api"}', native: false },
      { kind: 'latency', histogram: 'http_request_duration_seconds', thresholdSeconds: 0.3, matchers: '', native: true },
      { kind: 'boolGauge', selector: 'probe_success{job="blackbox"}' },
      { kind: 'events', count: 'good', events: { kind: 'template', template: 'sum(rate(ok_total[{{.window}}]))' }, total: { kind: 'template', template: 'sum(rate(all_total[{{.window}}]))' } },
    ];
    for (const indicator of indicators) {
      const { groups } = rulesForSlos([slo({ indicator, groupBy: ['route'] }, { minEvents: 5, exhaustion: { threshold: 0, severity: 'page' }, noDataAfterMs: 600_000 })]);
      for (const r of groups.flatMap((g) => g.rules)) expect(promqlShape(r.expr), `${indicator.kind}: ${r.expr}`).toBeDefined();
    }
  });

  it('adds extra labels to recordings only, and can leave out alerts or recordings', () => {
    const r = rulesForSlos([slo()], { extraLabels: { env: 'prod' } });
    expect(records(r.groups).every((x) => x.labels['env'] === 'prod')).toBe(true);
    expect(alerts(r.groups).some((x) => x.labels['env'] !== undefined)).toBe(false);
    expect(alerts(rulesForSlos([slo()], { alerts: false }).groups)).toEqual([]);
    expect(records(rulesForSlos([slo()], { recordings: false }).groups)).toEqual([]);
  });
});
