import type { Budgeting } from './model.js';

/**
 * Timeslice budgets, as the ledger counts them while it is written. Pure: the increments come in as arguments.
 *
 * The period is cut into slices of `sliceMs`. At each slice boundary every instance with events in the slice
 * counts one slice: bad when its good ratio is under the target (timeslices), or its error ratio
 * (ratioTimeslices). History read in steps longer than a slice (a backfill's 5-minute or hourly steps) cannot
 * tell the slices inside a step apart: each step counts step / slice slices of the step's ratio, once.
 */

/** A budget counted in slices. */
export type SlicedBudgeting = Exclude<Budgeting, { readonly kind: 'occurrences' }>;

/** Events of one instance over a stretch of time. */
export interface EventCounts {
  readonly bad: number;
  readonly total: number;
}

/** What a stretch adds to the ledger's slice columns: bad slices (or summed error ratios) and slices. */
export interface SliceCount {
  readonly sliceBad: number;
  readonly slices: number;
}

/** How far apart slices are counted when the ledger is written in steps of `stepMs`: a slice, or a longer step. */
export function sliceSpanMs(budgeting: SlicedBudgeting, stepMs: number): number {
  return Math.max(budgeting.sliceMs, stepMs);
}

/**
 * The slices one span of events counts (none without events). A good ratio exactly at the target is good:
 * 10 % errors against a 0.9 target count a good slice.
 */
export function countSlices(budgeting: SlicedBudgeting, events: EventCounts, stepMs: number): SliceCount | undefined {
  if (!(events.total > 0)) return undefined;
  const slices = Math.max(1, Math.floor(stepMs / budgeting.sliceMs));
  const ratio = Math.max(0, events.bad) / events.total;
  const sliceBad = budgeting.kind === 'timeslices' ? (1 - ratio < budgeting.target ? slices : 0) : ratio * slices;
  return { sliceBad, slices };
}

/**
 * The open span of each instance (by key) while slots are written oldest first: `add` takes a slot's
 * increments, `close` (at a boundary, a multiple of `sliceSpanMs`) counts every instance with events since the
 * last boundary and starts the next span. The span that was open before the first slot is given as `carried`.
 */
export class SliceAccumulator<K> {
  private open: Map<K, EventCounts>;

  constructor(
    private readonly budgeting: SlicedBudgeting,
    private readonly stepMs: number,
    carried: ReadonlyMap<K, EventCounts> = new Map(),
  ) {
    this.open = new Map(carried);
  }

  add(key: K, events: EventCounts): void {
    const sum = this.open.get(key);
    this.open.set(key, sum === undefined ? { bad: events.bad, total: events.total } : { bad: sum.bad + events.bad, total: sum.total + events.total });
  }

  close(): Map<K, SliceCount> {
    const counted = new Map<K, SliceCount>();
    for (const [key, events] of this.open) {
      const count = countSlices(this.budgeting, events, this.stepMs);
      if (count !== undefined) counted.set(key, count);
    }
    this.open = new Map();
    return counted;
  }

  /** The open span, to carry on into the next write. */
  carried(): ReadonlyMap<K, EventCounts> {
    return new Map(this.open);
  }
}
