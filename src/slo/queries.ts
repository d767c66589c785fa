import { formatMatchers, parseMatchers, renderWindow } from '../promql/syntax.js';
import type { LabelMatcher } from '../promql/syntax.js';
import type { EventQuery, Indicator, Slo } from './model.js';

/**
 * PromQL for an indicator's error ratio over a window: the expression Sloth records as
 * `slo:sli_error:ratio_rate<window>`. Used by `burnwatch rules`, by range backfills of expression-based
 * indicators, and by the tests that compare our decisions with Prometheus's own evaluation.
 */
export function errorRatioQuery(indicator: Indicator, groupBy: readonly string[], window: string): string {
  switch (indicator.kind) {
    case 'events': {
      const events = eventRate(indicator.events, groupBy, window);
      const total = eventRate(indicator.total, groupBy, window);
      const ratio = `(${events})\n/\n(${total})`;
      return indicator.count === 'bad' ? ratio : `1 - (\n${ratio}\n)`;
    }
    case 'latency': {
      const { good, total } = latencySelectors(indicator);
      if (indicator.native) {
        return `1 - histogram_fraction(0, ${formatFloat(indicator.thresholdSeconds)}, ${sumBy(groupBy)}(rate(${nativeHistogramSelector(indicator)}[${window}])))`;
      }
      return `1 - (\n(${sumBy(groupBy)}(rate(${good}[${window}])))\n/\n(${sumBy(groupBy)}(rate(${total}[${window}])))\n)`;
    }
    case 'ratio': {
      const expr = renderWindow(indicator.template, window);
      return indicator.meaning === 'error' ? `(${expr})` : `1 - (${expr})`;
    }
    case 'boolGauge': {
      const count = `${sumBy(groupBy)}(count_over_time(${indicator.selector}[${window}]))`;
      const good = `${sumBy(groupBy)}(sum_over_time(${indicator.selector}[${window}]))`;
      return `(${count} - ${good})\n/\n${count}`;
    }
    case 'composite':
      // Callers check first: a composite's ratio needs its children's queries (`rules/composite.ts`).
      throw new Error('a composite SLO has no query of its own');
  }
}

/** Events per second over the window: a template rendered, or `sum by (...) (rate(selector[window]))`. */
function eventRate(q: EventQuery, groupBy: readonly string[], window: string): string {
  return q.kind === 'template' ? renderWindow(q.template, window) : `${sumBy(groupBy)}(rate(${q.selector}[${window}]))`;
}

function sumBy(groupBy: readonly string[]): string {
  return groupBy.length === 0 ? 'sum' : `sum by (${groupBy.join(', ')}) `;
}

/**
 * The `le` label of a bucket boundary, matched as a number: client libraries write `5` or `5.0`, and
 * Prometheus 3 normalises bucket labels to the float form, so `le=~"5(\\.0+)?"` finds the bucket either way.
 */
export function leRegex(seconds: number): string {
  const text = formatFloat(seconds).replace(/\./g, '\\.');
  return Number.isInteger(seconds) ? `${text}(\\.0+)?` : `${text}0*`;
}

/** Good events are the buckets at or under the threshold; all events are the histogram's count. */
export function latencySelectors(indicator: Extract<Indicator, { kind: 'latency' }>): { good: string; total: string } {
  const matchers: LabelMatcher[] = parseMatchers(indicator.matchers) ?? [];
  return {
    good: `${indicator.histogram}_bucket${formatMatchers([...matchers, { name: 'le', op: '=~', value: leRegex(indicator.thresholdSeconds) }])}`,
    total: `${indicator.histogram}_count${formatMatchers(matchers)}`,
  };
}

/** A native histogram's series: `name{matchers}`, the matchers as written (with or without their braces). */
export function nativeHistogramSelector(indicator: Extract<Indicator, { kind: 'latency' }>): string {
  const matchers = indicator.matchers.trim();
  if (matchers === '') return indicator.histogram;
  return `${indicator.histogram}${matchers.startsWith('{') ? matchers : `{${matchers}}`}`;
}

/**
 * A float as Prometheus client libraries write `le` labels and as Go's `strconv.FormatFloat(f, 'f', -1, 64)`
 * prints: shortest round-trip digits, no exponent (0.3, 1, 2.5, 0.005).
 */
export function formatFloat(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const s = String(n);
  if (!s.includes('e')) return s;
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** Bad and all events per second over a window, where an indicator counts events PromQL can rate. */
export function eventRates(indicator: Indicator, groupBy: readonly string[], window: string): { bad: string; total: string } | undefined {
  switch (indicator.kind) {
    case 'events': {
      const events = eventRate(indicator.events, groupBy, window);
      const total = eventRate(indicator.total, groupBy, window);
      return { bad: indicator.count === 'bad' ? events : `(${total}) - (${events})`, total };
    }
    case 'latency': {
      if (indicator.native) return undefined;
      const { good, total } = latencySelectors(indicator);
      const all = `${sumBy(groupBy)}(rate(${total}[${window}]))`;
      return { bad: `(${all}) - (${sumBy(groupBy)}(rate(${good}[${window}])))`, total: all };
    }
    case 'ratio':
    case 'boolGauge':
    case 'composite':
      return undefined;
  }
}

/** Why a composite's error ratio cannot be written in PromQL, or its expression. */
export type CompositeQuery = { readonly ok: true; readonly expr: string } | { readonly ok: false; readonly reason: string };

/**
 * A weightedEvents composite's error ratio over a window in PromQL: Σ w x bad rate / Σ w x total rate of its
 * leaves (a child composite's children weighted by the product of the weights). The same figure burnwatch keeps
 * when every leaf counts events; weightedRatio (a per-slot mean over the children with traffic) and leaves
 * without an event rate (ratio expressions, 0/1 gauges, native histograms) cannot be written so.
 */
export function compositeErrorRatioQuery(slo: Slo, slos: ReadonlyMap<string, Slo>, window: string): CompositeQuery {
  const terms: { weight: number; rates: { bad: string; total: string } }[] = [];
  const visit = (s: Slo, weight: number): string | undefined => {
    const i = s.indicator;
    if (i.kind !== 'composite') {
      const rates = eventRates(i, s.groupBy, window);
      if (rates === undefined) return `its child ${s.id} has no event rate in PromQL (a ${i.kind}${i.kind === 'latency' ? ' native histogram' : ''} indicator)`;
      terms.push({ weight, rates });
      return undefined;
    }
    if (i.method !== 'weightedEvents') return `${s.id === slo.id ? 'it uses' : `its child ${s.id} uses`} weightedRatio, a mean of each slot's ratios over the children with traffic, which PromQL rules cannot compute`;
    for (const c of i.children) {
      const child = slos.get(c.sloId);
      if (child === undefined) return `its child ${c.sloId} is not loaded`;
      const why = visit(child, weight * c.weight);
      if (why !== undefined) return why;
    }
    return undefined;
  };
  const why = visit(slo, 1);
  if (why !== undefined) return { ok: false, reason: why };
  const weighted = (part: 'bad' | 'total'): string => terms.map((t) => (t.weight === 1 ? `(${t.rates[part]})` : `${formatFloat(t.weight)} * (${t.rates[part]})`)).join('\n+ ');
  return { ok: true, expr: `(\n${weighted('bad')}\n)\n/\n(\n${weighted('total')}\n)` };
}
