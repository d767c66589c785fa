import type { InstantResult, MetricsSource, RangeResult, Series } from '../../src/metrics/source.js';
import { matches, parseVectorSelector } from '../../src/promql/syntax.js';

/** A synthetic series: its value at any scrape time, or undefined when the target was not scraped. */
export interface SyntheticSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly valueAt: (tMs: number) => number | undefined;
}

/**
 * A MetricsSource over synthetic series scraped every `scrapeMs`, answering raw-sample requests the way
 * Prometheus does (samples in (start, end]). Range and instant queries are not simulated: engine tests that
 * need PromQL evaluation run against a real Prometheus.
 */
export class FakeMetrics implements MetricsSource {
  readonly url = 'http://fake-prometheus.invalid';
  readonly rawCalls: { selector: string; startMs: number; endMs: number }[] = [];
  failWhen: ((selector: string) => Error | undefined) | undefined;

  constructor(private readonly series: readonly SyntheticSeries[], private readonly scrapeMs = 15_000) {}

  rawSamples(selector: string, start: Date, end: Date): Promise<RangeResult> {
    this.rawCalls.push({ selector, startMs: start.getTime(), endMs: end.getTime() });
    const failure = this.failWhen?.(selector);
    if (failure) return Promise.reject(failure);
    const sel = parseVectorSelector(selector);
    if (!sel) return Promise.reject(new Error(`fake: not a selector: ${selector}`));
    const out: Series[] = [];
    for (const s of this.series) {
      if (s.labels['__name__'] !== sel.metric || !sel.matchers.every((m) => matches(s.labels, m))) continue;
      const points: [number, number][] = [];
      const first = Math.floor(start.getTime() / this.scrapeMs) * this.scrapeMs + this.scrapeMs;
      for (let t = first; t <= end.getTime(); t += this.scrapeMs) {
        const v = s.valueAt(t);
        if (v !== undefined) points.push([t, v]);
      }
      if (points.length > 0) out.push({ labels: s.labels, points });
    }
    return Promise.resolve({ series: out });
  }

  instantQuery(): Promise<InstantResult> {
    return Promise.reject(new Error('fake: instant queries are not simulated'));
  }

  rangeQuery(): Promise<RangeResult> {
    return Promise.reject(new Error('fake: range queries are not simulated'));
  }

  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

/** A counter growing by `perScrape(t)` at each scrape (its value is the running sum). */
export function counter(labels: Record<string, string>, perSecond: (tMs: number) => number, options: { startMs: number; scrapeMs?: number; missing?: (tMs: number) => boolean }): SyntheticSeries {
  const scrape = options.scrapeMs ?? 15_000;
  const cache = new Map<number, number>();
  let computedTo = options.startMs;
  let value = 0;
  return {
    labels,
    valueAt: (t) => {
      if (options.missing?.(t) === true) return undefined;
      if (t < options.startMs) return undefined;
      const hit = cache.get(t);
      if (hit !== undefined) return hit;
      while (computedTo < t) {
        computedTo += scrape;
        value += perSecond(computedTo) * (scrape / 1000);
        cache.set(computedTo, value);
      }
      return cache.get(t) ?? value;
    },
  };
}
