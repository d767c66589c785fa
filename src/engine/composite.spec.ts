import { afterEach, describe, expect, it } from 'vitest';
import { counter, FakeMetrics } from '../../test/support/fake-metrics.js';
import type { SyntheticSeries } from '../../test/support/fake-metrics.js';
import { silentLogger as quiet } from '../../test/support/logger.js';
import { RecordingSink } from '../../test/support/notification.js';
import { HOUR, MINUTE } from '../slo/duration.js';
import type { CompositeMethod, Slo, Tier } from '../slo/model.js';
import { errorBudget } from '../slo/model.js';
import { sloModel } from '../../test/support/slo-model.js';
import { openDb } from '../store/db.js';
import type { Db } from '../store/db.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { Engine } from './engine.js';

/**
 * Composite SLOs in the engine: the composite's ledger is derived from its children's (no query), its burn rates
 * and budget are the weighted figures computed by hand below, and its firing page holds its children's pages.
 *
 * Three children, each with its own counter scraped every 15 s on the slot grid: catalogue 10 req/s, payments
 * 5 req/s, search 1 req/s.
 * Payments fails half its requests from T0 to T0+10m (40 scrapes x 15 s x 2.5 = 1500 errors).
 */

const T0 = Date.parse('2026-11-20T00:00:00Z');
const SLOT = 30_000;
const START = T0 - 8 * HOUR;
const OUTAGE_END = T0 + 10 * MINUTE;
const inOutage = (t: number): boolean => t > T0 && t <= OUTAGE_END;

function service(id: string, rps: number, errorShare: (t: number) => number = () => 0): SyntheticSeries[] {
  return [
    counter({ __name__: `${id}_requests_total`, code: '200' }, (t) => rps * (1 - errorShare(t)), { startMs: START }),
    counter({ __name__: `${id}_requests_total`, code: '500' }, (t) => rps * errorShare(t), { startMs: START }),
  ];
}

const PAGE_1H: Tier = { name: 'page-1h-5m', severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 0 };
const PAGE_6H: Tier = { name: 'page-6h-30m', severity: 'page', longMs: 6 * HOUR, shortMs: 30 * MINUTE, factor: 6, forMs: 0 };

function child(id: string, over: Partial<Slo> = {}, tiers: readonly Tier[] = [PAGE_1H, PAGE_6H], alerting: Partial<Slo['alerting']> = {}): Slo {
  return sloModel({
    id,
    name: id,
    service: id,
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: `${id}_requests_total{code="500"}` },
      total: { kind: 'selector', selector: `${id}_requests_total` },
    },
    ...over,
  }, { tiers, ...alerting });
}

function composite(method: CompositeMethod, weights: Readonly<Record<string, number>>, alerting: Partial<Slo['alerting']> = {}): Slo {
  return sloModel({
    id: 'checkout-journey',
    name: 'checkout-journey',
    service: 'checkout',
    indicator: { kind: 'composite', method, children: Object.entries(weights).map(([sloId, weight]) => ({ sloId, weight })) },
  }, { tiers: [PAGE_1H, PAGE_6H], ...alerting });
}

const Sink = RecordingSink;
type Sink = RecordingSink;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

async function start(series: SyntheticSeries[], slos: Slo[], sink = new Sink()): Promise<{ engine: Engine; source: FakeMetrics; db: Db; sink: Sink }> {
  const source = new FakeMetrics(series);
  const db = openDb(':memory:');
  cleanups.push(() => db.close());
  const engine = new Engine({ source, store: new SqliteStore(db, ':memory:'), logger: quiet, sink }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 6 * HOUR });
  await engine.setSlos(slos, T0 - 10 * MINUTE);
  return { engine, source, db, sink };
}

async function run(engine: Engine, fromMs: number, toMs: number): Promise<void> {
  for (let t = fromMs; t <= toMs; t += SLOT) {
    await engine.ingest(t);
    await engine.evaluateAt(t);
  }
}

