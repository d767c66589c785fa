import type { ShardLease } from '../cluster/lease.js';
import type { ClusterStatus } from '../cluster/status.js';
import { singleReplicaStatus } from '../cluster/status.js';
import type { AppConfig } from '../config/load.js';
import type { Engine, SloStatus } from '../engine/engine.js';
import type { LinkSettings } from '../alerting/notification.js';
import type { Silence } from '../routing/silence.js';
import { validateSilence } from '../routing/silence.js';
import type { StatusReader } from '../server/ui/reader.js';
import type { DaemonHealth, DaemonView } from '../server/view.js';
import type { AlertTransition, StoredAlert } from '../store/alerts.js';
import type { StoreError } from '../store/db.js';
import type { Store } from '../store/store.js';
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
  readonly store: Store;
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
  readonly replicaId: string;
  /** PostgreSQL: the shard lease (who holds what, and whether its lock session answers). */
  readonly lease?: ShardLease;
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
      ledger: deps.store.ledger,
      outbox: deps.store.outbox,
      intervalMs: deps.config.intervalMs,
      links: deps.links,
      guard: (during, read) => deps.storage.guard(during, false, read),
    });
  }

  now(): number {
    return this.deps.now();
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail: string }> }> {
    const { config, cycle, reloader, storage } = this.deps;
    const now = this.deps.now();
    const lastSuccessMs = cycle.lastSuccessMs;
    const recent = lastSuccessMs !== undefined && now - lastSuccessMs <= 3 * config.intervalMs + this.deps.cycleDelayMs;
    const closed = this.deps.closed();
    if (!closed && storage.fatal === undefined) {
      const moved = storage.checkFile();
      if (moved) storage.report(moved, 'readiness check');
    }
    // The database answers now (PostgreSQL: a round trip; SQLite: the file is open).
    let unreachable: StoreError | undefined;
    if (!closed) {
      try {
        await this.deps.store.ping();
      } catch (err) {
        unreachable = storage.report(err, 'readiness check');
        if (unreachable === undefined) throw err;
      }
    }
    const failure = unreachable ?? storage.current;
    const cluster = this.deps.lease === undefined ? undefined : (await this.deps.lease.status()).session;
    const checks = {
      slos: { ok: true, detail: `${reloader.slos.length} SLOs loaded${reloader.errors.length > 0 ? ` (the last reload failed with ${reloader.errors.length} problems; the previous set runs)` : ''}` },
      database: closed
        ? { ok: false, detail: 'closed' }
        : failure
          ? { ok: false, detail: `${failure.message}; ${failure.hint}` }
          : { ok: true, detail: `open: ${this.deps.store.location}` },
      cycle: {
        ok: recent,
        detail: lastSuccessMs === undefined
          ? (cycle.prometheusUp ? 'no successful evaluation cycle yet (the first one backfills the ledger)' : `no successful evaluation cycle: Prometheus at ${cycle.backendUrl} cannot be queried`)
          : recent ? `last successful cycle ${Math.round((now - lastSuccessMs) / 1000)} s ago` : `no successful cycle for ${Math.round((now - lastSuccessMs) / 1000)} s${cycle.prometheusUp ? '' : `: Prometheus at ${cycle.backendUrl} cannot be queried`}`,
      },
    };
    // PostgreSQL: ready without a shard, but not while the lock session is lost (this replica cannot prove what it holds).
    if (cluster !== undefined) return { ready: checks.slos.ok && checks.database.ok && checks.cycle.ok && cluster.ok, checks: { ...checks, cluster } };
    return { ready: checks.slos.ok && checks.database.ok && checks.cycle.ok, checks };
  }

  cluster(): Promise<ClusterStatus> {
    return this.deps.lease?.status() ?? Promise.resolve(singleReplicaStatus(this.deps.replicaId));
  }

  slos(): readonly SloStatus[] {
    return this.deps.engine.allStatuses();
  }

  history(sloId: string, limit: number): Promise<readonly AlertTransition[]> {
    return this.deps.storage.guard('alert history', false, () => this.deps.store.alerts.history(sloId, limit));
  }

  async alerts(): Promise<readonly StoredAlert[]> {
    const all = await this.deps.storage.guard('alerts', false, () => this.deps.store.alerts.loadAll());
    return all.filter((a) => a.state.phase !== 'inactive');
  }

  silences(): Promise<readonly Silence[]> {
    return this.deps.storage.guard('silences', false, () => this.deps.store.silences.list());
  }

  async addSilence(draft: { matchers: readonly string[]; startsAt: Date; endsAt: Date; createdBy: string; comment: string }): Promise<{ ok: true; silence: Silence } | { ok: false; problems: readonly { field: string; message: string; hint: string }[] }> {
    const check = validateSilence(draft);
    if (!check.ok) return { ok: false, problems: check.problems };
    // A write into a deleted or replaced file would be answered 201 and be gone after the restart: refused.
    const silence = await this.deps.storage.guard('silence', true, () => this.deps.store.silences.add({ matchers: check.matchers, startsAt: draft.startsAt, endsAt: draft.endsAt, createdBy: draft.createdBy, comment: draft.comment }, this.deps.now()));
    this.deps.logger.info({ component: 'api', silence: silence.id, createdBy: draft.createdBy }, 'silence created');
    return { ok: true, silence };
  }

  expireSilence(id: string): Promise<boolean> {
    return this.deps.storage.guard('silence', true, () => this.deps.store.silences.expire(id, this.deps.now()));
  }

  async health(): Promise<DaemonHealth> {
    const { cycle, reloader, storage } = this.deps;
    const outbox = await this.outboxStats();
    return {
      slosLoaded: reloader.slos.length,
      ...(cycle.lastCycleMs === undefined ? {} : { lastCycleMs: cycle.lastCycleMs }),
      ...(cycle.lastSuccessMs === undefined ? {} : { lastSuccessfulCycleMs: cycle.lastSuccessMs }),
      intervalMs: this.deps.config.intervalMs,
      prometheusUp: cycle.prometheusUp,
      outbox,
      reloadErrors: reloader.errors,
      databaseOpen: !this.deps.closed() && storage.fatal === undefined,
    };
  }

  /** The outbox figures (the last ones read when the database fails). */
  private async outboxStats(): Promise<OutboxStats> {
    if (this.deps.closed()) return this.lastOutbox;
    try {
      this.lastOutbox = await this.deps.store.outbox.stats();
    } catch (err) {
      if (!this.deps.storage.report(err, 'outbox statistics')) throw err;
    }
    return this.lastOutbox;
  }
}
