import { parseCounterSum } from '../promql/counters.js';
import { isSampled } from '../slo/counting.js';
import { errorBudget } from '../slo/model.js';
import { formatDuration } from '../slo/duration.js';
import { nominalPeriodMs, tierCanFire } from '../slo/windows.js';
import type { LoadedSlo } from './loaded.js';
import { locationOf } from './loaded.js';
import type { LocatedProblem } from './located.js';

/**
 * Checks on the model that every format shares: ids unique across files, tier windows that fit the period,
 * and tiers that can never fire. Pure: the runbook-exists check, which reads the disk, lives in `load.ts`.
 */
export function checkModels(loaded: readonly LoadedSlo[], options: { ignoreDuplicates?: boolean } = {}): LocatedProblem[] {
  const errors: LocatedProblem[] = [];
  const seen = new Map<string, LoadedSlo>();
  for (const l of loaded) {
    const first = seen.get(l.slo.id);
    if (first && options.ignoreDuplicates !== true) {
      const at = locationOf(first, 'id');
      errors.push({
        ...locationOf(l, 'id'),
        message: `duplicate SLO id "${l.slo.id}": also defined at ${at.file}:${at.line}:${at.col}`,
        hint: 'SLO ids must be unique across all files; rename one of them',
      });
    } else if (!first) {
      seen.set(l.slo.id, l);
    }
    errors.push(...checkTiers(l));
    errors.push(...checkSampling(l));
  }
  return errors;
}

/**
 * A warning at each query whose budget burnwatch samples (an expression it does not read as counters): the
 * events of a scrape gap are not counted, since a window without a sample on one side has no increase.
 */
function checkSampling(l: LoadedSlo): LocatedProblem[] {
  const { indicator } = l.slo;
  if (!isSampled(indicator)) return [];
  const warn = (key: string, message: string, hint: string): LocatedProblem => ({ ...(l.at[key] ?? locationOf(l, 'id')), severity: 'warning', message, hint });
  const sampled = 'burnwatch samples this expression every evaluation over a short rate window, so its error budget cannot count the events of scrape gaps';
  const counters = 'if it reads counters, write it as sum [by (...)] (rate(<counter selector>[{{.window}}])), or sums or a ratio of such terms: burnwatch then counts every increment of the counters';
  switch (indicator.kind) {
    case 'events': {
      const sides = (['events', 'total'] as const).filter((side) => {
        const q = indicator[side];
        return q.kind === 'template' && parseCounterSum(q.template) === undefined;
      });
      return sides.map((side) => warn(`query:${side}`, sampled, counters));
    }
    case 'ratio':
      return [warn('query:ratio', sampled, counters)];
    case 'latency':
      return [warn('query:latency', 'burnwatch samples native histograms every evaluation over a short rate window, so the error budget cannot count the events of scrape gaps', 'classic histograms (_bucket and _count counters) are counted exactly')];
    case 'boolGauge':
    case 'composite':
      return [];
  }
}

function checkTiers(l: LoadedSlo): LocatedProblem[] {
  const { slo } = l;
  const errors: LocatedProblem[] = [];
  const budget = errorBudget(slo.objective);
  const periodMs = nominalPeriodMs(slo.period);
  for (const tier of slo.alerting.tiers) {
    const severityOn = tier.severity === 'page' ? slo.alerting.page.enabled : slo.alerting.ticket.enabled;
    const at = l.at[`tier:${tier.name}`] ?? locationOf(l, 'objective');
    if (severityOn && !tierCanFire(tier, budget)) {
      errors.push({
        ...at,
        message: `tier ${tier.name} can never fire: its threshold ${tier.factor} x ${round(budget)} = ${round(tier.factor * budget)} is an error ratio of 100 % or more`,
        hint: `with objective ${slo.objective} the burn rate can reach at most ${round(1 / budget)}; lower the tier's burnRate/budgetPercent, use a longer long window, or disable the tier`,
      });
    }
    if (tier.shortMs >= tier.longMs) {
      errors.push({ ...at, message: `tier ${tier.name}: the short window must be shorter than the long window` });
    }
    if (tier.longMs > periodMs) {
      errors.push({ ...at, message: `tier ${tier.name}: the long window ${formatDuration(tier.longMs)} is longer than the period ${formatDuration(periodMs)}` });
    }
  }
  return errors;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
