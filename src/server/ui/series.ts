import { periodWindow } from '../../slo/calendar.js';
import { formatDuration } from '../../slo/duration.js';
import type { SumReader, WindowSum } from '../../slo/evaluate.js';
import { CURRENT_BURN_WINDOW_MS, EMPTY_SUM, evaluateInstance, ratioOf, readSums } from '../../slo/evaluate.js';
import type { MaintenanceWindow, Slo } from '../../slo/model.js';
import type { CumulativeRow } from '../../store/ledger.js';
import { diff } from '../../store/ledger.js';

/**
 * An SLO instance over time, read from its ledger rows: at each step the same evaluation the engine runs
 * (`evaluateInstance`), so a chart shows what burnwatch computed, not a second formula. Columns, not
 * objects: the arrays go to the chart library as they are.
 *
 * The ledger thins old rows (every slot for 7 hours, 5-minute rows up to 73 hours, hourly rows beyond): an
 * instant between two kept rows is read by linear interpolation of the cumulative sums, so a 5-minute window
 * three days back shows that hour's average rate.
 */

export interface SeriesTier {
  readonly name: string;
  readonly severity: 'page' | 'ticket';
  readonly longWindow: string;
  readonly shortWindow: string;
  readonly threshold: number;
}

export interface SloSeries {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  /** Unix seconds of each point. */
  readonly times: readonly number[];
  /** Remaining share of the period's budget (1 = untouched); null before the instance had data. */
  readonly budgetRemaining: readonly (number | null)[];
  /** Steady spending: the whole budget used evenly over one period (see `idealRemaining`). */
  readonly ideal: readonly (number | null)[];
  /** Success ratio over the step before each point (null without events). */
  readonly sli: readonly (number | null)[];
  /** Burn rate per distinct tier window (`1h`, `5m`, ...); null when the window holds no events. */
  readonly windows: Readonly<Record<string, readonly (number | null)[]>>;
  readonly tiers: readonly SeriesTier[];
  /** Maintenance occurrences overlapping the range. */
  readonly maintenance: readonly { readonly startMs: number; readonly endMs: number; readonly reason: string }[];
}

/** More points than this is refused: 30 days at 5-minute steps is 8,641. */
export const MAX_POINTS = 11_000;

/** Finite values to 6 decimals (a chart needs no more; a 30-day series is half the size), others null. */
const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? Math.round(n * 1e6) / 1e6 : null);

/** The earliest instant an evaluation at `fromMs` reads (its budget period and its longest window). */
export function seriesReadStart(slo: Slo, fromMs: number): number {
  const longest = Math.max(CURRENT_BURN_WINDOW_MS, ...slo.alerting.tiers.map((t) => t.longMs));
  return Math.min(periodWindow(slo.period, fromMs).startMs, fromMs - longest);
}

