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
  /** Requests per second at time t (all instances together). */
  readonly rps?: (t: number) => number;
  /** Share of requests that fail at time t. */
  readonly errorShare?: (t: number) => number;
  /**
   * Requests and failures in (from, to] of ONE instance, instead of `rps` and `errorShare`: for whole-numbered
   * counters such as a job that runs once an hour.
   */
  readonly events?: (from: number, to: number) => { readonly requests: number; readonly failed: number };
  /** Instances (targets) of the service, each with its own pair of series labelled `instance` (default 1, unlabelled). */
  readonly instances?: number;
  /** Whether an instance was scraped at t (false = a scrape gap; its counters keep counting). */
  readonly scraped?: (t: number, instance: number) => boolean;
  /** Counter resets (process restarts) at these times: of every instance, or of the instances a function names. */
  readonly resets?: readonly number[] | ((instance: number) => readonly number[]);
  /** Objective in percent (default 99.9). */
  readonly objective?: number;
}

export interface ScenarioSample {
  readonly t: number;
  readonly ok: number;
  readonly err: number;
}

/** Counters `<metric>{service, code="200"|"500"}` for each scenario, from `startMs` to `endMs`. */
export function scenarioSeries(scenarios: readonly Scenario[], startMs: number, endMs: number, metric = 'http_requests_total', extraLabels: Record<string, string> = {}): OpenMetricsSeries[] {
  const out: OpenMetricsSeries[] = [];
  for (const s of scenarios) {
    const instances = s.instances ?? 1;
    for (let i = 0; i < instances; i++) {
      const ok: [number, number][] = [];
      const err: [number, number][] = [];
      for (const sample of instanceSamples(s, i, startMs, endMs)) {
        ok.push([sample.t, sample.ok]);
        err.push([sample.t, sample.err]);
      }
      const labels = { ...extraLabels, service: s.name, ...(instances > 1 ? { instance: `i-${i}` } : {}) };
      out.push({ name: metric, type: 'counter', labels: { ...labels, code: '200' }, samples: ok });
      out.push({ name: metric, type: 'counter', labels: { ...labels, code: '500' }, samples: err });
    }
  }
  return out;
}

/** The scraped samples of one instance: what the TSDB holds. */
function instanceSamples(s: Scenario, instance: number, startMs: number, endMs: number): ScenarioSample[] {
  const instances = s.instances ?? 1;
  const out: ScenarioSample[] = [];
  let okValue = 0;
  let errValue = 0;
  let prev = startMs - SCRAPE_MS + SCRAPE_OFFSET_MS;
  const resets = [...(typeof s.resets === 'function' ? s.resets(instance) : s.resets ?? [])].sort((a, b) => a - b);
  for (let t = startMs + SCRAPE_OFFSET_MS; t <= endMs; t += SCRAPE_MS) {
    let requests: number;
    let failed: number;
    if (s.events) {
      ({ requests, failed } = s.events(prev, t));
    } else {
      requests = ((s.rps?.(t) ?? 0) * (t - prev)) / 1000 / instances;
      failed = requests * (s.errorShare?.(t) ?? 0);
    }
    prev = t;
    okValue += requests - failed;
    errValue += failed;
    if (resets.length > 0 && (resets[0] ?? Infinity) <= t) {
      resets.shift();
      // A restart: both counters start again from what was counted since the restart.
      okValue = requests - failed;
      errValue = failed;
    }
    if (s.scraped && !s.scraped(t, instance)) continue;
    out.push({ t, ok: round(okValue), err: round(errValue) });
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function between(t: number, from: number, to: number): boolean {
  return t > from && t <= to;
}

/**
 * The hand count: errors and requests of a scenario in (atMs - windowMs, atMs], summed from the samples the
 * TSDB holds the way a counter is read: each sample adds its value minus the one before it, or its whole value
 * when it is lower (a restart); the first sample of a series adds nothing.
 */
export function handCount(s: Scenario, startMs: number, atMs: number, windowMs: number): { errors: number; total: number } {
  let errors = 0;
  let total = 0;
  for (let i = 0; i < (s.instances ?? 1); i++) {
    let prev: ScenarioSample | undefined;
    for (const sample of instanceSamples(s, i, startMs, atMs)) {
      if (prev && sample.t > atMs - windowMs) {
        const ok = sample.ok >= prev.ok ? sample.ok - prev.ok : sample.ok;
        const err = sample.err >= prev.err ? sample.err - prev.err : sample.err;
        errors += err;
        total += ok + err;
      }
      prev = sample;
    }
  }
  return { errors, total };
}