const journey = (engine: Engine): NonNullable<ReturnType<Engine['status']>>['instances'][number] | undefined => engine.status('checkout-journey')?.instances[0];
const threeServices = (): SyntheticSeries[] => [...service('catalogue', 10), ...service('payments', 5, (t) => (inOutage(t) ? 0.5 : 0)), ...service('search', 1)];

describe('a composite SLO in the engine', () => {
  it('weightedEvents: burns by the weighted share of the bad events (hand count) and reads no query of its own', async () => {
    const { engine, source } = await start(threeServices(), [child('catalogue'), child('payments'), child('search'), composite('weightedEvents', { catalogue: 1, payments: 2, search: 1 })]);
    await run(engine, T0 - 10 * MINUTE, T0 + 30 * MINUTE);
    // 1h window (T0-30m, T0+30m]: bad 2 x 1500 = 3000; total (10 x 1 + 5 x 2 + 1 x 1) x 3600 = 75600.
    const long = journey(engine)?.observation.tiers.find((t) => t.name === 'page-1h-5m');
    expect(long?.longRatio).toBeCloseTo(3000 / 75600, 12);
    expect(long?.longBurnRate).toBeCloseTo(3000 / 75600 / errorBudget(99.9), 9);
    // The period: the ledger starts 6 h 10 min before T0 (maxBackfill), so 6 h 40 min of traffic by T0+30m.
    const seconds = (6 * 3600 + 40 * 60);
    const budget = journey(engine)?.observation.budget;
    expect(budget?.events).toBeCloseTo(21 * seconds, 6);
    expect(budget?.consumed).toBeCloseTo(3000 / (21 * seconds) / errorBudget(99.9), 9);
    // Every query was one of the children's.
    const read = new Set([...source.rawCalls.map((c) => c.selector), ...source.queries.map((q) => q.expr)].map((q) => /^\w+/.exec(q)?.[0] ?? q));
    expect([...read].every((q) => /^(catalogue|payments|search)_requests_total|^\w+_over_time$|^resets$/.test(q)), [...read].join(', ')).toBe(true);
  });

  it.each([
    // Outage slots: (1 x 0 + 2 x 0.5 + 1 x 0) / 4 = 0.25 for 10 of the 60 minutes.
    ['every child has traffic', 1, 0.25 * 600 / 3600],
    // search is idle: left out of each slot's mean, (1 x 0 + 2 x 0.5) / 3 = 1/3 for 10 of the 60 minutes.
    ['an idle child is left out of each slot', 0, (1 / 3) * 600 / 3600],
  ])('weightedRatio, %s: the 1h ratio is the time-weighted mean of the slots\' weighted ratios', async (_, searchRps, expected) => {
    const series = [...service('catalogue', 10), ...service('payments', 5, (t) => (inOutage(t) ? 0.5 : 0)), ...service('search', searchRps)];
    const { engine } = await start(series, [child('catalogue'), child('payments'), child('search'), composite('weightedRatio', { catalogue: 1, payments: 2, search: 1 })]);
    await run(engine, T0 - 10 * MINUTE, T0 + 30 * MINUTE);
    expect(journey(engine)?.observation.tiers.find((t) => t.name === 'page-1h-5m')?.longRatio).toBeCloseTo(expected, 12);
  });

  it('leaves out a child\'s events while the child is in maintenance, as the child does', async () => {
    const maintenance = [{ startMs: T0 - 5 * MINUTE, durationMs: 20 * MINUTE, reason: 'payments migration' }];
    const { engine } = await start(threeServices(), [child('catalogue'), child('payments', { maintenance }), child('search'), composite('weightedEvents', { catalogue: 1, payments: 2, search: 1 })]);
    await run(engine, T0 - 10 * MINUTE, T0 + 30 * MINUTE);
    // No bad events count; payments' 20 minutes of events are out of the total: 75600 - 2 x 5 x 1200.
    const long = journey(engine)?.observation.tiers.find((t) => t.name === 'page-1h-5m');
    expect(long?.longRatio).toBe(0);
    expect(long?.longEvents).toBeCloseTo(75600 - 2 * 5 * 1200, 6);
  });

  // The payments outage (T0, T0+10m] corrected in payments only, in the past: its events come out of the
  // composite as they come out of payments' own budget.
  const paymentsCorrection = { name: 'psp-outage', reason: 'the payment provider, not us', startMs: T0, durationMs: 10 * MINUTE, source: { file: 'slos/corrections.yaml', line: 4 } };

  it('leaves out a child\'s corrected events, as the child\'s own budget does', async () => {
    const { engine } = await start(threeServices(), [child('catalogue'), child('payments', { corrections: [paymentsCorrection] }), child('search'), composite('weightedEvents', { catalogue: 1, payments: 2, search: 1 })]);
    await run(engine, T0 - 10 * MINUTE, T0 + 30 * MINUTE);
    // 1h window: no bad events left; payments' 10 corrected minutes are out of the total: 75600 - 2 x 5 x 600.
    const long = journey(engine)?.observation.tiers.find((t) => t.name === 'page-1h-5m');
    expect(long?.longRatio).toBe(0);
    expect(long?.longEvents).toBeCloseTo(75600 - 2 * 5 * 600, 6);
    // The child itself agrees: its budget has spent nothing.
    expect(engine.status('payments')?.instances[0]?.observation.budget.consumed).toBe(0);
  });

  it('derives its rows again when a reload adds a correction to a child, without a query', async () => {
    const slos = [child('catalogue'), child('payments'), child('search'), composite('weightedEvents', { catalogue: 1, payments: 2, search: 1 })];
    const { engine, source } = await start(threeServices(), slos);
    await run(engine, T0 - 10 * MINUTE, T0 + 30 * MINUTE);
    expect(journey(engine)?.observation.tiers.find((t) => t.name === 'page-1h-5m')?.longRatio).toBeCloseTo(3000 / 75600, 12);
    const queriesBefore = source.rawCalls.length + source.queries.length;
    await engine.setSlos([slos[0] as Slo, child('payments', { corrections: [paymentsCorrection] }), slos[2] as Slo, slos[3] as Slo], T0 + 30 * MINUTE);
    await run(engine, T0 + 30 * MINUTE + SLOT, T0 + 30 * MINUTE + SLOT);
    const long = journey(engine)?.observation.tiers.find((t) => t.name === 'page-1h-5m');
    expect(long?.longRatio).toBe(0);
    // The children kept their ledgers: the next cycle read only its own slot's samples.
    expect(source.rawCalls.length + source.queries.length - queriesBefore).toBeLessThanOrEqual(3);
  });

  it('is unknown while a child is, and catches up with it', async () => {
    const { engine, source } = await start(threeServices(), [child('catalogue'), child('payments'), child('search'), composite('weightedEvents', { catalogue: 1, payments: 2, search: 1 })]);
    await run(engine, T0 - 10 * MINUTE, T0);
    source.failWhen = (selector) => (selector.includes('payments_requests_total') ? new Error('payments backend down') : undefined);
    await run(engine, T0 + SLOT, T0 + 5 * MINUTE);
    expect(engine.status('checkout-journey')).toMatchObject({ state: 'unknown', errorKind: 'child_unknown' });
    expect(engine.status('checkout-journey')?.error).toMatch(/^child payments is unknown/);
    source.failWhen = undefined;
    await run(engine, T0 + 5 * MINUTE + SLOT, T0 + 30 * MINUTE);
    expect(engine.status('checkout-journey')?.state).toBe('ok');
    expect(journey(engine)?.observation.tiers.find((t) => t.name === 'page-1h-5m')?.longRatio).toBeCloseTo(3000 / 75600, 12);
  });
});

