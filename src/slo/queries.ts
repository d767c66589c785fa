import { formatMatchers, parseMatchers, renderWindow } from '../promql/syntax.js';
import type { LabelMatcher } from '../promql/syntax.js';
import type { EventQuery, Indicator } from './model.js';

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
