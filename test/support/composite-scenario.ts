import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import type { StepRecord } from '../../src/engine/replay.js';
import { replay } from '../../src/engine/replay.js';
import { loadSpecs } from '../../src/formats/load.js';
import { createPrometheusSource } from '../../src/metrics/prometheus/client.js';
import { errorBudget } from '../../src/slo/model.js';
import { openDb } from '../../src/store/db.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { silentLogger as quiet } from './logger.js';
import { RecordingSink } from './notification.js';
import { startPrometheus, toOpenMetrics } from './prometheus.js';
import type { RunningPrometheus } from './prometheus.js';
import type { Scenario } from './scenarios.js';
import { handCount, scenarioSeries } from './scenarios.js';

/**
 * A composite SLO over scenario children against a real Prometheus (TSDB backfilled with promtool), run the
 * daemon's way (the engine replays the range slot by slot, notifying through a sink); with the weighted figures
 * it is checked against: the hand count from the samples the TSDB holds, and Prometheus's increase().
 */

export type Child = Scenario & { readonly weight: number };

export const errorsOf = (s: Scenario): string => `http_requests_total{service="${s.name}",code="500"}`;
export const totalOf = (s: Scenario): string => `http_requests_total{service="${s.name}"}`;

/** A child's SLO file: 99.9 % over 30 days of its errors and requests, with `alerting` (YAML lines of `spec`) if given. */
export function childFile(s: Scenario, alerting = ''): string {
  return `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${s.name}, service: ${s.name} }
spec:
  objective: 99.9
  period: 30d
  indicator:
    events:
      errors: ${errorsOf(s)}
      total: ${totalOf(s)}
${alerting}`;
}

/** The composite checkout-journey over `children` (weightedEvents, 28 days), with `alerting` (a YAML line of `spec`) if given. */
export function compositeFile(children: readonly Child[], objective: number, alerting = ''): string {
  return `apiVersion: burnwatch/v1
kind: CompositeSLO
metadata: { name: checkout-journey, service: checkout }
spec:
  objective: ${objective}
  period: 28d
  method: weightedEvents
  children:
${children.map((c) => `    - { slo: ${c.name}, weight: ${c.weight} }`).join('\n')}
${alerting}`;
}

/** The weighted budget left at `t`, counted by hand from the samples the TSDB holds since `historyStart`. */
export function weightedHandBudget(children: readonly Child[], historyStart: number, t: number, periodMs: number, objective: number): number {
  let bad = 0;
  let total = 0;
  for (const c of children) {
    const n = handCount(c, historyStart, t, periodMs);
    bad += c.weight * n.errors;
    total += c.weight * n.total;
  }
  return 1 - bad / total / errorBudget(objective);
}

/** Prometheus's figure: its increase() of the weighted sums over the 28-day period. */
export function weightedIncreaseExpr(children: readonly Child[], objective: number): string {
  const sum = (f: (s: Scenario) => string): string => children.map((c) => `${c.weight} * sum(increase(${f(c)}[28d]))`).join(' + ');
  return `1 - ((${sum(errorsOf)}) / (${sum(totalOf)})) / ${errorBudget(objective)}`;
}

export interface CompositeRun {
  readonly prom: RunningPrometheus;
  /** The folder of the SLO files. */
  readonly dir: string;
  readonly records: readonly StepRecord[];
  readonly sink: RecordingSink;
  /** The composite's budget left at each of the instants asked for. */
  readonly budgets: ReadonlyMap<number, number>;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with the children's counters from `historyStart` to `toMs`, writes the SLO files and replays
 * [fromMs, toMs] at 1-minute slots, keeping the composite's budget at each of `checks`.
 */
export async function runComposite(o: { children: readonly Child[]; files: Readonly<Record<string, string>>; historyStart: number; fromMs: number; toMs: number; checks: readonly number[] }): Promise<CompositeRun> {
  const prom = await startPrometheus({ openMetrics: () => toOpenMetrics(scenarioSeries(o.children, o.historyStart, o.toMs)), backfillBlockDuration: '512h' });
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-composite-'));
  const stop = async (): Promise<void> => {
    await prom.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const records: StepRecord[] = [];
  const sink = new RecordingSink();
  const budgets = new Map<number, number>();
  try {
    for (const [name, text] of Object.entries(o.files)) writeFileSync(join(dir, name), text);
    const { slos, errors } = loadSpecs([dir]);
    if (errors.length > 0) throw new Error(JSON.stringify(errors));
    const db = openDb(':memory:');
    try {
      const engine = new Engine({ source: createPrometheusSource({ url: prom.url, timeoutMs: 120_000 }), store: new SqliteStore(db, ':memory:'), logger: quiet, sink }, { slotMs: 60_000, rateWindowMs: 120_000, links: {} });
      await replay(engine, slos, { fromMs: o.fromMs, toMs: o.toMs, stepMs: 60_000 }, (steps) => {
        records.push(...steps);
        const t = Date.parse(steps[0]?.time ?? '');
        const journey = steps.find((r) => r.slo === 'checkout-journey');
        if (o.checks.includes(t) && journey?.budgetRemaining != null) budgets.set(t, journey.budgetRemaining);
      });
    } finally {
      db.close();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { prom, dir, records, sink, budgets, stop };
}

/**
 * The composite's budget at each check against the hand count (within 1e-6) and Prometheus's increase()
 * (within 0.001): the table of all three, and the rows that are off.
 */
export async function compareBudgets(run: CompositeRun, checks: readonly number[], hand: (t: number) => number, expr: string): Promise<{ table: string; off: string[] }> {
  const source = createPrometheusSource({ url: run.prom.url });
  const rows: string[] = [];
  const off: string[] = [];
  for (const t of checks) {
    const r = await source.instantQuery(expr, new Date(t));
    const theirs = r.kind === 'vector' ? r.samples[0]?.value ?? NaN : NaN;
    const mine = hand(t);
    const ours = run.budgets.get(t) ?? NaN;
    rows.push(`${new Date(t).toISOString()} hand ${mine.toFixed(9)} burnwatch ${ours.toFixed(9)} prometheus ${theirs.toFixed(9)}`);
    if (!(Math.abs(ours - mine) <= 1e-6 && Math.abs(ours - theirs) <= 0.001)) off.push(rows.at(-1) ?? '');
  }
  return { table: rows.join('\n'), off };
}
