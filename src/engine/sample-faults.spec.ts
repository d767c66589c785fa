import { describe, expect, it } from 'vitest';
import { counter, FakeMetrics } from '../../test/support/fake-metrics.js';
import type { SyntheticSeries } from '../../test/support/fake-metrics.js';
import { sloModel } from '../../test/support/slo-model.js';
import type { AlertNotification } from '../notify/notifier.js';
import { DAY, HOUR, MINUTE } from '../slo/duration.js';
import type { Slo } from '../slo/model.js';
import { catalogForPeriod, tiersFromCatalog } from '../slo/windows.js';
import { openDb } from '../store/db.js';
import type { Db } from '../store/db.js';
import type { MetricsSource, Series } from '../metrics/source.js';
import { Engine } from './engine.js';
import { CounterStepReader } from './counter-steps.js';
import { CounterTracker, feedCoarse, feedFine } from './feeds.js';
import type { Increment, RejectedSample, SlotTable } from './feeds.js';
import { planFor } from './plan.js';
import type { LogLine } from '../../test/support/logger.js';
import { recordingLogger } from '../../test/support/logger.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { sqliteOf } from '../../test/support/sqlite-engine.js';

/**
 * Samples Prometheus should never send for a counter (±Inf, NaN, negative, a step back that is no reset):
 * each one is rejected, the SLO is unknown for that cycle (no page, no resolve), the ledger never stores it,
 * and the events it hid are counted once the series is sane again.
 */

const T0 = Date.parse('2026-11-20T00:00:00Z');
const SLOT = 30_000;
const FAULT_FROM = T0 + 20 * MINUTE;
const FAULT_TO = T0 + 23 * MINUTE;
const RATE = 10; // requests per second

function slo(id: string): Slo {
  const period = 30 * DAY;
  return sloModel({
    id,
    name: id,
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: `http_requests_total{service="${id}",code="500"}` },
      total: { kind: 'selector', selector: `http_requests_total{service="${id}"}` },
    },
  }, { tiers: tiersFromCatalog(catalogForPeriod(period), period) });
}

/** What a faulty backend sends instead of a counter's value `v`. */
const FAULTS: Readonly<Record<string, (v: number) => number>> = {
  '+Inf': () => Infinity,
  '-Inf': () => -Infinity,
  NaN: () => NaN,
  negative: (v) => -v - 1,
  // 5 % below the true value: a decrease no restart explains (the counter is far from zero).
  backwards: (v) => v * 0.95,
};

/** `RATE` requests/s since 8 h before T0, `errorShare` of them failing; values replaced by `fault` in [FAULT_FROM, FAULT_TO]. */
function service(id: string, errorShare: number, fault: (v: number) => number): SyntheticSeries[] {
  const start = T0 - 8 * HOUR;
  return [
    counter({ __name__: 'http_requests_total', service: id, code: '200' }, () => RATE * (1 - errorShare), { startMs: start }),
    counter({ __name__: 'http_requests_total', service: id, code: '500' }, () => RATE * errorShare, { startMs: start }),
  ].map((s) => ({
    labels: s.labels,
    valueAt: (t: number) => {
      const v = s.valueAt(t);
      return v !== undefined && t >= FAULT_FROM && t <= FAULT_TO ? fault(v) : v;
    },
  }));
}

class Sink {
  readonly sent: AlertNotification[] = [];
  enqueue(_tx: unknown, n: readonly AlertNotification[]): Promise<void> {
    this.sent.push(...n);
    return Promise.resolve();
  }
}

function finiteRows(db: Db): { bad: number | null; total: number | null }[] {
  return (db.prepare('SELECT bad, total FROM ledger').all() as { bad: number | null; total: number | null }[])
    .filter((r) => r.bad === null || r.total === null || !Number.isFinite(r.bad) || !Number.isFinite(r.total));
}

