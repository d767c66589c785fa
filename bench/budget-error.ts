import type { Engine } from '../src/engine/engine.js';
import type { MetricsSource } from '../src/metrics/source.js';
import { errorBudget } from '../src/slo/model.js';
import type { Slo } from '../src/slo/model.js';
import { DAY } from '../src/slo/duration.js';
import type { Route, Scenario } from './synthetic.js';
import { counterValuesAt, METRIC, routes, sloId } from './synthetic.js';

/**
 * The error of the budget burnwatch reports, against two oracles: Prometheus's own
 * `1 - (increase(errors[30d]) / increase(total[30d])) / budget`, and the hand count of the synthetic counters
 * (their values at the window's end minus those at its start). Differences are in points of budget (1 = 1 %).
 */
export interface BudgetErrors {
  readonly atMs: number;
  readonly slos: number;
  /** Against Prometheus's increase(): largest and mean absolute difference, and the SLO with the largest. */
  readonly maxVsPrometheus: number;
  readonly meanVsPrometheus: number;
  readonly worstVsPrometheus: string;
  /** Against the hand count. */
  readonly maxVsHandCount: number;
  readonly meanVsHandCount: number;
}

export async function budgetErrors(engine: Engine, source: MetricsSource, slos: readonly Slo[], atMs: number, scenario: Scenario): Promise<BudgetErrors> {
  const increase = async (selector: string): Promise<Map<string, number>> => {
    const r = await source.instantQuery(`sum by (service, route) (increase(${selector}[30d]))`, new Date(atMs));
    if (r.kind !== 'vector') throw new Error('increase() did not return a vector');
    return new Map(r.samples.map((s) => [`${s.labels['service']}|${s.labels['route']}`, s.value]));
  };
  const [errors, total] = await Promise.all([increase(`${METRIC}{code="500"}`), increase(METRIC)]);
  const byId = new Map(routes().map((r): [string, Route] => [sloId(r, 0), r]));
  const vsProm: { id: string; diff: number }[] = [];
  const vsHand: number[] = [];
  for (const slo of slos) {
    const ours = engine.status(slo.id)?.instances[0]?.observation.budget.remaining;
    const route = byId.get(slo.id);
    if (ours === undefined || route === undefined) throw new Error(`no budget or route for ${slo.id}`);
    const key = `${route.service}|${route.route}`;
    const budget = errorBudget(slo.objective);
    const prom = 1 - ((errors.get(key) ?? NaN) / (total.get(key) ?? NaN)) / budget;
    const [start, end] = counterValuesAt(route.index, scenario, [atMs - 30 * DAY, atMs]);
    const handErrors = (end?.err ?? NaN) - (start?.err ?? NaN);
    const handTotal = (end?.ok ?? NaN) + (end?.err ?? NaN) - (start?.ok ?? NaN) - (start?.err ?? NaN);
    const hand = 1 - (handErrors / handTotal) / budget;
    vsProm.push({ id: slo.id, diff: 100 * Math.abs(ours - prom) });
    vsHand.push(100 * Math.abs(ours - hand));
  }
  const worst = vsProm.reduce((a, b) => (b.diff > a.diff ? b : a), { id: '', diff: -1 });
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    atMs,
    slos: slos.length,
    maxVsPrometheus: worst.diff,
    meanVsPrometheus: mean(vsProm.map((x) => x.diff)),
    worstVsPrometheus: worst.id,
    maxVsHandCount: Math.max(...vsHand),
    meanVsHandCount: mean(vsHand),
  };
}
