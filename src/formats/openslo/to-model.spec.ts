import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../slo/duration.js';
import type { LocatedProblem } from '../located.js';
import { nativeReader } from '../readers.js';
import type { SpecText } from '../load.js';
import { loadSpecTexts } from '../load.js';
import { opensloReader } from './index.js';

function load(...texts: (string | SpecText)[]) {
  const files = texts.map((t, i) => (typeof t === 'string' ? { file: `slos/openslo-${i}.yaml`, text: t } : t));
  return loadSpecTexts(files, { readers: [nativeReader, opensloReader] });
}

const errorsOf = (errors: readonly LocatedProblem[]) => errors.filter((e) => e.severity !== 'warning');
const warningsOf = (errors: readonly LocatedProblem[]) => errors.filter((e) => e.severity === 'warning');

/** A v1 SLO with an inline counter ratio SLI; `spec` lines replace or extend the defaults. */
function slo(name: string, extra = '', indicator = COUNTER_SLI, objectives = '    - target: 0.999'): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: web
  budgetingMethod: Occurrences
${indicator}
  objectives:
${objectives}
${extra}`;
}

const COUNTER_SLI = `  indicator:
    metadata: { name: web-ratio }
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{job="web",code!~"5.."})
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{job="web"})`;

describe('spec/openslo: openslo/v1 to the model', () => {
  it('maps an SLO with one objective: id = name, objective = target x 100, 30-day default period and the default tiers', () => {
    const result = load(slo('web-availability'));
    expect(result.errors).toEqual([]);
    const [s] = result.slos;
    expect(s?.id).toBe('web-availability');
    expect(s?.service).toBe('web');
    expect(s?.objective).toBe(99.9);
    expect(s?.period).toEqual({ kind: 'rolling', durationMs: 30 * DAY });
    expect(s?.budgeting).toEqual({ kind: 'occurrences' });
    expect(s?.source.format).toBe('openslo/v1');
    // `sum(counter)` is the counter itself: burnwatch sums the series' increases anyway.
    expect(s?.indicator).toEqual({
      kind: 'events',
      count: 'good',
      events: { kind: 'selector', selector: 'http_requests_total{job="web",code!~"5.."}' },
      total: { kind: 'selector', selector: 'http_requests_total{job="web"}' },
    });
    // The workbook's 30-day table (SRE Workbook table 5-8 and iteration 6): 14.4, 6, 3, 1.
    expect(s?.alerting.tiers.map((t) => [t.name, t.factor])).toEqual([
      ['page-1h-5m', 14.4], ['page-6h-30m', 6], ['ticket-1d-2h', 3], ['ticket-3d-6h', 1],
    ]);
  });

  it('makes one SLO per objective, ids <name>-<index>, targetPercent read as a percentage', () => {
    const result = load(slo('api', '', COUNTER_SLI, '    - { displayName: Internal, target: 0.995 }\n    - { displayName: SLA, targetPercent: 99 }'));
    expect(result.errors).toEqual([]);
    expect(result.slos.map((s) => [s.id, s.objective, s.displayName])).toEqual([['api-0', 99.5, 'Internal'], ['api-1', 99, 'SLA']]);
  });

  it.each([
    ['5m counter expression', 'sum by (code) (http_requests_total{job="web"})', 'sum by (code) (rate(http_requests_total{job="web"}[{{.window}}]))'],
    ['a query with {{.window}}, taken as written', 'sum(rate(http_requests_total{job="web"}[{{.window}}]))', 'sum(rate(http_requests_total{job="web"}[{{.window}}]))'],
  ])('reads a %s as a template; the selector on the other side becomes sum(rate(...))', (_, query, template) => {
    const indicator = COUNTER_SLI.replace('sum(http_requests_total{job="web",code!~"5.."})', query);
    const [s] = load(slo('a', '', indicator)).slos;
    expect(s?.indicator).toEqual({
      kind: 'events',
      count: 'good',
      events: { kind: 'template', template },
      total: { kind: 'template', template: 'sum(rate(http_requests_total{job="web"}[{{.window}}]))' },
    });
  });

  it('counts bad events with bad:, and reads gauges (counter: false) as time-averaged ratios', () => {
    const bad = COUNTER_SLI.replace('good:', 'bad:');
    expect(load(slo('a', '', bad)).slos[0]?.indicator).toMatchObject({ kind: 'events', count: 'bad' });
    const gauge = COUNTER_SLI.replace('counter: true', 'counter: false');
    expect(load(slo('b', '', gauge)).slos[0]?.indicator).toEqual({
      kind: 'ratio',
      meaning: 'success',
      template: 'sum(avg_over_time((sum(http_requests_total{job="web",code!~"5.."}))[{{.window}}:]))\n/\nsum(avg_over_time((sum(http_requests_total{job="web"}))[{{.window}}:]))',
    });
  });

  it.each([
    ['success', 'avg_over_time(probe_success{job="x"}[{{.window}}])', 'probe_success{job="x"}', 'success'],
    ['failure', 'avg_over_time(error_ratio[{{.window}}])', 'error_ratio', 'error'],
    ['success', '1 - (sum(sum_over_time(x[{{.window}}])) / sum(count_over_time(x[{{.window}}])))', '1 - (sum(sum_over_time(x[{{.window}}])) / sum(count_over_time(x[{{.window}}])))', 'success'],
  ])('reads raw with rawType %s as a ratio indicator (%s)', (rawType, template, query, meaning) => {
    const raw = `  indicator:
    metadata: { name: raw }
    spec:
      ratioMetric:
        rawType: ${rawType}
        raw:
          metricSource:
            type: Prometheus
            spec:
              query: '${query}'`;
    const result = load(slo('raw', '', raw));
    expect(errorsOf(result.errors)).toEqual([]);
    expect(result.slos[0]?.indicator).toEqual({ kind: 'ratio', template, meaning });
  });

  it('maps a threshold SLI with the objective\'s op and value to the share of samples meeting it', () => {
    const threshold = `  indicator:
    metadata: { name: latency }
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: api_latency_ms{job="web"}`;
    const result = load(slo('latency', '', threshold, '    - { op: lt, value: 500, target: 0.99 }'));
    // A share of samples is sampled over each window, not counted: said at the query.
    expect(result.errors).toEqual([expect.objectContaining({ severity: 'warning', line: 15, path: 'spec.indicator.spec.thresholdMetric.metricSource.spec.query', message: expect.stringMatching(/cannot count the events of scrape gaps/) })]);
    expect(result.slos[0]?.indicator).toEqual({
      kind: 'ratio',
      meaning: 'success',
      template: 'sum(sum_over_time(((api_latency_ms{job="web"}) < bool 500)[{{.window}}:]))\n/\nsum(count_over_time(((api_latency_ms{job="web"}) < bool 500)[{{.window}}:]))',
    });
    const missing = load(slo('latency', '', threshold, '    - { target: 0.99 }'));
    expect(errorsOf(missing.errors).map((e) => e.message)).toEqual([
      'missing required field "op": a threshold objective compares each value of the SLI with "value"',
      'missing required field "value": the threshold a good value of the SLI meets',
    ]);
  });

  it('warns (does not fail) about op and value on a ratio objective, which go-sdk forbids but the OpenSLO examples write', () => {
    const result = load(slo('a', '', COUNTER_SLI, '    - { op: gt, value: 1, target: 0.99 }'));
    expect(result.slos).toHaveLength(1);
    expect(warningsOf(result.errors).map((e) => [e.path, e.line])).toEqual([['spec.objectives[0].op', 24], ['spec.objectives[0].value', 24]]);
  });

  it.each([
    ['28d', { kind: 'rolling', durationMs: 28 * DAY }],
    ['2w', { kind: 'rolling', durationMs: 14 * DAY }],
    // go-sdk duration_shorthand.go: M = 30 days, Q = 90 days, Y = 365 days.
    ['1M', { kind: 'rolling', durationMs: 30 * DAY }],
    ['1Q', { kind: 'rolling', durationMs: 90 * DAY }],
    ['1Y', { kind: 'rolling', durationMs: 365 * DAY }],
    ['36h', { kind: 'rolling', durationMs: 36 * HOUR }],
  ])('reads the rolling time window %s', (duration, period) => {
    const result = load(slo('a', `  timeWindow:\n    - duration: ${duration}\n      isRolling: true`));
    expect(result.slos[0]?.period).toEqual(period);
  });

  it.each([
    // 2022-01-03 was a Monday; burnwatch's weeks start on Monday (ISO 8601).
    ['1d', 'day', '2022-01-03'], ['1w', 'week', '2022-01-03'], ['1M', 'month', '2022-01-01'], ['1Q', 'quarter', '2022-04-01'], ['1Y', 'year', '2022-01-01'],
  ])('reads the calendar time window %s as a calendar %s in its time zone (America/New_York is valid)', (duration, unit, start) => {
    const result = load(slo('a', `  timeWindow:\n    - duration: ${duration}\n      isRolling: false\n      calendar: { startTime: "${start} 00:00:00", timeZone: America/New_York }`));
    expect(result.errors).toEqual([]);
    expect(result.slos[0]?.period).toEqual({ kind: 'calendar', unit, timezone: 'America/New_York' });
  });

  it.each([
    ['1M', '2022-01-01 12:00:00', 'month at midnight on the 1st', '2022-01-01 00:00:00'],
    // 2022-01-01 was a Saturday: the week it falls in started on Monday 2021-12-27.
    ['1w', '2022-01-01 12:00:00', 'week at midnight on Monday', '2021-12-27 00:00:00'],
    ['1Q', '2022-05-01 00:00:00', 'quarter at midnight on the 1st of January, April, July and October', '2022-04-01 00:00:00'],
  ])('warns that a %s calendar startTime off the period boundary (%s) is not used, suggesting the boundary', (duration, start, where, suggestion) => {
    const result = load(slo('a', `  timeWindow:\n    - duration: ${duration}\n      calendar: { startTime: "${start}", timeZone: UTC }`));
    expect(result.slos).toHaveLength(1);
    expect(warningsOf(result.errors).map((e) => [e.path, e.message, e.hint])).toEqual([
      ['spec.timeWindow[0].calendar.startTime', `burnwatch starts each calendar ${where} in UTC; startTime "${start}" is not used`, expect.stringContaining(`write startTime: "${suggestion}"`)],
    ]);
  });

  it.each([
    ['calendar 1m (the spec example meant a month)', '    - duration: 1m\n      isRolling: false\n      calendar: { startTime: "2022-01-01 00:00:00", timeZone: UTC }', 'spec.timeWindow[0].duration', /calendar time window of 1m is not supported/, /"m" is minutes and "M" months; for a month write 1M/],
    ['rolling 1m', '    - duration: 1m\n      isRolling: true', 'spec.timeWindow[0].duration', /a time window of 1m is 1m, too short/, /for a month write 1M/],
    ['calendar 2w', '    - duration: 2w\n      calendar: { startTime: "2022-01-03 00:00:00", timeZone: UTC }', 'spec.timeWindow[0].duration', /calendar time window of 2w is not supported/, /1d, 1w, 1M, 1Q, 1Y/],
    ['an unknown time zone', '    - duration: 1w\n      calendar: { startTime: "2022-01-03 00:00:00", timeZone: Mars/Olympus }', 'spec.timeWindow[0].calendar.timeZone', /unknown time zone "Mars\/Olympus"/, /IANA/],
    ['isRolling: false without calendar', '    - duration: 1w\n      isRolling: false', 'spec.timeWindow[0].isRolling', /calendar must be set when isRolling is false/, /isRolling: true/],
    ['seconds', '    - duration: 30s', 'spec.timeWindow[0].duration', /"30s" is not an OpenSLO duration/, /M \(month = 30d\)/],
  ])('rejects a time window with %s, located, with a hint', (_, window, path, message, hint) => {
    const result = load(slo('a', `  timeWindow:\n${window}`));
    expect(result.slos).toEqual([]);
    const [e] = errorsOf(result.errors);
    expect(e?.path).toBe(path);
    expect(e?.message).toMatch(message);
    expect(e?.hint).toMatch(hint);
  });

  it.each([
    ['Timeslices', '    - { target: 0.999, timeSliceTarget: 0.95, timeSliceWindow: 5m }', { kind: 'timeslices', sliceMs: 5 * MINUTE, target: 0.95 }],
    ['RatioTimeslices', '    - { target: 0.999, timeSliceWindow: 1m }', { kind: 'ratioTimeslices', sliceMs: MINUTE }],
  ])('maps budgetingMethod %s', (method, objective, budgeting) => {
    const result = load(slo('a', '', COUNTER_SLI, objective).replace('budgetingMethod: Occurrences', `budgetingMethod: ${method}`));
    expect(result.errors).toEqual([]);
    expect(result.slos[0]?.budgeting).toEqual(budgeting);
  });

  it('requires timeSliceTarget and timeSliceWindow for Timeslices', () => {
    const result = load(slo('a').replace('budgetingMethod: Occurrences', 'budgetingMethod: Timeslices'));
    expect(errorsOf(result.errors).map((e) => e.message.split(':')[0])).toEqual(['missing required field "timeSliceWindow"', 'missing required field "timeSliceTarget"']);
  });

  it('carries labels (lists joined, keys made Prometheus names), displayName and description', () => {
    const text = slo('a').replace('  name: a\n', '  name: a\n  displayName: Web availability\n  labels:\n    env: prod\n    team: [team-a, team-b]\n    k8s.cluster-name: eu1\n')
      .replace('  service: web\n', '  service: web\n  description: Requests succeed\n');
    const [s] = load(text).slos;
    expect(s?.labels).toEqual({ env: 'prod', team: 'team-a,team-b', k8s_cluster_name: 'eu1' });
    expect([s?.displayName, s?.description]).toEqual(['Web availability', 'Requests succeed']);
  });

  it('uses the default period of the load when the SLO has no timeWindow', () => {
    const result = loadSpecTexts([{ file: 'a.yaml', text: slo('a') }], { readers: [opensloReader], defaultPeriodMs: 28 * DAY });
    expect(result.slos[0]?.period).toEqual({ kind: 'rolling', durationMs: 28 * DAY });
  });

  it('reports a counter query with a fixed range at the query, with what to write instead', () => {
    const indicator = COUNTER_SLI.replace('sum(http_requests_total{job="web",code!~"5.."})', 'sum(rate(http_requests_total{code="200"}[5m]))');
    const [e] = errorsOf(load(slo('a', '', indicator)).errors);
    expect([e?.line, e?.path, e?.message]).toEqual([17, 'spec.indicator.spec.ratioMetric.good.metricSource.spec.query', 'the counter query already takes a fixed range [5m], so burnwatch cannot evaluate it over its alert windows']);
    expect(e?.hint).toMatch(/write \[\{\{\.window\}\}\] instead of \[5m\]/);
  });

  it('accepts alertPolicies: with nothing after it (YAML null), as the OpenSLO spec examples end', () => {
    const result = load(`${slo('a')}  alertPolicies: # to be added\n`);
    expect(result.errors).toEqual([]);
    expect(result.slos[0]?.alerting.tiers).toHaveLength(4);
  });
});

