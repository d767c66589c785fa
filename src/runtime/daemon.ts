import type { ShardLease } from '../cluster/lease.js';
import type { AppConfig } from '../config/load.js';
import type { Engine } from '../engine/engine.js';
import type { LinkSettings } from '../alerting/notification.js';
import type { LocatedProblem } from '../formats/located.js';
import type { MetricsSource } from '../metrics/source.js';
import type { Slo } from '../slo/model.js';
import type { StoreError } from '../store/db.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import type { CycleLogger } from './cycle.js';
import { EvaluationCycle } from './cycle.js';
import type { DaemonMetrics } from './daemon-metrics.js';
import type { DigestScheduler } from './digests.js';
import { DaemonStatusView } from './daemon-view.js';
import type { Delivery } from './delivery.js';
import type { Logger } from '../logger.js';
import { Reloader } from './reload.js';
import { SlotScheduler } from './scheduler.js';
import type { Timers } from './scheduler.js';
import type { StorageHealth } from './storage-health.js';

/** Everything a daemon runs with, built by the composition root (src/wiring.ts) from the settings. */
export interface DaemonParts {
  readonly config: AppConfig;
  readonly version: string;
  /** Relative paths of the settings (SLO folder, routing file) are against this folder. */
  readonly cwd: string;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics?: DaemonMetrics;
  /** Ledger, alert states, outbox and silences (SQLite or PostgreSQL). */
  readonly store: Store;
  readonly storage: StorageHealth;
  /** Releases the single-writer lock of the database (runtime/writer-lock.ts; nothing to release on PostgreSQL). */
  readonly releaseLock: () => void;
  readonly engine: Engine;
  /** The engine's logger (it follows the cycles). */
  readonly cycleLogger: CycleLogger;
  readonly delivery: Delivery;
  readonly source: MetricsSource;
  /** The backend as logs and /readyz show it: without credentials. */
  readonly backendUrl: string;
  readonly links: LinkSettings;
  /** The SLOs loaded at start. */
  readonly slos: readonly Slo[];
  /** Report digests (settings `reports.digests`), checked after each cycle. */
  readonly digests?: DigestScheduler;
  /** This replica's id (settings cluster.replicaId, else <hostname>-<pid>). */
  readonly replicaId: string;
  /** PostgreSQL: the shard lease, ticked every cluster.leaseInterval; none on SQLite (this replica holds every shard). */
  readonly lease?: ShardLease;
}

/**
 * The long-running daemon: evaluates on aligned slots (runtime/cycle.ts), runs the outbox, reloads on SIGHUP
 * and on file changes (runtime/reload.ts), never lets a cycle and a reload interleave, and stops gracefully.
 * The HTTP server reads it through `view` (runtime/daemon-view.ts).
 */
