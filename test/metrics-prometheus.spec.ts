import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsSourceError } from '../src/metrics/errors.js';
import { PrometheusSource } from '../src/metrics/prometheus/client.js';
import type { Series } from '../src/metrics/source.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { OpenMetricsSeries, RunningPrometheus } from './support/prometheus.js';

/**
 * The Prometheus client against a real Prometheus (Debian's 2.42 in CI) whose TSDB was backfilled with
 * samples written here. Expected values come from those samples and PromQL's documented selection rules
 * (an instant selector returns the newest sample at or before t within the 5 min lookback), never from the
 * client's own output.
 */

const missing = ['prometheus', 'promtool'].filter((b) => !hasBinary(b));
const SKIP_REASON = missing.length === 0 ? '' : ` (skipped: ${missing.join(', ')} not on PATH; install the Debian packages prometheus)`;

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const T0 = Date.UTC(2026, 0, 1); // a whole hour, so Prometheus's 2 h blocks split the data
const SPAN = 6 * H;
const LOOKBACK = 5 * M;

type Pt = [number, number];

/** Deterministic increments so the data is not trivially linear. */
function counter(intervalMs: number, offsetMs: number, inc: (i: number) => number, options: { resetAt?: number; gap?: [number, number] } = {}): Pt[] {
  const out: Pt[] = [];
  let value = 0;
  for (let i = 0; offsetMs + i * intervalMs <= SPAN; i++) {
    const t = T0 + offsetMs + i * intervalMs;
    if (options.gap && t >= T0 + options.gap[0] && t < T0 + options.gap[1]) continue;
    value = options.resetAt !== undefined && offsetMs + i * intervalMs === options.resetAt ? 0 : value + inc(i);
    out.push([t, value]);
  }
  return out;
}

const written: OpenMetricsSeries[] = [
  { name: 'http_requests_total', type: 'counter', labels: { job: 'api', code: '200' }, samples: counter(15 * S, 0, (i) => 90 + ((i * 7) % 13)) },
  // A counter reset at 3 h; raw samples must show it as written.
  { name: 'http_requests_total', type: 'counter', labels: { job: 'api', code: '500' }, samples: counter(15 * S, 0, (i) => (i % 5 === 0 ? 1 : 0), { resetAt: 3 * H }) },
  // Scraped at .500 s with a 20 min gap: millisecond timestamps and the lookback running out.
  { name: 'http_requests_total', type: 'counter', labels: { job: 'web', code: '200' }, samples: counter(30 * S, 500, (i) => 1 + (i % 3), { gap: [2 * H, 2 * H + 20 * M] }) },
];
const SPECIAL: Pt[] = [[T0 + 10 * M, 1e-7], [T0 + 11 * M, Infinity], [T0 + 12 * M, -Infinity], [T0 + 13 * M, NaN], [T0 + 14 * M, 1.5e21]];
written.push({ name: 'special_value', type: 'gauge', samples: SPECIAL });

function labelsOf(s: OpenMetricsSeries): Record<string, string> {
  return { __name__: s.name, ...s.labels };
}

