import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import type { StepRecord } from '../src/engine/replay.js';
import { replay } from '../src/engine/replay.js';
import { loadSpecs } from '../src/formats/load.js';
import { createPrometheusSource } from '../src/metrics/prometheus/client.js';
import { errorBudget } from '../src/slo/model.js';
import { openDb } from '../src/store/db.js';
import { runCli } from './support/cli.js';
import { silentLogger as quiet } from './support/logger.js';
import { RecordingSink } from './support/notification.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';
import type { Scenario } from './support/scenarios.js';
import { between, handCount, scenarioSeries } from './support/scenarios.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

/**
 * A composite SLO against a real Prometheus (TSDB backfilled with promtool): the checkout journey is the
 * catalogue (20 req/s), the payments API (5 req/s, weight 2) and search (2 req/s). Payments fails every request
 * for 30 minutes. The composite's budget must be the weighted figure counted by hand from the stored samples,
 * and Prometheus's own increase() of the same weighted sums; its page fires, the payments page (which needs
 * 15 minutes) is held while it fires and sent when it resolves. backtest, evaluate and report show the
 * composite.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEP = 60_000;
const FROM = Date.UTC(2026, 10, 16);
const HISTORY_START = FROM - 2 * DAY;
const TO = FROM + 4 * HOUR;
const at = (h: number, m = 0): number => FROM + h * HOUR + m * MIN;
const OBJECTIVE = 99.5;
const PERIOD = 28 * DAY;

const children: readonly (Scenario & { readonly weight: number })[] = [
  { name: 'catalogue', weight: 1, rps: () => 20, errorShare: () => 0.0002 },
  { name: 'payments', weight: 2, rps: () => 5, errorShare: (t) => (between(t, at(1), at(1, 30)) ? 1 : 0.0002) },
  { name: 'search', weight: 1, rps: () => 2, errorShare: () => 0.0002 },
];
const errorsOf = (s: Scenario): string => `http_requests_total{service="${s.name}",code="500"}`;
const totalOf = (s: Scenario): string => `http_requests_total{service="${s.name}"}`;

const childFile = (s: Scenario): string => `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${s.name}, service: ${s.name} }
spec:
  objective: 99.9
  period: 30d
  indicator:
    events:
      errors: ${errorsOf(s)}
      total: ${totalOf(s)}
${s.name === 'payments' ? `  alerting:
    tiers:
      - { severity: page, long: 1h, for: 15m }
      - { severity: page, long: 6h, for: 15m }
` : ''}`;

const compositeFile = `apiVersion: burnwatch/v1
kind: CompositeSLO
metadata: { name: checkout-journey, service: checkout }
spec:
  objective: ${OBJECTIVE}
  period: 28d
  method: weightedEvents
  children:
${children.map((c) => `    - { slo: ${c.name}, weight: ${c.weight} }`).join('\n')}
  alerting: { inhibitChildren: true }
`;

/** The weighted budget left, counted by hand from the samples the TSDB holds; and the outage's share of it. */
function handBudget(t: number): { remaining: number; outageShare: number } {
  let bad = 0;
  let total = 0;
  for (const c of children) {
    const n = handCount(c, HISTORY_START, t, PERIOD);
    bad += c.weight * n.errors;
    total += c.weight * n.total;
  }
  // The outage's errors: payments' errors in (at(1), at(1,30)] beyond its 0.02 % background, weight 2.
  const payments = children[1] as Scenario;
  const inOutage = handCount(payments, HISTORY_START, Math.min(t, at(1, 30)), Math.max(0, Math.min(t, at(1, 30)) - at(1))).errors;
  const background = t > at(1) ? 0.0002 * 5 * (Math.min(t, at(1, 30)) - at(1)) / 1000 : 0;
  return { remaining: 1 - bad / total / errorBudget(OBJECTIVE), outageShare: (2 * (inOutage - background)) / total / errorBudget(OBJECTIVE) };
}

/** Prometheus's figure: its increase() of the weighted sums over the 28-day period. */
function promBudgetExpr(): string {
  const sum = (f: (s: Scenario) => string): string => children.map((c) => `${c.weight} * sum(increase(${f(c)}[28d]))`).join(' + ');
  return `1 - ((${sum(errorsOf)}) / (${sum(totalOf)})) / ${errorBudget(OBJECTIVE)}`;
}

const haveProm = hasBinary('prometheus') && hasBinary('promtool');

