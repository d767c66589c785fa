import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { counter, FakeMetrics } from '../../test/support/fake-metrics.js';
import type { SyntheticSeries } from '../../test/support/fake-metrics.js';
import type { AlertNotification } from '../notify/notifier.js';
import { DAY, HOUR, MINUTE } from '../slo/duration.js';
import type { Slo } from '../slo/model.js';
import { tiersFromCatalog, catalogForPeriod } from '../slo/windows.js';
import { openDb } from '../store/db.js';
import type { Db } from '../store/db.js';
import { Engine } from './engine.js';
import { silentLogger as quiet } from '../../test/support/logger.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { sqliteOf } from '../../test/support/sqlite-engine.js';
import { RecordingSink } from '../../test/support/notification.js';

const T0 = Date.parse('2026-11-20T00:00:00Z');
const SLOT = 30_000;

function slo(id: string, over: Partial<Slo> = {}): Slo {
  const period = 30 * DAY;
  return {
    id,
    name: id,
    service: 'checkout',
    labels: {},
    objective: 99.9,
    period: { kind: 'rolling', durationMs: period },
    budgeting: { kind: 'occurrences' },
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: `http_requests_total{service="${id}",code="500"}` },
      total: { kind: 'selector', selector: `http_requests_total{service="${id}"}` },
    },
    groupBy: [],
    alerting: {
      name: 'SLOBurnRate',
      labels: {},
      annotations: {},
      minEvents: 0,
      keepFiringForMs: 0,
      tiers: tiersFromCatalog(catalogForPeriod(period), period),
      page: { enabled: true, labels: {}, annotations: {} },
      ticket: { enabled: true, labels: {}, annotations: {} },
    },
    maintenance: [],
    source: { file: 'test.yaml', document: 0, format: 'burnwatch/v1' },
    ...over,
  };
}

/** 10 requests/s; `errorShare(t)` of them fail. Series labelled like a real HTTP exporter. */
function service(id: string, errorShare: (t: number) => number, options: { missing?: (t: number) => boolean; startMs?: number } = {}): SyntheticSeries[] {
  const { startMs = T0 - 8 * HOUR, ...rest } = options;
  return [
    counter({ __name__: 'http_requests_total', service: id, code: '200' }, (t) => 10 * (1 - errorShare(t)), { startMs, ...rest }),
    counter({ __name__: 'http_requests_total', service: id, code: '500' }, (t) => 10 * errorShare(t), { startMs, ...rest }),
  ];
}

const Sink = RecordingSink;
type Sink = RecordingSink;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

function engineWith(source: FakeMetrics, db: Db, sink: Sink): Engine {
  return new Engine({ source, store: new SqliteStore(db, ':memory:'), logger: quiet, sink }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 6 * HOUR });
}

async function runUntil(engine: Engine, fromMs: number, toMs: number, each?: (t: number) => void): Promise<void> {
  for (let t = fromMs; t <= toMs; t += SLOT) {
    await engine.ingest(t);
    await engine.evaluateAt(t);
    each?.(t);
  }
}

