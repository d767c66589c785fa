import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterTracker } from '../src/engine/feeds.js';
import { PrometheusSource } from '../src/metrics/prometheus/client.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';

/**
 * Counter resets as burnwatch counts them (CounterTracker + classifySample) against Prometheus's own
 * `increase()` and `resets()`: every genuine reset — to 0, to a small value, in a young counter, hidden in a
 * scrape gap — is counted exactly as Prometheus counts it. The one deliberate difference, a step back that
 * no restart explains, is counted as Prometheus counts the same series without that sample.
 *
 * The range of each query starts and ends on a sample, so `increase()` does not extrapolate: its value is the
 * plain sum of the increases between the samples, resets included.
 */

const STEP = 15_000;
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
/** 41 samples, 0..40 x 15 s: the query range is [T0, T0 + 600 s]. */
const END = T0 + 40 * STEP;

/** Values at sample i (undefined: no sample), one series per case. */
const CASES: Readonly<Record<string, (i: number) => number | undefined>> = {
  // 1000 + 10/scrape, restart at i=20 back to 0, then 5/scrape.
  to_zero: (i) => (i < 20 ? 1000 + 10 * i : 5 * (i - 20)),
  // Restart between i=19 and i=20 with 7 requests since.
  to_small: (i) => (i < 20 ? 1000 + 10 * i : 7 + 5 * (i - 20)),
  // A young counter: 0,1,2 then a restart to 1 (1 <= 2 / 2).
  young: (i) => (i <= 2 ? i : i === 3 ? 1 : 1 + (i - 3)),
  // No samples for i=11..30 (5 minutes), and a restart in that gap that has counted 900 since: more than half.
  in_gap: (i) => (i <= 10 ? 1000 + 10 * i : i <= 30 ? undefined : 900 + 10 * (i - 31)),
  // Two restarts.
  twice: (i) => (i < 10 ? 500 + i : i < 25 ? 2 * (i - 10) : 3 * (i - 25)),
};

/** At i=10 a step back by 5 from 1,090 (two replicas answering in turn, say); and the same series without it. */
const backwards = (i: number): number => (i === 10 ? 1085 : 1000 + 10 * i);

let prom: RunningPrometheus | undefined;
let source: PrometheusSource | undefined;

function samples(valueAt: (i: number) => number | undefined, skip?: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i <= 40; i++) {
    const v = valueAt(i);
    if (v !== undefined && i !== skip) out.push([T0 + i * STEP, v]);
  }
  return out;
}

async function scalar(expr: string): Promise<number> {
  const r = await (source as PrometheusSource).instantQuery(expr, new Date(END));
  if (r.kind !== 'vector' || r.samples.length !== 1) throw new Error(`${expr}: expected one sample, got ${JSON.stringify(r)}`);
  return r.samples[0]?.value ?? NaN;
}

/** burnwatch's count: the raw samples of [T0, END], the first as the baseline. */
async function counted(name: string): Promise<{ increase: number; resets: number; rejected: number }> {
  const raw = await (source as PrometheusSource).rawSamples(`reset_case_total{case="${name}"}`, new Date(T0 - 1), new Date(END));
  const points = raw.series[0]?.points ?? [];
  let rejected = 0;
  const increments = new CounterTracker().diff(name, points, T0, () => { rejected++; });
  // A reset is an increment counted as the new value although the value went down.
  let resets = 0;
  for (const [ts, inc] of increments) {
    const i = points.findIndex(([t]) => t === ts);
    const prev = points[i - 1]?.[1] ?? 0;
    if ((points[i]?.[1] ?? 0) < prev && inc === points[i]?.[1]) resets++;
  }
  return { increase: increments.reduce((a, [, inc]) => a + inc, 0), resets, rejected };
}

describe.skipIf(!hasBinary('prometheus') || !hasBinary('promtool'))('counter resets: burnwatch against increase() and resets()', () => {
  beforeAll(async () => {
    prom = await startPrometheus({
      openMetrics: toOpenMetrics([
        ...Object.entries(CASES).map(([name, valueAt]) => ({ name: 'reset_case_total', type: 'counter' as const, labels: { case: name }, samples: samples(valueAt) })),
        { name: 'reset_case_total', type: 'counter', labels: { case: 'backwards' }, samples: samples(backwards) },
        { name: 'reset_case_total', type: 'counter', labels: { case: 'backwards_removed' }, samples: samples(backwards, 10) },
      ]),
    });
    source = new PrometheusSource({ url: prom.url });
  }, 60_000);

  afterAll(async () => {
    source?.close();
    await prom?.stop();
  });

  it.each(Object.keys(CASES))('%s: the same increase and the same resets as Prometheus, nothing rejected', async (name) => {
    const ours = await counted(name);
    expect(ours.rejected).toBe(0);
    expect(ours.increase).toBeCloseTo(await scalar(`increase(reset_case_total{case="${name}"}[10m])`), 9);
    expect(ours.resets).toBe(await scalar(`resets(reset_case_total{case="${name}"}[10m])`));
  });

  it('counts a step back that no restart explains as Prometheus counts the series without it', async () => {
    const ours = await counted('backwards');
    expect(ours.rejected).toBe(1);
    expect(ours.increase).toBeCloseTo(await scalar('increase(reset_case_total{case="backwards_removed"}[10m])'), 9);
    // Prometheus takes the step back for a reset and counts the whole counter again.
    expect(await scalar('resets(reset_case_total{case="backwards"}[10m])')).toBe(1);
    expect(await scalar('increase(reset_case_total{case="backwards"}[10m])')).toBeGreaterThan(ours.increase + 1000);
  });
});