/** The index of the last row at or before atMs (-1: none), by binary search. */
function floorIndex(rows: readonly CumulativeRow[], atMs: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  let floor = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((rows[mid]?.slotMs ?? Infinity) <= atMs) {
      floor = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return floor;
}

/** Cumulative sums at an instant from rows sorted by slot: exact on a row, interpolated between two. */
export function cumulativeAt(rows: readonly CumulativeRow[], atMs: number, floor = floorIndex(rows, atMs)): WindowSum {
  const a = rows[floor];
  if (a === undefined) return EMPTY_SUM;
  const b = rows[floor + 1];
  if (a.slotMs === atMs || b === undefined) return a.sum;
  const f = (atMs - a.slotMs) / (b.slotMs - a.slotMs);
  return {
    bad: a.sum.bad + (b.sum.bad - a.sum.bad) * f,
    total: a.sum.total + (b.sum.total - a.sum.total) * f,
    sliceBad: a.sum.sliceBad + (b.sum.sliceBad - a.sum.sliceBad) * f,
    slices: a.sum.slices + (b.sum.slices - a.sum.slices) * f,
    dataSlots: a.sum.dataSlots + Math.floor((b.sum.dataSlots - a.sum.dataSlots) * f),
  };
}

/** Window sums as seen at `atMs`, from preloaded rows. */
export function sumsFromRows(rows: readonly CumulativeRow[], atMs: number): SumReader {
  const end = cumulativeAt(rows, atMs);
  const since = (startMs: number): WindowSum => diff(end, cumulativeAt(rows, startMs));
  return { window: (ms) => since(atMs - ms), since };
}

/**
 * Window sums at instants that only move forward (a chart's points): each window length keeps its own place
 * in the rows and steps on from it, instead of searching the rows again for every instant and window. The
 * figures are those of `sumsFromRows`. (A class: no closures made per instant.)
 */
export class ForwardSums implements SumReader {
  private readonly places = new Map<number, number>();
  private readonly cache = new Map<number, WindowSum>();
  private atMs = -Infinity;
  private end: WindowSum = EMPTY_SUM;

  constructor(private readonly rows: readonly CumulativeRow[]) {}

  /** Moves to the next instant (not before the previous one). */
  moveTo(atMs: number): this {
    this.atMs = atMs;
    this.cache.clear();
    this.end = cumulativeAt(this.rows, atMs, this.floorFrom(0, atMs));
    return this;
  }

  window(ms: number): WindowSum {
    return this.since(this.atMs - ms);
  }

  since(startMs: number): WindowSum {
    const hit = this.cache.get(startMs);
    if (hit !== undefined) return hit;
    const sum = diff(this.end, cumulativeAt(this.rows, startMs, this.floorFrom(this.atMs - startMs, startMs)));
    this.cache.set(startMs, sum);
    return sum;
  }

  /** The floor row of `atMs`, starting from where the same window length was last. */
  private floorFrom(key: number, atMs: number): number {
    const rows = this.rows;
    let i = this.places.get(key);
    if (i === undefined || (rows[i]?.slotMs ?? -Infinity) > atMs) i = floorIndex(rows, atMs);
    while (i + 1 < rows.length && (rows[i + 1]?.slotMs ?? Infinity) <= atMs) i++;
    // Window lengths are few; a start that moves with the calendar (period start) is searched each time.
    if (this.places.size < 64 || this.places.has(key)) this.places.set(key, i);
    return i;
  }
}

/**
 * The ideal line of the budget chart: remaining budget if the whole budget were spent evenly over one
 * period. A calendar period: from 1 at its start to 0 at its end. A rolling period: from 1 at the start of
 * the chart to 0 one period later.
 */
export function idealRemaining(slo: Slo, atMs: number, fromMs: number): number | null {
  if (slo.period.kind === 'calendar') {
    const w = periodWindow(slo.period, atMs);
    return 1 - (atMs - w.startMs) / (w.endMs - w.startMs);
  }
  const share = (atMs - fromMs) / slo.period.durationMs;
  return share > 1 ? null : 1 - share;
}

/** The occurrences of maintenance windows overlapping [fromMs, toMs] (at most 500). */
export function maintenanceBetween(windows: readonly MaintenanceWindow[], fromMs: number, toMs: number): { startMs: number; endMs: number; reason: string }[] {
  const out: { startMs: number; endMs: number; reason: string }[] = [];
  for (const w of windows) {
    const every = w.everyMs !== undefined && w.everyMs > 0 ? w.everyMs : undefined;
    const first = every === undefined ? 0 : Math.max(0, Math.floor((fromMs - w.startMs - w.durationMs) / every));
    for (let k = first; out.length < 500; k++) {
      const startMs = w.startMs + k * (every ?? 0);
      if (startMs > toMs) break;
      const endMs = startMs + w.durationMs;
      if (endMs >= fromMs) out.push({ startMs, endMs, reason: w.reason });
      if (every === undefined) break;
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/**
 * Evaluates the instance whose rows are given at fromMs, fromMs + stepMs, ... up to toMs. `rows` must cover
 * [seriesReadStart(slo, fromMs), toMs] (Ledger.cumulativeRows does).
 */
export function computeSeries(slo: Slo, rows: readonly CumulativeRow[], fromMs: number, toMs: number, stepMs: number): SloSeries {
  const times: number[] = [];
  const budgetRemaining: (number | null)[] = [];
  const ideal: (number | null)[] = [];
  const sli: (number | null)[] = [];
  const windowNames = new Map<number, string>();
  for (const t of slo.alerting.tiers) {
    windowNames.set(t.longMs, formatDuration(t.longMs));
    windowNames.set(t.shortMs, formatDuration(t.shortMs));
  }
  const windows = new Map<string, (number | null)[]>([...windowNames.values()].map((name) => [name, []]));
  const slices = slo.budgeting.kind !== 'occurrences';
  const firstSlot = rows[0]?.slotMs ?? Infinity;
  const sums = new ForwardSums(rows);
  // Each window's column, filled from the first tier that has the window (tiers share windows: 6h is one's long
  // and another's short window).
  const columns: [(number | null)[], number, boolean][] = [];
  for (const [name, column] of windows) {
    const tier = slo.alerting.tiers.findIndex((t) => windowNames.get(t.longMs) === name || windowNames.get(t.shortMs) === name);
    columns.push([column, tier, windowNames.get(slo.alerting.tiers[tier]?.longMs ?? -1) === name]);
  }
  for (let t = fromMs; t <= toMs; t += stepMs) {
    times.push(t / 1000);
    const steady = idealRemaining(slo, t, fromMs);
    ideal.push(steady === null ? null : finiteOrNull(steady));
    if (t < firstSlot) {
      budgetRemaining.push(null);
      sli.push(null);
      for (const column of windows.values()) column.push(null);
      continue;
    }
    const obs = evaluateInstance(slo, readSums(slo, t, sums.moveTo(t)), t);
    budgetRemaining.push(finiteOrNull(obs.budget.remaining));
    const stepRatio = ratioOf(sums.window(stepMs), slices);
    sli.push(finiteOrNull(1 - stepRatio));
    for (const [column, tier, long] of columns) {
      const o = obs.tiers[tier];
      column.push(o === undefined ? null : finiteOrNull(long ? o.longBurnRate : o.shortBurnRate));
    }
  }
  return {
    fromMs,
    toMs,
    stepMs,
    times,
    budgetRemaining,
    ideal,
    sli,
    windows: Object.fromEntries(windows),
    tiers: slo.alerting.tiers.map((t) => ({ name: t.name, severity: t.severity, longWindow: formatDuration(t.longMs), shortWindow: formatDuration(t.shortMs), threshold: t.factor })),
    maintenance: maintenanceBetween(slo.maintenance, fromMs, toMs),
  };
}
