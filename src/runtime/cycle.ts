import type { Engine } from '../engine/engine.js';
import { REJECTED_SAMPLES } from '../engine/engine.js';
import type { MetricsSource } from '../metrics/source.js';
import type { DaemonMetrics } from './daemon-metrics.js';
import type { Delivery } from './delivery.js';
import type { Logger } from '../logger.js';
import type { StorageHealth } from './storage-health.js';

/**
 * The engine's logger, which is the current cycle's: every line of a cycle carries its cycle id (the
 * evaluated slot).
 */
export class CycleLogger implements Logger {
  private current: Logger;

  constructor(private readonly logger: Logger) {
    this.current = logger.child({ component: 'engine' });
  }

  /** Starts the lines of the cycle of `slot`. */
  begin(slot: number): Logger {
    this.current = this.logger.child({ component: 'engine', cycle: new Date(slot).toISOString() });
    return this.current;
  }

  info(o: object, m: string): void {
    this.current.info(o, m);
  }

  warn(o: object, m: string): void {
    this.current.warn(o, m);
  }

  error(o: object, m: string): void {
    this.current.error(o, m);
  }

  debug(o: object, m: string): void {
    this.current.debug(o, m);
  }

  child(bindings: Record<string, unknown>): Logger {
    return this.current.child(bindings);
  }
}

export interface CycleDeps {
  readonly engine: Engine;
  readonly delivery: Delivery;
  readonly source: MetricsSource;
  /** The backend as logs and /readyz show it: without credentials. */
  readonly backendUrl: string;
  readonly storage: StorageHealth;
  readonly now: () => number;
  readonly logger: Logger;
  readonly cycleLogger: CycleLogger;
  readonly metrics?: DaemonMetrics;
  /** How many SLOs run now (with none loaded, an empty cycle is a successful one). */
  readonly slosLoaded: () => number;
}

/**
 * One evaluation cycle of a slot (ingest, evaluate, housekeeping) and what the cycles tell about the daemon's
 * health: the last (successful) cycle, whether Prometheus answers, its kind and version, missed slots.
 */
export class EvaluationCycle {
  private lastCycle: number | undefined;
  private lastSuccess: number | undefined;
  private backendUp = true;
  private missedSinceReport = 0;
  private housekeepingAt: number | undefined;
  private backendDetected = false;
  private detectingBackend = false;

  constructor(private readonly deps: CycleDeps) {}

  get lastCycleMs(): number | undefined {
    return this.lastCycle;
  }

  get lastSuccessMs(): number | undefined {
    return this.lastSuccess;
  }

  get prometheusUp(): boolean {
    return this.backendUp;
  }

  get backendUrl(): string {
    return this.deps.backendUrl;
  }

  /** Slots the scheduler skipped because a cycle overran (reported with the next cycle). */
  missed(slots: number): void {
    this.missedSinceReport += slots;
    this.deps.logger.warn({ component: 'scheduler', missed: slots }, 'evaluation slots missed: a cycle took longer than the interval');
  }