describe('a composite of grouped children', () => {
  it('has one instance per label set, each combining the children\'s instances with those labels', async () => {
    const regional = (id: string, rps: number, failing: string | undefined): SyntheticSeries[] => ['eu', 'us'].flatMap((region) => [
      counter({ __name__: `${id}_requests_total`, region, code: '200' }, (t) => rps * (region === failing && inOutage(t) ? 0.5 : 1), { startMs: START }),
      counter({ __name__: `${id}_requests_total`, region, code: '500' }, (t) => (region === failing && inOutage(t) ? rps * 0.5 : 0), { startMs: START }),
    ]);
    const grouped = (id: string): Slo => child(id, { groupBy: ['region'] });
    const journey = { ...composite('weightedEvents', { catalogue: 1, payments: 2 }), groupBy: ['region'] };
    const { engine } = await start([...regional('catalogue', 10, undefined), ...regional('payments', 5, 'eu')], [grouped('catalogue'), grouped('payments'), journey]);
    await run(engine, T0 - 10 * MINUTE, T0 + 30 * MINUTE);
    const ratios = Object.fromEntries((engine.status('checkout-journey')?.instances ?? []).map((i) => [i.labels['region'], i.observation.tiers.find((t) => t.name === 'page-1h-5m')?.longRatio]));
    // eu: 2 x 1500 bad of (10 + 2 x 5) x 3600 = 72000 events in the hour; us: no errors.
    expect(ratios).toEqual({ eu: expect.closeTo(3000 / 72000, 12) as unknown, us: 0 });
  });
});

