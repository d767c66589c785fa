import type { OpenMetricsSeries } from './openmetrics.js';

/**
 * Synthetic services for comparing burnwatch with Prometheus: request counters per status code, scraped every
 * 15 s at a fixed offset inside the interval (as real scrapes are), with scripted incidents.
 */

const SCRAPE_MS = 15_000;
const SCRAPE_OFFSET_MS = 7_300;

export interface Scenario {
  /** Service label value and SLO id. */
  readonly name: string;
  /** Requests per second at time t. */
  readonly rps: (t: number) => number;
  /** Share of requests that fail at time t. */
  readonly errorShare: (t: number) => number;
  /** Whether the target was scraped at t (false = a scrape gap). */
  readonly scraped?: (t: number) => boolean;
  /** Counter resets (process restarts) at these times. */
  readonly resets?: readonly number[];
}

/** Counters `<metric>{service, code="200"|"500"}` for each scenario, from `startMs` to `endMs`. */
export function scenarioSeries(scenarios: readonly Scenario[], startMs: number, endMs: number, metric = 'http_requests_total', extraLabels: Record<string, string> = {}): OpenMetricsSeries[] {
  const out: OpenMetricsSeries[] = [];
  for (const s of scenarios) {
    const ok: [number, number][] = [];
    const err: [number, number][] = [];
    let okValue = 0;
    let errValue = 0;
    let prev = startMs - SCRAPE_MS + SCRAPE_OFFSET_MS;
    const resets = [...(s.resets ?? [])].sort((a, b) => a - b);
    for (let t = startMs + SCRAPE_OFFSET_MS; t <= endMs; t += SCRAPE_MS) {
      const dt = (t - prev) / 1000;
      prev = t;
      const requests = s.rps(t) * dt;
      const failed = requests * s.errorShare(t);
      okValue += requests - failed;
      errValue += failed;
      if (resets.length > 0 && (resets[0] ?? Infinity) <= t) {
        resets.shift();
        // A restart: both counters start again from what was counted since the restart.
        okValue = requests - failed;
        errValue = failed;
      }
      if (s.scraped && !s.scraped(t)) continue;
      ok.push([t, round(okValue)]);
      err.push([t, round(errValue)]);
    }
    out.push({ name: metric, type: 'counter', labels: { ...extraLabels, service: s.name, code: '200' }, samples: ok });
    out.push({ name: metric, type: 'counter', labels: { ...extraLabels, service: s.name, code: '500' }, samples: err });
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function between(t: number, from: number, to: number): boolean {
  return t > from && t <= to;
}
