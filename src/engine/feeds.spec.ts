import { describe, expect, it } from 'vitest';
import type { InstantResult, MetricsSource, Point, RangeResult, Series } from '../metrics/source.js';
import type { CounterStepReader } from './counter-steps.js';
import type { RejectedSample, SlotTable } from './feeds.js';
import { CounterTracker, feedCoarse, feedFine, RawSampleFetcher, slotOf } from './feeds.js';
import type { FeedPlan } from './plan.js';
import { planFor } from './plan.js';

/**
 * The feeds turn what Prometheus answers into per-slot, per-instance increments. Every expected increment
 * below is counted by hand from the samples the scripted backend gives.
 */

const T0 = Date.parse('2026-11-20T00:00:00Z');
const SLOT = 30_000;
const MINUTE = 60_000;

/** A backend that answers from a script: raw samples per selector, range series per expression. */
class ScriptedSource implements MetricsSource {
  readonly url = 'http://scripted.invalid';
  readonly requests: string[] = [];
  constructor(private readonly raw: ReadonlyMap<string, readonly Series[]> = new Map(), private readonly ranges: ReadonlyMap<string, readonly Series[]> = new Map()) {}

  rawSamples(selector: string, start: Date, end: Date): Promise<RangeResult> {
    this.requests.push(`raw ${selector}`);
    return Promise.resolve({ series: within(this.raw.get(selector) ?? [], start.getTime() + 1, end.getTime()) });
  }

  rangeQuery(expr: string, start: Date, end: Date): Promise<RangeResult> {
    this.requests.push(`range ${expr}`);
    return Promise.resolve({ series: within(this.ranges.get(expr) ?? [], start.getTime(), end.getTime()) });
  }