describe.each(Object.keys(FAULTS))('a counter answering %s', (mode) => {
  const fault = FAULTS[mode] as (v: number) => number;

  async function run(): Promise<{ engine: Engine; db: Db; sink: Sink; states: Map<number, string>; lines: LogLine[] }> {
    // "burning": 50 % errors (pages within minutes); "healthy": no errors at all.
    const source = new FakeMetrics([...service('burning', 0.5, fault), ...service('healthy', 0, fault)]);
    const sink = new Sink();
    const db = openDb(':memory:');
    const { logger, lines } = recordingLogger();
    const engine = new Engine({ source, store: new SqliteStore(db, ':memory:'), logger, sink }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 6 * HOUR });
    await engine.setSlos([slo('burning'), slo('healthy')], T0);
    const states = new Map<number, string>();
    for (let t = T0; t <= T0 + 30 * MINUTE; t += SLOT) {
      await engine.ingest(t);
      await engine.evaluateAt(t);
      states.set(t, `${engine.status('burning')?.state}/${engine.status('healthy')?.state}`);
    }
    return { engine, db, sink, states, lines };
  }

  it('neither resolves the firing page nor pages the healthy SLO, and both are unknown while it lasts', async () => {
    const { sink, states } = await run();
    expect(sink.sent.map((n) => `${n.slo.id}:${n.severity}:${n.status}`)).toEqual(['burning:page:firing']);
    expect((sink.sent[0]?.createdAt.getTime() ?? Infinity)).toBeLessThan(FAULT_FROM);
    // Slots (t - 30 s, t] holding a faulty sample: the first is FAULT_FROM itself, the last FAULT_TO.
    for (const [t, state] of states) {
      const faulty = t >= FAULT_FROM && t - SLOT < FAULT_TO;
      expect(state, new Date(t).toISOString()).toBe(faulty ? 'unknown/unknown' : 'ok/ok');
    }
  });

  it('stores no non-finite sum and loses no event once the counter is sane again', async () => {
    const { engine, db } = await run();
    expect(finiteRows(db)).toEqual([]);
    const at = T0 + 30 * MINUTE;
    for (const [id, share] of [['burning', 0.5], ['healthy', 0]] as const) {
      const inst = sqliteOf(engine).ledger.instancesOf(id)[0];
      const sums = sqliteOf(engine).ledger.sums(inst?.id ?? -1, at).window(20 * MINUTE);
      // 10 requests/s for 20 minutes, the faulty 3 minutes included: counted when the counter came back.
      expect(sums.total, id).toBeCloseTo(RATE * 1200, 6);
      expect(sums.bad, id).toBeCloseTo(RATE * 1200 * share, 6);
    }
    const healthy = engine.status('healthy')?.instances[0]?.observation.budget.remaining;
    expect(healthy).toBe(1);
  });

  it('says which series sent what, once per series, and why the SLO is unknown', async () => {
    const { engine, lines } = await run();
    const rejected = lines.filter((l) => l.message.startsWith('sample rejected'));
    // Two series per SLO with samples in the fault (the healthy 500 series reads 0, which stays 0 or -1/NaN/Inf).
    const perSeries = new Set(rejected.map((l) => `${String(l.fields.slo)}|${JSON.stringify(l.fields.series)}`));
    expect(perSeries.size).toBe(rejected.length);
    expect(rejected.length).toBeGreaterThanOrEqual(2);
    expect(rejected.every((l) => l.level === 'warn' && typeof l.fields.reason === 'string' && typeof l.fields.value === 'string')).toBe(true);
    // After the fault the status carries no error.
    expect(engine.status('burning')?.error).toBeUndefined();
  });
});

