import { periodWindow } from './calendar.js';
import type { TimeRange } from './corrections.js';
import { correctedRanges } from './corrections.js';
import { countsEvents as ledgerCountsEvents } from './counting.js';
import { HOUR } from './duration.js';
import type { Severity, Slo, Tier } from './model.js';
import { errorBudget } from './model.js';
import { nominalPeriodMs } from './windows.js';

/**
 * Multi-window multi-burn-rate evaluation of one SLO instance at one instant, from window sums read from the
 * ledger beforehand (`readSums`). Pure: time and data come in as arguments.
 */

/** Sums over a window (t - w, t] of the ledger. */
export interface WindowSum {
  /** Bad events (time-weighted seconds for ratio indicators). */
  readonly bad: number;
  /** All events (seconds with data for ratio indicators). */
  readonly total: number;
  /** Bad slices (timeslices) or the sum of per-slice error ratios (ratioTimeslices). */
  readonly sliceBad: number;
  /** Complete slices with data. */
  readonly slices: number;
  /** Ledger slots in the window that had data. */
  readonly dataSlots: number;
}

export const EMPTY_SUM: WindowSum = { bad: 0, total: 0, sliceBad: 0, slices: 0, dataSlots: 0 };

/**
 * The sums one evaluation of an instance at one instant reads, as plain data (read beforehand with `readSums`):
 * every window `windowsOf(slo)` lists, and the budget period so far.
 */
export interface InstanceSums {
  /** Sums over (atMs - length, atMs], by window length in ms. */
  readonly windows: ReadonlyMap<number, WindowSum>;
  /** Sums from the start of the budget period at atMs (`periodWindow`, exclusive) to atMs (inclusive). */
  readonly period: WindowSum;
}

/** Where window sums are read from at one instant (the ledger, or rows a chart preloaded). */
export interface SumReader {
  window(ms: number): WindowSum;
  /** Sums from `startMs` (exclusive) to the instant (inclusive). */
  since(startMs: number): WindowSum;
}

/**
 * Reads the sums an evaluation of `slo` at `atMs` needs, once each. The slots of the SLO's budget corrections
 * are left out of all of them, windows and period alike (`slo/corrections.ts`), as maintenance slots are.
 */
export function readSums(slo: Slo, atMs: number, reader: SumReader): InstanceSums {
  const windows = new Map<number, WindowSum>();
  for (const ms of windowsOf(slo)) windows.set(ms, corrected(slo, reader.window(ms), atMs - ms, atMs, reader));
  return { windows, period: readPeriodSums(slo, atMs, reader).period };
}

/** Reads only the budget period's sums (budget corrections left out): all `budgetStatus` needs. */
export function readPeriodSums(slo: Slo, atMs: number, reader: SumReader): Pick<InstanceSums, 'period'> {
  const startMs = periodWindow(slo.period, atMs).startMs;
  return { period: corrected(slo, reader.since(startMs), startMs, atMs, reader) };
}

/** `sum`, the sums over (startMs, atMs], without the slots the SLO's budget corrections take out. */
function corrected(slo: Slo, sum: WindowSum, startMs: number, atMs: number, reader: SumReader): WindowSum {
  if (slo.corrections === undefined || slo.corrections.length === 0) return sum;
  const ranges = correctedRanges(slo, startMs, atMs);
  if (ranges.length === 0) return sum;
  // (a, b] is what (a, atMs] holds beyond (b, atMs].
  return withoutRanges(sum, ranges, (a, b) => minus(reader.since(a), reader.since(b)));
}

/**
 * `sum` (the sums over a stretch of time) without the events of `ranges` inside it (`corrections.ts`):
 * `between(a, b)` gives the sums over (a, b]. Bad and total events, bad and counted slices are taken out; the
 * slots with data stay (a corrected slot had data: the SLO is not "without data" because of a correction).
 */
export function withoutRanges(sum: WindowSum, ranges: readonly TimeRange[], between: (startMs: number, endMs: number) => WindowSum): WindowSum {
  let out = sum;
  for (const r of ranges) if (r.endMs > r.startMs) out = minus(out, { ...between(r.startMs, r.endMs), dataSlots: 0 });
  return out;
}