describe('spec/openslo: alert policies become tiers', () => {
  const POLICIES = `  alertPolicies:
    - alertPolicyRef: fast-burn
    - kind: AlertPolicy
      metadata: { name: slow-burn }
      spec:
        alertWhenNoData: true
        conditions:
          - kind: AlertCondition
            metadata: { name: slow }
            spec:
              severity: warning
              condition: { kind: burnrate, op: gt, threshold: 1, lookbackWindow: 3d }
        notificationTargets:
          - targetRef: team-email
`;
  const OBJECTS = `- apiVersion: openslo/v1
  kind: AlertPolicy
  metadata: { name: fast-burn }
  spec:
    conditions:
      - conditionRef: fast
    notificationTargets:
      - targetRef: on-call-pager
      - kind: AlertNotificationTarget
        metadata: { name: team-slack }
        spec: { target: slack }
- apiVersion: openslo/v1
  kind: AlertCondition
  metadata: { name: fast }
  spec:
    severity: critical
    condition: { kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 2m }
- apiVersion: openslo/v1
  kind: AlertNotificationTarget
  metadata: { name: on-call-pager }
  spec: { target: pagerduty }
- apiVersion: openslo/v1
  kind: AlertNotificationTarget
  metadata: { name: team-email }
  spec: { target: email }
`;

  it('uses exactly the burn-rate conditions: threshold = factor, lookback = long window, short = 1/12 of it, alertAfter = for', () => {
    const result = load(`${slo('web')}${POLICIES}`, OBJECTS);
    expect(result.errors).toEqual([]);
    const [s] = result.slos;
    // 1h -> 5m and 3d -> 6h: the workbook's short windows (1/12 of the long one).
    expect(s?.alerting.tiers).toEqual([
      { name: 'page-1h-5m', severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 2 * MINUTE },
      { name: 'ticket-3d-6h', severity: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 1, forMs: 0 },
    ]);
    expect(s?.alerting.page.labels).toEqual({ openslo_target: 'pagerduty,slack' });
    expect(s?.alerting.page.annotations).toEqual({ openslo_alert_policies: 'fast-burn', openslo_notification_targets: 'on-call-pager,team-slack' });
    expect(s?.alerting.ticket.labels).toEqual({ openslo_target: 'email' });
    expect(s?.alerting.noDataAfterMs).toBe(3 * DAY);
    expect(s?.alerting.exhaustion).toBeUndefined();
  });

  it('points tier problems at the condition, in the file that defines it', () => {
    // 14.4 x (1 - 0.9) = 1.44: an error ratio above 100 % that can never be reached.
    const result = load(`${slo('web', '', COUNTER_SLI, '    - target: 0.9')}${POLICIES}`, OBJECTS);
    const [e] = errorsOf(result.errors);
    expect(e?.message).toMatch(/tier page-1h-5m can never fire/);
    expect([e?.file, e?.path]).toEqual(['slos/openslo-1.yaml', '[1].spec.condition']);
  });

  it.each([
    ['critical', 'page'], ['PAGE', 'page'], ['high', 'page'], ['p1', 'page'], ['warning', 'ticket'], ['ticket', 'ticket'], ['low', 'ticket'],
  ])('maps severity %s to %s', (severity, expected) => {
    const text = `${slo('web')}  alertPolicies:
    - kind: AlertPolicy
      metadata: { name: p }
      spec:
        conditions:
          - kind: AlertCondition
            metadata: { name: c }
            spec: { severity: ${severity}, condition: { kind: burnrate, op: gt, threshold: 2, lookbackWindow: 6h } }
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata: { name: t }
            spec: { target: slack }
`;
    expect(load(text).slos[0]?.alerting.tiers.map((t) => t.severity)).toEqual([expected]);
  });

  it('reads op: lte on a burn-rate condition as "exceeds" and says so in a located warning', () => {
    const text = OBJECTS.replace('op: gte', 'op: lte');
    const result = load(`${slo('web')}${POLICIES}`, text);
    expect(errorsOf(result.errors)).toEqual([]);
    const [w] = warningsOf(result.errors);
    expect([w?.file, w?.line, w?.path]).toEqual(['slos/openslo-1.yaml', 17, '[1].spec.condition.op']);
    expect(w?.message).toBe('op: lte would alert while the burn rate is at or below 14.4; burnwatch alerts when the burn rate exceeds the threshold');
    expect(result.slos[0]?.alerting.tiers[0]?.factor).toBe(14.4);
  });

  it('rejects two conditions that make the same tier differently', () => {
    const text = `${slo('web')}  alertPolicies:
    - alertPolicyRef: fast-burn
    - kind: AlertPolicy
      metadata: { name: other }
      spec:
        conditions:
          - kind: AlertCondition
            metadata: { name: other-fast }
            spec: { severity: page, condition: { kind: burnrate, op: gt, threshold: 10, lookbackWindow: 1h } }
        notificationTargets: [{ targetRef: team-email }]
`;
    const result = load(text, OBJECTS);
    expect(errorsOf(result.errors).map((e) => e.message)).toEqual([
      'SLO "web": conditions \'fast\' and \'other-fast\' both make the page tier with a 1h lookback window, with different thresholds or alertAfter',
    ]);
  });
});

