import { renderWindow } from '../promql/syntax.js';
import type { Indicator } from '../slo/model.js';
import { latencySelectors, nativeHistogramSelector } from '../slo/queries.js';

/**
 * PromQL for the number of events an indicator saw over a window, for the low-traffic guard (`minEvents`):
 * a tier only fires when its long window holds at least that many events. Undefined for `ratio` indicators,
 * which give a ratio and no event count.
 *
 * Template queries are per-second rates (see `EventQuery`), so their count is the rate times the window's
 * seconds; counter selectors use `increase`, which is what burnwatch computes from raw samples.
 */
export function eventCountQuery(indicator: Indicator, groupBy: readonly string[], window: string, windowMs: number): string | undefined {
  const sum = groupBy.length === 0 ? 'sum' : `sum by (${groupBy.join(', ')}) `;
  switch (indicator.kind) {
    case 'events': {
      const total = indicator.total;
      if (total.kind === 'template') return `(${renderWindow(total.template, window)}) * ${windowMs / 1000}`;
      return `${sum}(increase(${total.selector}[${window}]))`;
    }
    case 'latency': {
      if (indicator.native) {
        return `${sum}(histogram_count(increase(${nativeHistogramSelector(indicator)}[${window}])))`;
      }
      return `${sum}(increase(${latencySelectors(indicator).total}[${window}]))`;
    }
    case 'boolGauge':
      return `${sum}(count_over_time(${indicator.selector}[${window}]))`;
    case 'ratio':
    case 'composite':
      return undefined;
  }
}
