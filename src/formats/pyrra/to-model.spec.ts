import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, WEEK } from '../../slo/duration.js';
import type { Slo } from '../../slo/model.js';
import { isWarning } from '../located.js';
import { loadSpecs, loadSpecTexts } from '../load.js';

const corpus = fileURLToPath(new URL('../../../../shared/corpus/pyrra', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function load(text: string) {
  return loadSpecTexts([{ file: 'slos/pyrra.yaml', text }]);
}

function only(text: string): Slo {
  const result = load(text);
  expect(result.errors.filter((e) => !isWarning(e))).toEqual([]);
  expect(result.slos).toHaveLength(1);
  const [slo] = result.slos;
  if (!slo) throw new Error('no SLO');
  return slo;
}

function problems(text: string) {
  return load(text).errors.map((e) => ({ line: e.line, col: e.col, path: e.path, message: e.message, hint: e.hint, severity: e.severity ?? 'error' }));
}

function slo(spec: string, metadata = 'name: api-errors\n  namespace: shop'): string {
  return `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  ${metadata}
spec:
${spec}`;
}

const RATIO = `  target: '99'
  window: 2w
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="api",code=~"5.."}
      total:
        metric: http_requests_total{job="api"}
`;

const files = yamlFiles(corpus);

describe('spec/pyrra: the Pyrra corpus', () => {
  it('has the 28 Pyrra files described in corpus/README.md', () => {
    expect(files).toHaveLength(28);
  });

  it.each(files.map((f) => [f.slice(corpus.length + 1), f]))('loads %s', (_name, file) => {
    const result = loadSpecs([file]);
    expect(result.errors.filter((e) => !isWarning(e))).toEqual([]);
    expect(result.slos.length).toBeGreaterThanOrEqual(1);
    expect(result.slos.every((s) => s.source.format === 'pyrra/v1alpha1')).toBe(true);
  });

  it('loads the whole corpus at once: ids qualified by namespace do not collide', () => {
    const result = loadSpecs([corpus]);
    expect(result.errors.filter((e) => !isWarning(e))).toEqual([]);
    expect(result.slos).toHaveLength(29); // nginx.yaml holds two
    const ids = result.slos.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([
      'prometheus-api-query', // examples/prometheus-http.yaml: no namespace
      'monitoring.prometheus-api-query', // examples/docker-compose/prometheus-http.yaml
      'default.apiserver-read-cluster-latency', // examples/mimir/example-slo.yaml
      'monitoring.apiserver-read-cluster-latency', // kubernetes-slos/
    ]));
  });

  it('warns, as the only findings, about the 14x alert that cannot fire under a 90 % target and the sampled native histogram', () => {
    const result = loadSpecs([corpus]);
    expect(result.errors.map((e) => [e.file.slice(corpus.length + 1), e.line, e.severity])).toEqual([
      ['examples/caddy-response-latency.yaml', 14, 'warning'],
      ['examples/nginx.yaml', 26, 'warning'],
      ['examples/pyrra-connect-latency.yaml', 14, 'warning'],
    ]);
    expect(result.errors[0]?.message).toMatch(/14x alert \(1h\/5m\) can never fire with target 90/);
    expect(result.errors[2]).toMatchObject({ path: 'spec.indicator.latencyNative', message: expect.stringMatching(/samples native histograms .* cannot count the events of scrape gaps/) });
  });
});

describe('spec/pyrra: mapping to the model', () => {
  const all = loadSpecs([corpus]).slos;
  const byId = (id: string): Slo => {
    const found = all.find((s) => s.id === id);
    if (!found) throw new Error(`no SLO ${id}`);
    return found;
  };

  it('maps a ratio indicator to bad events over total events, selectors verbatim', () => {
    const s = byId('parca.parca-grpc-queryrange-errors');
    expect(s.name).toBe('parca-grpc-queryrange-errors');
    expect(s.service).toBe('parca');
    expect(s.objective).toBe(99);
    expect(s.period).toEqual({ kind: 'rolling', durationMs: 2 * WEEK });
    expect(s.budgeting).toEqual({ kind: 'occurrences' });
    expect(s.indicator).toEqual({
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: 'grpc_server_handled_total{grpc_service="parca.query.v1alpha1.QueryService",grpc_method="QueryRange",grpc_code=~"Aborted|Unavailable|Internal|Unknown|Unimplemented|DataLoss"}' },
      total: { kind: 'selector', selector: 'grpc_server_handled_total{grpc_service="parca.query.v1alpha1.QueryService",grpc_method="QueryRange"}' },
    });
    expect(s.groupBy).toEqual([]);
  });

  it('turns pyrra.dev/ labels into SLO labels without the prefix and drops the PrometheusRule selector labels', () => {
    const s = byId('parca.parca-grpc-queryrange-errors');
    expect(s.labels).toEqual({ team: 'parca' }); // not prometheus: k8s, role: alert-rules
  });

  it('puts the equality matchers of the total selector on the alerts, as Pyrra does', () => {
    expect(byId('parca.parca-grpc-queryrange-errors').alerting.labels).toEqual({ grpc_service: 'parca.query.v1alpha1.QueryService', grpc_method: 'QueryRange' });
    // Regex matchers are not labels; grouped labels vary per instance.
    expect(byId('prometheus-api-query').alerting.labels).toEqual({});
    expect(byId('monitoring.pyrra-connect-errors').alerting.labels).toEqual({ job: 'pyrra' });
  });

  it('takes the service from the namespace, else the name', () => {
    expect(byId('monitoring.thanos-query').service).toBe('monitoring');
    expect(byId('prometheus-api-query').service).toBe('prometheus-api-query');
  });

  it('maps grouping to groupBy', () => {
    expect(byId('monitoring.pyrra-connect-errors').groupBy).toEqual(['service', 'method']);
    expect(byId('monitoring.prometheus-operator-reconcile-errors').groupBy).toEqual(['controller']);
  });

  it('maps _bucket{le} over _count with the same matchers to a latency indicator', () => {
    expect(byId('monitoring.apiserver-read-cluster-latency').indicator).toEqual({
      kind: 'latency',
      histogram: 'apiserver_request_sli_duration_seconds',
      thresholdSeconds: 5, // le="5.0"
      matchers: '{component="apiserver",scope=~"cluster|",verb=~"LIST|GET"}',
      native: false,
    });
    expect(byId('caddy-response-latency').indicator).toMatchObject({ kind: 'latency', histogram: 'caddy_http_response_duration_seconds', thresholdSeconds: 0.05 });
  });

  it('keeps a latency pair with different matchers as good events over total events (nginx: only 5xx count as fast)', () => {
    expect(byId('monitoring.nginx-api-latency').indicator).toEqual({
      kind: 'events',
      count: 'good',
      events: { kind: 'selector', selector: 'nginx_ingress_controller_request_duration_seconds_bucket{namespace="lastfm",ingress="lastfm",service="lastfm",status=~"5..",le="1"}' },
      total: { kind: 'selector', selector: 'nginx_ingress_controller_request_duration_seconds_count{namespace="lastfm",ingress="lastfm",service="lastfm"}' },
    });
  });

  it('maps latencyNative to a native latency indicator, without the absent alert Pyrra does not generate for it', () => {
    const s = byId('monitoring.pyrra-connect-latency');
    expect(s.indicator).toEqual({ kind: 'latency', histogram: 'connect_server_requests_duration_seconds', thresholdSeconds: 0.2, matchers: '{job="pyrra",code="ok"}', native: true });
    expect(s.groupBy).toEqual(['service', 'method']);
    expect(s.alerting.noDataAfterMs).toBeUndefined();
  });

  it('maps bool_gauge to a boolGauge indicator', () => {
    const s = byId('prometheus-blackbox-probe-success');
    expect(s.indicator).toEqual({ kind: 'boolGauge', selector: 'probe_success' });
    expect(s.groupBy).toEqual(['target']);
  });

  it('keeps Pyrra\'s tiers for a 2w SLO: 30m/3m x14 for 1m, 3h/15m x7 for 8m, 12h/1h x2 for 30m, 2d/3h x1 for 1h30m (slo-anchors §2.2)', () => {
    const s = byId('monitoring.kubelet-request-errors');
    expect(s.alerting.tiers.map((t) => ({ severity: t.severity, long: t.longMs, short: t.shortMs, factor: t.factor, for: t.forMs }))).toEqual([
      { severity: 'page', long: 30 * MINUTE, short: 3 * MINUTE, factor: 14, for: 1 * MINUTE },
      { severity: 'page', long: 3 * HOUR, short: 15 * MINUTE, factor: 7, for: 8 * MINUTE },
      { severity: 'ticket', long: 12 * HOUR, short: 1 * HOUR, factor: 2, for: 30 * MINUTE },
      { severity: 'ticket', long: 2 * DAY, short: 3 * HOUR, factor: 1, for: 90 * MINUTE },
    ]);
    expect(s.alerting.tiers.map((t) => t.name)).toEqual(['page-30m-3m', 'page-3h-15m', 'ticket-12h-1h', 'ticket-2d-3h']);
  });

  it('uses Pyrra\'s alert name, adds no exhaustion alert and no minimum event count', () => {
    const s = byId('monitoring.kubelet-request-errors');
    expect(s.alerting.name).toBe('ErrorBudgetBurn');
    expect(s.alerting.exhaustion).toBeUndefined();
    expect(s.alerting.minEvents).toBe(0);
    expect(s.alerting.keepFiringForMs).toBe(0);
  });

  it('drops a tier that can never fire and keeps the others (90 %: 14 x 0.1 >= 1)', () => {
    expect(byId('caddy-response-latency').alerting.tiers.map((t) => t.factor)).toEqual([7, 2, 1]);
  });

  it('keeps an empty description out of the model', () => {
    expect(byId('monitoring.coredns-response-errors').description).toBeUndefined();
    expect(byId('monitoring.pyrra-connect-errors').description).toBe('Pyrra serves API requests with connect-go either via gRPC or HTTP.');
  });
});