describe.skipIf(!haveProm)('a composite SLO against a real Prometheus', () => {
  let prom: RunningPrometheus | undefined;
  let dir = '';
  const records: StepRecord[] = [];
  const sink = new RecordingSink();
  const budgets = new Map<number, number>();
  const checks = [at(0, 30), at(1, 20), at(2), TO];

  beforeAll(async () => {
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(scenarioSeries(children, HISTORY_START, TO)), backfillBlockDuration: '512h' });
    dir = mkdtempSync(join(tmpdir(), 'burnwatch-composite-'));
    for (const c of children) writeFileSync(join(dir, `${c.name}.yaml`), childFile(c));
    writeFileSync(join(dir, 'checkout-journey.yaml'), compositeFile);
    // The daemon's path: the engine replays the hours slot by slot, notifying through a sink.
    const { slos, errors } = loadSpecs([dir]);
    if (errors.length > 0) throw new Error(JSON.stringify(errors));
    const db = openDb(':memory:');
    try {
      const engine = new Engine({ source: createPrometheusSource({ url: prom.url, timeoutMs: 120_000 }), store: new SqliteStore(db, ':memory:'), logger: quiet, sink }, { slotMs: STEP, rateWindowMs: 2 * MIN, links: {} });
      await replay(engine, slos, { fromMs: FROM, toMs: TO, stepMs: STEP }, (steps) => {
        records.push(...steps);
        const t = Date.parse(steps[0]?.time ?? '');
        const journey = steps.find((r) => r.slo === 'checkout-journey');
        if (checks.includes(t) && journey?.budgetRemaining != null) budgets.set(t, journey.budgetRemaining);
      });
    } finally {
      db.close();
    }
  }, 600_000);

  afterAll(async () => {
    await prom?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('burns the composite\'s budget by the weighted share counted by hand, and agrees with Prometheus\'s increase()', async () => {
    const source = createPrometheusSource({ url: prom?.url ?? '' });
    const rows: string[] = [];
    const off: string[] = [];
    for (const t of checks) {
      const r = await source.instantQuery(promBudgetExpr(), new Date(t));
      const theirs = r.kind === 'vector' ? r.samples[0]?.value ?? NaN : NaN;
      const hand = handBudget(t);
      const ours = budgets.get(t) ?? NaN;
      rows.push(`${new Date(t).toISOString()} hand ${hand.remaining.toFixed(9)} (outage share ${hand.outageShare.toFixed(9)}) burnwatch ${ours.toFixed(9)} prometheus ${theirs.toFixed(9)}`);
      if (!(Math.abs(ours - hand.remaining) <= 1e-6 && Math.abs(ours - theirs) <= 0.001)) off.push(rows.at(-1) ?? '');
    }
    console.log(`checkout-journey budget left:\n${rows.join('\n')}`);
    expect(off).toEqual([]);
    // The outage spent its weighted share: between 00:30 and 02:00 the budget fell by it (plus the background).
    const before = handBudget(at(0, 30));
    const after = handBudget(at(2));
    expect(after.outageShare).toBeGreaterThan(0.1);
    expect((budgets.get(at(0, 30)) ?? NaN) - (budgets.get(at(2)) ?? NaN)).toBeCloseTo(before.remaining - after.remaining, 6);
  });

  it('pages for the composite, holds the payments page while it fires and sends it when it resolves', () => {
    const pages = sink.sent.filter((n) => n.severity === 'page').map((n) => ({ id: n.slo.id, status: n.status, at: n.createdAt.getTime() }));
    console.log(`pages: ${pages.map((p) => `${new Date(p.at).toISOString().slice(11, 16)} ${p.id} ${p.status}`).join(', ')}`);
    expect(pages.map((p) => `${p.id}:${p.status}`)).toEqual(['checkout-journey:firing', 'checkout-journey:resolved', 'payments:firing', 'payments:resolved']);
    const journeyFired = pages[0]?.at ?? NaN;
    // 1h/5m at 13.44 x 0.5 %: 10 weighted errors/s of 32 weighted requests/s over the hour pass 6.72 % after 774 s.
    expect(journeyFired - at(1)).toBeGreaterThanOrEqual(12 * MIN);
    expect(journeyFired - at(1)).toBeLessThanOrEqual(15 * MIN);
    expect(pages[2]?.at).toBe(pages[1]?.at);
    // Meanwhile the payments page fired (15 minutes after its burn began) and was held: its raw condition was on.
    const held = records.filter((r) => r.slo === 'payments' && r.page && r.alerts.page === 'inactive' && Date.parse(r.time) > at(1, 16) && Date.parse(r.time) < (pages[1]?.at ?? 0));
    expect(held.length).toBeGreaterThan(10);
    expect(records.find((r) => r.slo === 'catalogue' && r.alerts.page !== 'inactive')).toBeUndefined();
  });

  it('shows the composite in backtest, evaluate and report', () => {
    const url = prom?.url ?? '';
    const backtest = runCli(['backtest', '--prometheus', url, '--slos', dir, '--from', new Date(at(1)).toISOString(), '--to', new Date(at(2)).toISOString(), '--step', '5m', '--format', 'jsonl', '--timeout', '120s'], { timeoutMs: 300_000 });
    expect(backtest.status, backtest.stderr).toBe(0);
    const lines = backtest.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepRecord).filter((r) => r.slo === 'checkout-journey');
    expect(lines).toHaveLength(13);
    expect(lines.some((r) => r.alerts.page === 'firing')).toBe(true);

    const evaluate = runCli(['evaluate', '--prometheus', url, '--slos', dir, '--at', new Date(at(1, 20)).toISOString(), '--format', 'json', '--timeout', '120s'], { timeoutMs: 300_000 });
    expect(evaluate.status, evaluate.stderr).toBe(0);
    const statuses = JSON.parse(evaluate.stdout) as { slo: { id: string } | string; state: string; instances: { alerts: Record<string, string> }[] }[];
    const journey = statuses.find((s) => (typeof s.slo === 'string' ? s.slo : s.slo.id) === 'checkout-journey');
    expect(journey?.state).toBe('ok');
    expect(journey?.instances[0]?.alerts['page']).toBe('firing');

    const report = runCli(['report', '--prometheus', url, '--slos', dir, '--from', new Date(FROM).toISOString(), '--to', new Date(TO).toISOString(), '--format', 'csv', '--timeout', '120s'], { timeoutMs: 300_000 });
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/checkout-journey/);
  }, 900_000);
});