describe('spec/openslo: data sources', () => {
  it('rejects a non-Prometheus metric source, naming the SLO, at the type', () => {
    const result = load(slo('search', '', COUNTER_SLI.replaceAll('type: Prometheus', 'type: Datadog')));
    expect(result.slos).toEqual([]);
    const errors = errorsOf(result.errors);
    expect(errors.map((e) => [e.message, e.path, e.line])).toEqual([
      ['SLO "search": data source type "Datadog" is not supported: burnwatch evaluates Prometheus-compatible backends', 'spec.indicator.spec.ratioMetric.good.metricSource.type', 15],
    ]);
  });

  it('takes the type from the DataSource named by metricSourceRef, and reports it there', () => {
    const indicator = COUNTER_SLI.replaceAll('type: Prometheus', 'metricSourceRef: cloudwatch-prod');
    const ds = `apiVersion: openslo/v1
kind: DataSource
metadata: { name: cloudwatch-prod }
spec:
  type: CloudWatch
  connectionDetails: { region: eu-west-1 }
`;
    const result = load(slo('search', '', indicator), ds);
    const [e] = errorsOf(result.errors);
    expect(e?.message).toBe('SLO "search": data source type "CloudWatch" is not supported: burnwatch evaluates Prometheus-compatible backends');
    expect([e?.file, e?.path]).toEqual(['slos/openslo-1.yaml', 'spec.type']);
    // A Prometheus DataSource is fine, and so is a dangling metricSourceRef with a type (warning only).
    expect(load(slo('search', '', indicator), ds.replace('CloudWatch', 'Prometheus')).errors).toEqual([]);
    const dangling = load(slo('search', '', COUNTER_SLI.replaceAll('type: Prometheus', 'type: Prometheus\n            metricSourceRef: nowhere')));
    expect(dangling.slos).toHaveLength(1);
    expect(warningsOf(dangling.errors)[0]?.message).toBe("v1.DataSource 'nowhere' referenced at 'metricSource.metricSourceRef' does not exist");
  });

  it('accepts a missing type when the query is PromQL, and explains when it is not', () => {
    const noType = COUNTER_SLI.replaceAll('            type: Prometheus\n', '');
    expect(load(slo('a', '', noType)).errors).toEqual([]);
    const notPromql = noType.replace('sum(http_requests_total{job="web",code!~"5.."})', '"sum:trace.http.request.hits{*}.as_count()"');
    const [e] = errorsOf(load(slo('a', '', notPromql)).errors);
    expect(e?.message).toMatch(/^PromQL syntax error/);
    expect(e?.hint).toMatch(/set type: Prometheus/);
    expect(e?.line).toBe(16);
  });
});