describe('spec/pyrra: alerting', () => {
  // 99 % over 2w: 14 x 0.01 x 30 min (fast long window) = 252 s, + 1 m (fast for) = 5 m 12 s -> 5m.
  it('adds the absent alert by default as a no-data alert after Pyrra\'s absent duration', () => {
    expect(only(slo(RATIO)).alerting.noDataAfterMs).toBe(5 * MINUTE);
  });

  it('absent: false removes the no-data alert', () => {
    expect(only(slo(`${RATIO}  alerting:\n    absent: false\n`)).alerting.noDataAfterMs).toBeUndefined();
  });

  it.each([['disabled: true'], ['burnrates: false']])('%s removes the burn-rate tiers and keeps the absent alert, as Pyrra does', (setting) => {
    const s = only(slo(`${RATIO}  alerting:\n    ${setting}\n`));
    expect(s.alerting.tiers).toEqual([]);
    expect(s.alerting.noDataAfterMs).toBe(5 * MINUTE);
  });

  it('uses alerting.name as the alert name and pyrra.dev/ annotations as alert annotations', () => {
    const s = only(slo(`${RATIO}  alerting:\n    name: ApiErrorBudgetBurn\n`, 'name: api-errors\n  annotations:\n    pyrra.dev/runbook_url: https://runbooks.example.com/api\n    kubectl.kubernetes.io/last-applied-configuration: "{}"'));
    expect(s.alerting.name).toBe('ApiErrorBudgetBurn');
    expect(s.alerting.annotations).toEqual({ runbook_url: 'https://runbooks.example.com/api' });
  });

  it('maps custom severities: critical pages, warning opens a ticket', () => {
    const s = only(slo(`${RATIO}  alerting:\n    severities:\n      fastBurn: critical\n      mediumBurn: warning\n      slowBurn: critical\n`));
    expect(s.alerting.tiers.map((t) => t.severity)).toEqual(['page', 'ticket', 'page', 'ticket']);
  });

  it('rejects a severity burnwatch cannot route', () => {
    expect(problems(slo(`${RATIO}  alerting:\n    severities:\n      fastBurn: sev1\n`))).toEqual([
      expect.objectContaining({ line: 17, col: 17, path: 'spec.alerting.severities.fastBurn', message: 'severity "sev1" has no burnwatch equivalent' }),
    ]);
  });

  it('takes the service from a pyrra.dev/service label first', () => {
    const s = only(slo(RATIO, 'name: api-errors\n  namespace: shop\n  labels:\n    pyrra.dev/service: checkout'));
    expect(s.service).toBe('checkout');
    expect(s.id).toBe('shop.api-errors');
    expect(s.labels).toEqual({ service: 'checkout' });
  });
});

