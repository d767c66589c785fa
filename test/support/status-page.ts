import { Engine } from '../../src/engine/engine.js';
import { singleReplicaStatus } from '../../src/cluster/status.js';
import type { AlertNotification } from '../../src/notify/notifier.js';
import { validateSilence } from '../../src/routing/silence.js';
import type { DaemonView } from '../../src/server/view.js';
import { createStatusReader } from '../../src/runtime/status-reader.js';
import { gateRoutes } from '../../src/server/gate.js';
import { createServer } from '../../src/server/server.js';
import { statusPageRoutes } from '../../src/server/ui/routes.js';
import type { BacktestLimits } from '../../src/server/ui/backtest.js';
import { Backtests } from '../../src/server/ui/backtest.js';
import { replayBacktest } from '../../src/server/ui/backtest-replay.js';
import type { StatusReader } from '../../src/server/ui/reader.js';
import { catalogForPeriod, tiersFromCatalog } from '../../src/slo/windows.js';
import type { Slo } from '../../src/slo/model.js';
import { openDb } from '../../src/store/db.js';
import type { Db } from '../../src/store/db.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { StoreTx } from '../../src/store/store.js';
import { createSelfMetrics } from '../../src/server/self-metrics.js';
import type { SyntheticSeries } from './fake-metrics.js';
import { counter, FakeMetrics } from './fake-metrics.js';
import { sloModel } from './slo-model.js';
import { silentLogger } from './logger.js';

/**
 * A status page over a real engine, ledger, alert store, outbox and silences in an in-memory database, fed by
 * synthetic counters: the browser tests and the benchmark drive it cycle by cycle with a hand-held clock
 * (`runTo`). Notifications go into the outbox for one receiver, `console`, and are marked delivered, so the
 * timeline shows them as the daemon's would.
 */


