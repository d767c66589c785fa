import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusSource } from '../src/metrics/prometheus/client.js';
import type { StepRecord } from '../src/engine/replay.js';
import { errorBudget } from '../src/slo/model.js';
import { errorRatioQuery } from '../src/slo/queries.js';
import { catalogForPeriod, tiersFromCatalog } from '../src/slo/windows.js';
import { formatDuration } from '../src/slo/duration.js';
import { runCli } from './support/cli.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';
import type { Scenario } from './support/scenarios.js';
import { between, scenarioSeries } from './support/scenarios.js';
import { startVictoriaMetrics } from './support/victoria-metrics.js';
import type { RunningVictoriaMetrics } from './support/victoria-metrics.js';

/**
 * burnwatch's page/ticket decisions against Prometheus's own evaluation of the Sloth-style multi-window
 * alert expressions on the same data (a real Prometheus 2.42 with a backfilled TSDB). The scenarios are ours:
 * sharp outage, fast burn, slow burn, flapping, low traffic, zero traffic, counter resets, scrape gaps,
 * recovery. Data: 3 days of healthy history, then the incidents; compared every 60 s over 30 hours.
 * burnwatch reads the data from each backend in turn (Prometheus itself, then a real VictoriaMetrics 1.79
 * holding the same samples); Prometheus's evaluation stays the oracle for both.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEP = 60_000;
const HISTORY_START = Date.UTC(2026, 10, 10);
const FROM = HISTORY_START + 3 * DAY;
const TO = FROM + 30 * HOUR;
const at = (h: number, m = 0): number => FROM + h * HOUR + m * MIN;
const OBJECTIVE = 99.9;

const scenarios: Scenario[] = [
  { name: 'sharp-outage', rps: () => 20, errorShare: (t) => (between(t, at(2), at(2, 15)) ? 1 : 0.0002) },
  { name: 'fast-burn', rps: () => 20, errorShare: (t) => (between(t, at(3), at(4, 30)) ? 0.05 : 0.0002) },
  { name: 'slow-burn', rps: () => 20, errorShare: (t) => (between(t, at(1), at(25)) ? 0.004 : 0.0002) },
  { name: 'flapping', rps: () => 20, errorShare: (t) => (between(t, at(5), at(7)) && Math.floor((t - at(5)) / (5 * MIN)) % 3 === 0 ? 0.2 : 0.0002) },
  { name: 'low-traffic', rps: () => 0.05, errorShare: (t) => (between(t, at(6), at(6, 40)) ? 0.5 : 0) },
  { name: 'zero-traffic', rps: (t) => (between(t, at(8), at(10)) ? 0 : 20), errorShare: (t) => (between(t, at(10), at(10, 20)) ? 0.3 : 0.0002) },
  { name: 'counter-resets', rps: () => 20, errorShare: (t) => (between(t, at(11), at(11, 40)) ? 0.1 : 0.0002), resets: [at(11, 10), at(11, 25), at(20)] },
  { name: 'scrape-gaps', rps: () => 20, errorShare: (t) => (between(t, at(12), at(12, 30)) ? 0.1 : 0.0002), scraped: (t) => !between(t, at(12, 10), at(12, 17)) && !between(t, at(14), at(14, 12)) },
  { name: 'recovery', rps: () => 20, errorShare: (t) => (between(t, at(15), at(15, 45)) ? 0.5 : between(t, at(15, 45), at(17)) ? 0.002 : 0.0002) },
];

function sloFile(s: Scenario): string {
  return `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${s.name}, service: ${s.name} }
spec:
  objective: ${OBJECTIVE}
  period: 30d
  indicator:
    events:
      errors: http_requests_total{service="${s.name}",code="500"}
      total: http_requests_total{service="${s.name}"}
`;
}

/** Sloth's alert expression for one severity, with the SLI inlined instead of recorded (same math). */
function slothAlertExpr(service: string, severity: 'page' | 'ticket'): string {
  const period = 30 * DAY;
  const budget = errorBudget(OBJECTIVE);
  const indicator = {
    kind: 'events' as const,
    count: 'bad' as const,
    events: { kind: 'selector' as const, selector: `http_requests_total{service="${service}",code="500"}` },
    total: { kind: 'selector' as const, selector: `http_requests_total{service="${service}"}` },
  };
  const ratio = (ms: number): string => `(${errorRatioQuery(indicator, [], formatDuration(ms))})`;
  return tiersFromCatalog(catalogForPeriod(period), period)
    .filter((t) => t.severity === severity)
    .map((t) => `(${ratio(t.shortMs)} > (${t.factor} * ${budget}) and ${ratio(t.longMs)} > (${t.factor} * ${budget}))`)
    .join(' or ');
}