describe('spec/pyrra: validation', () => {
  it('accepts what kubectl get -o yaml adds (uid, resourceVersion, managedFields, status)', () => {
    only(slo(RATIO, `name: api-errors
  namespace: shop
  uid: 0b4e1f0c-1111-2222-3333-444455556666
  resourceVersion: "12345"
  generation: 2
  creationTimestamp: "2026-01-01T00:00:00Z"
  managedFields: []`) + 'status:\n  type: PrometheusRule\n');
  });

  it('rejects an unquoted target, naming the field and the fix', () => {
    expect(problems(slo(RATIO.replace("'99'", '99.9')))).toEqual([
      expect.objectContaining({ line: 7, col: 11, path: 'spec.target', message: 'must be a quoted percentage such as \'99.9\'', hint: 'Pyrra\'s target is a string: write target: \'99.9\'' }),
    ]);
  });

  it('rejects a target that is not a number', () => {
    expect(problems(slo(RATIO.replace("'99'", "'99.9%'")))).toEqual([
      expect.objectContaining({ line: 7, col: 11, path: 'spec.target', message: '"99.9%" is not a number' }),
    ]);
  });

  it.each([["'100'", 'target 100 leaves no error budget'], ["'0'", 'target 0 must be above 0']])('rejects target %s, which Pyrra accepts', (target, message) => {
    expect(problems(slo(RATIO.replace("'99'", target)))).toEqual([
      expect.objectContaining({ line: 7, col: 11, path: 'spec.target', message, hint: expect.stringContaining('0 < target < 100') as unknown }),
    ]);
  });

  it('warns, as Pyrra does, about a target that looks like a ratio and still loads it', () => {
    const found = problems(slo(RATIO.replace("'99'", "'0.999'")));
    expect(found).toContainEqual(expect.objectContaining({ line: 7, severity: 'warning', message: 'target 0.999 means 0.999 %, not 99.9 %' }));
    expect(found.filter((e) => e.severity === 'error')).toEqual([]);
  });

  it('rejects unknown fields with a did-you-mean hint', () => {
    expect(problems(slo(RATIO.replace('window:', 'windwo:')))).toEqual([
      expect.objectContaining({ line: 8, col: 3, path: 'spec.windwo', message: 'unknown field "windwo"', hint: 'did you mean "window"?' }),
    ]);
    expect(problems(slo(RATIO.replace('errors:', 'error:')))).toContainEqual(
      expect.objectContaining({ line: 11, col: 7, path: 'spec.indicator.ratio.error', message: 'unknown field "error"', hint: 'did you mean "errors"?' }),
    );
  });

  it('rejects a selector that is not a plain vector selector', () => {
    const found = problems(slo(RATIO.replace('metric: http_requests_total{job="api"}', 'metric: sum(rate(http_requests_total{job="api"}[5m]))')));
    expect(found).toEqual([
      expect.objectContaining({ line: 14, col: 17, path: 'spec.indicator.ratio.total.metric', message: 'must be a single series selector with a metric name', hint: expect.stringContaining('Pyrra takes the rate of the selector itself') as unknown }),
    ]);
  });

  it('rejects a latency success selector without le, as Pyrra does', () => {
    const found = problems(slo(`  target: '99'
  window: 4w
  indicator:
    latency:
      success:
        metric: http_request_duration_seconds_bucket{job="api"}
      total:
        metric: http_request_duration_seconds_count{job="api"}
`));
    expect(found).toEqual([expect.objectContaining({ line: 12, col: 17, path: 'spec.indicator.latency.success.metric', message: 'the success selector has no le matcher' })]);
  });

  it('rejects two indicators', () => {
    const found = problems(slo(`${RATIO}    bool_gauge:\n      metric: probe_success\n`));
    expect(found).toEqual([expect.objectContaining({ line: 15, col: 5, path: 'spec.indicator.bool_gauge', message: 'the indicator has both ratio and bool_gauge' })]);
  });

  it('rejects a pyrra.dev/ label that is no Prometheus label name once the prefix is gone', () => {
    expect(problems(slo(RATIO, 'name: api-errors\n  labels:\n    pyrra.dev/on-call: payments'))).toEqual([
      expect.objectContaining({ line: 6, col: 5, message: 'label pyrra.dev/on-call becomes the label "on-call", which is not a valid Prometheus label name', hint: 'rename it to pyrra.dev/on_call (letters, digits and underscores)' }),
    ]);
  });

  it('rejects a window too short for Pyrra\'s alert windows (1d: 5m x 1/28 rounds to 0)', () => {
    expect(problems(slo(RATIO.replace('2w', '1d')))).toEqual([
      expect.objectContaining({ line: 8, col: 11, path: 'spec.window', message: expect.stringContaining('too short') as unknown }),
    ]);
  });

  it('rejects a missing target and window at the spec key', () => {
    expect(problems(slo(RATIO.replace("  target: '99'\n", '').replace('  window: 2w\n', '')))).toEqual([
      expect.objectContaining({ line: 6, col: 1, path: 'spec.target', message: 'missing required field "target"' }),
      expect.objectContaining({ line: 6, col: 1, path: 'spec.window', message: 'missing required field "window"' }),
    ]);
  });
});
