import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepRecord } from '../src/engine/replay.js';
import { repoRoot, TSX_LOADER } from './support/cli.js';
import type { OpenMetricsSeries } from './support/openmetrics.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';

/**
 * `burnwatch evaluate` and `burnwatch backtest` on the example SLOs of slos/ and on a Sloth file of the
 * corpus, against a real Prometheus holding synthetic series with every metric those files read.
 */

const HOUR = 3_600_000;
const T_END = Date.UTC(2026, 10, 12, 12);
const T_START = T_END - 10 * HOUR;
const STEP = 30_000;
const sloth = fileURLToPath(new URL('../../shared/corpus/sloth/specs/getting-started.yml', import.meta.url));

/** A counter growing by `perSecond(t)` from 0 at T_START, scraped every 30 s. */
function counter(name: string, labels: Record<string, string>, perSecond: (t: number) => number): OpenMetricsSeries {
  const samples: [number, number][] = [];
  let v = 0;
  for (let t = T_START; t <= T_END; t += STEP) {
    samples.push([t, Math.round(v * 1000) / 1000]);
    v += perSecond(t) * (STEP / 1000);
  }
  return { name, type: 'counter', labels, samples };
}

function gauge(name: string, labels: Record<string, string>, value: (t: number) => number): OpenMetricsSeries {
  const samples: [number, number][] = [];
  for (let t = T_START; t <= T_END; t += STEP) samples.push([t, value(t)]);
  return { name, type: 'gauge', labels, samples };
}

/** Checkout fails at 30 % between 8 h and 8 h 30 m: the example SLO pages. */
const outage = (t: number): boolean => t > T_START + 8 * HOUR && t <= T_START + 8.5 * HOUR;

function series(): OpenMetricsSeries[] {
  const out: OpenMetricsSeries[] = [
    counter('http_requests_total', { service: 'checkout', code: '200' }, (t) => (outage(t) ? 7 : 10)),
    counter('http_requests_total', { service: 'checkout', code: '500' }, (t) => (outage(t) ? 3 : 0.001)),
    counter('invoice_exports_total', { result: 'success' }, () => 0.5),
    counter('invoice_exports_total', { result: 'failure' }, () => 0.0001),
    gauge('probe_success', { job: 'blackbox', instance: 'https://shop.example.com/' }, () => 1),
    counter('http_request_duration_seconds_count', { job: 'myservice', code: '200' }, () => 20),
    counter('http_request_duration_seconds_count', { job: 'myservice', code: '503' }, () => 0.01),
  ];
  for (const route of ['/cart', '/products']) {
    out.push(counter('http_requests_total', { service: 'storefront', route, code: '200' }, () => 5));
    out.push(counter('http_requests_total', { service: 'storefront', route, code: '500' }, () => 0.001));
  }
  // A latency histogram for search: 99.5 % of requests under 300 ms.
  for (const [le, share] of [['0.1', 0.8], ['0.3', 0.995], ['1', 0.999], ['+Inf', 1]] as const) {
    out.push(counter('http_request_duration_seconds_bucket', { service: 'search', route: '/search', le }, () => 30 * share));
  }
  out.push(counter('http_request_duration_seconds_count', { service: 'search', route: '/search' }, () => 30));
  return out;
}

function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', TSX_LOADER, fileURLToPath(new URL('../src/cli.ts', import.meta.url)), ...args], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let prom: RunningPrometheus | undefined;

describe.skipIf(!hasBinary('prometheus') || !hasBinary('promtool'))('evaluate and backtest on the example SLOs and a Sloth file', () => {
  beforeAll(async () => {
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(series()) });
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('evaluate: every example SLO and the Sloth SLO is evaluated, with budget and tier states', async () => {
    if (!prom) throw new Error('no prometheus');
    const run = await cli(['evaluate', '--prometheus', prom.url, '--slos', 'slos', '--slos', sloth, '--at', new Date(T_START + 8.4 * HOUR).toISOString(), '--format', 'json', '--interval', '30s']);
    expect(run.code, run.stderr).toBe(0);
    const statuses = JSON.parse(run.stdout) as { slo: string; state: string; instances: { labels: Record<string, string>; budget: { remaining: number | null }; alerts: { page: string } }[] }[];
    expect(statuses.map((s) => [s.slo, s.state]).sort()).toEqual([
      ['billing-invoice-exports', 'ok'],
      ['checkout-availability', 'ok'],
      ['homepage-probe', 'ok'],
      ['myservice-requests-availability', 'ok'],
      ['search-latency', 'ok'],
      ['storefront-route-availability', 'ok'],
    ]);
    const checkout = statuses.find((s) => s.slo === 'checkout-availability');
    expect(checkout?.instances[0]?.alerts.page).toBe('firing');
    const routes = statuses.find((s) => s.slo === 'storefront-route-availability')?.instances.map((i) => i.labels['route']).sort();
    expect(routes).toEqual(['/cart', '/products']);
    // 30 % errors for 24 minutes out of ~8.4 h of 10 req/s at a 0.1 % budget: far overspent.
    expect(checkout?.instances[0]?.budget.remaining).toBeLessThan(0);
    expect(statuses.find((s) => s.slo === 'homepage-probe')?.instances[0]?.budget.remaining).toBe(1);
  }, 180_000);

  it('evaluate prints a table too', async () => {
    if (!prom) throw new Error('no prometheus');
    const run = await cli(['evaluate', '--prometheus', prom.url, '--slos', 'slos/checkout-availability.yaml', '--at', new Date(T_START + 8.4 * HOUR).toISOString()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^SLO\s+INSTANCE\s+STATE\s+BUDGET LEFT/m);
    expect(run.stdout).toMatch(/^checkout-availability\s+-\s+ok\s+-?\d/m);
  }, 180_000);

  it('backtest: pages once for the checkout incident; the Sloth SLO never pages; table and jsonl agree', async () => {
    if (!prom) throw new Error('no prometheus');
    const from = new Date(T_START + 7 * HOUR).toISOString();
    const to = new Date(T_END).toISOString();
    const jsonl = await cli(['backtest', '--prometheus', prom.url, '--slos', 'slos/checkout-availability.yaml', '--slos', sloth, '--from', from, '--to', to, '--step', '60s']);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const records = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepRecord);
    expect(records).toHaveLength(2 * (3 * 60 + 1));
    const episodes = (slo: string): number => records.filter((r, i, all) => r.slo === slo && r.alerts.page === 'firing' && all.slice(0, i).reverse().find((p) => p.slo === slo)?.alerts.page !== 'firing').length;
    expect(episodes('checkout-availability')).toBe(1);
    expect(episodes('myservice-requests-availability')).toBe(0);
    const table = await cli(['backtest', '--prometheus', prom.url, '--slos', 'slos/checkout-availability.yaml', '--slos', sloth, '--from', from, '--to', to, '--format', 'table']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^checkout-availability\s+1\s+1\s+/m);
    expect(table.stdout).toMatch(/^myservice-requests-availability\s+1\s+0\s+0\s+/m);
  }, 180_000);
});