let prom: RunningPrometheus | undefined;
let dir = '';
const theirs = new Map<string, { page: Set<number>; ticket: Set<number> }>();
const haveProm = hasBinary('prometheus') && hasBinary('promtool');

type Backend = 'prometheus' | 'victoria-metrics';
const BACKENDS: readonly Backend[] = ['prometheus', 'victoria-metrics'];
const haveVm = hasBinary('victoria-metrics');
if (!haveVm) console.warn('victoria-metrics is not installed (apt-get install -y victoria-metrics): its scenarios are skipped');

describe.skipIf(!haveProm)('burnwatch vs Prometheus on the Sloth-style alert expressions', () => {
  beforeAll(async () => {
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(scenarioSeries(scenarios, HISTORY_START, TO)) });
    dir = mkdtempSync(join(tmpdir(), 'burnwatch-scenarios-'));
    for (const s of scenarios) writeFileSync(join(dir, `${s.name}.yaml`), sloFile(s));
    // Prometheus: query_range of the same expressions at the same steps.
    const source = createPrometheusSource({ url: prom.url });
    for (const s of scenarios) {
      const sets = { page: new Set<number>(), ticket: new Set<number>() };
      for (const severity of ['page', 'ticket'] as const) {
        const r = await source.rangeQuery(slothAlertExpr(s.name, severity), new Date(FROM), new Date(TO), STEP);
        for (const series of r.series) for (const [t] of series.points) sets[severity].add(t);
      }
      theirs.set(s.name, sets);
    }
  }, 600_000);

  afterAll(async () => {
    await prom?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  describe.each(BACKENDS.filter((b) => b === 'prometheus' || haveVm))('burnwatch reading %s', (backend) => {
    let vm: RunningVictoriaMetrics | undefined;
    let ours: StepRecord[] = [];

    beforeAll(async () => {
      if (!prom) throw new Error('no prometheus');
      vm = backend === 'victoria-metrics' ? await startVictoriaMetrics({ series: scenarioSeries(scenarios, HISTORY_START, TO) }) : undefined;
      const url = vm?.url ?? prom.url;
      // burnwatch: the backtest command, as a user runs it.
      const run = runCli(['backtest', '--prometheus', url, '--slos', dir, '--from', new Date(FROM).toISOString(), '--to', new Date(TO).toISOString(), '--step', '60s', '--format', 'jsonl']);
      if (run.status !== 0) throw new Error(`backtest failed (${run.status}): ${run.stderr}`);
      ours = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepRecord);
    }, 600_000);

    afterAll(async () => {
      await vm?.stop();
    });

    it('emits one record per step and SLO instance in the documented shape', () => {
      const steps = (TO - FROM) / STEP + 1;
      expect(ours).toHaveLength(steps * scenarios.length);
      const r = ours.find((x) => x.slo === 'sharp-outage' && x.time === new Date(at(2, 10)).toISOString().replace('.000Z', 'Z'));
      expect(r).toBeDefined();
      expect(Object.keys(r ?? {})).toEqual(['time', 'slo', 'labels', 'page', 'ticket', 'tiers', 'alerts', 'budgetRemaining']);
      expect(r?.page).toBe(true);
      expect(Object.keys(r?.tiers ?? {})).toEqual(['page-1h-5m', 'page-6h-30m', 'ticket-1d-2h', 'ticket-3d-6h']);
      expect(r?.tiers['page-1h-5m']).toMatchObject({ threshold: 14.4, active: true });
      expect(r?.alerts.page).toBe('firing');
    });

    it('agrees with Prometheus on page and ticket at >= 99.9 % of steps, per scenario and overall', () => {
      let agree = 0;
      let total = 0;
      const report: string[] = [];
      for (const s of scenarios) {
        const p = theirs.get(s.name);
        let a = 0;
        let n = 0;
        const diffs: string[] = [];
        for (const r of ours.filter((x) => x.slo === s.name)) {
          const t = Date.parse(r.time);
          for (const severity of ['page', 'ticket'] as const) {
            n++;
            const prom = p?.[severity].has(t) ?? false;
            if (prom === r[severity]) a++;
            else if (diffs.length < 5) diffs.push(`${r.time} ${severity}: prometheus ${prom}, burnwatch ${r[severity]}`);
          }
        }
        agree += a;
        total += n;
        report.push(`${s.name.padEnd(16)} ${(100 * a / n).toFixed(3)} %  ${diffs.join('; ')}`);
      }
      console.log(`agreement per scenario (page+ticket, ${total / 2 / scenarios.length} steps each):\n${report.join('\n')}\noverall ${(100 * agree / total).toFixed(3)} %`);
      expect(agree / total).toBeGreaterThanOrEqual(0.999);
    });

    it('starts every firing episode of Prometheus within two steps of one of ours', () => {
      const misses: string[] = [];
      for (const s of scenarios) {
        for (const severity of ['page', 'ticket'] as const) {
          const promTimes = [...(theirs.get(s.name)?.[severity] ?? [])].sort((a, b) => a - b);
          const starts = promTimes.filter((t) => !promTimes.includes(t - STEP) && t !== FROM);
          const oursTrue = new Set(ours.filter((r) => r.slo === s.name && r[severity]).map((r) => Date.parse(r.time)));
          for (const start of starts) {
            const near = [-2, -1, 0, 1, 2].some((k) => oursTrue.has(start + k * STEP) && !oursTrue.has(start + (k - 1) * STEP));
            if (!near) misses.push(`${s.name} ${severity} at ${new Date(start).toISOString()}`);
          }
        }
      }
      expect(misses).toEqual([]);
    });

    it('pages on every scripted incident that the workbook says must page, and never on the healthy ones', () => {
      const pagedAt = (name: string): number[] => ours.filter((r) => r.slo === name && r.alerts.page === 'firing').map((r) => Date.parse(r.time));
      for (const name of ['sharp-outage', 'fast-burn', 'flapping', 'recovery', 'counter-resets', 'scrape-gaps', 'zero-traffic']) expect(pagedAt(name).length, name).toBeGreaterThan(0);
      // 0.4 % errors is a 4x burn: tickets (1x and 3x tiers), never a page (6x and 14.4x).
      expect(pagedAt('slow-burn')).toEqual([]);
      expect(ours.some((r) => r.slo === 'slow-burn' && r.alerts.ticket === 'firing')).toBe(true);
    });

    it('matches the workbook detection and reset times for a full outage (99.9 %, 1h/5m x14.4 and 6h/30m x6)', () => {
      // Detection: (1 - SLO) / error ratio x window x burn = 0.001 / 1 x 60 min x 14.4 = 51.8 s -> the first 60 s step.
      const firstPage = ours.find((r) => r.slo === 'sharp-outage' && r.page && Date.parse(r.time) > at(2));
      expect(Date.parse(firstPage?.time ?? '')).toBe(at(2, 1));
      // Reset: the 6h/30m tier is active too; its 30m short window drops under 0.6 % 30 x (1 - 0.006) = 29.8 min
      // after the outage ends (slo-anchors' derived table).
      const lastPage = ours.filter((r) => r.slo === 'sharp-outage' && r.page).map((r) => Date.parse(r.time)).reduce((a, b) => Math.max(a, b), 0);
      expect(lastPage - at(2, 15)).toBeGreaterThanOrEqual(29 * MIN);
      expect(lastPage - at(2, 15)).toBeLessThanOrEqual(30 * MIN);
    });

    it('keeps the budget within 0.5 % of Prometheus\'s increase-based figure', async () => {
      if (!prom) throw new Error('no prometheus');
      const source = createPrometheusSource({ url: prom.url });
      const budget = errorBudget(OBJECTIVE);
      const checks: string[] = [];
      for (const s of scenarios) {
        for (const t of [at(6), at(18), TO]) {
          const expr = `1 - (sum(increase(http_requests_total{service="${s.name}",code="500"}[30d])) / sum(increase(http_requests_total{service="${s.name}"}[30d]))) / ${budget}`;
          const r = await source.instantQuery(expr, new Date(t));
          const promValue = r.kind === 'vector' ? r.samples[0]?.value : undefined;
          const our = ours.find((x) => x.slo === s.name && Date.parse(x.time) === t)?.budgetRemaining;
          checks.push(`${s.name} ${new Date(t).toISOString()}: prometheus ${promValue}, burnwatch ${our}`);
          expect(promValue, checks.at(-1)).toBeDefined();
          expect(Math.abs((our ?? NaN) - (promValue ?? NaN)), checks.at(-1)).toBeLessThanOrEqual(0.005);
        }
      }
    });
  });
});
