import { periodWindow } from '../../slo/calendar.js';
import { formatDuration } from '../../slo/duration.js';
import type { SumReader, WindowSum } from '../../slo/evaluate.js';
import { correctionsBetween } from '../../slo/corrections.js';
import { budgetConsumed, burnRateOf, CURRENT_BURN_WINDOW_MS, EMPTY_SUM, ratioOf, readSums } from '../../slo/evaluate.js';
import type { MaintenanceWindow, Slo } from '../../slo/model.js';
import { errorBudget } from '../../slo/model.js';
import type { CumulativeRow } from '../../store/ledger.js';
import { diff } from '../../store/ledger.js';

/**
 * An SLO instance over time, read from its ledger rows: at each step the sums the engine reads (`readSums`,
 * budget corrections left out) and its formulas for burn rates and budget (`burnRateOf`, `budgetConsumed`,
 * which `evaluateInstance` calls), so a chart shows what burnwatch computed, not a second formula; the spec
 * checks every point against `evaluateInstance`. Columns, not objects: the arrays go to the chart library as
 * they are.
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
  /** Budget-correction occurrences overlapping the range, cut to it: their events are left out of every figure. */
  readonly corrections: readonly { readonly startMs: number; readonly endMs: number; readonly name: string; readonly reason: string }[];
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