describe('spec/openslo: validation', () => {
  it('reports unknown fields with a did-you-mean hint, as oslo validate rejects unknown fields', () => {
    const result = load(slo('a').replace('budgetingMethod: Occurrences', 'budgetingMethod: Occurrences\n  budgetMethod: x'));
    expect(result.errors.map((e) => [e.message, e.hint, e.line])).toEqual([['unknown field "budgetMethod"', 'did you mean "budgetingMethod"?', 8]]);
  });

  it('reports a misspelt required field once, as the unknown field with the right name', () => {
    const result = load(slo('a', '', COUNTER_SLI.replace('        total:', '        totl:')));
    expect(result.errors.map((e) => [e.message, e.hint, e.path])).toEqual([['unknown field "totl"', 'did you mean "total"?', 'spec.indicator.spec.ratioMetric.totl']]);
  });

  it('rejects names that are not RFC 1123 labels, suggesting one', () => {
    const [e] = load(slo('Web Availability')).errors;
    expect([e?.message, e?.hint]).toEqual(['"Web Availability" is not a valid OpenSLO name', 'use lower-case letters, digits and "-", starting and ending with a letter or digit (RFC 1123), e.g. web-availability']);
  });

  it('rejects an unknown kind with a did-you-mean hint', () => {
    const [e] = load('apiVersion: openslo/v1\nkind: AlertConditions\nmetadata: { name: a }\nspec: {}\n').errors;
    expect([e?.message, e?.hint, e?.line]).toEqual(['unknown openslo/v1 kind "AlertConditions"', 'did you mean "AlertCondition"?', 2]);
  });

  it('reports composite SLOs as unsupported', () => {
    const composite = load(slo('c', '', '', '    - target: 0.99\n      indicatorRef: some-sli\n      compositeWeight: 1'));
    expect(errorsOf(composite.errors).map((e) => e.message)).toContain('SLO "c": composite SLOs (an indicator per objective) are not supported');
  });

  it('does not claim openslo.com/v2alpha, which its own reader reads (v2alpha.ts)', () => {
    expect(opensloReader.detect({ apiVersion: 'openslo.com/v2alpha', kind: 'SLO' })).toBeUndefined();
    const result = loadSpecTexts([{ file: 'v2.yaml', text: 'apiVersion: openslo.com/v2alpha\nkind: Service\nmetadata: { name: a }\n' }]);
    expect(result.errors).toEqual([]);
    expect(result.files[0]?.formats).toEqual(['openslo/v2alpha']);
  });
});