describe('a ledger an earlier version filled with Inf', () => {
  it('is rebuilt from Prometheus after the upgrade instead of keeping the budget at a false value for good', async () => {
    const source = new FakeMetrics(service('healthy', 0.0005, (v) => v));
    const sink = new Sink();
    const db = openDb(':memory:');
    const { logger, lines } = recordingLogger();
    const make = (): Engine => new Engine({ source, store: new SqliteStore(db, ':memory:'), logger, sink }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 6 * HOUR });
    const old = make();
    await old.setSlos([slo('healthy')], T0);
    for (let t = T0; t <= T0 + 5 * MINUTE; t += SLOT) {
      await old.ingest(t);
      await old.evaluateAt(t);
    }
    // What the old code stored after one +Inf answer: total = inf in the newest cumulative row. Then an upgrade.
    db.prepare('UPDATE ledger SET total = 9e999 WHERE slot_ms = ?').run(T0 + 5 * MINUTE);
    const engine = make();
    await engine.setSlos([slo('healthy')], T0 + 5 * MINUTE);
    const states: string[] = [];
    for (let t = T0 + 5 * MINUTE + SLOT; t <= T0 + 10 * MINUTE; t += SLOT) {
      await engine.ingest(t);
      await engine.evaluateAt(t);
      states.push(engine.status('healthy')?.state ?? '?');
    }
    expect(states[0]).toBe('unknown');
    expect(states.slice(1).every((s) => s === 'ok')).toBe(true);
    expect(lines.some((l) => l.message.includes('rebuilding it from Prometheus'))).toBe(true);
    expect(finiteRows(db)).toEqual([]);
    // Read back from Prometheus by the cycle at T0+6m: from 6 h before (the backfill cap) aligned down to
    // 5 minutes, T0-5h55m, to T0+10m: 6 h 5 min of 10 requests/s.
    const budget = engine.status('healthy')?.instances[0]?.observation.budget;
    expect(budget?.events).toBeCloseTo(RATE * (6 * 3600 + 5 * 60), 6);
    // 0.05 % errors against the 0.1 % a 99.9 % objective allows: half the budget left (the Inf row said 1).
    expect(budget?.remaining).toBeCloseTo(0.5, 6);
    expect(sink.sent).toEqual([]);
  });
});

