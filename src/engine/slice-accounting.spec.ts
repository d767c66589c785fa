import { describe, expect, it } from 'vitest';
import { counter, FakeMetrics } from '../../test/support/fake-metrics.js';
import { silentLogger as quiet } from '../../test/support/logger.js';
import { sloModel } from '../../test/support/slo-model.js';
import { HOUR, MINUTE } from '../slo/duration.js';
import type { Budgeting, Slo } from '../slo/model.js';
import { openDb } from '../store/db.js';
import { Engine } from './engine.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { sqliteOf } from '../../test/support/sqlite-engine.js';

/**
 * Timeslice budgets in the ledger: at every slice boundary each instance gets one slice (bad when its good
 * ratio is under the target, or its error ratio for ratioTimeslices); a backfill step longer than a slice
 * counts step / slice slices of the step's ratio, once. Counts are worked out by hand from 10 requests/s.
 */

const T0 = Date.parse('2026-11-20T00:00:00Z');
const SLOT = 30_000;

function slicedSlo(budgeting: Budgeting): Slo {
  return sloModel({
    budgeting,
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: 'http_requests_total{job="checkout",code="500"}' },
      total: { kind: 'selector', selector: 'http_requests_total{job="checkout"}' },
    },
  });
}

/** 10 requests/s from `startMs`, `share(t)` of them failing (counters scraped every 15 s). */
function traffic(share: (t: number) => number, startMs: number): FakeMetrics {
  return new FakeMetrics([
    counter({ __name__: 'http_requests_total', job: 'checkout', code: '200' }, (t) => 10 * (1 - share(t)), { startMs }),
    counter({ __name__: 'http_requests_total', job: 'checkout', code: '500' }, (t) => 10 * share(t), { startMs }),
  ]);
}

function engineOn(source: FakeMetrics, maxBackfillMs: number): Engine {
  return new Engine({ source, store: new SqliteStore(openDb(':memory:'), ':memory:'), logger: quiet }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs });
}

function slicesOf(engine: Engine, slo: Slo, atMs: number, windowMs: number): { sliceBad: number; slices: number } {
  const inst = sqliteOf(engine).ledger.instancesOf(slo.id)[0];
  const sum = sqliteOf(engine).ledger.sums(inst?.id ?? -1, atMs).window(windowMs);
  return { sliceBad: Math.round(sum.sliceBad * 1e9) / 1e9, slices: sum.slices };
}