  async run(slot: number): Promise<void> {
    const { deps } = this;
    const started = deps.now();
    const log = deps.cycleLogger.begin(slot);
    let outcome: 'ok' | 'partial' | 'failed' = 'ok';
    try {
      // SQLite would write on into a deleted or replaced file; nothing of this cycle would survive a restart.
      const moved = deps.storage.checkFile();
      if (moved) throw moved;
      await deps.engine.ingest(slot);
      const report = deps.engine.evaluateAt(slot);
      outcome = report.failed === 0 ? 'ok' : report.evaluated === 0 && report.failed > 0 ? 'failed' : 'partial';
      if (report.evaluated > 0 || deps.slosLoaded() === 0) this.lastSuccess = deps.now();
      // Rejected samples came from a backend that answered: they do not make it "down".
      this.trackBackend(report.failed > report.rejectedSlos && report.evaluated + report.rejectedSlos === 0);
      for (const s of deps.engine.allStatuses()) if (s.state === 'unknown' && s.errorKind !== undefined && s.errorKind !== REJECTED_SAMPLES) deps.metrics?.queryError(s.errorKind);
      for (const r of report.rejected) deps.metrics?.rejectedSamples?.(r.reason, r.count);
      // Pages first: the notifications this cycle queued go out once it returns (see Dispatcher.wake), so it
      // leaves the hourly housekeeping (ledger rollup and pruning on this same thread, up to seconds with
      // many SLOs) to a later cycle, at most an hour later.
      if (this.housekeeping(slot, report.notifications > 0)) deps.storage.works();
    } catch (err) {
      outcome = 'failed';
      if (!deps.storage.report(err, 'evaluation cycle')) log.error({ err: (err as Error).message }, 'evaluation cycle failed');
    } finally {
      this.lastCycle = deps.now();
      deps.metrics?.cycle({ durationMs: this.lastCycle - started, outcome, missedSlots: this.missedSinceReport });
      this.missedSinceReport = 0;
    }
  }

  /** Logs and exposes the backend's kind and version (`/api/v1/status/buildinfo`); tried again while it cannot be reached. */
  async detectBackend(): Promise<void> {
    const { source } = this.deps;
    if (this.backendDetected || this.detectingBackend || !source.buildInfo) return;
    this.detectingBackend = true;
    const log = this.deps.logger.child({ component: 'daemon' });
    try {
      const info = await source.buildInfo();
      this.backendDetected = true;
      log.info({ backend: source.url, kind: info.kind, version: info.version }, 'metrics backend detected');
      this.deps.metrics?.backend?.(info);
    } catch (err) {
      const retryable = (err as { retryable?: unknown }).retryable === true;
      if (!retryable) {
        // No build information at this address (an older or partial API): said once, counted as unknown.
        this.backendDetected = true;
        this.deps.metrics?.backend?.({ kind: 'unknown', version: 'unknown' });
      }
      log.warn({ backend: source.url, err: (err as Error).message }, retryable ? 'cannot read the metrics backend\'s build information yet' : 'the metrics backend gives no build information');
    } finally {
      this.detectingBackend = false;
    }
  }

  private trackBackend(down: boolean): void {
    const { engine, logger } = this.deps;
    if (!down && !this.backendDetected) void this.detectBackend();
    if (down === !this.backendUp) return;
    this.backendUp = !down;
    const statuses = engine.allStatuses();
    const error = statuses.find((s) => s.error !== undefined)?.error;
    if (down) logger.error({ component: 'engine', backend: engine.slos().length > 0 ? this.deps.backendUrl : undefined, error }, 'Prometheus cannot be queried: every SLO is unknown (no pages, no resolves) until it answers again');
    else logger.info({ component: 'engine', backend: this.deps.backendUrl }, 'Prometheus answers again');
  }

  /**
   * Thins the ledger hourly and prunes old outbox rows and silences daily; false when it failed. When
   * `deferrable`, it waits for a later cycle, until it is an hour overdue.
   */
  private housekeeping(slot: number, deferrable: boolean): boolean {
    this.housekeepingAt ??= slot; // due from the first cycle on
    if (slot < this.housekeepingAt || (deferrable && slot < this.housekeepingAt + 3_600_000)) return true;
    this.housekeepingAt = slot + 3_600_000;
    const started = this.deps.now();
    try {
      this.deps.engine.rollup(slot);
      this.deps.delivery.store.prune(slot - 30 * 86_400_000);
      this.deps.delivery.silences.prune(slot - 30 * 86_400_000);
      this.deps.logger.debug({ component: 'store', durationMs: this.deps.now() - started }, 'housekeeping done: ledger thinned, old outbox rows and silences pruned');
      return true;
    } catch (err) {
      if (!this.deps.storage.report(err, 'housekeeping')) this.deps.logger.warn({ component: 'store', err: (err as Error).message }, 'housekeeping failed; will try again in an hour');
      return false;
    }
  }
}