/** a - b, field by field, never below 0: with cumulative sums, the sums over (b, a]. */
export function minus(a: WindowSum, b: WindowSum): WindowSum {
  return {
    bad: Math.max(0, a.bad - b.bad),
    total: Math.max(0, a.total - b.total),
    sliceBad: Math.max(0, a.sliceBad - b.sliceBad),
    slices: Math.max(0, a.slices - b.slices),
    dataSlots: Math.max(0, a.dataSlots - b.dataSlots),
  };
}

function windowSum(sums: InstanceSums, ms: number): WindowSum {
  const sum = sums.windows.get(ms);
  if (sum === undefined) throw new Error(`the sums of a ${ms} ms window were not read (readSums reads every window the SLO uses)`);
  return sum;
}

export interface TierObservation {
  readonly name: string;
  readonly severity: Severity;
  readonly longMs: number;
  readonly shortMs: number;
  /** Error ratios over the long and short windows (NaN when a window holds no events). */
  readonly longRatio: number;
  readonly shortRatio: number;
  /** Burn rates: error ratio / error budget. */
  readonly longBurnRate: number;
  readonly shortBurnRate: number;
  /** The tier's burn-rate factor (14.4). */
  readonly threshold: number;
  /** Both windows above `factor x errorBudget` (strict `>`, float64 as Sloth writes it). */
  readonly active: boolean;
  /** Events in the long window (for `minEvents`). */
  readonly longEvents: number;
  /** Active and with at least `minEvents` events in its long window. */
  readonly qualifies: boolean;
  readonly forMs: number;
}

export interface BudgetStatus {
  /** Remaining share of the period's error budget (1 = untouched, 0 = exhausted, negative = overspent). */
  readonly remaining: number;
  readonly consumed: number;
  /** At the current burn rate, until the budget is exhausted; null when not burning (or when the period ends first). */
  readonly timeToExhaustionMs: number | null;
  /** Error ratio over the budget period so far. */
  readonly errorRatio: number;
  readonly events: number;
  readonly periodStartMs: number;
  readonly periodEndMs: number;
}

export interface Observation {
  readonly atMs: number;
  readonly tiers: readonly TierObservation[];
  /** Raw multi-window conditions: any tier of the severity active, before `for`, `minEvents` and inhibition. */
  readonly raw: Readonly<Record<Severity, boolean>>;
  /** No data in the freshest window: conditions are unknown (never a page, never a resolve). */
  readonly unknown: boolean;
  readonly budget: BudgetStatus;
  /** The burn rate used for time to exhaustion (over `CURRENT_BURN_WINDOW_MS`). */
  readonly currentBurnRate: number;
}

/** Window used for "the current burn" in time to exhaustion. */
export const CURRENT_BURN_WINDOW_MS = HOUR;

/** The burn rate over a window: its error ratio over the error budget (NaN without events). */
export function burnRateOf(sum: WindowSum, slices: boolean, budgetFraction: number): number {
  return ratioOf(sum, slices) / budgetFraction;
}

/**
 * The share of the error budget consumed over the period so far: its error ratio over the budget (0 without
 * events in the period).
 */
export function budgetConsumed(slo: Slo, period: WindowSum): number {
  const ratio = ratioOf(period, slo.budgeting.kind !== 'occurrences');
  return Number.isNaN(ratio) ? 0 : ratio / errorBudget(slo.objective);
}

export function ratioOf(sum: WindowSum, slices: boolean): number {
  if (slices) return sum.slices > 0 ? sum.sliceBad / sum.slices : NaN;
  return sum.total > 0 ? sum.bad / sum.total : NaN;
}

/** The shortest window that decides whether an instance currently has data. */
export function freshnessWindowMs(tiers: readonly Tier[]): number {
  let ms = FRESHNESS.get(tiers);
  if (ms === undefined) {
    const shorts = tiers.map((t) => t.shortMs);
    ms = shorts.length > 0 ? Math.min(...shorts) : 5 * 60_000;
    FRESHNESS.set(tiers, ms);
  }
  return ms;
}

/** freshnessWindowMs by tier list (asked at every instant a chart evaluates). */
const FRESHNESS = new WeakMap<readonly Tier[], number>();

