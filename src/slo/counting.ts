import type { CounterSumExpr, Grouping } from '../promql/counters.js';
import { parseCounterRatio, parseCounterSum } from '../promql/counters.js';
import type { EventQuery, Indicator } from './model.js';
import { latencySelectors } from './queries.js';

/**
 * Whether an indicator's events can be counted from raw counters, and from which selectors. Counted
 * indicators get every counter increment once (across scrape gaps and restarts, at every age of the ledger);
 * the others are sampled: evaluated every slot over a short rate window, which loses the events of a window
 * that has no sample on one side.
 */

export interface CounterSum {
  readonly terms: readonly { readonly selector: string; readonly sign: 1 | -1 }[];
  /** How the sum groups its series; undefined for a plain selector (its series keep their labels). */
  readonly grouping?: Grouping;
}

export interface CounterReading {
  /** Whether `events` counts the bad or the good events. */
  readonly count: 'bad' | 'good';
  readonly events: CounterSum;
  readonly total: CounterSum;
}

const readings = new WeakMap<Indicator, CounterReading | null>();

/**
 * The counters an indicator is read from: counter selectors, classic histogram buckets, and the
 * `sum(rate(<selector>[{{.window}}]))` shapes of `promql/counters.ts` (also as a ratio); undefined for
 * everything else (native histograms, other expressions, gauges).
 */
export function counterReading(indicator: Indicator): CounterReading | undefined {
  const known = readings.get(indicator);
  if (known !== undefined) return known ?? undefined;
  const reading = read(indicator);
  readings.set(indicator, reading ?? null);
  return reading;
}

function read(indicator: Indicator): CounterReading | undefined {
  switch (indicator.kind) {
    case 'events': {
      const events = sumOf(indicator.events);
      const total = sumOf(indicator.total);
      return events && total ? { count: indicator.count, events, total } : undefined;
    }
    case 'latency': {
      if (indicator.native) return undefined;
      const { good, total } = latencySelectors(indicator);
      return { count: 'good', events: plain(good), total: plain(total) };
    }
    case 'ratio': {
      const ratio = parseCounterRatio(indicator.template);
      if (!ratio) return undefined;
      // An error ratio counts bad events over all; one minus a ratio turns good events into bad ones and back.
      const countsBad = (indicator.meaning === 'error') !== ratio.complement;
      return { count: countsBad ? 'bad' : 'good', events: fromExpr(ratio.numerator), total: fromExpr(ratio.denominator) };
    }
    case 'boolGauge':
    case 'composite':
      return undefined;
  }
}

function sumOf(q: EventQuery): CounterSum | undefined {
  if (q.kind === 'selector') return plain(q.selector);
  const parsed = parseCounterSum(q.template);
  return parsed && fromExpr(parsed);
}

function plain(selector: string): CounterSum {
  return { terms: [{ selector, sign: 1 }] };
}

function fromExpr(e: CounterSumExpr): CounterSum {
  return { terms: e.terms, grouping: e.grouping };
}

/** Whether the budget of an indicator is sampled from expressions rather than counted from counters or gauge samples. */
export function isSampled(indicator: Indicator): boolean {
  return indicator.kind !== 'boolGauge' && indicator.kind !== 'composite' && counterReading(indicator) === undefined;
}

/**
 * Whether the ledger of an indicator holds events (for `minEvents`) rather than seconds (sampled error ratios,
 * and weightedRatio composites). A weightedEvents composite holds weighted events.
 */
export function countsEvents(indicator: Indicator): boolean {
  if (indicator.kind === 'composite') return indicator.method === 'weightedEvents';
  return indicator.kind !== 'ratio' || counterReading(indicator) !== undefined;
}