/** The index of the last slot at or before atMs (-1: none) among `n` sorted slots, by binary search. */
function floorIndex(n: number, slotAt: (i: number) => number, atMs: number): number {
  let lo = 0;
  let hi = n - 1;
  let floor = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (slotAt(mid) <= atMs) {
      floor = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return floor;
}

/** Cumulative sums at an instant from rows sorted by slot: exact on a row, interpolated between two. */
export function cumulativeAt(rows: readonly CumulativeRow[], atMs: number, floor = floorIndex(rows.length, (i) => rows[i]?.slotMs ?? Infinity, atMs)): WindowSum {
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
 * figures are exactly those of `sumsFromRows` (the same arithmetic, in the same order). The rows are copied
 * into columns once, and nothing is allocated per instant: a 30-day chart asks for about 100,000 sums, each
 * good until the next `moveTo`.
 */
export class ForwardSums implements SumReader {
  private readonly slot: Float64Array;
  private readonly bad: Float64Array;
  private readonly total: Float64Array;
  private readonly sliceBad: Float64Array;
  private readonly slices: Float64Array;
  private readonly dataSlots: Float64Array;
  /** Window lengths (instant minus start) and the floor row each used last (few: arrays beat a Map here). */
  private readonly lengths: number[] = [];
  private readonly places: number[] = [];
  /** Sums handed out at this instant, by start (the engine asks for some windows twice). */
  private readonly cacheStart: number[] = [];
  private readonly cacheSum: WindowSum[] = [];
  /**
   * The objects of the sums handed out, used again at the next instant: a sum is good until `moveTo` (the
   * evaluation of one instant keeps numbers, not sums). Writing the numbers of an object that exists allocates
   * nothing, and a new object per window and instant was a third of the allocations of a 30-day chart.
   */
  private readonly pool: MutableSum[] = [];
  private atMs = -Infinity;
  private endBad = 0;
  private endTotal = 0;
  private endSliceBad = 0;
  private endSlices = 0;
  private endDataSlots = 0;
  /** The sums `readAt` read last. */
  private rBad = 0;
  private rTotal = 0;
  private rSliceBad = 0;
  private rSlices = 0;
  private rDataSlots = 0;

  constructor(rows: readonly CumulativeRow[]) {
    const n = rows.length;
    this.slot = new Float64Array(n);
    this.bad = new Float64Array(n);
    this.total = new Float64Array(n);
    this.sliceBad = new Float64Array(n);
    this.slices = new Float64Array(n);
    this.dataSlots = new Float64Array(n);
    rows.forEach((r, i) => {
      this.slot[i] = r.slotMs;
      this.bad[i] = r.sum.bad;
      this.total[i] = r.sum.total;
      this.sliceBad[i] = r.sum.sliceBad;
      this.slices[i] = r.sum.slices;
      this.dataSlots[i] = r.sum.dataSlots;
    });
  }

  /** Moves to the next instant (not before the previous one). */
  moveTo(atMs: number): this {
    this.atMs = atMs;
    this.cacheStart.length = 0;
    this.cacheSum.length = 0;
    // The end of every window: a row's own sums, never interpolated (the newest row is the instant's).
    this.readAt(this.floorFrom(0, atMs), atMs);
    this.endBad = this.rBad;
    this.endTotal = this.rTotal;
    this.endSliceBad = this.rSliceBad;
    this.endSlices = this.rSlices;
    this.endDataSlots = this.rDataSlots;
    return this;
  }

  window(ms: number): WindowSum {
    return this.since(this.atMs - ms);
  }

  since(startMs: number): WindowSum {
    const cached = this.cacheStart.indexOf(startMs);
    if (cached >= 0) return this.cacheSum[cached] as WindowSum;
    this.readAt(this.floorFrom(this.atMs - startMs, startMs), startMs);
    let sum = this.pool[this.cacheSum.length];
    if (sum === undefined) {
      sum = { bad: 0, total: 0, sliceBad: 0, slices: 0, dataSlots: 0 };
      this.pool.push(sum);
    }
    // As diff(end, cumulativeAt(rows, startMs)).
    sum.bad = Math.max(0, this.endBad - this.rBad);
    sum.total = Math.max(0, this.endTotal - this.rTotal);
    sum.sliceBad = Math.max(0, this.endSliceBad - this.rSliceBad);
    sum.slices = Math.max(0, this.endSlices - this.rSlices);
    sum.dataSlots = Math.max(0, this.endDataSlots - this.rDataSlots);
    this.cacheStart.push(startMs);
    this.cacheSum.push(sum);
    return sum;
  }

  /**
   * The cumulative sums at `atMs`, whose floor row is `a`, into the r* fields: as `cumulativeAt` (0 before the
   * first row; a row's own sums on it or past the last row; else interpolated, whole slots only). The place
   * between the two rows is worked out once for the five columns.
   */
  private readAt(a: number, atMs: number): void {
    if (a < 0) {
      this.rBad = this.rTotal = this.rSliceBad = this.rSlices = this.rDataSlots = 0;
      return;
    }
    const sa = this.slot[a] ?? 0;
    const b = a + 1;
    if (sa === atMs || b >= this.slot.length) {
      this.rBad = this.bad[a] ?? 0;
      this.rTotal = this.total[a] ?? 0;
      this.rSliceBad = this.sliceBad[a] ?? 0;
      this.rSlices = this.slices[a] ?? 0;
      this.rDataSlots = this.dataSlots[a] ?? 0;
      return;
    }
    const f = (atMs - sa) / ((this.slot[b] ?? 0) - sa);
    this.rBad = between(this.bad, a, f);
    this.rTotal = between(this.total, a, f);
    this.rSliceBad = between(this.sliceBad, a, f);
    this.rSlices = between(this.slices, a, f);
    const da = this.dataSlots[a] ?? 0;
    this.rDataSlots = da + Math.floor(((this.dataSlots[a + 1] ?? 0) - da) * f);
  }

  /** The floor row of `atMs` (-1: none), starting from where the same window length was last. */
  private floorFrom(key: number, atMs: number): number {
    const slot = this.slot;
    const known = this.lengths.indexOf(key);
    let i = known < 0 ? undefined : this.places[known];
    if (i === undefined || (i >= 0 && (slot[i] ?? 0) > atMs)) i = floorIndex(slot.length, (k) => slot[k] ?? Infinity, atMs);
    while (i + 1 < slot.length && (slot[i + 1] ?? Infinity) <= atMs) i++;
    if (known >= 0) {
      this.places[known] = i;
    } else if (this.lengths.length < 32) {
      // Window lengths are few; a start that moves with the calendar (period start) is searched each time.
      this.lengths.push(key);
      this.places.push(i);
    }
    return i;
  }
}

type MutableSum = { -readonly [K in keyof WindowSum]: number };

/** A cumulative column at the share `f` of the way from row `a` to the next (as `cumulativeAt`). */
function between(column: Float64Array, a: number, f: number): number {
  const va = column[a] ?? 0;
  return va + ((column[a + 1] ?? 0) - va) * f;
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

/** Shaded bands of one kind a chart draws at most. */
const MAX_SHADED = 500;

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
  const budgetFraction = errorBudget(slo.objective);
  const firstSlot = rows[0]?.slotMs ?? Infinity;
  const reader = new ForwardSums(rows);
  // Each distinct window's column (tiers share windows: 6h is one's long and another's short window).
  const columns: [(number | null)[], number][] = [...windowNames].map(([ms, name]) => [windows.get(name) ?? [], ms]);
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
    // The engine's sums and formulas (evaluateInstance's burn rates and budget), without the rest of its
    // observation: a tier's figures, alert conditions and time to exhaustion are objects of their own, and
    // making 35,000 of them was a third of a 30-day chart's time.
    const sums = readSums(slo, t, reader.moveTo(t));
    budgetRemaining.push(finiteOrNull(1 - budgetConsumed(slo, sums.period)));
    sli.push(finiteOrNull(1 - ratioOf(reader.window(stepMs), slices)));
    for (const [column, ms] of columns) {
      const sum = sums.windows.get(ms);
      column.push(sum === undefined ? null : finiteOrNull(burnRateOf(sum, slices, budgetFraction)));
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
    corrections: correctionsBetween(slo, fromMs, toMs).slice(0, MAX_SHADED).map((o) => ({ startMs: o.startMs, endMs: o.endMs, name: o.correction.name, reason: o.correction.reason })),
  };
}