describe('the feeds leave out what classifySample rejects', () => {
  const W = { fromMs: T0, toMs: T0 + 2 * SLOT, slotMs: SLOT };
  const S1 = T0 + SLOT;
  const S2 = T0 + 2 * SLOT;

  /** A source answering every range query with these series (range queries are not simulated by FakeMetrics). */
  function ranges(series: Series[]): MetricsSource {
    const source = new FakeMetrics([]);
    source.rangeQuery = () => Promise.resolve({ series });
    return source;
  }

  function rows(table: SlotTable): Record<number, Increment> {
    const out: Record<number, Increment> = {};
    for (const [slot, bySlot] of table) for (const row of bySlot.values()) out[slot] = { ...row.inc };
    return out;
  }

  it('boolGauge: a sample outside 0..1 or NaN is not an event', async () => {
    const rejected: RejectedSample[] = [];
    const plan = planFor({ kind: 'boolGauge', selector: 'probe_success{job="web"}' }, []);
    const labels = { __name__: 'probe_success', job: 'web' };
    const raw = new Map([['probe_success{job="web"}', [{ labels, points: [[S1 - 15_000, 1], [S1, 2], [S2 - 15_000, NaN], [S2, 0]] as const }]]]);
    const table = await feedFine(plan, [], W, { source: new FakeMetrics([]), tracker: new CounterTracker(), raw: raw, rateWindowMs: MINUTE, keyPrefix: 'g', onReject: (r) => rejected.push(r) });
    // Slot 1: one good probe (the 2 is left out); slot 2: one failed probe (the NaN is left out).
    expect(rows(table)).toEqual({ [S1]: { bad: 0, total: 1, data: true }, [S2]: { bad: 1, total: 1, data: true } });
    expect(rejected.map((r) => [r.tsMs, r.reason])).toEqual([[S1, 'out_of_range'], [S2 - 15_000, 'nan']]);
  });

  it('rates: +Inf and negative rates are left out, NaN is no events', async () => {
    const rejected: RejectedSample[] = [];
    const plan = planFor({ kind: 'events', count: 'bad', events: { kind: 'template', template: 'sum(rate(errors[{{.window}}])) * 1' }, total: { kind: 'template', template: 'sum(rate(all[{{.window}}])) * 1' } }, []);
    const table = await feedFine(plan, [], W, { source: ranges([{ labels: {}, points: [[S1, Infinity], [S2, NaN]] }]), tracker: new CounterTracker(), raw: new Map(), rateWindowMs: MINUTE, keyPrefix: 'r', onReject: (r) => rejected.push(r) });
    expect(rows(table)).toEqual({ [S1]: { bad: 0, total: 0, data: true }, [S2]: { bad: 0, total: 0, data: true } });
    // The same +Inf answered for both the events and the total query.
    expect(rejected.map((r) => r.reason)).toEqual(['infinite', 'infinite']);
  });

  /**
   * Backfill in 5-minute steps over counters scraped every 15 s from T0 - 1 h: 1 good request/s (300 per step)
   * and 0.1 failed request/s (30 per step), with one faulty sample of the good requests' series at `faultAt`.
   */
  async function backfill(fault: (v: number) => number, faultAt: number): Promise<{ table: SlotTable; rejected: RejectedSample[] }> {
    const step = 5 * MINUTE;
    const plan = planFor(slo('x').indicator, []);
    const total = counter({ __name__: 'http_requests_total', service: 'x', code: '200' }, () => 1, { startMs: T0 - HOUR });
    const errors = counter({ __name__: 'http_requests_total', service: 'x', code: '500' }, () => 0.1, { startMs: T0 - HOUR });
    const faulty: SyntheticSeries = { labels: total.labels, valueAt: (t) => { const v = total.valueAt(t); return v === undefined || t !== faultAt ? v : fault(v); } };
    const source = new FakeMetrics([faulty, errors]);
    const rejected: RejectedSample[] = [];
    const table = await feedCoarse(plan, [], { fromMs: T0, toMs: T0 + 3 * step, slotMs: step }, { source, steps: new CounterStepReader(source), onReject: (r) => rejected.push(r) });
    return { table, rejected };
  }

  it('backfill: a step whose last value is -Inf is left out and its requests are counted with the next step', async () => {
    const step = 5 * MINUTE;
    const { table, rejected } = await backfill(() => -Infinity, T0 + 2 * step);
    // Step 2's last good-request value is -Inf: steps 2 and 3 of that series are differenced from step 1's last
    // value, so its 600 requests land in step 3; all 990 requests are counted.
    const r = rows(table);
    expect(r[T0 + step]).toEqual({ bad: 30, total: 330, data: true });
    expect(r[T0 + 2 * step]?.total).toBe(30);
    expect(r[T0 + 3 * step]).toEqual({ bad: 30, total: 630, data: true });
    expect(rejected.map((x) => [x.tsMs, x.reason, x.query])).toEqual([[T0 + 2 * step, 'infinite', 'http_requests_total{service="x"}']]);
  });

  it('backfill: a counter going back without a reset at a step\'s last sample is left out, not counted as a restart', async () => {
    const step = 5 * MINUTE;
    // 100 below the true value (far above half of it): no restart, a step back.
    const { table, rejected } = await backfill((v) => v - 100, T0 + 2 * step);
    const r = rows(table);
    // increase() would count the step back as a restart (+4,100); the 990 requests are what happened. The step
    // back is at T0+10m: step 2 counts its good requests to T0+9m45s (285), step 3 from there (315).
    expect(Object.values(r).reduce((n, x) => n + x.total, 0)).toBe(990);
    expect(r[T0 + 2 * step]?.total).toBe(285 + 30);
    expect(r[T0 + 3 * step]?.total).toBe(315 + 30);
    expect(rejected.map((x) => [x.tsMs, x.reason])).toEqual([[T0 + 2 * step, 'backwards']]);
  });
});
