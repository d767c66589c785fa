import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { errorRatioQuery } from '../src/slo/queries.js';
import { nativeReader } from '../src/formats/readers.js';
import { loadSpecTexts } from '../src/formats/load.js';
import { opensloReader } from '../src/formats/openslo/index.js';
import { hasBinary } from './support/process.js';

/**
 * What Prometheus computes from the queries the OpenSLO importer writes: OpenSLO SLIs (instant queries
 * without a window) are loaded, their error ratio over a window is rendered as burnwatch evaluates it, and
 * `promtool test rules` evaluates that on series whose error ratio is known by construction. The expected
 * values come from the series, not from our code: 6 errors in every 66 requests, 9 of 10 pods healthy,
 * half of the latency samples under the threshold, a constant 2 % error-ratio gauge.
 */

const SKIP = !hasBinary('promtool');
const run = promisify(execFile);

/** 121 one-minute samples (0..120 min); the latency alternates 100 ms (even minutes) and 300 ms (odd). */
const SERIES = [
  { series: 'http_requests_total{job="web",code="200"}', values: '0+60x120' },
  { series: 'http_requests_total{job="web",code="500"}', values: '0+6x120' },
  { series: 'pods{job="web"}', values: '10x120' },
  { series: 'healthy_pods{job="web"}', values: '9x120' },
  { series: 'latency_ms{job="web"}', values: Array.from({ length: 121 }, (_, m) => (m % 2 === 0 ? 100 : 300)).join(' ') },
  { series: 'error_ratio{job="web"}', values: '0.02x120' },
];

function sloWith(name: string, spec: string, objective = '    - target: 0.99'): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: web
  budgetingMethod: Occurrences
  indicator:
    metadata: { name: ${name}-sli }
    spec:
${spec}
  objectives:
${objective}
`;
}

const ratio = (counter: boolean, good: string, total: string): string => `      ratioMetric:
        counter: ${String(counter)}
        good: { metricSource: { type: Prometheus, spec: { query: '${good}' } } }
        total: { metricSource: { type: Prometheus, spec: { query: '${total}' } } }`;

const CASES: { name: string; text: string; window: string; expected: number; labels: string }[] = [
  {
    name: 'counter-expression',
    text: sloWith('counter-expression', ratio(true, 'sum by (job) (http_requests_total{job="web",code="200"})', 'sum by (job) (http_requests_total{job="web"})')),
    window: '1h',
    expected: 6 / 66,
    labels: '{job="web"}',
  },
  {
    name: 'counter-selector',
    text: sloWith('counter-selector', ratio(true, 'sum(http_requests_total{job="web",code="200"})', 'sum(http_requests_total{job="web"})')),
    window: '1h',
    expected: 6 / 66,
    labels: '{}',
  },
  {
    name: 'gauge-ratio',
    text: sloWith('gauge-ratio', ratio(false, 'healthy_pods{job="web"}', 'sum(pods{job="web"})')),
    window: '30m',
    expected: 0.1,
    labels: '{}',
  },
  {
    // Evaluated at 2h30s with a 10m window: the subquery's points are the minutes 111..120, five of them even.
    name: 'threshold',
    text: sloWith('threshold', '      thresholdMetric: { metricSource: { type: Prometheus, spec: { query: \'latency_ms{job="web"}\' } } }', '    - { op: lt, value: 200, target: 0.99 }'),
    window: '10m',
    expected: 0.5,
    labels: '{}',
  },
  {
    name: 'raw-failure',
    text: sloWith('raw-failure', '      ratioMetric: { rawType: failure, raw: { metricSource: { type: Prometheus, spec: { query: \'error_ratio{job="web"}\' } } } }'),
    window: '10m',
    expected: 0.02,
    labels: '{job="web"}',
  },
];

describe.skipIf(SKIP)('spec/openslo: the PromQL the importer writes, evaluated by promtool', () => {
  it('gives the error ratio each SLI has by construction', async () => {
    const result = loadSpecTexts(CASES.map((c) => ({ file: `${c.name}.yaml`, text: c.text })), { readers: [nativeReader, opensloReader] });
    // Gauges, raw ratios and thresholds are sampled over each window (validate warns so): no errors.
    expect(result.errors.filter((e) => e.severity !== 'warning')).toEqual([]);
    const tests = CASES.map((c) => {
      const slo = result.slos.find((s) => s.id === c.name);
      if (!slo) throw new Error(`${c.name} did not load`);
      const query = errorRatioQuery(slo.indicator, slo.groupBy, c.window);
      // promtool compares floats exactly; compare within 1e-9 in PromQL instead.
      return { expr: `abs((${query}) - ${c.expected}) < bool 1e-9`, eval_time: '2h30s', exp_samples: [{ labels: c.labels, value: 1 }] };
    });
    const dir = await mkdtemp(join(tmpdir(), 'burnwatch-openslo-promql-'));
    try {
      const file = join(dir, 'tests.yaml');
      await writeFile(file, stringify({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: SERIES, promql_expr_test: tests }] }));
      const outcome = await run('promtool', ['test', 'rules', file]).then(
        (r) => ({ ok: true, output: r.stdout + r.stderr }),
        (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
      );
      expect(outcome.output).toContain('SUCCESS');
      expect(outcome.ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
