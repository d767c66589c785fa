import { createHash } from 'node:crypto';
import type { VectorSelector } from '../promql/syntax.js';
import { formatMatchers, parseMatchers, parseVectorSelector } from '../promql/syntax.js';
import type { Indicator, Slo } from '../slo/model.js';
import { formatFloat, latencySelectors } from '../slo/queries.js';

/**
 * How the ledger of an SLO is fed from Prometheus, derived from its indicator:
 * - `counters`: counter selectors (events, classic latency): raw samples differenced locally, reset-aware —
 *   exact, and one or two samples per series per cycle.
 * - `rates`: PromQL expressions with {{.window}} giving per-second rates (Sloth-style events, native
 *   histograms): sampled every slot over a short rate window and integrated (rate x slot length).
 * - `ratio`: an expression giving an error ratio, time-weighted (slot seconds x ratio).
 * - `gauge`: a 0/1 gauge (probe_success): every raw sample is one event, good when 1.
 */
export type FeedPlan =
  | { readonly kind: 'counters'; readonly count: 'bad' | 'good'; readonly events: CounterSelector; readonly total: CounterSelector }
  | { readonly kind: 'rates'; readonly count: 'bad' | 'good'; readonly events: string; readonly total: string }
  | { readonly kind: 'ratio'; readonly template: string; readonly meaning: 'error' | 'success' }
  | { readonly kind: 'gauge'; readonly selector: CounterSelector };

export interface CounterSelector extends VectorSelector {
  readonly text: string;
}

function selector(text: string): CounterSelector {
  const parsed = parseVectorSelector(text);
  if (!parsed) throw new Error(`not a series selector: ${text}`);
  return { ...parsed, text };
}

export function planFor(indicator: Indicator, groupBy: readonly string[]): FeedPlan {
  switch (indicator.kind) {
    case 'events':
      if (indicator.events.kind === 'selector' && indicator.total.kind === 'selector') {
        return { kind: 'counters', count: indicator.count, events: selector(indicator.events.selector), total: selector(indicator.total.selector) };
      }
      return {
        kind: 'rates',
        count: indicator.count,
        events: indicator.events.kind === 'template' ? indicator.events.template : `sum by (${groupBy.join(', ')}) (rate(${indicator.events.selector}[{{.window}}]))`,
        total: indicator.total.kind === 'template' ? indicator.total.template : `sum by (${groupBy.join(', ')}) (rate(${indicator.total.selector}[{{.window}}]))`,
      };
    case 'latency': {
      if (indicator.native) {
        const by = groupBy.length > 0 ? ` by (${groupBy.join(', ')})` : '';
        const sel = `${indicator.histogram}${indicator.matchers.trim() === '' ? '' : bracesOf(indicator.matchers)}`;
        const rate = `sum${by} (rate(${sel}[{{.window}}]))`;
        return {
          kind: 'rates',
          count: 'good',
          events: `histogram_fraction(0, ${formatFloat(indicator.thresholdSeconds)}, ${rate}) * histogram_count(${rate})`,
          total: `histogram_count(${rate})`,
        };
      }
      const { good, total } = latencySelectors(indicator);
      return { kind: 'counters', count: 'good', events: selector(good), total: selector(total) };
    }
    case 'ratio':
      return { kind: 'ratio', template: indicator.template, meaning: indicator.meaning };
    case 'boolGauge':
      return { kind: 'gauge', selector: selector(indicator.selector) };
  }
}

function bracesOf(matchers: string): string {
  const m = parseMatchers(matchers) ?? [];
  return formatMatchers(m);
}

/**
 * What defines the ledger's content: when it changes, the SLO's ledger is rebuilt from Prometheus. The
 * objective and the tiers are not part of it: changing them re-evaluates the existing ledger without a gap.
 */
export function ledgerFingerprint(slo: Slo, slotMs: number): string {
  const slice = slo.budgeting.kind === 'occurrences' ? null : slo.budgeting;
  const material = JSON.stringify({ v: 1, indicator: slo.indicator, groupBy: slo.groupBy, slice, maintenance: slo.maintenance, slotMs });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}
