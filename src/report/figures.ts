import { countsEvents } from '../slo/counting.js';
import type { WindowSum } from '../slo/evaluate.js';
import type { MaintenanceWindow, Slo } from '../slo/model.js';
import { errorBudget } from '../slo/model.js';
import { occurrencesOverlapping } from '../slo/maintenance.js';
import type { EventUnit, MaintenanceOccurrence } from './model.js';

/**
 * The figures of a report over a range, from ledger sums. Pure.
 *
 * With N events in the range of which B are bad, and an objective of O %, the range's error budget is
 * (100 - O) % of N events; the share of it spent is (B / N) / ((100 - O) / 100), the SLI is (N - B) / N.
 * Timeslice budgeting counts slices instead of events (bad slices, or the sum of per-slice error ratios).
 */

/** Bad and all units of a sum, as the SLO's budgeting counts them. */
export function badAndTotal(slo: Slo, sum: WindowSum): { bad: number; total: number } {
  if (slo.budgeting.kind === 'occurrences') return { bad: sum.bad, total: sum.total };
  return { bad: sum.sliceBad, total: sum.slices };
}

export function unitOf(slo: Slo): EventUnit {
  if (slo.budgeting.kind !== 'occurrences') return 'slices';
  return countsEvents(slo.indicator) ? 'events' : 'seconds';
}

export interface RangeFigures {
  readonly good: number;
  readonly total: number;
  readonly sli: number | null;
  readonly budgetSpent: number | null;
}

export function rangeFigures(slo: Slo, sum: WindowSum): RangeFigures {
  const { bad, total } = badAndTotal(slo, sum);
  if (!(total > 0)) return { good: 0, total: 0, sli: null, budgetSpent: null };
  const errorRatio = Math.min(1, Math.max(0, bad / total));
  return { good: total - Math.min(total, Math.max(0, bad)), total, sli: 1 - errorRatio, budgetSpent: errorRatio / errorBudget(slo.objective) };
}

/** Share of a range's error budget (error budget x the range's total) that `bad` units used; null when the range had none. */
export function shareOfBudget(slo: Slo, bad: number, rangeTotal: number): number | null {
  if (!(rangeTotal > 0)) return null;
  return Math.max(0, bad) / (errorBudget(slo.objective) * rangeTotal);
}

/**
 * The occurrences of maintenance windows that overlap (fromMs, toMs], cut to it, earliest first: at most
 * `limit` of them listed, all of them counted (a window repeating every minute over a quarter is counted, not
 * enumerated).
 */
export function maintenanceIn(windows: readonly MaintenanceWindow[], fromMs: number, toMs: number, limit: number): { list: MaintenanceOccurrence[]; count: number } {
  const list: MaintenanceOccurrence[] = [];
  let count = 0;
  for (const w of windows) {
    const { first, last } = occurrencesOverlapping(w, fromMs, toMs);
    if (last < first) continue;
    count += last - first + 1;
    for (let k = first; k <= last && k < first + limit; k++) list.push(cut(w.startMs + k * (w.everyMs ?? 0), w.durationMs, w.reason, fromMs, toMs));
  }
  list.sort((a, b) => a.startMs - b.startMs);
  return { list: list.slice(0, limit), count };
}

function cut(startMs: number, durationMs: number, reason: string, fromMs: number, toMs: number): MaintenanceOccurrence {
  return { startMs: Math.max(startMs, fromMs), endMs: Math.min(startMs + durationMs, toMs), reason };
}

const MINUTE = 60_000;
const NICE_STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 180 * MINUTE, 360 * MINUTE, 720 * MINUTE, 1440 * MINUTE];

/** A chart step: the shortest of 1m, 5m, 15m, 30m, 1h, 3h, 6h, 12h or whole days that gives at most `maxPoints` steps. */
export function timelineStep(rangeMs: number, maxPoints: number): number {
  const wanted = rangeMs / maxPoints;
  const nice = NICE_STEPS.find((s) => s >= wanted);
  if (nice !== undefined) return nice;
  const day = 1440 * MINUTE;
  return Math.ceil(wanted / day) * day;
}