describe('engine: ledger + multi-window evaluation + alert states', () => {
  it('pages on a sharp outage within the workbook detection time and resolves when the slowest active tier resets', async () => {
    // 50 % errors from T0 to T0+10m. Workbook detection time for the 1h/5m x14.4 tier:
    // (1 - SLO) / error ratio x window x burn = 0.001 / 0.5 x 60 min x 14.4 = 1.728 min.
    // The 6h/30m x6 tier is active too (6h ratio 3000/216000 = 1.4 % > 0.6 %), so the page resets with its
    // 30m short window: it drops under 0.6 % once it holds < 0.006/0.5 x 30 min = 21.6 s of errors, 29.64 min
    // after the end (the workbook's reset-time reasoning).
    const outage = (t: number): number => (t > T0 && t <= T0 + 10 * MINUTE ? 0.5 : 0);
    const source = new FakeMetrics(service('checkout', outage));
    const sink = new Sink();
    const db = openDb(':memory:');
    const engine = engineWith(source, db, sink);
    await engine.setSlos([slo('checkout')], T0);
    await runUntil(engine, T0 - 10 * MINUTE, T0 + 45 * MINUTE);
    const pages = sink.sent.filter((n) => n.severity === 'page');
    expect(pages.map((n) => n.status)).toEqual(['firing', 'resolved']);
    const fired = (pages[0]?.createdAt.getTime() ?? 0) - T0;
    expect(fired).toBeGreaterThanOrEqual(1.728 * MINUTE);
    expect(fired).toBeLessThanOrEqual(1.728 * MINUTE + 2 * SLOT);
    const resolvedAfterEnd = (pages[1]?.createdAt.getTime() ?? 0) - (T0 + 10 * MINUTE);
    expect(resolvedAfterEnd).toBeGreaterThanOrEqual(29.64 * MINUTE - SLOT);
    expect(resolvedAfterEnd).toBeLessThanOrEqual(29.64 * MINUTE + 2 * SLOT);
    expect(pages[1]?.resolution?.firedForMs).toBe((pages[1]?.createdAt.getTime() ?? 0) - (pages[0]?.createdAt.getTime() ?? 0));
  });

  it('holds a ticket while the page of the same instance fires, and sends it when the page resolves and it still fires', async () => {
    // Page 1h/5m x14.4 fires after 1.728 min of 50 % errors; a ticket 2h/10m x10 after 0.001 x 10 / 0.5 x 120 min
    // = 2.4 min (inhibited). After the outage the page resets in ~4.9 min, the ticket's 10m window in ~9.8 min.
    const outage = (t: number): number => (t > T0 && t <= T0 + 10 * MINUTE ? 0.5 : 0);
    const source = new FakeMetrics(service('checkout', outage));
    const sink = new Sink();
    const engine = engineWith(source, openDb(':memory:'), sink);
    const base = slo('checkout');
    const tiers = [
      { name: 'page-1h-5m', severity: 'page' as const, longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 0 },
      { name: 'ticket-2h-10m', severity: 'ticket' as const, longMs: 2 * HOUR, shortMs: 10 * MINUTE, factor: 10, forMs: 0 },
    ];
    await engine.setSlos([{ ...base, alerting: { ...base.alerting, tiers } }], T0);
    await runUntil(engine, T0 - 5 * MINUTE, T0 + 30 * MINUTE);
    const log = sink.sent.map((n) => `${n.severity}:${n.status}`);
    expect(log).toEqual(['page:firing', 'page:resolved', 'ticket:firing', 'ticket:resolved']);
    const at = (i: number): number => sink.sent[i]?.createdAt.getTime() ?? NaN;
    expect(at(2)).toBe(at(1));
    expect(at(0) - T0).toBeLessThan(2.4 * MINUTE);
  });

  it('treats zero traffic as neither an error nor a burn, and missing samples as nodata that never resolves a firing page', async () => {
    const outage = (t: number): number => (t > T0 ? 1 : 0);
    const gap = (t: number): boolean => t > T0 + 5 * MINUTE && t <= T0 + 25 * MINUTE;
    const source = new FakeMetrics([
      ...service('checkout', outage, { missing: gap }),
      counter({ __name__: 'http_requests_total', service: 'idle', code: '200' }, () => 0, { startMs: T0 - 8 * HOUR }),
    ]);
    const sink = new Sink();
    const engine = engineWith(source, openDb(':memory:'), sink);
    await engine.setSlos([slo('checkout'), slo('idle')], T0);
    const phases: string[] = [];
    await runUntil(engine, T0 - 5 * MINUTE, T0 + 20 * MINUTE, (t) => {
      if (t === T0 + 4 * MINUTE || t === T0 + 12 * MINUTE) phases.push(engine.status('checkout')?.instances[0]?.alerts.page ?? '?');
    });
    expect(phases).toEqual(['firing', 'nodata']);
    expect(sink.sent.filter((n) => n.slo.id === 'checkout' && n.status === 'resolved')).toEqual([]);
    const idle = engine.status('idle')?.instances[0];
    expect(idle?.observation.unknown).toBe(false);
    expect(idle?.alerts).toEqual({ page: 'inactive', ticket: 'inactive' });
    expect(sink.sent.filter((n) => n.slo.id === 'idle')).toEqual([]);
  });

  it('keeps a firing alert firing across a restart without a second page, and backfills the gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-engine-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'burnwatch.db');
    const outage = (t: number): number => (t > T0 ? 1 : 0);
    const source = new FakeMetrics(service('checkout', outage));
    const sink = new Sink();
    let db = openDb(path);
    let engine = engineWith(source, db, sink);
    await engine.setSlos([slo('checkout')], T0);
    await runUntil(engine, T0 - 2 * MINUTE, T0 + 5 * MINUTE);
    db.close();
    // Down for 10 minutes, then a new process on the same database.
    db = openDb(path);
    engine = engineWith(source, db, sink);
    await engine.setSlos([slo('checkout')], T0 + 15 * MINUTE);
    await runUntil(engine, T0 + 15 * MINUTE, T0 + 16 * MINUTE);
    db.close();
    expect(sink.sent.filter((n) => n.severity === 'page').map((n) => n.status)).toEqual(['firing']);
    // The gap was read back at full resolution (one raw-sample request covering the down time).
    expect(source.rawCalls.some((c) => c.startMs <= T0 + 5 * MINUTE && c.endMs >= T0 + 15 * MINUTE)).toBe(true);
  });

  it('loses no events when a new process continues one slot after the last one (counter baselines)', async () => {
    const source = new FakeMetrics(service('checkout', () => 0));
    const db = openDb(':memory:');
    const first = engineWith(source, db, new Sink());
    await first.setSlos([slo('checkout')], T0);
    await runUntil(first, T0 - 5 * MINUTE, T0);
    const second = engineWith(source, db, new Sink());
    await second.setSlos([slo('checkout')], T0 + SLOT);
    await runUntil(second, T0 + SLOT, T0 + 3 * SLOT);
    const inst = sqliteOf(second).ledger.instancesOf('checkout')[0];
    // 10 requests/s for the three slots after T0: 900 requests.
    expect(sqliteOf(second).ledger.sums(inst?.id ?? -1, T0 + 3 * SLOT).window(3 * SLOT).total).toBeCloseTo(900, 6);
  });

  it('marks an SLO whose query fails as unknown and keeps evaluating the others', async () => {
    const outage = (t: number): number => (t > T0 ? 1 : 0);
    const source = new FakeMetrics([...service('a', outage), ...service('b', outage)]);
    const sink = new Sink();
    const engine = engineWith(source, openDb(':memory:'), sink);
    await engine.setSlos([slo('a'), slo('b')], T0);
    await runUntil(engine, T0 - 2 * MINUTE, T0);
    // The shared fetch fails, then the per-SLO retry fails only for b.
    source.failWhen = (sel) => (sel === 'http_requests_total' || sel.includes('"b"') ? new Error('backend said no') : undefined);
    await runUntil(engine, T0 + SLOT, T0 + 5 * MINUTE);
    expect(engine.status('b')?.state).toBe('unknown');
    expect(engine.status('b')?.error).toContain('backend said no');
    expect(engine.status('a')?.state).toBe('ok');
    // b never pages or resolves while unknown; a goes on (with only 6 h of history the 1x ticket fires first).
    expect(sink.sent.every((n) => n.slo.id === 'a')).toBe(true);
    expect(sink.sent.map((n) => `${n.severity}:${n.status}`)).toContain('page:firing');
  });

  it('counts a counter reset as a restart from zero, as increase() does', async () => {
    // One series: 0,10,20,...; reset to 0 at T0 (a process restart), then grows again. No events lost.
    const series = counter({ __name__: 'http_requests_total', service: 'r', code: '200' }, () => 1, { startMs: T0 - 8 * HOUR });
    const reset = { labels: series.labels, valueAt: (t: number) => (t <= T0 ? series.valueAt(t) : (t - T0) / 1000) };
    const source = new FakeMetrics([reset]);
    const engine = engineWith(source, openDb(':memory:'), new Sink());
    await engine.setSlos([slo('r')], T0);
    await runUntil(engine, T0 - 10 * MINUTE, T0 + 10 * MINUTE);
    const inst = sqliteOf(engine).ledger.instancesOf('r')[0];
    const sums = sqliteOf(engine).ledger.sums(inst?.id ?? -1, T0 + 10 * MINUTE).window(20 * MINUTE);
    // 1 request/s for 20 minutes: 1200 requests (the reset loses nothing: 15 s after the reset the counter reads 15).
    expect(sums.total).toBeCloseTo(1200, 6);
  });

  it('keeps no decision whose write failed: a page and a resolve that could not be recorded are decided again next cycle', async () => {
    // 50 % errors from T0 to T0 + 10 min: the page fires at ~T0 + 2 min and resolves ~30 min after the end
    // (as in the first test). The first write of each (the transaction of the state change and its outbox
    // rows) fails as on a full disk.
    const outage = (t: number): number => (t > T0 && t <= T0 + 10 * MINUTE ? 0.5 : 0);
    const source = new FakeMetrics(service('checkout', outage));
    const failOnce = new Set(['firing', 'resolved']);
    const sent: string[] = [];
    const failures: string[] = [];
    const sink = {
      async enqueue(_tx: unknown, ns: readonly AlertNotification[]): Promise<void> {
        await Promise.resolve();
        for (const n of ns.filter((x) => x.severity === 'page')) {
          if (failOnce.delete(n.status)) {
            failures.push(`${n.status}@${n.createdAt.getTime() - T0}`);
            throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
          }
          sent.push(`${n.status}@${n.createdAt.getTime() - T0}`);
        }
      },
    };
    const engine = new Engine({ source, store: new SqliteStore(openDb(':memory:'), ':memory:'), logger: quiet, sink }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 6 * HOUR });
    await engine.setSlos([slo('checkout')], T0);
    const errors: string[] = [];
    for (let t = T0 - 5 * MINUTE; t <= T0 + 45 * MINUTE; t += SLOT) {
      await engine.ingest(t);
      try {
        await engine.evaluateAt(t);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    expect(errors).toEqual(['database or disk is full', 'database or disk is full']);
    const [firedAt, resolvedAt] = failures.map((f) => Number(f.split('@')[1]));
    // Each was decided again one slot later and written: nothing lost, nothing twice.
    expect(sent).toEqual([`firing@${(firedAt ?? NaN) + SLOT}`, `resolved@${(resolvedAt ?? NaN) + SLOT}`]);
    // The stored state ends where the alert is.
    expect(sqliteOf(engine).alerts.loadAll().filter((a) => a.severity === 'page').map((a) => a.state.phase)).toEqual(['inactive']);
  });

  it('takes a storage error in ingest for what it is, not for a failed query, and counts every event once the write succeeds again', async () => {
    const source = new FakeMetrics([...service('checkout', () => 0), ...service('fresh', () => 0)]);
    const db = openDb(':memory:');
    const engine = engineWith(source, db, new Sink());
    await engine.setSlos([slo('checkout')], T0);
    await runUntil(engine, T0 - 2 * MINUTE, T0);
    // The write fails at its end (the cursor update), after the ledger rows of three slots were written: the
    // transaction rolls them back.
    db.exec(`CREATE TRIGGER full BEFORE UPDATE ON slo_cursors BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    await expect(engine.ingest(T0 + 3 * SLOT)).rejects.toThrow(/disk is full/);
    expect(engine.status('checkout')?.error).toBeUndefined();
    db.exec('DROP TRIGGER full');
    await engine.ingest(T0 + 4 * SLOT);
    await engine.evaluateAt(T0 + 4 * SLOT);
    expect(engine.status('checkout')?.state).toBe('ok');
    const inst = sqliteOf(engine).ledger.instancesOf('checkout')[0];
    // 10 requests/s for the four slots after T0: 1,200 requests, none lost to the rolled-back write.
    expect(sqliteOf(engine).ledger.sums(inst?.id ?? -1, T0 + 4 * SLOT).window(4 * SLOT).total).toBeCloseTo(1200, 6);

    // A new SLO whose first write (its instance, its rows, its cursor) is rolled back starts cleanly next time.
    db.exec(`CREATE TRIGGER full BEFORE INSERT ON slo_cursors WHEN NEW.slo_id = 'fresh' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    await engine.setSlos([slo('checkout'), slo('fresh')], T0 + 5 * SLOT);
    await expect(engine.ingest(T0 + 5 * SLOT)).rejects.toThrow(/disk is full/);
    db.exec('DROP TRIGGER full');
    await engine.ingest(T0 + 6 * SLOT);
    await engine.evaluateAt(T0 + 6 * SLOT);
    expect(engine.status('fresh')?.state).toBe('ok');
  });

  it('resolves a removed SLO\'s firing page on the next reload when the write of the first one failed', async () => {
    const source = new FakeMetrics(service('checkout', (t) => (t > T0 ? 1 : 0)));
    let failNext = false;
    const sent: string[] = [];
    const sink = {
      async enqueue(_tx: unknown, ns: readonly AlertNotification[]): Promise<void> {
        await Promise.resolve();
        if (failNext) {
          failNext = false;
          throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
        }
        sent.push(...ns.filter((n) => n.severity === 'page').map((n) => `${n.slo.id}:${n.status}`));
      },
    };
    const engine = new Engine({ source, store: new SqliteStore(openDb(':memory:'), ':memory:'), logger: quiet, sink }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 6 * HOUR });
    await engine.setSlos([slo('checkout')], T0);
    await runUntil(engine, T0 - 2 * MINUTE, T0 + 5 * MINUTE);
    expect(sent).toEqual(['checkout:firing']);
    failNext = true;
    await expect(engine.setSlos([], T0 + 6 * MINUTE)).rejects.toThrow(/disk is full/);
    expect(engine.slos().map((s) => s.id)).toEqual(['checkout']);
    await engine.setSlos([], T0 + 7 * MINUTE);
    expect(sent).toEqual(['checkout:firing', 'checkout:resolved']);
    expect(engine.slos()).toEqual([]);
  });
});

