import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import type { StepRecord } from '../src/engine/replay.js';
import { createPrometheusSource } from '../src/metrics/prometheus/client.js';
import type { MetricsSource } from '../src/metrics/source.js';
import { errorBudget } from '../src/slo/model.js';
import { Ledger } from '../src/store/ledger.js';
import { openDb } from '../src/store/db.js';
import { startDaemon } from '../src/wiring.js';
import { runCli } from './support/cli.js';
import { silentLogger } from './support/logger.js';
import { ManualTimers } from './support/manual-timers.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';
import type { Scenario } from './support/scenarios.js';
import { between, handCount, scenarioSeries } from './support/scenarios.js';

/**
 * Budget corrections against a real Prometheus (backfilled with promtool): the corrected budget burnwatch
 * computes is compared with Prometheus's own `increase()` over the 7-day period minus its `increase()` over
 * each corrected range (`increase(x[d] @ end)`), and with a hand count of the stored samples. Corrections are
 * applied by `backtest`, `evaluate` and the daemon, where one is added by a reload while it runs.
 *
 * Data (20 requests/s, 0.1 % failing, objective 99 %): service `dns` has three outages at 30 % errors: 50
 * hours before the compared range for 20 minutes (the ledger's 5-minute rows), 30 hours before for 10
 * minutes (not corrected), and inside the range at 02:00 for 20 minutes (full-resolution rows, read live).
 * Service `nightly` fails 20 % of requests every night from 03:00 to 04:00 (the hourly rows too), corrected by
 * one recurring correction.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PERIOD = 7 * DAY;
const FROM = Date.UTC(2026, 10, 20);
const HISTORY_START = FROM - 8 * DAY;
const TO = FROM + 6 * HOUR;
const at = (h: number, m = 0): number => FROM + h * HOUR + m * MIN;
const ago = (h: number, m = 0): number => FROM - h * HOUR - m * MIN;
const OBJECTIVE = 99;

const OLD_OUTAGE = ago(50);
const UNCORRECTED_OUTAGE = ago(30);
const LIVE_OUTAGE = at(2);

const dns: Scenario = {
  name: 'dns',
  rps: () => 20,
  errorShare: (t) => (between(t, OLD_OUTAGE, OLD_OUTAGE + 20 * MIN) || between(t, UNCORRECTED_OUTAGE, UNCORRECTED_OUTAGE + 10 * MIN) || between(t, LIVE_OUTAGE, LIVE_OUTAGE + 20 * MIN) ? 0.3 : 0.001),
  objective: OBJECTIVE,
};
const inNight = (t: number): boolean => {
  const hourOfDay = ((t % DAY) + DAY) % DAY;
  return hourOfDay > 3 * HOUR && hourOfDay <= 4 * HOUR;
};
const nightly: Scenario = { name: 'nightly', rps: () => 20, errorShare: (t) => (inNight(t) ? 0.2 : 0.001), objective: OBJECTIVE };
const scenarios = [dns, nightly];

/** The corrected stretches of each service: [start, end) of every occurrence. */
const NIGHTS = Array.from({ length: 9 }, (_, k) => [HISTORY_START + 3 * HOUR + k * DAY, HISTORY_START + 4 * HOUR + k * DAY] as const);
const CORRECTED: Record<string, readonly (readonly [number, number])[]> = {
  dns: [[OLD_OUTAGE, OLD_OUTAGE + 20 * MIN], [LIVE_OUTAGE, LIVE_OUTAGE + 20 * MIN]],
  'dns-old-only': [[OLD_OUTAGE, OLD_OUTAGE + 20 * MIN]],
  nightly: NIGHTS,
};

const iso = (ms: number): string => new Date(ms).toISOString();

function sloFile(id: string, service: string): string {
  return `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${id}, service: ${service} }
spec:
  objective: ${OBJECTIVE}
  period: 7d
  indicator:
    events:
      errors: http_requests_total{service="${service}",code="500"}
      total: http_requests_total{service="${service}"}
`;
}

const CORRECTIONS = `apiVersion: burnwatch/v1
kind: BudgetCorrection
metadata: { name: old-dns-outage }
spec:
  slos: ['service="dns",slo!="dns-uncorrected"']
  start: "${iso(OLD_OUTAGE)}"
  end: "${iso(OLD_OUTAGE + 20 * MIN)}"
  reason: upstream DNS provider outage, not ours
---
apiVersion: burnwatch/v1
kind: BudgetCorrection
metadata: { name: live-dns-outage }
spec:
  slos: [dns]
  start: "${iso(LIVE_OUTAGE)}"
  duration: 20m
  reason: upstream DNS provider outage again
---
apiVersion: burnwatch/v1
kind: BudgetCorrection
metadata: { name: nightly-upstream-batch }
spec:
  slos: [nightly]
  start: "${iso(HISTORY_START + 3 * HOUR)}"
  duration: 1h
  every: 1d
  reason: the upstream's nightly batch, not ours
`;