  instantQuery(expr: string): Promise<InstantResult> {
    return Promise.reject(new Error(`not scripted: ${expr}`));
  }

  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

function within(series: readonly Series[], fromMs: number, toMs: number): Series[] {
  return series.map((s) => ({ labels: s.labels, points: s.points.filter(([t]) => t >= fromMs && t <= toMs) })).filter((s) => s.points.length > 0);
}

function series(labels: Record<string, string>, points: readonly (readonly [number, number])[]): Series {
  return { labels, points: points.map(([t, v]): Point => [t, v]) };
}

/** A slot table as `slot offset from T0 in s -> instance key -> bad/total/data`. */
function rows(table: SlotTable): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [slot, byKey] of [...table].sort(([a], [b]) => a - b)) {
    out[String((slot - T0) / 1000)] = Object.fromEntries([...byKey].map(([key, r]) => [key, `${round(r.inc.bad)}/${round(r.inc.total)}${r.inc.data ? '' : ' no data'}`]));
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

const counters = (groupBy: string[] = []): FeedPlan => planFor({
  kind: 'events',
  count: 'bad',
  events: { kind: 'selector', selector: 'http_requests_total{job="api",code="500"}' },
  total: { kind: 'selector', selector: 'http_requests_total{job="api"}' },
}, groupBy);

describe('engine/feeds: slots', () => {
  it.each([
    [T0 + 1, T0 + SLOT],
    [T0 + SLOT, T0 + SLOT],
    [T0 + SLOT + 1, T0 + 2 * SLOT],
    [T0, T0],
  ])('puts a sample at %i in the slot ending at %i (a slot is (end - 30 s, end])', (ts, slot) => {
    expect(slotOf(ts, SLOT)).toBe(slot);
  });
});

describe('engine/feeds: CounterTracker', () => {
  const cases: readonly { name: string; points: [number, number][]; fromMs: number; increments: [number, number][]; rejected: string[] }[] = [
    { name: 'a new series\' first sample is only its baseline', points: [[10, 5], [20, 8], [30, 8]], fromMs: 0, increments: [[20, 3], [30, 0]], rejected: [] },
    { name: 'samples at or before fromMs only set the baseline', points: [[10, 5], [20, 8], [30, 10]], fromMs: 20, increments: [[30, 2]], rejected: [] },
    { name: 'a drop to half or less is a reset: the value itself is counted', points: [[10, 100], [20, 50], [30, 53]], fromMs: 0, increments: [[20, 50], [30, 3]], rejected: [] },
    { name: 'a smaller drop within 5 minutes is rejected and the increase counted from the last good sample', points: [[10, 100], [20, 90], [30, 104]], fromMs: 0, increments: [[30, 4]], rejected: ['20:backwards'] },
    { name: 'NaN and Inf are rejected after fromMs, never the baseline, and not reported before it', points: [[5, NaN], [10, 5], [20, NaN], [25, Infinity], [30, 9]], fromMs: 5, increments: [[30, 4]], rejected: ['20:nan', '25:infinite'] },
  ];

  it.each(cases)('$name', ({ points, fromMs, increments, rejected }) => {
    const tracker = new CounterTracker();
    const got: string[] = [];
    expect(tracker.diff('slo|sel|{}', points, fromMs, (ts, _v, reason) => got.push(`${ts}:${reason}`))).toEqual(increments);
    expect(got).toEqual(rejected);
  });

  it('goes on from the last sample it took in: a sample seen before is not counted again', () => {
    const tracker = new CounterTracker();
    tracker.diff('k', [[10, 5], [20, 8]], 0);
    expect(tracker.diff('k', [[20, 8], [30, 12]], 20)).toEqual([[30, 4]]);
    tracker.seed('s', 40, 100);
    expect(tracker.diff('s', [[50, 107]], 40)).toEqual([[50, 7]]);
  });

  it('forgets one SLO\'s series, and series not seen for an hour', () => {
    const tracker = new CounterTracker();
    tracker.diff('a|x|{}', [[T0, 1]], 0);
    tracker.diff('ab|x|{}', [[T0, 1]], 0);
    tracker.diff('b|x|{}', [[T0 + 2 * MINUTE, 1]], 0);
    tracker.forget('a');
    expect([tracker.has('a|x|{}'), tracker.has('ab|x|{}'), tracker.size]).toEqual([false, true, 2]);
    tracker.prune(T0 + 61 * MINUTE); // ab's last sample is 61 minutes old, b's 59
    expect([tracker.has('ab|x|{}'), tracker.has('b|x|{}')]).toEqual([false, true]);
  });
});

describe('engine/feeds: RawSampleFetcher', () => {
  it('asks once per metric with the matchers all its selectors share, and gives each selector its own series', async () => {
    const a200 = series({ __name__: 'http_requests_total', job: 'api', service: 'a', code: '200' }, [[T0, 1]]);
    const a500 = series({ __name__: 'http_requests_total', job: 'api', service: 'a', code: '500' }, [[T0, 1]]);
    const b200 = series({ __name__: 'http_requests_total', job: 'api', service: 'b', code: '200' }, [[T0, 1]]);
    const up = series({ __name__: 'up', job: 'api' }, [[T0, 1]]);
    const source = new ScriptedSource(new Map([['http_requests_total{job="api"}', [a200, a500, b200]], ['up{job="api"}', [up]]]));
    const plans = [
      'http_requests_total{job="api",service="a"}',
      'http_requests_total{job="api",service="a",code="500"}',
      'http_requests_total{job="api",service="b"}',
      'up{job="api"}',
    ].map((selector) => planFor({ kind: 'boolGauge', selector }, []));
    const selectors = plans.map((p) => (p.kind === 'gauge' ? p.selector : undefined)).filter((s) => s !== undefined);
    const got = await new RawSampleFetcher(source).fetch(selectors, T0 - MINUTE, T0);
    expect(source.requests.sort()).toEqual(['raw http_requests_total{job="api"}', 'raw up{job="api"}']);
    expect(Object.fromEntries([...got].map(([sel, list]) => [sel, list.map((s) => `${s.labels['service'] ?? '-'}/${s.labels['code'] ?? '-'}`)]))).toEqual({
      'http_requests_total{job="api",service="a"}': ['a/200', 'a/500'],
      'http_requests_total{job="api",service="a",code="500"}': ['a/500'],
      'http_requests_total{job="api",service="b"}': ['b/200'],
      'up{job="api"}': ['-/-'],
    });
  });
});

describe('engine/feeds: feedFine', () => {
  const window = { fromMs: T0, toMs: T0 + 3 * SLOT, slotMs: SLOT };

  it('differences counters per instance and slot: bad from the error selector, total from all', async () => {
    // Scrapes every 15 s; the samples at T0 are the baselines. Route /a: 10 requests per scrape, 2 failing
    // in the second slot only; route /b: 4 per scrape, none failing.
    const ok = (route: string, per: number): Series => series({ __name__: 'http_requests_total', job: 'api', route, code: '200' }, [0, 1, 2, 3, 4, 5, 6].map((i) => [T0 + i * 15_000, 100 + per * i]));
    const failing = series({ __name__: 'http_requests_total', job: 'api', route: '/a', code: '500' }, [[T0, 7], [T0 + 15_000, 7], [T0 + 30_000, 7], [T0 + 45_000, 8], [T0 + 60_000, 9], [T0 + 75_000, 9], [T0 + 90_000, 9]]);
    const all = [ok('/a', 8), ok('/b', 4), failing];
    const raw = new Map([['http_requests_total{job="api"}', all], ['http_requests_total{job="api",code="500"}', [failing]]]);
    const table = await feedFine(counters(['route']), ['route'], window, { source: new ScriptedSource(), tracker: new CounterTracker(), raw, rateWindowMs: 2 * MINUTE, keyPrefix: 'checkout' });
    // /a per slot: 2 scrapes x 8 ok + the 500s' increase (0, 2, 0); /b: 2 x 4.
    expect(rows(table)).toEqual({
      30: { '{"route":"/a"}': '0/16', '{"route":"/b"}': '0/8' },
      60: { '{"route":"/a"}': '2/18', '{"route":"/b"}': '0/8' },
      90: { '{"route":"/a"}': '0/16', '{"route":"/b"}': '0/8' },
    });
  });

  it('counts good events as total minus good', async () => {
    const plan = planFor({ kind: 'events', count: 'good', events: { kind: 'selector', selector: 'http_requests_total{job="api",code="200"}' }, total: { kind: 'selector', selector: 'http_requests_total{job="api"}' } }, []);
    const good = series({ __name__: 'http_requests_total', job: 'api', code: '200' }, [[T0, 0], [T0 + SLOT, 9]]);
    const bad = series({ __name__: 'http_requests_total', job: 'api', code: '500' }, [[T0, 0], [T0 + SLOT, 3]]);
    const raw = new Map([['http_requests_total{job="api"}', [good, bad]], ['http_requests_total{job="api",code="200"}', [good]]]);
    const table = await feedFine(plan, [], { ...window, toMs: T0 + SLOT }, { source: new ScriptedSource(), tracker: new CounterTracker(), raw, rateWindowMs: 2 * MINUTE, keyPrefix: 'x' });
    expect(rows(table)).toEqual({ 30: { '{}': '3/12' } });
  });

  it('marks a slot as having data while a series had a sample within the 5-minute lookback', async () => {
    // One sample at T0 + 30 s then none: slots ending before T0 + 30 s + 5 min have data (T0 + 330 s has not).
    const s = series({ __name__: 'http_requests_total', job: 'api', code: '200' }, [[T0 - 30_000, 1], [T0 + 30_000, 1]]);
    const raw = new Map([['http_requests_total{job="api"}', [s]]]);
    const long = { fromMs: T0, toMs: T0 + 12 * SLOT, slotMs: SLOT };
    const table = await feedFine(counters(), [], long, { source: new ScriptedSource(), tracker: new CounterTracker(), raw, rateWindowMs: 2 * MINUTE, keyPrefix: 'x' });
    expect(Object.keys(rows(table)).map(Number)).toEqual([30, 60, 90, 120, 150, 180, 210, 240, 270, 300]);
    expect(Object.values(rows(table)).every((r) => r['{}'] === '0/0')).toBe(true);
  });

  it('counts each sample of a 0/1 gauge as one event, bad when 0, and reports a sample outside 0..1', async () => {
    const probe = series({ __name__: 'probe_success', job: 'blackbox' }, [[T0 + 10_000, 1], [T0 + 20_000, 0], [T0 + 40_000, 1], [T0 + 50_000, 7], [T0 + 70_000, 0.5]]);
    const raw = new Map([['probe_success{job="blackbox"}', [probe]]]);
    const rejected: RejectedSample[] = [];
    const table = await feedFine(planFor({ kind: 'boolGauge', selector: 'probe_success{job="blackbox"}' }, []), [], window, { source: new ScriptedSource(), tracker: new CounterTracker(), raw, rateWindowMs: 2 * MINUTE, keyPrefix: 'x', onReject: (r) => rejected.push(r) });
    expect(rows(table)).toEqual({ 30: { '{}': '1/2' }, 60: { '{}': '0/1' }, 90: { '{}': '0.5/1' } });
    expect(rejected.map((r) => `${(r.tsMs - T0) / 1000}:${r.reason}:${r.query}`)).toEqual(['50:out_of_range:probe_success{job="blackbox"}']);
  });

  it('integrates sampled rates over the slot, leaves out a negative rate and counts nothing for NaN', async () => {
    const plan = planFor({ kind: 'events', count: 'bad', events: { kind: 'template', template: 'sum(errors:rate{{.window}})' }, total: { kind: 'template', template: 'sum(requests:rate{{.window}})' } }, []);
    const source = new ScriptedSource(new Map(), new Map([
      ['sum(requests:rate2m)', [series({}, [[T0 + SLOT, 10], [T0 + 2 * SLOT, 10], [T0 + 3 * SLOT, NaN]])]],
      ['sum(errors:rate2m)', [series({}, [[T0 + SLOT, 0.5], [T0 + 2 * SLOT, -1]])]],
    ]));
    const rejected: RejectedSample[] = [];
    const table = await feedFine(plan, [], window, { source, tracker: new CounterTracker(), raw: new Map(), rateWindowMs: 2 * MINUTE, keyPrefix: 'x', onReject: (r) => rejected.push(r) });
    // 10/s x 30 s = 300 events; 0.5/s x 30 s = 15 bad; the third slot has data (a total sample) but no events.
    expect(rows(table)).toEqual({ 30: { '{}': '15/300' }, 60: { '{}': '0/300' }, 90: { '{}': '0/0' } });
    expect(rejected.map((r) => `${(r.tsMs - T0) / 1000}:${r.reason}`)).toEqual(['60:negative']);
  });

  it('weights an error ratio by the slot\'s seconds, clamped to 0..1, and keeps a slot without traffic as data', async () => {
    const plan = planFor({ kind: 'ratio', template: 'errors:ratio_rate{{.window}}', meaning: 'error' }, []);
    const source = new ScriptedSource(new Map(), new Map([['errors:ratio_rate2m', [series({}, [[T0 + SLOT, 0.1], [T0 + 2 * SLOT, 1.5], [T0 + 3 * SLOT, NaN]])]]]));
    const table = await feedFine(plan, [], window, { source, tracker: new CounterTracker(), raw: new Map(), rateWindowMs: 2 * MINUTE, keyPrefix: 'x' });
    expect(rows(table)).toEqual({ 30: { '{}': '3/30' }, 60: { '{}': '30/30' }, 90: { '{}': '0/0' } });
  });
});

describe('engine/feeds: feedCoarse', () => {
  const STEP = 5 * MINUTE;
  const window = { fromMs: T0, toMs: T0 + 2 * STEP, slotMs: STEP };
  const steps = {} as CounterStepReader; // read only by counter plans

  it('reads a 0/1 gauge per step with count_over_time and sum_over_time: every sample once', async () => {
    const plan = planFor({ kind: 'boolGauge', selector: 'probe_success{job="blackbox"}' }, ['instance']);
    const at = (i: number): number => T0 + i * STEP;
    const source = new ScriptedSource(new Map(), new Map([
      ['sum by (instance) (count_over_time(probe_success{job="blackbox"}[5m]))', [series({ instance: 'x' }, [[at(1), 20], [at(2), 20]])]],
      ['sum by (instance) (sum_over_time(probe_success{job="blackbox"}[5m]))', [series({ instance: 'x' }, [[at(1), 20], [at(2), 15]])]],
    ]));
    const table = await feedCoarse(plan, ['instance'], window, { source, steps });
    expect(rows(table)).toEqual({ 300: { '{"instance":"x"}': '0/20' }, 600: { '{"instance":"x"}': '5/20' } });
  });

  it('reads rates over the step and counts good events as total minus good', async () => {
    const plan = planFor({ kind: 'events', count: 'good', events: { kind: 'template', template: 'sum(fast:rate{{.window}})' }, total: { kind: 'template', template: 'sum(all:rate{{.window}})' } }, []);
    const source = new ScriptedSource(new Map(), new Map([
      ['sum(all:rate5m)', [series({}, [[T0 + STEP, 2], [T0 + 2 * STEP, 2]])]],
      ['sum(fast:rate5m)', [series({}, [[T0 + STEP, 2], [T0 + 2 * STEP, 1.5]])]],
    ]));
    const table = await feedCoarse(plan, [], window, { source, steps });
    // 2/s x 300 s = 600 events; fast 1.5/s x 300 s = 450 good, 150 bad.
    expect(rows(table)).toEqual({ 300: { '{}': '0/600' }, 600: { '{}': '150/600' } });
  });

  it('weights an error ratio by the step\'s seconds and reports a ratio it cannot count', async () => {
    const plan = planFor({ kind: 'ratio', template: 'ok:ratio{{.window}}', meaning: 'success' }, []);
    const source = new ScriptedSource(new Map(), new Map([['ok:ratio5m', [series({}, [[T0 + STEP, 0.99], [T0 + 2 * STEP, Infinity]])]]]));
    const rejected: RejectedSample[] = [];
    const table = await feedCoarse(plan, [], window, { source, steps, onReject: (r) => rejected.push(r) });
    // success 0.99 -> error 0.01 x 300 s = 3 of 300; the Inf step has data but nothing counted.
    expect(rows(table)).toEqual({ 300: { '{}': '3/300' }, 600: { '{}': '0/0' } });
    expect(rejected.map((r) => `${(r.tsMs - T0) / 1000}:${r.reason}:${r.query}`)).toEqual(['600:infinite:ok:ratio5m']);
  });
});