export interface StatusPageHarness {
  readonly base: string;
  readonly engine: Engine;
  readonly reader: StatusReader;
  readonly db: Db;
  /** The harness's clock (ms). */
  now(): number;
  /** Ingests and evaluates every slot after the current time up to `toMs`. */
  runTo(toMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly slos: readonly Slo[];
  readonly series: readonly SyntheticSeries[];
  /** The first evaluation (the ledger is backfilled up to it). */
  readonly startMs: number;
  readonly slotMs?: number;
  readonly refreshMs?: number;
  readonly apiToken?: string;
  /** How far back the ledger is filled before the first evaluation (default 6 hours: older history would be read with range queries, which the fake source does not answer). */
  readonly backfillMs?: number;
  /** Run the SLO page's backtests (over the same synthetic series, with these limits). */
  readonly backtests?: Partial<BacktestLimits>;
}

export async function startStatusPage(o: HarnessOptions): Promise<StatusPageHarness> {
  const slotMs = o.slotMs ?? 30_000;
  const db = openDb(':memory:');
  const store = new SqliteStore(db, ':memory:');
  const { silences } = store.sync;
  let nowMs = o.startMs;
  const source = new FakeMetrics(o.series, 15_000);
  const engine = new Engine({
    source,
    store,
    logger: silentLogger,
    sink: {
      enqueue: async (tx: StoreTx, notifications: readonly AlertNotification[], atMs: number) => {
        await tx.outbox.insert(notifications.map((notification) => ({ notification, receiver: 'console', groupKey: notification.alertKey, kind: 'state' as const, notBeforeMs: atMs })));
        for (const row of await tx.outbox.due(atMs, 1_000)) await tx.outbox.markDelivered(row.id, atMs, undefined);
      },
    },
    suppression: () => Promise.resolve({ silences: silences.list(), inhibitRules: [] }),
  }, { slotMs, rateWindowMs: 120_000, links: {}, maxBackfillMs: o.backfillMs ?? 6 * 3_600_000 });
  await engine.setSlos(o.slos, nowMs);
  await engine.ingest(nowMs);
  await engine.evaluateAt(nowMs);

  const view: DaemonView = {
    version: 'test',
    now: () => nowMs,
    cluster: () => Promise.resolve(singleReplicaStatus('test')),
    readiness: () => Promise.resolve({ ready: true, checks: {} }),
    slos: () => engine.allStatuses(),
    history: (sloId, limit) => store.alerts.history(sloId, limit),
    alerts: async () => (await store.alerts.loadAll()).filter((a) => a.state.phase !== 'inactive'),
    silences: () => store.silences.list(),
    addSilence: async (draft) => {
      const check = validateSilence(draft);
      if (!check.ok) return { ok: false, problems: check.problems };
      return { ok: true, silence: await store.silences.add({ ...draft, matchers: check.matchers }, nowMs) };
    },
    expireSilence: (id) => store.silences.expire(id, nowMs),
    health: async () => ({ slosLoaded: o.slos.length, intervalMs: slotMs, prometheusUp: true, outbox: await store.outbox.stats(), reloadErrors: [], databaseOpen: true }),
  };
  const reader = createStatusReader({ view, ledger: store.ledger, outbox: store.outbox, intervalMs: slotMs, links: { prometheusUrl: 'http://prometheus.invalid:9090' }, guard: (_during, read) => read() });
  const backtests = o.backtests === undefined ? undefined : new Backtests({
    run: replayBacktest({ source, slotMs, rateWindowMs: 120_000, maxBackfillMs: o.backfillMs ?? 6 * 3_600_000, logger: silentLogger }),
    now: () => nowMs,
    slotMs,
    logger: silentLogger,
    limits: o.backtests,
  });
  const server = createServer(view, { registry: createSelfMetrics({ version: 'test', now: () => 0 }).registry, collect: () => Promise.resolve() }, {
    logger: silentLogger,
    ...(o.apiToken === undefined ? {} : { apiToken: o.apiToken }),
    routes: [...statusPageRoutes(reader, { version: 'test', silencesWritable: o.apiToken !== undefined, ...(o.refreshMs === undefined ? {} : { refreshMs: o.refreshMs }), ...(backtests === undefined ? {} : { backtests }) }), ...gateRoutes(reader)],
  });
  const bound = await server.listen('127.0.0.1', 0);
  return {
    base: `http://127.0.0.1:${bound.port}`,
    engine,
    reader,
    db,
    now: () => nowMs,
    async runTo(toMs) {
      for (let t = nowMs + slotMs; t <= toMs; t += slotMs) {
        nowMs = t;
        await engine.ingest(t);
        await engine.evaluateAt(t);
      }
    },
    async close() {
      backtests?.close();
      await server.close();
      db.close();
    },
  };
}

/**
 * An SLO of a shop: 99.9 % of its requests over a rolling 30 days with the SRE workbook's four tiers (page
 * at 14.4x over 1h and 5m, 6x over 6h and 30m; ticket at 3x over 1d and 2h, 1x over 3d and 6h).
 */
export function shopSlo(id: string, over: Partial<Slo> = {}): Slo {
  const period = 30 * 86_400_000;
  return sloModel({
    id,
    name: id,
    service: 'shop',
    labels: { team: 'shop' },
    period: { kind: 'rolling', durationMs: period },
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: `http_requests_total{slo="${id}",code="500"}` },
      total: { kind: 'selector', selector: `http_requests_total{slo="${id}"}` },
    },
    ...over,
  }, { name: 'ShopBurn', tiers: tiersFromCatalog(catalogForPeriod(period), period), runbook: 'https://runbooks.example.com/shop' });
}

/** 10 requests/s per route from `sinceMs`; `errorShare(t)` of them fail. */
export function shopTraffic(id: string, sinceMs: number, errorShare: (tMs: number) => number, routes: readonly string[] = ['']): SyntheticSeries[] {
  return routes.flatMap((route) => {
    const labels = { __name__: 'http_requests_total', slo: id, ...(route === '' ? {} : { route }) };
    return [
      counter({ ...labels, code: '200' }, (t) => 10 * (1 - errorShare(t)), { startMs: sinceMs }),
      counter({ ...labels, code: '500' }, (t) => 10 * errorShare(t), { startMs: sinceMs }),
    ];
  });
}