describe('spec/openslo: file layouts', () => {
  const SERVICE = 'apiVersion: openslo/v1\nkind: Service\nmetadata: { name: web }\nspec: { description: Web }\n';
  const SLI = `apiVersion: openslo/v1
kind: SLI
metadata: { name: web-ratio }
spec:
  ratioMetric:
    counter: true
    good: { metricSource: { type: Prometheus, spec: { query: 'http_requests_total{code="200"}' } } }
    total: { metricSource: { type: Prometheus, spec: { query: http_requests_total } } }
`;
  const REF_SLO = 'apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: web }\nspec:\n  service: web\n  indicatorRef: web-ratio\n  budgetingMethod: Occurrences\n  objectives: [{ target: 0.99 }]\n';
  const indent = (doc: string): string => doc.split('\n').filter((l) => l !== '').map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)).join('\n');

  it.each([
    ['a multi-document stream', [`${SERVICE}---\n${SLI}---\n${REF_SLO}`]],
    ['a top-level list', [`${indent(SERVICE)}\n${indent(SLI)}\n${indent(REF_SLO)}\n`]],
    ['a list followed by documents', [`${indent(SERVICE)}\n${indent(SLI)}\n---\n${REF_SLO}`]],
    ['one object per file, the reference across files', [SERVICE, SLI, REF_SLO]],
  ])('reads %s', (_, texts) => {
    const result = load(...texts);
    expect(result.errors).toEqual([]);
    expect(result.slos.map((s) => [s.id, s.indicator.kind])).toEqual([['web', 'events']]);
  });
});