/** The occurrences of `ranges` inside the period (t - 7d, t], cut to it. */
function rangesIn(ranges: readonly (readonly [number, number])[], t: number): [number, number][] {
  return ranges.map(([s, e]): [number, number] => [Math.max(s, t - PERIOD), Math.min(e, t)]).filter(([s, e]) => e > s);
}

const selectors = (service: string) => ({ errors: `http_requests_total{service="${service}",code="500"}`, total: `http_requests_total{service="${service}"}` });

/** Prometheus's figure: increase() over the period minus increase() over each corrected range, as a budget left. */
async function prometheusBudget(source: MetricsSource, service: string, ranges: readonly (readonly [number, number])[], t: number): Promise<number> {
  const { errors, total } = selectors(service);
  const corrected = (sel: string): string => rangesIn(ranges, t).map(([s, e]) => ` - sum(increase(${sel}[${(e - s) / 1000}s] @ ${e / 1000}))`).join('');
  const expr = `1 - ((sum(increase(${errors}[7d]))${corrected(errors)}) / (sum(increase(${total}[7d]))${corrected(total)})) / ${errorBudget(OBJECTIVE)}`;
  const r = await source.instantQuery(expr, new Date(t));
  const value = r.kind === 'vector' ? r.samples[0]?.value : undefined;
  if (value === undefined) throw new Error(`Prometheus has no value for ${expr} at ${iso(t)}`);
  return value;
}

/** The hand count of the stored samples, the corrected ranges' events taken out. */
function handBudget(s: Scenario, ranges: readonly (readonly [number, number])[], t: number): number {
  const all = handCount(s, HISTORY_START, t, PERIOD);
  let bad = all.errors;
  let total = all.total;
  for (const [a, b] of rangesIn(ranges, t)) {
    const out = handCount(s, HISTORY_START, b, b - a);
    bad -= out.errors;
    total -= out.total;
  }
  return 1 - bad / total / errorBudget(OBJECTIVE);
}

const CHECKS = [FROM, at(2, 10), at(3), at(3, 30), TO];
/** The SLOs (id, service, its corrected ranges: none for the uncorrected twin). */
const SLOS: readonly { id: string; service: string; ranges: readonly (readonly [number, number])[] }[] = [
  { id: 'dns', service: 'dns', ranges: CORRECTED['dns'] ?? [] },
  { id: 'dns-uncorrected', service: 'dns', ranges: [] },
  { id: 'nightly', service: 'nightly', ranges: CORRECTED['nightly'] ?? [] },
];

const haveProm = hasBinary('prometheus') && hasBinary('promtool');
let prom: RunningPrometheus | undefined;
let dir = '';
const oracle = new Map<string, { t: number; prometheus: number; hand: number }[]>();

