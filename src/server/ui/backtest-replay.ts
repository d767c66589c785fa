import { Engine } from '../../engine/engine.js';
import type { Logger } from '../../logger.js';
import { replay } from '../../engine/replay.js';
import type { MetricsSource } from '../../metrics/source.js';
import type { AlertNotification } from '../../notify/notifier.js';
import { withDescendants } from '../../slo/composite.js';
import type { Slo } from '../../slo/model.js';
import { openDb } from '../../store/db.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import type { BacktestRun } from './backtest.js';
import { EpisodeCollector } from './backtest.js';

/**
 * The backtest of `burnwatch backtest`, for the status page: a fresh engine over a private in-memory
 * database reads the SLO's history from the daemon's Prometheus and is stepped slot by slot, so `for`
 * durations, minEvents, inhibition and alert states behave exactly as in the daemon, and what it raised is read
 * from the notifications it decides (its sink). Every slot is a step.
 */

export interface ReplayBacktestDeps {
  readonly source: MetricsSource;
  /** The daemon's evaluation interval and rate window (evaluation.interval, evaluation.rateWindow). */
  readonly slotMs: number;
  readonly rateWindowMs: number;
  /** evaluation.maxBackfill: how far before the start the ledger is filled. */
  readonly maxBackfillMs?: number;
  readonly logger: Logger;
  /** The loaded SLOs: a composite's backtest replays its children with it. */
  readonly slos?: () => readonly Slo[];
}

export function replayBacktest(deps: ReplayBacktestDeps): BacktestRun {
  return async (slo, fromMs, toMs, signal) => {
    const db = openDb(':memory:');
    try {
      const episodes = new EpisodeCollector();
      const sink = {
        enqueue: (_tx: unknown, notifications: readonly AlertNotification[], atMs: number) => {
          episodes.notified(notifications, atMs);
          return Promise.resolve();
        },
      };
      const engine = new Engine({ source: deps.source, store: new SqliteStore(db, ':memory:'), logger: deps.logger, sink }, {
        slotMs: deps.slotMs,
        rateWindowMs: deps.rateWindowMs,
        links: {},
        ...(deps.maxBackfillMs === undefined ? {} : { maxBackfillMs: deps.maxBackfillMs }),
      });
      const first = Math.ceil(fromMs / deps.slotMs) * deps.slotMs;
      let step = 0;
      const all = new Map((deps.slos?.() ?? []).map((s) => [s.id, s]));
      await replay(engine, withDescendants(slo, all), { fromMs, toMs, stepMs: deps.slotMs, signal }, (records, statuses) => {
        signal.throwIfAborted();
        const atMs = first + step++ * deps.slotMs;
        const status = statuses.find((s) => s.slo.id === slo.id);
        const evaluated = status?.state === 'ok' && status.evaluatedAtMs === atMs;
        episodes.step(records, evaluated ? undefined : status?.error ?? `the SLO could not be evaluated (${status?.state ?? 'not loaded'})`);
      });
      return episodes.result(fromMs, toMs, deps.slotMs);
    } finally {
      db.close();
    }
  };
}