export class Daemon {
  readonly config: AppConfig;
  readonly view: DaemonStatusView;
  /**
   * Settles when the daemon cannot go on and must be stopped with a failure: its database file was deleted or
   * replaced (a restart opens the file now at the path). Never settles otherwise.
   */
  readonly failed: Promise<StoreError>;
  private readonly scheduler: SlotScheduler;
  private readonly cycle: EvaluationCycle;
  private readonly reloader: Reloader;
  private lock: Promise<unknown> = Promise.resolve();
  private pollHandle: unknown;
  private leaseHandle: unknown;
  private leaseTick: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly parts: DaemonParts) {
    const { config, engine, delivery, storage, timers, logger } = parts;
    const now = () => timers.now();
    this.config = config;
    this.failed = storage.failed;
    this.reloader = new Reloader({ config, cwd: parts.cwd, engine, delivery, storage, now, logger, ...(parts.metrics ? { metrics: parts.metrics } : {}) }, parts.slos);
    this.cycle = new EvaluationCycle({
      engine,
      delivery,
      source: parts.source,
      backendUrl: parts.backendUrl,
      storage,
      now,
      logger,
      cycleLogger: parts.cycleLogger,
      ...(parts.metrics ? { metrics: parts.metrics } : {}),
      slosLoaded: () => this.reloader.slos.length,
    });
    this.scheduler = new SlotScheduler({ intervalMs: config.intervalMs }, timers, (slot) => this.evaluateSlot(slot), (missed) => this.cycle.missed(missed));
    this.view = new DaemonStatusView({
      version: parts.version,
      config,
      now,
      store: parts.store,
      engine,
      delivery,
      cycle: this.cycle,
      reloader: this.reloader,
      storage,
      cycleDelayMs: this.scheduler.delayMs,
      links: parts.links,
      logger,
      closed: () => this.closed,
      replicaId: parts.replicaId,
      ...(parts.lease ? { lease: parts.lease } : {}),
    });
  }

  /** A logger for a component that runs beside the daemon (the HTTP server, the run command). */
  logger(component: string): Logger {
    return this.parts.logger.child({ component });
  }

  /** Starts the evaluation schedule, the dispatcher and the change poller. */
  run(): void {
    void this.cycle.detectBackend();
    this.parts.delivery.dispatcher.start();
    this.scheduler.start();
    this.schedulePoll();
    this.scheduleLease(0);
  }

  /** The shard lease's ticks (PostgreSQL): ownership changes only inside the exclusive section, between cycles. */
  private scheduleLease(delayMs: number): void {
    const lease = this.parts.lease;
    if (lease === undefined || this.closed) return;
    const { engine } = this.parts;
    // On a fixed beat, not after the previous tick: one waiting behind a long cycle must not stop the heartbeats.
    this.leaseHandle = this.parts.timers.setTimeout(() => {
      this.leaseTick = lease.tick({
        exclusive: (fn) => this.exclusive(fn),
        onAcquired: (shards) => engine.adoptShards(shards),
        onReleased: (shards) => engine.releaseShards(shards),
      });
      this.scheduleLease(this.config.cluster.leaseIntervalMs);
    }, delayMs);
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.pollHandle = this.parts.timers.setTimeout(() => {
      void this.checkForChanges().finally(() => this.schedulePoll());
    }, this.config.pollIntervalMs);
  }

  /** Runs `fn` when no cycle or reload is running (they never interleave). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** One evaluation cycle for a slot (what the scheduler runs; never concurrently with another or a reload). */
  evaluateSlot(slot: number): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed || this.parts.storage.fatal) return;
      await this.cycle.run(slot);
      await this.checkDigests(slot);
    });
  }

  /** Queues the report digests that are due; a database failure is reported and the next cycle tries again. */
  private async checkDigests(slot: number): Promise<void> {
    if (this.parts.digests === undefined) return;
    try {
      await this.parts.digests.check(slot);
    } catch (err) {
      if (this.parts.storage.report(err, 'digests') === undefined) this.parts.logger.error({ component: 'reports', err: err instanceof Error ? err.message : String(err) }, 'report digest failed; the next cycle tries again');
    }
  }

  private async checkForChanges(): Promise<void> {
    if (!this.reloader.changed()) return;
    this.parts.logger.info({ component: 'reload' }, 'SLO or routing files changed; reloading');
    await this.reload();
  }

  /** Reloads the SLO files and the routing config (runtime/reload.ts); resolves with the problems (none: applied). */
  reload(): Promise<readonly LocatedProblem[]> {
    return this.exclusive(() => this.reloader.reload());
  }

  /** SIGTERM: finishes the current cycle and in-flight sends (bounded by the shutdown grace), closes the DB. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollHandle !== undefined) this.parts.timers.clearTimeout(this.pollHandle);
    if (this.leaseHandle !== undefined) this.parts.timers.clearTimeout(this.leaseHandle);
    await this.scheduler.stop();
    await this.leaseTick;
    await this.lock;
    await this.parts.delivery.dispatcher.stop(this.config.shutdownGraceMs);
    // The shards go only after the last cycle and sends: the next holder continues from what they stored.
    await this.parts.lease?.stop();
    const { store } = this.parts;
    try {
      if (store instanceof SqliteStore) store.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.parts.storage.report(err, 'stop');
    }
    try {
      await store.close();
    } catch (err) {
      this.parts.storage.report(err, 'stop');
    }
    this.parts.releaseLock();
    this.parts.logger.info({ component: 'daemon' }, 'burnwatch stopped');
  }
}
