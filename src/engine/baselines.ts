import type { Labels, MetricsSource } from '../metrics/source.js';
import { formatMatchers } from '../promql/syntax.js';
import { formatDuration } from '../slo/duration.js';
import type { BaselineLookup } from './counter-steps.js';
import { seriesKey } from './counter-steps.js';

/** Series looked up per request (each adds one `last_over_time(...)` to an `or` chain). */
const SERIES_PER_QUERY = 20;

/**
 * The baseline of a counter series that shows up without one: the value of its last sample before `atMs`,
 * within `rangeMs`. A series back from a scrape gap (or seen first after a restart) then counts the increase
 * across the gap, as Prometheus's `increase()` over a window holding both sides does; a new series has no
 * earlier sample and starts at its first one. One instant query per 20 series:
 * `last_over_time(m{a="1",...}[range]) or last_over_time(m{a="2",...}[range]) ...`.
 */
export function createBaselineLookup(source: MetricsSource, rangeMs: number, signal?: AbortSignal): BaselineLookup {
  const range = formatDuration(rangeMs);
  const find = async (metric: string, series: readonly Labels[], atMs: number): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    const wanted = new Set(series.map(seriesKey));
    for (let i = 0; i < series.length; i += SERIES_PER_QUERY) {
      const expr = series.slice(i, i + SERIES_PER_QUERY).map((labels) => {
        const matchers = Object.entries(labels).filter(([name]) => name !== '__name__').map(([name, value]) => ({ name, op: '=' as const, value }));
        return `last_over_time(${metric}${formatMatchers(matchers)}[${range}])`;
      }).join(' or ');
      const result = await source.instantQuery(expr, new Date(atMs), signal ? { signal } : {});
      if (result.kind !== 'vector') continue;
      // A selector also matches series with more labels than it names: keep exactly the series asked for.
      for (const s of result.samples) {
        const key = seriesKey(s.labels);
        if (wanted.has(key) && Number.isFinite(s.value)) out.set(key, s.value);
      }
    }
    return out;
  };
  return { rangeMs, find };
}
