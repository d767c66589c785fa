import type { InstantResult, Labels, MetricsSource, Point, RangeResult, Sample, Series } from '../../src/metrics/source.js';
import { matches, parseVectorSelector } from '../../src/promql/syntax.js';
import { parseDuration } from '../../src/slo/duration.js';

/** A synthetic series: its value at any scrape time, or undefined when the target was not scraped. */
export interface SyntheticSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly valueAt: (tMs: number) => number | undefined;
}

/**
 * A MetricsSource over synthetic series scraped every `scrapeMs`, answering raw-sample requests the way
 * Prometheus does (samples in (start, end]). Of PromQL only what the engine asks to count counters is
 * simulated, over the samples in (t - range, t]: `last_over_time`, `min_over_time` and `resets` of a selector
 * (range queries) and `last_over_time(...) or last_over_time(...)` (instant queries). Engine tests that need
 * any other PromQL run against a real Prometheus.
 */
export class FakeMetrics implements MetricsSource {
  readonly url = 'http://fake-prometheus.invalid';
  readonly rawCalls: { selector: string; startMs: number; endMs: number }[] = [];
  readonly queries: { expr: string; atMs?: number; startMs?: number; endMs?: number }[] = [];
  failWhen: ((selector: string) => Error | undefined) | undefined;

  constructor(private readonly series: readonly SyntheticSeries[], private readonly scrapeMs = 15_000) {}

  rawSamples(selector: string, start: Date, end: Date): Promise<RangeResult> {
    this.rawCalls.push({ selector, startMs: start.getTime(), endMs: end.getTime() });
    const failure = this.failWhen?.(selector);
    if (failure) return Promise.reject(failure);
    if (!parseVectorSelector(selector)) return Promise.reject(new Error(`fake: not a selector: ${selector}`));
    const out: Series[] = [];
    for (const s of this.select(selector)) {
      const points = this.samples(s, start.getTime(), end.getTime());
      if (points.length > 0) out.push({ labels: s.labels, points });
    }
    return Promise.resolve({ series: out });
  }

  instantQuery(expr: string, at: Date): Promise<InstantResult> {
    this.queries.push({ expr, atMs: at.getTime() });
    const samples: Sample[] = [];
    for (const term of expr.split(' or ')) {
      const call = this.parseCall(term);
      if (call?.fn !== 'last_over_time') return Promise.reject(new Error(`fake: instant query not simulated: ${expr}`));
      for (const s of this.select(call.selector)) {
        const last = this.samples(s, at.getTime() - call.rangeMs, at.getTime()).at(-1);
        if (last && !samples.some((x) => sameLabels(x.labels, s.labels))) samples.push({ labels: s.labels, tsMs: at.getTime(), value: last[1] });
      }
    }
    return Promise.resolve({ kind: 'vector', samples });
  }

  rangeQuery(expr: string, start: Date, end: Date, stepMs: number): Promise<RangeResult> {
    this.queries.push({ expr, startMs: start.getTime(), endMs: end.getTime() });
    const call = this.parseCall(expr);
    if (!call) return Promise.reject(new Error(`fake: range query not simulated: ${expr}`));
    const out: Series[] = [];
    for (const s of this.select(call.selector)) {
      const points: Point[] = [];
      for (let t = start.getTime(); t <= end.getTime(); t += stepMs) {
        const values = this.samples(s, t - call.rangeMs, t).map(([, v]) => v);
        if (values.length === 0) continue;
        if (call.fn === 'last_over_time') points.push([t, values.at(-1) as number]);
        else if (call.fn === 'min_over_time') points.push([t, Math.min(...values)]);
        else points.push([t, values.filter((v, i) => i > 0 && v < (values[i - 1] as number)).length]);
      }
      // As Prometheus: last_over_time keeps the metric name, other functions drop it.
      const { __name__: _name, ...rest } = s.labels;
      if (points.length > 0) out.push({ labels: call.fn === 'last_over_time' ? s.labels : rest, points });
    }
    return Promise.resolve({ series: out });
  }

  private parseCall(expr: string): { fn: string; selector: string; rangeMs: number } | undefined {
    const m = /^(last_over_time|min_over_time|resets)\((.+)\[(\w+)\]\)$/.exec(expr.trim());
    const rangeMs = m?.[3] === undefined ? undefined : parseDuration(m[3]);
    return m?.[1] && m[2] && rangeMs !== undefined ? { fn: m[1], selector: m[2], rangeMs } : undefined;
  }

  private select(selector: string): SyntheticSeries[] {
    const sel = parseVectorSelector(selector);
    if (!sel) throw new Error(`fake: not a selector: ${selector}`);
    return this.series.filter((s) => s.labels['__name__'] === sel.metric && sel.matchers.every((m) => matches(s.labels, m)));
  }

  /** Samples of a series in (fromMs, toMs]. */
  private samples(s: SyntheticSeries, fromMs: number, toMs: number): [number, number][] {
    const points: [number, number][] = [];
    for (let t = Math.floor(fromMs / this.scrapeMs) * this.scrapeMs + this.scrapeMs; t <= toMs; t += this.scrapeMs) {
      const v = s.valueAt(t);
      if (v !== undefined) points.push([t, v]);
    }
    return points;
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

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