function key(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

/** The newest written sample at or before t, if it is at most 5 min old (the instant-selector rule). */
function valueAt(samples: readonly (readonly [number, number])[], t: number): number | undefined {
  let found: number | undefined;
  for (const [ts, v] of samples) {
    if (ts > t) break;
    if (t - ts <= LOOKBACK) found = v;
  }
  return found;
}

/** What a range query of a plain selector must give, from the written samples. */
function expectedRange(series: OpenMetricsSeries[], start: number, end: number, step: number): Map<string, Pt[]> {
  const out = new Map<string, Pt[]>();
  for (const s of series) {
    const points: Pt[] = [];
    const samples = s.samples;
    let j = 0;
    for (let t = start; t <= end; t += step) {
      while (j + 1 < samples.length && (samples[j + 1]?.[0] ?? Infinity) <= t) j++;
      const sample = samples[j];
      if (sample !== undefined && sample[0] <= t && t - sample[0] <= LOOKBACK) points.push([t, sample[1]]);
    }
    if (points.length > 0) out.set(key(labelsOf(s)), points);
  }
  return out;
}

function byKey(series: readonly Series[]): Map<string, readonly (readonly [number, number])[]> {
  return new Map(series.map((s) => [key(s.labels), s.points]));
}

describe.skipIf(missing.length > 0)(`MetricsSource against a real Prometheus${SKIP_REASON}`, () => {
  let prom: RunningPrometheus;
  let source: PrometheusSource;
  const api = written.filter((s) => s.labels?.job === 'api');
  const requests = written.filter((s) => s.name === 'http_requests_total');

  beforeAll(async () => {
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(written) });
    source = new PrometheusSource({ url: prom.url, timeoutMs: 20_000 });
    console.log(`prometheus: backfill ${prom.backfillMs} ms, ready after ${prom.readyAfterMs} ms`);
  });
  afterAll(async () => {
    source?.close();
    await prom?.stop();
  });

  it('is ready and reports a version', async () => {
    expect(await source.ready()).toBe(true);
    expect(await source.buildInfo()).toMatchObject({ kind: 'prometheus', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('returns the newest written sample of each series for an instant selector', async () => {
    // Off every sample and lookback boundary (samples sit on whole 15 s and x.500 s).
    for (const offset of [37 * M + 7 * S + 100, 2 * H + 10 * M + 100, 2 * H + 30 * M + 100, 5 * H + 59 * M + 59 * S + 900]) {
      const at = T0 + offset;
      const result = await source.instantQuery('http_requests_total', new Date(at));
      expect(result.kind).toBe('vector');
      if (result.kind !== 'vector') return;
      const expected = requests
        .map((s) => ({ labels: labelsOf(s), tsMs: at, value: valueAt(s.samples, at) }))
        .filter((s) => s.value !== undefined);
      const sortByKey = <T extends { labels: Readonly<Record<string, string>> }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => key(a.labels).localeCompare(key(b.labels)));
      expect(sortByKey(result.samples)).toEqual(sortByKey(expected));
    }
  });

  it('the web series disappears inside its 20 min gap once the lookback has run out', async () => {
    const result = await source.instantQuery('http_requests_total{job="web"}', new Date(T0 + 2 * H + 10 * M));
    expect(result).toEqual({ kind: 'vector', samples: [] });
  });

  it('reads 1e-07, +Inf, -Inf, NaN and 1.5e+21 as numbers', async () => {
    for (const [ts, value] of SPECIAL) {
      const result = await source.instantQuery('special_value', new Date(ts + 30 * S));
      expect(result.kind === 'vector' ? result.samples.map((s) => s.value) : undefined).toEqual([value]);
    }
    const scalar = await source.instantQuery('-1/0', new Date(T0));
    expect(scalar).toMatchObject({ kind: 'scalar', value: -Infinity, tsMs: T0 });
  });

  it('returns a range selector as the written samples of the window', async () => {
    const at = T0 + H + 2 * M + 7 * S;
    const result = await source.instantQuery('http_requests_total{job="api"}[5m]', new Date(at));
    expect(result.kind).toBe('matrix');
    if (result.kind !== 'matrix') return;
    const got = byKey(result.series);
    for (const s of api) {
      expect(got.get(key(labelsOf(s)))).toEqual(s.samples.filter(([t]) => t > at - 5 * M && t <= at));
    }
  });

  it('a range query over 21,601 points per series (chunked) equals the written data and an unchunked query', async () => {
    const start = T0;
    const end = T0 + SPAN;
    const fine = await source.rangeQuery('http_requests_total', new Date(start), new Date(end), S);
    const expected = expectedRange(requests, start, end, S);
    const got = byKey(fine.series);
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, points] of expected) expect(got.get(k)).toEqual(points);
    expect(Math.max(...fine.series.map((s) => s.points.length))).toBe(21_601);

    // 10,801 points at 2 s fit one request: every other point of the chunked answer.
    const coarse = await source.rangeQuery('http_requests_total', new Date(start), new Date(end), 2 * S);
    for (const s of coarse.series) {
      const fromFine = (got.get(key(s.labels)) ?? []).filter(([t]) => (t - start) % (2 * S) === 0);
      expect(s.points).toEqual(fromFine);
    }
  });

  it('the server limit is 11,000 steps: 11,001 points pass in one request, 11,002 do not', async () => {
    const start = new Date(T0);
    const one = new PrometheusSource({ url: prom.url, maxPointsPerRequest: 1_000_000 });
    try {
      const ok = await one.rangeQuery('http_requests_total{job="api",code="200"}', start, new Date(T0 + 11_000 * S), S);
      expect(ok.series[0]?.points).toHaveLength(11_001);
      const err = await one.rangeQuery('http_requests_total{job="api",code="200"}', start, new Date(T0 + 11_001 * S), S).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MetricsSourceError);
      expect((err as MetricsSourceError).kind).toBe('bad_data');
      expect((err as MetricsSourceError).message).toContain('11,000 points');
    } finally {
      one.close();
    }
  });

  it('rawSamples returns exactly the written samples in (start, end], across chunks and the counter reset', async () => {
    const start = T0 + H; // a sample of the api series sits exactly here: excluded
    const end = T0 + SPAN; // and exactly here: included
    for (const chunkMs of [H, 45 * M, 6 * H]) {
      const result = await source.rawSamples('http_requests_total', new Date(start), new Date(end), { chunkMs });
      const got = byKey(result.series);
      expect(got.size).toBe(requests.length);
      for (const s of requests) {
        expect(got.get(key(labelsOf(s)))).toEqual(s.samples.filter(([t]) => t > start && t <= end));
      }
    }
  });

  it('rawSamples over all the data with the default 6 h chunks, and special values', async () => {
    const all = await source.rawSamples('{__name__=~"http_requests_total|special_value"}', new Date(T0 - M), new Date(T0 + SPAN + M));
    const got = byKey(all.series);
    for (const s of written) expect(got.get(key(labelsOf(s)))).toEqual(s.samples);
  });

  it('reports a syntax error as bad_data naming the server and the query', async () => {
    const err = await source.instantQuery('sum(rate(http_requests_total[5m])', new Date(T0 + H)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsSourceError);
    const e = err as MetricsSourceError;
    expect(e.kind).toBe('bad_data');
    expect(e.retryable).toBe(false);
    expect(e.status).toBe(400);
    expect(e.message).toContain(`${prom.url}/api/v1/query`);
    expect(e.message).toContain('sum(rate(http_requests_total[5m])');
  });

  it('reports a wrong path prefix as not_found with a hint', async () => {
    const wrong = new PrometheusSource({ url: prom.url, pathPrefix: '/prometheus' });
    try {
      const err = await wrong.instantQuery('up', new Date(T0)).catch((e: unknown) => e);
      expect((err as MetricsSourceError).kind).toBe('not_found');
      expect((err as MetricsSourceError).message).toContain('path prefix');
    } finally {
      wrong.close();
    }
  });

  it('Prometheus ignores partial_response and deny_partial_response: same answer with and without', async () => {
    const plain = new PrometheusSource({ url: prom.url, denyPartialResponse: { thanos: false, victoriaMetrics: false } });
    try {
      const at = new Date(T0 + 3 * H + 1234);
      expect(await source.instantQuery('sum by (code) (http_requests_total)', at)).toEqual(await plain.instantQuery('sum by (code) (http_requests_total)', at));
    } finally {
      plain.close();
    }
  });

  it('returns sample statistics when asked', async () => {
    const result = await source.instantQuery('http_requests_total[1h]', new Date(T0 + 2 * H), { stats: true });
    expect(result.stats?.totalQueryableSamples).toBeGreaterThan(0);
    const range = await source.rangeQuery('http_requests_total', new Date(T0), new Date(T0 + SPAN), S, { stats: true });
    expect(range.stats?.totalQueryableSamples).toBeGreaterThan(0);
  });
});

describe.skipIf(missing.length > 0)(`MetricsSource against a Prometheus with --query.max-samples=100${SKIP_REASON}`, () => {
  let prom: RunningPrometheus;
  let source: PrometheusSource;

  beforeAll(async () => {
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(written.slice(0, 1)), extraFlags: ['--query.max-samples=100'] });
    source = new PrometheusSource({ url: prom.url });
  });
  afterAll(async () => {
    source?.close();
    await prom?.stop();
  });

  it('reports a query that loads too many samples as execution, not retryable', async () => {
    const err = await source.instantQuery('count_over_time(http_requests_total[1h])', new Date(T0 + 2 * H)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsSourceError);
    const e = err as MetricsSourceError;
    expect(e.kind).toBe('execution');
    expect(e.status).toBe(422);
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('too many samples');
  });

  it('rawSamples stays under the limit when its chunks are small enough', async () => {
    // 100 samples max: 15 s samples, 20 min chunks = 80 samples per request.
    const result = await source.rawSamples('http_requests_total', new Date(T0), new Date(T0 + 2 * H), { chunkMs: 20 * M });
    expect(result.series[0]?.points).toEqual(written[0]?.samples.filter(([t]) => t > T0 && t <= T0 + 2 * H));
  });
});