describe('spec/openslo: openslo/v1alpha (Sloth\'s OpenSLO)', () => {
  const V1ALPHA = `apiVersion: openslo/v1alpha
kind: SLO
metadata: { name: requests, displayName: Requests }
spec:
  service: api
  budgetingMethod: Occurrences
  objectives:
    - ratioMetrics:
        good: { source: prometheus, queryType: promql, query: 'sum(rate(http_requests_total{code!~"5.."}[{{.window}}]))' }
        total: { source: prometheus, queryType: promql, query: 'sum(rate(http_requests_total[{{.window}}]))' }
      target: 0.99
  timeWindows:
    - count: 28
      unit: Day
`;

  it('names SLOs as Sloth does (<service>-<name>-<index>) and generates burnwatch\'s default alerts, which Sloth disables', () => {
    const result = load(V1ALPHA);
    expect(result.errors).toEqual([]);
    const [s] = result.slos;
    expect([s?.id, s?.name, s?.objective, s?.source.format]).toEqual(['api-requests-0', 'requests-0', 99, 'openslo/v1alpha']);
    expect(s?.period).toEqual({ kind: 'rolling', durationMs: 28 * DAY });
    expect(s?.alerting.tiers).toHaveLength(4);
  });

  it('rejects data sources Sloth rejects, and a Timeslices objective without timeSliceTarget', () => {
    const datadog = load(V1ALPHA.replace('good: { source: prometheus', 'good: { source: datadog'));
    expect(errorsOf(datadog.errors).map((e) => e.message)).toEqual(['SLO "requests": data source type "datadog" is not supported: burnwatch evaluates Prometheus-compatible backends']);
    const timeslices = load(V1ALPHA.replace('budgetingMethod: Occurrences', 'budgetingMethod: Timeslices'));
    expect(errorsOf(timeslices.errors).map((e) => e.message.split(':')[0])).toEqual(['missing required field "timeSliceTarget"']);
  });

  it.each([
    ['isRolling: true with a calendar', V1ALPHA.replace('      unit: Day\n', '      unit: Day\n      isRolling: true\n      calendar: { startTime: "2022-01-01 00:00:00", timeZone: UTC }\n'), 'spec.timeWindows[0].calendar', 'calendar cannot be set when isRolling is true', 'remove calendar, or set isRolling: false'],
    ['isRolling: false without a calendar', V1ALPHA.replace('      unit: Day\n', '      unit: Day\n      isRolling: false\n'), 'spec.timeWindows[0].isRolling', 'calendar must be set when isRolling is false', /or set isRolling: true$/],
    ['a target of 1', V1ALPHA.replace('target: 0.99', 'target: 1'), 'spec.objectives[0].target', 'must be below 1', 'target is a ratio: 0.999 = 99.9 %'],
    ['a target of 0', V1ALPHA.replace('target: 0.99', 'target: 0'), 'spec.objectives[0].target', 'an objective of 0 cannot be evaluated: every event would be within budget', 'write the ratio of good events, e.g. target: 0.999'],
  ])('rejects %s as openslo/v1 does, located, with a hint', (_, text, path, message, hint) => {
    const result = load(text);
    expect(result.slos).toEqual([]);
    expect(errorsOf(result.errors).map((e) => [e.path, e.message, e.hint])).toEqual([[path, message, typeof hint === 'string' ? hint : expect.stringMatching(hint)]]);
  });

  it('names each objective of several after the SLO and the objective (displayName "SLO: objective")', () => {
    const objective = (name: string, target: number): string => `    - displayName: ${name}
      ratioMetrics:
        good: { source: prometheus, queryType: promql, query: 'sum(rate(ok_total[{{.window}}]))' }
        total: { source: prometheus, queryType: promql, query: 'sum(rate(all_total[{{.window}}]))' }
      target: ${target}
`;
    const text = V1ALPHA.replace(/ {2}objectives:\n[\s\S]*?target: 0\.99\n/, `  objectives:\n${objective('fast', 0.99)}${objective('slow', 0.995)}`);
    const result = load(text);
    expect(result.errors).toEqual([]);
    expect(result.slos.map((s) => [s.id, s.displayName, s.objective])).toEqual([['api-requests-0', 'Requests: fast', 99], ['api-requests-1', 'Requests: slow', 99.5]]);
  });
});