export function evaluateInstance(slo: Slo, sums: InstanceSums, atMs: number): Observation {
  const budgetFraction = errorBudget(slo.objective);
  const slices = slo.budgeting.kind !== 'occurrences';
  const countsEvents = ledgerCountsEvents(slo.indicator);
  const tiers = slo.alerting.tiers.map((tier): TierObservation => {
    const long = windowSum(sums, tier.longMs);
    const short = windowSum(sums, tier.shortMs);
    const longRatio = ratioOf(long, slices);
    const shortRatio = ratioOf(short, slices);
    // Sloth's alert expression: `ratio > (factor * budget)`, both windows, float64.
    const limit = tier.factor * budgetFraction;
    const active = longRatio > limit && shortRatio > limit;
    const longEvents = countsEvents ? long.total : Infinity;
    return {
      name: tier.name,
      severity: tier.severity,
      longMs: tier.longMs,
      shortMs: tier.shortMs,
      longRatio,
      shortRatio,
      longBurnRate: burnRateOf(long, slices, budgetFraction),
      shortBurnRate: burnRateOf(short, slices, budgetFraction),
      threshold: tier.factor,
      active,
      longEvents,
      qualifies: active && longEvents >= slo.alerting.minEvents,
      forMs: tier.forMs,
    };
  });
  const unknown = windowSum(sums, freshnessWindowMs(slo.alerting.tiers)).dataSlots === 0;
  const raw: Record<Severity, boolean> = {
    page: !unknown && tiers.some((t) => t.severity === 'page' && t.active),
    ticket: !unknown && tiers.some((t) => t.severity === 'ticket' && t.active),
  };
  const currentBurnRate = burnRateOf(windowSum(sums, CURRENT_BURN_WINDOW_MS), slices, budgetFraction);
  return { atMs, tiers, raw, unknown, budget: budgetStatus(slo, sums, atMs, currentBurnRate), currentBurnRate };
}

/**
 * Error budget over the period: occurrences use bad/total events (event-weighted); timeslices use bad slices
 * over slices with data. Calendar periods count from the start of the current period (they reset at the
 * boundary). Time to exhaustion assumes the current burn rate continues: remaining x period / burn rate.
 */
export function budgetStatus(slo: Slo, sums: Pick<InstanceSums, 'period'>, atMs: number, currentBurnRate: number): BudgetStatus {
  const window = periodWindow(slo.period, atMs);
  const sum = sums.period;
  const slices = slo.budgeting.kind !== 'occurrences';
  const ratio = ratioOf(sum, slices);
  const consumed = budgetConsumed(slo, sum);
  const remaining = 1 - consumed;
  let timeToExhaustionMs: number | null = null;
  if (remaining <= 0) timeToExhaustionMs = 0;
  else if (currentBurnRate > 0 && Number.isFinite(currentBurnRate)) {
    const ms = (remaining * nominalPeriodMs(slo.period)) / currentBurnRate;
    // A calendar budget resets at the end of the period: it is not exhausted if that comes first.
    timeToExhaustionMs = slo.period.kind === 'calendar' && atMs + ms > window.endMs ? null : ms;
  }
  return {
    remaining,
    consumed,
    timeToExhaustionMs,
    errorRatio: ratio,
    events: slices ? sum.slices : sum.total,
    periodStartMs: window.startMs,
    periodEndMs: window.endMs,
  };
}

/**
 * Every window length the evaluation of an SLO reads (tier windows and the current-burn window), worked out
 * once per SLO: a chart of 30 days evaluates the same SLO at 8,641 instants.
 */
export function windowsOf(slo: Slo): readonly number[] {
  let windows = WINDOWS.get(slo.alerting.tiers);
  if (windows === undefined) {
    const set = new Set<number>([CURRENT_BURN_WINDOW_MS, freshnessWindowMs(slo.alerting.tiers)]);
    for (const t of slo.alerting.tiers) {
      set.add(t.longMs);
      set.add(t.shortMs);
    }
    windows = Object.freeze([...set].sort((a, b) => a - b));
    WINDOWS.set(slo.alerting.tiers, windows);
  }
  return windows;
}

/** windowsOf by tier list (the model is read-only: a changed SLO is a new object). */
const WINDOWS = new WeakMap<readonly Tier[], readonly number[]>();