describe('inhibitChildren', () => {
  // payments pages only after its condition held for 5 minutes (at ~6.7 min), and keeps firing 20 minutes after
  // it clears: its page comes after the composite's (~3.6 min) and outlasts the composite's resolve (~T0+40m).
  const payments = (): Slo => child('payments', {}, [{ ...PAGE_1H, forMs: 5 * MINUTE }, PAGE_6H], { keepFiringForMs: 20 * MINUTE });
  const pages = (sink: Sink): string[] => sink.sent.filter((n) => n.severity === 'page').map((n) => `${n.slo.id}:${n.status}`);

  it('holds the children\'s pages while the composite\'s page fires, and sends one that still fires when it resolves', async () => {
    const { engine, sink, db } = await start(threeServices(), [child('catalogue'), payments(), child('search'), composite('weightedEvents', { catalogue: 1, payments: 2, search: 1 }, { inhibitChildren: true })]);
    let held = false;
    for (let t = T0 - 10 * MINUTE; t <= T0 + 90 * MINUTE; t += SLOT) {
      await engine.ingest(t);
      await engine.evaluateAt(t);
      const p = engine.status('payments')?.instances[0];
      if (p?.pageHeldBy === 'checkout-journey') {
        held = true;
        expect(p.alerts.page).toBe('inactive');
        // Recorded, not lost: the store holds the child's page as firing and not notified.
        const row = db.prepare("SELECT state, notified FROM alerts WHERE alert_key LIKE 'payments/%/page'").get() as { state: string; notified: number } | undefined;
        expect(JSON.parse(row?.state ?? '{}')).toMatchObject({ phase: 'firing' });
        expect(row?.notified).toBe(0);
      }
    }
    expect(held).toBe(true);
    expect(pages(sink)).toEqual(['checkout-journey:firing', 'checkout-journey:resolved', 'payments:firing', 'payments:resolved']);
    const at = (id: string, status: string): number => sink.sent.find((n) => n.severity === 'page' && n.slo.id === id && n.status === status)?.createdAt.getTime() ?? NaN;
    // The held page goes out in the cycle the composite resolves.
    expect(at('payments', 'firing')).toBe(at('checkout-journey', 'resolved'));
  });

  it('without inhibitChildren, the child pages while the composite fires', async () => {
    const { engine, sink } = await start(threeServices(), [child('catalogue'), payments(), child('search'), composite('weightedEvents', { catalogue: 1, payments: 2, search: 1 })]);
    await run(engine, T0 - 10 * MINUTE, T0 + 90 * MINUTE);
    expect(pages(sink)).toEqual(['checkout-journey:firing', 'payments:firing', 'checkout-journey:resolved', 'payments:resolved']);
  });
});