describe.skipIf(!haveProm)('budget corrections against Prometheus\'s increase()', () => {
  beforeAll(async () => {
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(scenarioSeries(scenarios, HISTORY_START, TO)), backfillBlockDuration: '512h' });
    dir = mkdtempSync(join(tmpdir(), 'burnwatch-corrections-'));
    mkdirSync(join(dir, 'slos'));
    for (const s of SLOS) writeFileSync(join(dir, 'slos', `${s.id}.yaml`), sloFile(s.id, s.service));
    writeFileSync(join(dir, 'slos', 'corrections.yaml'), CORRECTIONS);
    const source = createPrometheusSource({ url: prom.url, timeoutMs: 120_000 });
    for (const s of SLOS) {
      const scenario = s.service === 'dns' ? dns : nightly;
      const rows: { t: number; prometheus: number; hand: number }[] = [];
      for (const t of CHECKS) rows.push({ t, prometheus: await prometheusBudget(source, s.service, s.ranges, t), hand: handBudget(scenario, s.ranges, t) });
      oracle.set(s.id, rows);
    }
  }, 600_000);

  afterAll(async () => {
    await prom?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('validates the corrections and names the SLOs each applies to', () => {
    const run = runCli(['validate', join(dir, 'slos'), '--format', 'json']);
    expect(run.status, run.stdout).toBe(0);
    const out = JSON.parse(run.stdout) as { corrections: { name: string; slos: string[]; every?: string }[] };
    expect(out.corrections.map((c) => [c.name, c.slos, c.every])).toEqual([
      ['old-dns-outage', ['dns'], undefined],
      ['live-dns-outage', ['dns'], undefined],
      ['nightly-upstream-batch', ['nightly'], '1d'],
    ]);
  }, 600_000); // a CLI child on a loaded machine

  describe('backtest', () => {
    let records: StepRecord[] = [];
    beforeAll(() => {
      if (!prom) throw new Error('no prometheus');
      const run = runCli(['backtest', '--prometheus', prom.url, '--slos', join(dir, 'slos'), '--from', iso(FROM), '--to', iso(TO), '--step', '60s', '--format', 'jsonl', '--timeout', '120s'], { timeoutMs: 600_000 });
      if (run.status !== 0) throw new Error(`backtest failed (${run.status}): ${run.stderr}`);
      records = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepRecord);
    }, 600_000);

    it('gives the budget of increase() over the period minus the corrected ranges (within 0.1 point), and the hand count exactly', () => {
      const rows: string[] = [];
      const off: string[] = [];
      for (const s of SLOS) {
        for (const o of oracle.get(s.id) ?? []) {
          const ours = records.find((r) => r.slo === s.id && Date.parse(r.time) === o.t)?.budgetRemaining ?? NaN;
          rows.push(`${s.id.padEnd(16)} ${iso(o.t)}  burnwatch ${pct(ours)}  prometheus ${pct(o.prometheus)}  hand count ${pct(o.hand)}`);
          if (!(Math.abs(ours - o.prometheus) <= 0.001 && Math.abs(ours - o.hand) <= 1e-6)) off.push(rows.at(-1) ?? '');
        }
      }
      console.log(`corrected budgets (backtest):\n${rows.join('\n')}`);
      expect(off).toEqual([]);
    });

    it('makes a difference the comparison can see: the corrected and uncorrected budgets differ by more than a point', () => {
      const last = (id: string) => records.find((r) => r.slo === id && Date.parse(r.time) === TO)?.budgetRemaining ?? NaN;
      expect(last('dns') - last('dns-uncorrected')).toBeGreaterThan(0.01);
    });

    it('does not page for the corrected live outage; the uncorrected twin does', () => {
      const paged = (id: string) => records.some((r) => r.slo === id && r.alerts.page === 'firing');
      expect(paged('dns')).toBe(false);
      expect(paged('dns-uncorrected')).toBe(true);
    });
  });

  it('evaluate gives the corrected budget at an instant', () => {
    if (!prom) throw new Error('no prometheus');
    const run = runCli(['evaluate', '--prometheus', prom.url, '--slos', join(dir, 'slos'), '--at', iso(at(3, 30)), '--format', 'json', '--timeout', '120s'], { timeoutMs: 600_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { slo: string; instances: { budget: { remaining: number } }[] }[];
    for (const s of SLOS) {
      const o = oracle.get(s.id)?.find((x) => x.t === at(3, 30));
      expect(out.find((x) => x.slo === s.id)?.instances[0]?.budget.remaining, s.id).toBeCloseTo(o?.hand ?? NaN, 6);
    }
  }, 600_000); // a CLI child on a loaded machine

  it('report lists the corrections applied in its range, and its figures leave their events out', () => {
    if (!prom) throw new Error('no prometheus');
    const run = runCli(['report', '--prometheus', prom.url, '--slos', join(dir, 'slos'), '--from', iso(FROM), '--to', iso(TO), '--format', 'json', '--timeout', '120s'], { timeoutMs: 600_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { slos: { id: string; budgetRemaining: number; total: number; corrections: { name: string; start: string; end: string; reason: string; file?: string }[] }[] };
    const of = (id: string) => out.slos.find((x) => x.id === id);
    expect(of('dns')?.corrections).toEqual([{ name: 'live-dns-outage', start: iso(LIVE_OUTAGE).replace('.000Z', 'Z'), end: iso(LIVE_OUTAGE + 20 * MIN).replace('.000Z', 'Z'), reason: 'upstream DNS provider outage again', file: `${join(dir, 'slos', 'corrections.yaml')}:12` }]); // the line of its name
    expect(of('nightly')?.corrections.map((c) => [c.name, c.start])).toEqual([['nightly-upstream-batch', iso(at(3)).replace('.000Z', 'Z')]]);
    expect(of('dns-uncorrected')?.corrections).toEqual([]);
    // The period's budget at the end of the range, as the backtest gives it; 20 minutes x 60 x 20 requests fewer in the range.
    expect(of('dns')?.budgetRemaining).toBeCloseTo(oracle.get('dns')?.find((o) => o.t === TO)?.hand ?? NaN, 6);
    expect((of('dns-uncorrected')?.total ?? 0) - (of('dns')?.total ?? 0)).toBeCloseTo(24_000, 3);
  }, 600_000);

  it('the daemon applies a correction added while it runs at the reload, with no slot missed and the ledger kept', async () => {
    if (!prom) throw new Error('no prometheus');
    const home = mkdtempSync(join(tmpdir(), 'burnwatch-corrections-daemon-'));
    try {
      mkdirSync(join(home, 'slos'));
      writeFileSync(join(home, 'slos', 'dns.yaml'), sloFile('dns', 'dns'));
      const loaded = loadConfig(undefined, { BURNWATCH_SLOS: join(home, 'slos'), BURNWATCH_DB: join(home, 'data', 'burnwatch.db'), BURNWATCH_INTERVAL: '30s' });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      const start = at(1);
      const daemon = await startDaemon(loaded.config, {
        env: {}, cwd: home, timers: new ManualTimers(start), random: () => 0.5, logger: silentLogger, stdout: { write: () => true }, version: 'test',
        source: createPrometheusSource({ url: prom.url, timeoutMs: 120_000 }),
      });
      const cursorOf = (): ReturnType<Ledger['cursor']> => {
        const db = openDb(loaded.config.databasePath);
        try {
          return new Ledger(db).cursor('dns');
        } finally {
          db.close();
        }
      };
      const seen: { t: number; state: string; evaluatedAt?: number; remaining: number }[] = [];
      const cycle = async (t: number): Promise<void> => {
        await daemon.evaluateSlot(t);
        const s = daemon.view.slos().find((x) => x.slo.id === 'dns');
        seen.push({ t, state: s?.state ?? 'missing', ...(s?.evaluatedAtMs === undefined ? {} : { evaluatedAt: s.evaluatedAtMs }), remaining: s?.instances[0]?.observation.budget.remaining ?? NaN });
      };
      try {
        const reloadAt = at(1, 10);
        for (let t = start; t <= reloadAt; t += 30_000) await cycle(t);
        const cursorBefore = cursorOf();
        // The old outage's correction is written and the daemon reloads (as on SIGHUP or when the poller sees it).
        writeFileSync(join(home, 'slos', 'corrections.yaml'), CORRECTIONS.split('---')[0] ?? '');
        expect(await daemon.reload()).toEqual([]);
        for (let t = reloadAt + 30_000; t <= at(1, 20); t += 30_000) await cycle(t);
        const cursorAfter = cursorOf();

        // Every slot evaluated, before and after the reload.
        expect(seen.map((x) => [x.state, x.evaluatedAt])).toEqual(seen.map((x) => ['ok', x.t]));
        // The ledger was kept (not rebuilt): it still starts where it started.
        expect(cursorAfter?.firstSlotMs).toBe(cursorBefore?.firstSlotMs);
        expect(cursorAfter?.fingerprint).toBe(cursorBefore?.fingerprint);
        // Before: the plain budget; from the first slot after the reload: the corrected one (old outage only).
        const source = createPrometheusSource({ url: prom.url, timeoutMs: 120_000 });
        const before = seen.find((x) => x.t === reloadAt);
        const after = seen.find((x) => x.t === reloadAt + 30_000);
        expect(before?.remaining).toBeCloseTo(handBudget(dns, [], reloadAt), 6);
        expect(after?.remaining).toBeCloseTo(handBudget(dns, CORRECTED['dns-old-only'] ?? [], reloadAt + 30_000), 6);
        expect(Math.abs((after?.remaining ?? NaN) - await prometheusBudget(source, 'dns', CORRECTED['dns-old-only'] ?? [], reloadAt + 30_000))).toBeLessThanOrEqual(0.001);
        console.log(`daemon reload: budget ${pct(before?.remaining ?? NaN)} at ${iso(reloadAt)}, ${pct(after?.remaining ?? NaN)} one slot after the correction was loaded`);
      } finally {
        await daemon.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 600_000);
});

function pct(fraction: number): string {
  return `${(100 * fraction).toFixed(4)} %`;
}