describe('engine: timeslice accounting', () => {
  it.each([
    // 10 % of requests fail from T0 to T0 + 2 min: the two 1-minute slices ending T0 + 1 min and T0 + 2 min have a
    // good ratio of 0.9. The 10 minutes up to T0 + 5 min hold 10 slices.
    ['timeslices, target 0.95: a slice at 0.9 good is bad', { kind: 'timeslices', sliceMs: MINUTE, target: 0.95 }, { sliceBad: 2, slices: 10 }],
    ['timeslices, target 0.9: a slice at exactly 0.9 good is good', { kind: 'timeslices', sliceMs: MINUTE, target: 0.9 }, { sliceBad: 0, slices: 10 }],
    ['ratioTimeslices: the slices\' error ratios add up', { kind: 'ratioTimeslices', sliceMs: MINUTE }, { sliceBad: 0.2, slices: 10 }],
  ] as const)('counts one slice per slice boundary, live slot by slot (%s)', async (_name, budgeting, want) => {
    const slo = slicedSlo(budgeting);
    const engine = engineOn(traffic((t) => (t > T0 && t <= T0 + 2 * MINUTE ? 0.1 : 0), T0 - 8 * HOUR), 6 * HOUR);
    await engine.setSlos([slo], T0 - 5 * MINUTE);
    for (let t = T0 - 5 * MINUTE; t <= T0 + 5 * MINUTE; t += SLOT) {
      await engine.ingest(t);
      await engine.evaluateAt(t);
    }
    expect(slicesOf(engine, slo, T0 + 5 * MINUTE, 10 * MINUTE)).toEqual(want);
  });

  it.each([
    // 10 % of requests fail all along: every 1-minute slice has a good ratio of 0.9, so an hour holds 60 slices,
    // all bad under a 0.95 target, and their error ratios add up to 60 x 0.1 = 6 for ratioTimeslices. The
    // hour 10 h back was backfilled in 5-minute steps (12 steps of 5 slices), the one 80 h back in one hourly
    // step (60 slices); the last hour was read slot by slot.
    ['timeslices', { kind: 'timeslices', sliceMs: MINUTE, target: 0.95 }, 60],
    ['ratioTimeslices', { kind: 'ratioTimeslices', sliceMs: MINUTE }, 6],
  ] as const)('counts an hour of backfilled history as 60 one-minute slices, whatever step it was read in (%s)', async (_name, budgeting, sliceBad) => {
    const slo = slicedSlo(budgeting);
    const engine = engineOn(traffic(() => 0.1, T0 - 100 * HOUR), 90 * HOUR);
    await engine.setSlos([slo], T0);
    await engine.ingest(T0);
    for (const at of [T0, T0 - 10 * HOUR, T0 - 80 * HOUR]) {
      expect(slicesOf(engine, slo, at, HOUR), new Date(at).toISOString()).toEqual({ sliceBad, slices: 60 });
    }
  });

  it.each([
    // 20 % of 10 requests/s fail in the first 2 minutes of the 5-minute slice (T0, T0 + 5 min], none after:
    // 240 bad of 3,000, an error ratio of 0.08 and a good ratio of 0.92. The process restarts halfway through
    // the slice; the slice still counts the events before the restart.
    ['timeslices, target 0.95: the slice is bad', { kind: 'timeslices', sliceMs: 5 * MINUTE, target: 0.95 }, 1],
    ['ratioTimeslices: the slice adds its error ratio', { kind: 'ratioTimeslices', sliceMs: 5 * MINUTE }, 0.08],
  ] as const)('counts a slice across a restart inside it (%s)', async (_name, budgeting, sliceBad) => {
    const slo = slicedSlo(budgeting);
    const source = traffic((t) => (t > T0 && t <= T0 + 2 * MINUTE ? 0.2 : 0), T0 - 8 * HOUR);
    const db = openDb(':memory:');
    const before = new Engine({ source, store: new SqliteStore(db, ':memory:'), logger: quiet }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: HOUR });
    await before.setSlos([slo], T0);
    for (let t = T0; t <= T0 + 150_000; t += SLOT) await before.ingest(t);
    const after = new Engine({ source, store: new SqliteStore(db, ':memory:'), logger: quiet }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: HOUR });
    await after.setSlos([slo], T0 + 150_000);
    for (let t = T0 + 180_000; t <= T0 + 5 * MINUTE; t += SLOT) await after.ingest(t);
    expect(slicesOf(after, slo, T0 + 5 * MINUTE, 5 * MINUTE)).toEqual({ sliceBad, slices: 1 });
  });

  it('counts a slice whose last slot had no data (a slice boundary gets a row of its own)', async () => {
    // Traffic stops at T0 + 30 s: the slice (T0, T0 + 1 min] has data only in its first slot, and still counts.
    const stopped = new FakeMetrics([
      counter({ __name__: 'http_requests_total', job: 'checkout', code: '200' }, () => 5, { startMs: T0 - 8 * HOUR, missing: (t) => t > T0 + SLOT }),
      counter({ __name__: 'http_requests_total', job: 'checkout', code: '500' }, () => 5, { startMs: T0 - 8 * HOUR, missing: (t) => t > T0 + SLOT }),
    ]);
    const slo = slicedSlo({ kind: 'timeslices', sliceMs: MINUTE, target: 0.95 });
    const engine = engineOn(stopped, 6 * HOUR);
    await engine.setSlos([slo], T0);
    for (let t = T0; t <= T0 + 2 * MINUTE; t += SLOT) await engine.ingest(t);
    // Slices ending T0 + 1 min (half bad) and none after (no events in (T0 + 1 min, T0 + 2 min]).
    expect(slicesOf(engine, slo, T0 + 2 * MINUTE, 2 * MINUTE)).toEqual({ sliceBad: 1, slices: 1 });
  });
});
