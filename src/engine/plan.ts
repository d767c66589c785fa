import { createHash } from 'node:crypto';
import type { Grouping } from '../promql/counters.js';
import { groupedLabels } from '../promql/counters.js';
import type { VectorSelector } from '../promql/syntax.js';
import { parseVectorSelector } from '../promql/syntax.js';
import type { CounterSum as CounterSumText } from '../slo/counting.js';
import { counterReading } from '../slo/counting.js';
import type { Indicator, Slo } from '../slo/model.js';
import { formatFloat, nativeHistogramSelector } from '../slo/queries.js';

/**
 * How the ledger of an SLO is fed from Prometheus, derived from its indicator:
 * - `counters`: counters (selectors, classic latency buckets, and `sum(rate(<selector>[{{.window}}]))` shapes,
 *   see `slo/counting.ts`): the counters' values differenced locally, reset-aware, so every increment is
 *   counted once, also across scrape gaps; exact at every age of the ledger.
 * - `rates`: other PromQL expressions with {{.window}} giving per-second rates (native histograms, anything
 *   not recognised): sampled every slot over a short rate window and integrated (rate x slot length).
 * - `ratio`: another expression giving an error ratio, time-weighted (slot seconds x ratio).
 * - `gauge`: a 0/1 gauge (probe_success): every raw sample is one event, good when 1.
 * - `composite`: nothing is read; the ledger is derived from the children's (`slo/composite.ts`).
 */
export type FeedPlan =
  | { readonly kind: 'counters'; readonly count: 'bad' | 'good'; readonly events: CounterSum; readonly total: CounterSum }
  | { readonly kind: 'rates'; readonly count: 'bad' | 'good'; readonly events: string; readonly total: string }
  | { readonly kind: 'ratio'; readonly template: string; readonly meaning: 'error' | 'success' }
  | { readonly kind: 'gauge'; readonly selector: CounterSelector }
  | { readonly kind: 'composite' };

export interface CounterSelector extends VectorSelector {
  readonly text: string;
}

/** Events as a signed sum of counters, grouped as the expression groups them. */
export interface CounterSum {
  readonly terms: readonly { readonly selector: CounterSelector; readonly sign: 1 | -1 }[];
  /** undefined: the series keep their labels (a plain selector). */
  readonly grouping?: Grouping;
}

/** The labels an SLO instance is picked by, of a series read for a sum. */
export function sumLabels(sum: CounterSum, labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  return sum.grouping === undefined ? labels : groupedLabels(labels, sum.grouping);
}

/** The distinct selectors of a counter plan's sums. */
export function counterSelectorsOf(plan: Extract<FeedPlan, { kind: 'counters' }>): CounterSelector[] {
  const out = new Map<string, CounterSelector>();
  for (const t of [...plan.events.terms, ...plan.total.terms]) out.set(t.selector.text, t.selector);
  return [...out.values()];
}

function counterSum(sum: CounterSumText): CounterSum {
  return {
    terms: sum.terms.map((t) => ({ selector: selector(t.selector), sign: t.sign })),
    ...(sum.grouping === undefined ? {} : { grouping: sum.grouping }),
  };
}

function selector(text: string): CounterSelector {
  const parsed = parseVectorSelector(text);
  if (!parsed) throw new Error(`not a series selector: ${text}`);
  return { ...parsed, text };
}

export function planFor(indicator: Indicator, groupBy: readonly string[]): FeedPlan {
  const reading = counterReading(indicator);
  if (reading) return { kind: 'counters', count: reading.count, events: counterSum(reading.events), total: counterSum(reading.total) };
  switch (indicator.kind) {
    case 'events':
      return {
        kind: 'rates',
        count: indicator.count,
        events: indicator.events.kind === 'template' ? indicator.events.template : `sum by (${groupBy.join(', ')}) (rate(${indicator.events.selector}[{{.window}}]))`,
        total: indicator.total.kind === 'template' ? indicator.total.template : `sum by (${groupBy.join(', ')}) (rate(${indicator.total.selector}[{{.window}}]))`,
      };
    case 'latency': {
      if (indicator.native) {
        const by = groupBy.length > 0 ? ` by (${groupBy.join(', ')})` : '';
        const rate = `sum${by} (rate(${nativeHistogramSelector(indicator)}[{{.window}}]))`;
        return {
          kind: 'rates',
          count: 'good',
          events: `histogram_fraction(0, ${formatFloat(indicator.thresholdSeconds)}, ${rate}) * histogram_count(${rate})`,
          total: `histogram_count(${rate})`,
        };
      }
      throw new Error('classic histograms are read as counters');
    }
    case 'ratio':
      return { kind: 'ratio', template: indicator.template, meaning: indicator.meaning };
    case 'boolGauge':
      return { kind: 'gauge', selector: selector(indicator.selector) };
    case 'composite':
      return { kind: 'composite' };
  }
}

/**
 * What defines the ledger's content: when it changes, the SLO's ledger is rebuilt from Prometheus. The
 * objective and the tiers are not part of it: changing them re-evaluates the existing ledger without a gap.
 */
export function ledgerFingerprint(slo: Slo, slotMs: number, children?: readonly string[]): string {
  const slice = slo.budgeting.kind === 'occurrences' ? null : slo.budgeting;
  // v2: counters are read exactly at every age (v1 ledgers lost the events of scrape gaps): rebuilt once.
  // A composite's ledger is derived from its children's: their fingerprints are part of its own.
  const material = JSON.stringify({ v: 2, indicator: slo.indicator, groupBy: slo.groupBy, slice, maintenance: slo.maintenance, slotMs, ...(children === undefined ? {} : { children }) });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}
