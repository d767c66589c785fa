import type { AppConfig } from '../config/load.js';
import type { Engine, SloStatus } from '../engine/engine.js';
import type { LinkSettings } from '../alerting/notification.js';
import type { Silence } from '../routing/silence.js';
import { validateSilence } from '../routing/silence.js';
import type { StatusReader } from '../server/ui/reader.js';
import type { DaemonHealth, DaemonView } from '../server/view.js';
import type { AlertTransition, StoredAlert } from '../store/alerts.js';
import type { Db } from '../store/db.js';
import type { OutboxStats } from '../store/outbox.js';
import type { EvaluationCycle } from './cycle.js';
import type { Delivery } from './delivery.js';
import type { Logger } from '../logger.js';
import type { Reloader } from './reload.js';
import { createStatusReader } from './status-reader.js';
import type { StorageHealth } from './storage-health.js';

export interface DaemonViewDeps {
  readonly version: string;
  readonly config: AppConfig;
  readonly now: () => number;
  readonly db: Db;
  readonly engine: Engine;
  readonly delivery: Delivery;
  readonly cycle: EvaluationCycle;
  readonly reloader: Reloader;
  readonly storage: StorageHealth;
  /** The wait after a slot boundary before its cycle runs (readiness allows for it). */
  readonly cycleDelayMs: number;
  readonly links: LinkSettings;
  readonly logger: Logger;
  /** The daemon was stopped. */
  readonly closed: () => boolean;
}

/**
 * The running daemon as the HTTP server sees it (server/view.ts): readiness and health from the cycles, the
 * reloads and the database; status, alerts and silences read through the storage guard (a failure is a 503).
 */
export class DaemonStatusView implements DaemonView {
  readonly version: string;
  /** What the status page reads (server/ui). */
  readonly statusReader: StatusReader;
  private lastOutbox: OutboxStats = { pending: 0, dead: 0 };

  constructor(private readonly deps: DaemonViewDeps) {
    this.version = deps.version;
    this.statusReader = createStatusReader({
      view: this,
      ledger: deps.engine.ledger,
      outbox: deps.delivery.store,
      intervalMs: deps.config.intervalMs,
      links: deps.links,
      guard: (during, read) => deps.storage.guard(during, false, read),
    });
  }

  now(): number {
    return this.deps.now();
  }

  readiness(): { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> } {
    const { config, cycle, reloader, storage } = this.deps;
    const now = this.deps.now();
    const lastSuccessMs = cycle.lastSuccessMs;
    const recent = lastSuccessMs !== undefined && now - lastSuccessMs <= 3 * config.intervalMs + this.deps.cycleDelayMs;
    const closed = this.deps.closed();
    if (!closed && storage.fatal === undefined) {
      const moved = storage.checkFile();
      if (moved) storage.report(moved, 'readiness check');
    }
    const failure = storage.current;
    const checks = {
      slos: { ok: true, detail: `${reloader.slos.length} SLOs loaded${reloader.errors.length > 0 ? ` (the last reload failed with ${reloader.errors.length} problems; the previous set runs)` : ''}` },
      database: closed || !this.deps.db.open
        ? { ok: false, detail: 'closed' }
        : failure
          ? { ok: false, detail: `${failure.message}; ${failure.hint}` }
          : { ok: true, detail: `open: ${config.databasePath}` },
      cycle: {
        ok: recent,
        detail: lastSuccessMs === undefined
          ? (cycle.prometheusUp ? 'no successful evaluation cycle yet (the first one backfills the ledger)' : `no successful evaluation cycle: Prometheus at ${cycle.backendUrl} cannot be queried`)
          : recent ? `last successful cycle ${Math.round((now - lastSuccessMs) / 1000)} s ago` : `no successful cycle for ${Math.round((now - lastSuccessMs) / 1000)} s${cycle.prometheusUp ? '' : `: Prometheus at ${cycle.backendUrl} cannot be queried`}`,
      },
    };
    return { ready: checks.slos.ok && checks.database.ok && checks.cycle.ok, checks };
  }

  slos(): readonly SloStatus[] {
    return this.deps.engine.allStatuses();
  }

  history(sloId: string, limit: number): readonly AlertTransition[] {
    return this.deps.storage.guard('alert history', false, () => this.deps.engine.alertStore.history(sloId, limit));
  }

  alerts(): readonly StoredAlert[] {
    return this.deps.storage.guard('alerts', false, () => this.deps.engine.alertStore.loadAll().filter((a) => a.state.phase !== 'inactive'));
  }

  silences(): readonly Silence[] {
    return this.deps.storage.guard('silences', false, () => this.deps.delivery.silences.list());
  }

  addSilence(draft: { matchers: readonly string[]; startsAt: Date; endsAt: Date; createdBy: string; comment: string }): { ok: true; silence: Silence } | { ok: false; problems: readonly { field: string; message: string; hint: string }[] } {
    const check = validateSilence(draft);
    if (!check.ok) return { ok: false, problems: check.problems };
    // A write into a deleted or replaced file would be answered 201 and be gone after the restart: refused.
    const silence = this.deps.storage.guard('silence', true, () => this.deps.delivery.silences.add({ matchers: check.matchers, startsAt: draft.startsAt, endsAt: draft.endsAt, createdBy: draft.createdBy, comment: draft.comment }, this.deps.now()));
    this.deps.logger.info({ component: 'api', silence: silence.id, createdBy: draft.createdBy }, 'silence created');
    return { ok: true, silence };
  }

  expireSilence(id: string): boolean {
    return this.deps.storage.guard('silence', true, () => this.deps.delivery.silences.expire(id, this.deps.now()));
  }

  health(): DaemonHealth {
    const { cycle, reloader, db, storage } = this.deps;
    return {
      slosLoaded: reloader.slos.length,
      ...(cycle.lastCycleMs === undefined ? {} : { lastCycleMs: cycle.lastCycleMs }),
      ...(cycle.lastSuccessMs === undefined ? {} : { lastSuccessfulCycleMs: cycle.lastSuccessMs }),
      intervalMs: this.deps.config.intervalMs,
      prometheusUp: cycle.prometheusUp,
      outbox: this.outboxStats(),
      reloadErrors: reloader.errors,
      databaseOpen: !this.deps.closed() && db.open && storage.fatal === undefined,
    };
  }

  /** The outbox figures (the last ones read when the database fails). */
  private outboxStats(): OutboxStats {
    if (!this.deps.db.open) return this.lastOutbox;
    try {
      this.lastOutbox = this.deps.delivery.store.stats();
    } catch (err) {
      if (!this.deps.storage.report(err, 'outbox statistics')) throw err;
    }
    return this.lastOutbox;
  }
}