describe('engine: every counter increment counted once, live, after a restart and in a catch-up', () => {
  // 10 requests/s, 40 % failing from T0; the target is not scraped for 90 minutes from T0 + 10 min (longer
  // than the hour for which the counter tracker remembers a series). Scrapes fall on slot ends, so the events
  // of (a, b] are exactly 10/s x (b - a), the gap's included: they are in the sample that ends it.
  const share = (t: number): number => (t > T0 ? 0.4 : 0);
  const gap = (t: number): boolean => t > T0 + 10 * MINUTE && t <= T0 + 100 * MINUTE;
  const expected = (fromMs: number, toMs: number): { total: number; bad: number } => ({
    total: (10 * (toMs - fromMs)) / 1000,
    bad: (10 * 0.4 * (toMs - Math.max(fromMs, T0))) / 1000,
  });
  const sumsOf = (engine: Engine, atMs: number, windowMs: number): { total: number; bad: number } => {
    const inst = sqliteOf(engine).ledger.instancesOf('checkout')[0];
    const w = sqliteOf(engine).ledger.sums(inst?.id ?? -1, atMs).window(windowMs);
    return { total: w.total, bad: w.bad };
  };

  it('counts the increase across a scrape gap longer than the tracker remembers a series, read slot by slot', async () => {
    const source = new FakeMetrics(service('checkout', share, { missing: gap }));
    const engine = engineWith(source, openDb(':memory:'), new Sink());
    await engine.setSlos([slo('checkout')], T0);
    await runUntil(engine, T0 - 10 * MINUTE, T0 + 2 * HOUR);
    const got = sumsOf(engine, T0 + 2 * HOUR, 2 * HOUR + 5 * MINUTE);
    const want = expected(T0 - 5 * MINUTE, T0 + 2 * HOUR);
    expect(got.total).toBeCloseTo(want.total, 6);
    expect(got.bad).toBeCloseTo(want.bad, 6);
    // The baseline came from the last sample before the gap, looked up when the series came back.
    expect(source.queries.filter((q) => q.expr.startsWith('last_over_time(')).length).toBeGreaterThan(0);
  });

  it('counts the increase across a scrape gap that a restart falls into', async () => {
    const source = new FakeMetrics(service('checkout', share, { missing: gap }));
    const db = openDb(':memory:');
    const first = engineWith(source, db, new Sink());
    await first.setSlos([slo('checkout')], T0);
    await runUntil(first, T0 - 10 * MINUTE, T0 + 30 * MINUTE);
    // A new process 30 minutes later, still inside the gap.
    const second = engineWith(source, db, new Sink());
    await second.setSlos([slo('checkout')], T0 + HOUR);
    await runUntil(second, T0 + HOUR, T0 + 2 * HOUR);
    const got = sumsOf(second, T0 + 2 * HOUR, 2 * HOUR + 5 * MINUTE);
    const want = expected(T0 - 5 * MINUTE, T0 + 2 * HOUR);
    expect(got.total).toBeCloseTo(want.total, 6);
    expect(got.bad).toBeCloseTo(want.bad, 6);
  });

  it('catches up 10 hours at 5-minute steps after an outage, counting the gap that straddles where it stopped', async () => {
    const stopAt = T0 + 30 * MINUTE;
    const source = new FakeMetrics(service('checkout', share, { missing: (t) => t > stopAt - 20 * MINUTE && t <= stopAt + 40 * MINUTE }));
    const db = openDb(':memory:');
    const engine = new Engine({ source, store: new SqliteStore(db, ':memory:'), logger: quiet, sink: new Sink() }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: DAY });
    await engine.setSlos([slo('checkout')], T0);
    await runUntil(engine, T0 - 5 * MINUTE, stopAt);
    // Nothing is read for 10 hours (the backend was down); the next cycle reads them back.
    const back = stopAt + 10 * HOUR;
    await engine.ingest(back);
    expect(source.queries.some((q) => q.expr.startsWith('min_over_time(') && q.startMs === stopAt)).toBe(true);
    const got = sumsOf(engine, back, back - (T0 - 5 * MINUTE));
    const want = expected(T0 - 5 * MINUTE, back);
    expect(got.total).toBeCloseTo(want.total, 6);
    expect(got.bad).toBeCloseTo(want.bad, 6);
  });

  it('backfills hourly steps exactly across a 3-hour gap and a restart inside one step (read from its raw samples)', async () => {
    const restartAt = T0 - 80 * HOUR + 20 * MINUTE;
    const start = T0 - 4 * DAY;
    const base = service('checkout', share, { startMs: start, missing: (t) => t > T0 - 90 * HOUR && t <= T0 - 87 * HOUR });
    // Both counters restart at restartAt: from then on they count from zero (10/s in all, nothing failing yet).
    const restarted = base.map((s) => ({ labels: s.labels, valueAt: (t: number) => {
      const v = s.valueAt(t);
      if (v === undefined || t <= restartAt) return v;
      return s.labels['code'] === '200' ? (10 * (t - restartAt)) / 1000 : 0;
    } }));
    const source = new FakeMetrics(restarted);
    const engine = new Engine({ source, store: new SqliteStore(openDb(':memory:'), ':memory:'), logger: quiet, sink: new Sink() }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 4 * DAY });
    await engine.setSlos([slo('checkout')], T0);
    await engine.ingest(T0);
    expect(source.rawCalls.some((c) => c.startMs === T0 - 80 * HOUR && c.endMs === T0 - 79 * HOUR)).toBe(true);
    const got = sumsOf(engine, T0, 4 * DAY);
    // The ledger starts at T0 - 4 d, with the series (their first samples, at T0 - 4 d, are the baselines).
    // Restarting, the counters lose nothing: 15 s after it they read the 150 requests since.
    const want = expected(start, T0);
    expect(got.total).toBeCloseTo(want.total, 6);
    expect(got.bad).toBeCloseTo(want.bad, 6);
  });
});
