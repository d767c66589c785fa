import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepRecord } from '../src/engine/replay.js';
import { errorBudget } from '../src/slo/model.js';
import { runCli } from './support/cli.js';
import type { Child, CompositeRun } from './support/composite-scenario.js';
import { childFile, compareBudgets, compositeFile, runComposite, weightedHandBudget, weightedIncreaseExpr } from './support/composite-scenario.js';
import { hasBinary } from './support/prometheus.js';
import type { Scenario } from './support/scenarios.js';
import { between, handCount } from './support/scenarios.js';

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
const FROM = Date.UTC(2026, 10, 16);
const HISTORY_START = FROM - 2 * DAY;
const TO = FROM + 4 * HOUR;
const at = (h: number, m = 0): number => FROM + h * HOUR + m * MIN;
const OBJECTIVE = 99.5;
const PERIOD = 28 * DAY;

const children: readonly Child[] = [
  { name: 'catalogue', weight: 1, rps: () => 20, errorShare: () => 0.0002 },
  { name: 'payments', weight: 2, rps: () => 5, errorShare: (t) => (between(t, at(1), at(1, 30)) ? 1 : 0.0002) },
  { name: 'search', weight: 1, rps: () => 2, errorShare: () => 0.0002 },
];

/** Payments pages on two tiers that need 15 minutes; the composite holds its children's pages while it fires. */
const files = {
  ...Object.fromEntries(children.map((c) => [`${c.name}.yaml`, childFile(c, c.name === 'payments' ? `  alerting:
    tiers:
      - { severity: page, long: 1h, for: 15m }
      - { severity: page, long: 6h, for: 15m }
` : '')])),
  'checkout-journey.yaml': compositeFile(children, OBJECTIVE, '  alerting: { inhibitChildren: true }\n'),
};

/** The weighted budget left, counted by hand from the samples the TSDB holds; and the outage's share of it. */
function handBudget(t: number): { remaining: number; outageShare: number } {
  let total = 0;
  for (const c of children) total += c.weight * handCount(c, HISTORY_START, t, PERIOD).total;
  // The outage's errors: payments' errors in (at(1), at(1,30)] beyond its 0.02 % background, weight 2.
  const payments = children[1] as Scenario;
  const inOutage = handCount(payments, HISTORY_START, Math.min(t, at(1, 30)), Math.max(0, Math.min(t, at(1, 30)) - at(1))).errors;
  const background = t > at(1) ? 0.0002 * 5 * (Math.min(t, at(1, 30)) - at(1)) / 1000 : 0;
  return { remaining: weightedHandBudget(children, HISTORY_START, t, PERIOD, OBJECTIVE), outageShare: (2 * (inOutage - background)) / total / errorBudget(OBJECTIVE) };
}

const haveProm = hasBinary('prometheus') && hasBinary('promtool');

describe.skipIf(!haveProm)('a composite SLO against a real Prometheus', () => {
  let run: CompositeRun | undefined;
  let records: readonly StepRecord[] = [];
  let dir = '';
  let url = '';
  const checks = [at(0, 30), at(1, 20), at(2), TO];

  beforeAll(async () => {
    run = await runComposite({ children, files, historyStart: HISTORY_START, fromMs: FROM, toMs: TO, checks });
    ({ records, dir } = run);
    url = run.prom.url;
  }, 600_000);

  afterAll(async () => {
    await run?.stop();
  });

  it('burns the composite\'s budget by the weighted share counted by hand, and agrees with Prometheus\'s increase()', async () => {
    if (run === undefined) throw new Error('the composite did not run');
    const { table, off } = await compareBudgets(run, checks, (t) => handBudget(t).remaining, weightedIncreaseExpr(children, OBJECTIVE));
    console.log(`checkout-journey budget left:\n${table}`);
    expect(off).toEqual([]);
    // The outage spent its weighted share: between 00:30 and 02:00 the budget fell by it (plus the background).
    const before = handBudget(at(0, 30));
    const after = handBudget(at(2));
    expect(after.outageShare).toBeGreaterThan(0.1);
    expect((run.budgets.get(at(0, 30)) ?? NaN) - (run.budgets.get(at(2)) ?? NaN)).toBeCloseTo(before.remaining - after.remaining, 6);
  });

  it('pages for the composite, holds the payments page while it fires and sends it when it resolves', () => {
    const pages = (run?.sink.sent ?? []).filter((n) => n.severity === 'page').map((n) => ({ id: n.slo.id, status: n.status, at: n.createdAt.getTime() }));
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
