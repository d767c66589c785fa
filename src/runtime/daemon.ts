import { readFileSync, realpathSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AppConfig } from '../config/load.js';
import type { EngineLogger, SloStatus } from '../engine/engine.js';
import { Engine, REJECTED_SAMPLES } from '../engine/engine.js';
import { createPrometheusSource } from '../metrics/prometheus/client.js';
import { formatByteSize, resolveClientOptions } from '../metrics/prometheus/config.js';
import type { MetricsSource } from '../metrics/source.js';
import type { DispatchObserver } from '../notify/dispatcher.js';
import type { RoutingConfig } from '../notify/routing-config.js';
import { defaultRoutingConfig, parseRoutingConfig } from '../notify/routing-config.js';
import { validateSilence } from '../routing/silence.js';
import type { Silence } from '../routing/silence.js';
import type { Slo } from '../slo/model.js';
import { isWarning } from '../formats/located.js';
import type { LocatedProblem } from '../formats/located.js';
import { findSpecFiles, loadSpecs } from '../formats/load.js';
import type { Db, DbFile, StorageFault, StoreError } from '../store/db.js';
import { openDb, storageFault, trackDbFile } from '../store/db.js';
import { redactUrl } from '../redact-url.js';
import type { AlertTransition, StoredAlert } from '../store/alerts.js';
import type { OutboxStats } from '../store/outbox.js';
import type { LinkSettings } from '../alerting/notification.js';
import type { StatusReader } from '../server/ui/reader.js';
import { Delivery } from './delivery.js';
import { createStatusReader } from './status-reader.js';
import { SlotScheduler } from './scheduler.js';
import type { Timers } from './scheduler.js';
import { secretResolver } from './secrets.js';
import type { DaemonHealth, DaemonView } from './view.js';
import { UnavailableError } from './view.js';

export interface DaemonLogger extends EngineLogger {
  child(bindings: Record<string, unknown>): DaemonLogger;
}

/** Hooks the daemon reports to (implemented with prom-client in metrics.ts). */
export interface DaemonMetrics {
  cycle(report: { durationMs: number; outcome: 'ok' | 'partial' | 'failed'; missedSlots: number }): void;
  queryError(kind: string): void;
  /** Samples Prometheus sent that could not be counted (see engine/sample-check.ts). */
  rejectedSamples?(reason: string, count: number): void;
  reload(outcome: 'success' | 'failure'): void;
  /** A database operation failed, by fault. */
  storageError?(fault: StorageFault): void;
  backend?(info: { readonly kind: string; readonly version: string }): void;
  readonly dispatch?: DispatchObserver;
}

export interface DaemonDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly timers: Timers;
  readonly random: () => number;
  readonly logger: DaemonLogger;
  /** Where the console receiver writes (standard output). */
  readonly stdout: { write(text: string): unknown };
  readonly version: string;
  readonly metrics?: DaemonMetrics;
  /** For tests: a different metrics backend. */
  readonly source?: MetricsSource;
  /** This process's id and a liveness check of another, for the single-writer lock (the composition root passes them). */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * SQLite allows several writers to wait on each other, but two daemons on one ledger would double-count and
 * page twice: a lock file beside the database (holding the owner's pid) refuses a second daemon. A lock left
 * by a process that no longer runs is taken over. The `burnwatch silence` command does not take it.
 */
export function acquireWriterLock(dbPath: string, pid: number, isAlive: (pid: number) => boolean): () => void {
  if (dbPath === ':memory:') return () => undefined;
  const lockPath = `${dbPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, `${pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(pid)) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the lock file ${lockPath}: ${(err as Error).message}`, { cause: err });
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== pid && isAlive(owner)) {
        throw new Error(`another burnwatch (pid ${owner}) is using the database ${dbPath} (lock file ${lockPath})`);
      }
      unlinkSync(lockPath); // stale: its process is gone
    }
  }
  throw new Error(`cannot take the lock file ${lockPath}`);
}

/** A start-up problem: the process exits non-zero with these located messages. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(readonly errors: readonly LocatedProblem[]) {
    super(errors.map((e) => `${e.file}:${e.line}:${e.col}: ${e.path === '' ? '' : `${e.path}: `}${e.message}${e.hint === undefined ? '' : ` (hint: ${e.hint})`}`).join('\n'));
  }
}

function problem(file: string, message: string, hint: string, path = ''): LocatedProblem {
  return { file, line: 1, col: 1, path, message, hint };
}

/**
 * The long-running daemon: loads SLOs and routing, opens SQLite, evaluates on aligned slots, runs the outbox,
 * reloads on SIGHUP and on file changes (keeping the last good set when a change is invalid), and stops
 * gracefully. It implements the DaemonView the HTTP server reads.
 */
export class Daemon implements DaemonView {
  readonly version: string;
  private readonly engine: Engine;
  private readonly scheduler: SlotScheduler;
  private readonly links: LinkSettings;
  private lock: Promise<unknown> = Promise.resolve();
  private lastCycleMs: number | undefined;
  private lastSuccessMs: number | undefined;
  private prometheusUp = true;
  private reloadErrors: readonly LocatedProblem[] = [];
  private fingerprint = '';
  private pollHandle: unknown;
  private housekeepingAt = 0;
  private cycleLogger: DaemonLogger;
  private closed = false;
  private releaseLock: () => void = () => undefined;
  /** The last storage failure, until a cycle runs without one (readiness, logs). */
  private storageProblem: StoreError | undefined;
  /** The database cannot be used any more (its file was deleted or replaced): the daemon must stop. */
  private fatal: StoreError | undefined;
  private lastOutbox: OutboxStats = { pending: 0, dead: 0 };
  private signalFailed: (err: StoreError) => void = () => undefined;
  /**
   * Settles when the daemon cannot go on and must be stopped with a failure: its database file was deleted or
   * replaced (a restart opens the file now at the path). Never settles otherwise.
   */
  readonly failed: Promise<StoreError> = new Promise((resolveFailed) => {
    this.signalFailed = resolveFailed;
  });

  private constructor(
    readonly config: AppConfig,
    private readonly deps: DaemonDeps,
    private readonly db: Db,
    private readonly dbPath: string,
    private readonly dbFile: DbFile,
    private readonly delivery: Delivery,
    private slosLoaded: readonly Slo[],
    private readonly source: MetricsSource,
  ) {
    this.version = deps.version;
    this.cycleLogger = deps.logger.child({ component: 'engine' });
    // The engine logs through the current cycle's logger, so every line of a cycle carries its cycle id.
    const engineLogger: EngineLogger = {
      info: (o, m) => this.cycleLogger.info(o, m),
      warn: (o, m) => this.cycleLogger.warn(o, m),
      error: (o, m) => this.cycleLogger.error(o, m),
      debug: (o, m) => this.cycleLogger.debug(o, m),
    };
    const routingLinks = delivery.routing.links;
    const links = config.raw.links;
    this.links = {
      ...routingLinks,
      ...(links.runbookBaseUrl === undefined ? {} : { runbookBaseUrl: links.runbookBaseUrl }),
      prometheusUrl: links.prometheusUrl ?? routingLinks.prometheusUrl ?? redactUrl(config.raw.prometheus.url),
      ...(links.dashboardUrl === undefined ? {} : { dashboardUrl: links.dashboardUrl }),
      ...(config.raw.server.externalUrl === undefined ? {} : { statusPageUrl: config.raw.server.externalUrl }),
    };
    this.engine = new Engine(
      { source, db, logger: engineLogger, sink: delivery.outbox, suppression: delivery.suppression },
      {
        slotMs: config.intervalMs,
        rateWindowMs: config.rateWindowMs,
        ...(config.maxBackfillMs === undefined ? {} : { maxBackfillMs: config.maxBackfillMs }),
        links: this.links,
      },
    );
    this.scheduler = new SlotScheduler({ intervalMs: config.intervalMs }, deps.timers, (slot) => this.evaluateSlot(slot), (missed) => {
      this.missedSinceReport += missed;
      deps.logger.warn({ component: 'scheduler', missed }, 'evaluation slots missed: a cycle took longer than the interval');
    });
  }

  private missedSinceReport = 0;

  /**
   * Starts the daemon. Every start-up problem (config, database, routing, secrets, SLO files, Prometheus
   * connection settings) is collected and thrown as one StartupError with located messages.
   */
  static start(config: AppConfig, deps: DaemonDeps): Daemon {
    const log = deps.logger.child({ component: 'daemon' });
    const dbPath = resolve(deps.cwd, config.databasePath);
    let db: Db;
    let release: () => void;
    const opening = deps.timers.now();
    let dbFile: DbFile;
    try {
      db = openDb(dbPath, { verify: true });
      dbFile = trackDbFile(dbPath);
    } catch (err) {
      throw databaseProblem(err, dbPath);
    }
    const checkMs = deps.timers.now() - opening;
    try {
      release = acquireWriterLock(dbPath, deps.pid ?? 0, deps.isAlive ?? (() => false));
    } catch (err) {
      db.close();
      throw new StartupError([problem('database.path (BURNWATCH_DB)', (err as Error).message, 'run one burnwatch per database (one replica, Recreate strategy); stop the other one or point this one at another database', 'database.path')]);
    }
    try {
      let reportStorage: (err: unknown) => void = () => undefined;
      const routing = loadRouting(config, deps);
      const secrets = secretResolver(deps.env, config.routingFile === undefined ? deps.cwd : dirname(resolve(deps.cwd, config.routingFile)));
      const created = Delivery.create(routing, {
        db,
        notifierDeps: { secrets, logger: deps.logger.child({ component: 'notify' }), stdout: deps.stdout },
        now: () => deps.timers.now(),
        random: deps.random,
        logger: deps.logger.child({ component: 'outbox' }),
        schedule: (fn, ms) => {
          const h = deps.timers.setTimeout(fn, ms);
          return { cancel: () => deps.timers.clearTimeout(h) };
        },
        ...(deps.metrics?.dispatch ? { observer: deps.metrics.dispatch } : {}),
        onStorageError: (err) => reportStorage(err),
        retry: { initialDelayMs: 2_000, maxDelayMs: 5 * 60_000, maxAgeMs: config.maxAgeMs, sendTimeoutMs: config.sendTimeoutMs },
        resendDelayMs: 60_000,
      });
      if (!created.ok) throw new StartupError(created.errors);
      const slos = loadSlos(config, deps);
      if (!slos.ok) throw new StartupError(slos.errors);
      for (const w of slos.warnings) log.warn({ file: w.file, line: w.line, col: w.col, field: w.path, hint: w.hint }, w.message);
      let source = deps.source;
      if (!source) {
        try {
          const promLog = deps.logger.child({ component: 'prometheus' });
          source = createPrometheusSource({
            ...resolveClientOptions(config.raw.prometheus, {
              readFile: (p) => readFileSync(resolve(deps.cwd, p), 'utf8'),
              env: deps.env,
            }),
            onAnswerTooLarge: (info) => promLog.info({ ...info, limit: formatByteSize(info.limitBytes) }, 'answer larger than prometheus.maxResponseSize; asking for the two halves of the range instead'),
          });
        } catch (err) {
          throw new StartupError([problem(config.file ?? '(settings)', (err as Error).message.split('\n')[0] ?? 'invalid Prometheus settings', (err as Error).message.split('\n')[1] ?? 'check the prometheus settings', 'prometheus')]);
        }
      }
      const daemon = new Daemon(config, deps, db, dbPath, dbFile, created.delivery, slos.slos, source);
      reportStorage = (err) => {
        if (!daemon.storageFailed(err, 'outbox')) deps.logger.error({ component: 'outbox', err: err instanceof Error ? err.message : String(err) }, 'outbox pass failed; will try again');
      };
      daemon.releaseLock = release;
      daemon.fingerprint = daemon.currentFingerprint();
      daemon.engine.setSlos(slos.slos, deps.timers.now());
      created.delivery.reportCarriedOver(daemon.engine.firingAlerts());
      log.info({ slos: slos.slos.length, receivers: created.delivery.receivers(), database: config.databasePath, databaseCheckMs: checkMs, prometheus: source.url, intervalMs: config.intervalMs }, 'burnwatch started');
      return daemon;
    } catch (err) {
      db.close();
      release();
      if (err instanceof StartupError || storageFault(err, dbPath) === undefined) throw err;
      throw databaseProblem(err, dbPath);
    }
  }

  /** A logger for a component that runs beside the daemon (the HTTP server). */
  logger(component: string): DaemonLogger {
    return this.deps.logger.child({ component });
  }

  /** Starts the evaluation schedule, the dispatcher and the change poller. */
  run(): void {
    void this.detectBackend();
    this.delivery.dispatcher.start();
    this.scheduler.start();
    this.schedulePoll();
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.pollHandle = this.deps.timers.setTimeout(() => {
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
    return this.exclusive(() => this.cycle(slot));
  }

  private async cycle(slot: number): Promise<void> {
    if (this.closed || this.fatal) return;
    const started = this.deps.timers.now();
    this.cycleLogger = this.deps.logger.child({ component: 'engine', cycle: new Date(slot).toISOString() });
    let outcome: 'ok' | 'partial' | 'failed' = 'ok';
    try {
      // SQLite would write on into a deleted or replaced file; nothing of this cycle would survive a restart.
      const moved = this.dbFile.check();
      if (moved) throw moved;
      await this.engine.ingest(slot);
      const report = this.engine.evaluateAt(slot);
      outcome = report.failed === 0 ? 'ok' : report.evaluated === 0 && report.failed > 0 ? 'failed' : 'partial';
      if (report.evaluated > 0 || this.slosLoaded.length === 0) this.lastSuccessMs = this.deps.timers.now();
      // Rejected samples came from a backend that answered: they do not make it "down".
      this.trackBackend(report.failed > report.rejectedSlos && report.evaluated + report.rejectedSlos === 0);
      for (const s of this.engine.allStatuses()) if (s.state === 'unknown' && s.errorKind !== undefined && s.errorKind !== REJECTED_SAMPLES) this.deps.metrics?.queryError(s.errorKind);
      for (const r of report.rejected) this.deps.metrics?.rejectedSamples?.(r.reason, r.count);
      if (this.housekeeping(slot)) this.storageWorks();
    } catch (err) {
      outcome = 'failed';
      if (!this.storageFailed(err, 'evaluation cycle')) this.cycleLogger.error({ err: (err as Error).message }, 'evaluation cycle failed');
    } finally {
      this.lastCycleMs = this.deps.timers.now();
      this.deps.metrics?.cycle({ durationMs: this.lastCycleMs - started, outcome, missedSlots: this.missedSinceReport });
      this.missedSinceReport = 0;
    }
  }

  private backendDetected = false;
  private detectingBackend = false;

  /** Logs and exposes the backend's kind and version (`/api/v1/status/buildinfo`); tried again while it cannot be reached. */
  private async detectBackend(): Promise<void> {
    if (this.backendDetected || this.detectingBackend || !this.source.buildInfo) return;
    this.detectingBackend = true;
    const log = this.deps.logger.child({ component: 'daemon' });
    try {
      const info = await this.source.buildInfo();
      this.backendDetected = true;
      log.info({ backend: this.source.url, kind: info.kind, version: info.version }, 'metrics backend detected');
      this.deps.metrics?.backend?.(info);
    } catch (err) {
      const retryable = (err as { retryable?: unknown }).retryable === true;
      if (!retryable) {
        // No build information at this address (an older or partial API): said once, counted as unknown.
        this.backendDetected = true;
        this.deps.metrics?.backend?.({ kind: 'unknown', version: 'unknown' });
      }
      log.warn({ backend: this.source.url, err: (err as Error).message }, retryable ? 'cannot read the metrics backend\'s build information yet' : 'the metrics backend gives no build information');
    } finally {
      this.detectingBackend = false;
    }
  }

  private trackBackend(down: boolean): void {
    if (!down && !this.backendDetected) void this.detectBackend();
    if (down === !this.prometheusUp) return;
    this.prometheusUp = !down;
    const statuses = this.engine.allStatuses();
    const error = statuses.find((s) => s.error !== undefined)?.error;
    if (down) this.deps.logger.error({ component: 'engine', backend: this.engine.slos().length > 0 ? this.sourceUrl() : undefined, error }, 'Prometheus cannot be queried: every SLO is unknown (no pages, no resolves) until it answers again');
    else this.deps.logger.info({ component: 'engine', backend: this.sourceUrl() }, 'Prometheus answers again');
  }

  /** The backend as logs and /readyz show it: without credentials. */
  private sourceUrl(): string {
    return redactUrl(this.config.raw.prometheus.url);
  }

  /** Thins the ledger hourly and prunes old outbox rows and silences daily; false when it failed. */
  private housekeeping(slot: number): boolean {
    if (slot < this.housekeepingAt) return true;
    this.housekeepingAt = slot + 3_600_000;
    try {
      this.engine.rollup(slot);
      this.delivery.store.prune(slot - 30 * 86_400_000);
      this.delivery.silences.prune(slot - 30 * 86_400_000);
      return true;
    } catch (err) {
      if (!this.storageFailed(err, 'housekeeping')) this.deps.logger.warn({ component: 'store', err: (err as Error).message }, 'housekeeping failed; will try again in an hour');
      return false;
    }
  }

  /**
   * Reports a storage failure (counted by fault, logged with the file and what to do, once per change of
   * fault) and keeps it for readiness; a deleted or replaced file also stops the daemon (`failed`). Returns
   * the fault, or undefined when the error is not a storage error.
   */
  private storageFailed(err: unknown, during: string): StoreError | undefined {
    const fault = storageFault(err, this.dbPath);
    if (fault === undefined) return undefined;
    this.deps.metrics?.storageError?.(fault.fault);
    const log = this.deps.logger.child({ component: 'store' });
    const fields = { database: this.dbPath, fault: fault.fault, during, err: fault.message, hint: fault.hint };
    if (fault.fault === 'moved') {
      if (this.fatal === undefined) {
        this.fatal = fault;
        log.error(fields, 'the database file was deleted or replaced while running: stopping, so that a restart opens the file now at that path');
        this.signalFailed(fault);
      }
      return fault;
    }
    if (this.storageProblem?.fault !== fault.fault) log.error(fields, 'the database failed: nothing that could not be recorded is sent; trying again every cycle');
    else log.debug(fields, 'the database still fails');
    this.storageProblem = fault;
    return fault;
  }

  /** A cycle wrote without a storage failure. */
  private storageWorks(): void {
    if (this.storageProblem === undefined || this.fatal !== undefined) return;
    this.deps.logger.info({ component: 'store', database: this.dbPath, fault: this.storageProblem.fault }, 'the database works again');
    this.storageProblem = undefined;
  }

  /** Runs a database operation for the API: a storage failure is reported and becomes an UnavailableError (503). */
  private withStore<T>(during: string, write: boolean, fn: () => T): T {
    const moved = write ? (this.fatal ?? this.dbFile.check()) : undefined;
    try {
      if (moved) throw moved;
      return fn();
    } catch (err) {
      const fault = this.storageFailed(err, during);
      if (fault === undefined) throw err;
      throw new UnavailableError(fault.message, fault.hint, { cause: fault });
    }
  }

  /** What identifies the watched files' content: the SLO tree (through symlinks: git-sync swaps one) and the config files. */
  private currentFingerprint(): string {
    const parts: string[] = [];
    const slos = resolve(this.deps.cwd, this.config.slosPath);
    try {
      parts.push(realpathSync(slos));
    } catch {
      parts.push('missing');
    }
    const files = findSpecFiles([slos], this.config.specLimits).files;
    if (this.config.routingFile !== undefined) files.push(resolve(this.deps.cwd, this.config.routingFile));
    for (const f of files) {
      try {
        const st = statSync(f);
        parts.push(`${f}:${st.size}:${st.mtimeMs}`);
      } catch {
        parts.push(`${f}:gone`);
      }
    }
    return parts.join('\n');
  }

  private async checkForChanges(): Promise<void> {
    const now = this.currentFingerprint();
    if (now === this.fingerprint) return;
    this.deps.logger.info({ component: 'reload' }, 'SLO or routing files changed; reloading');
    await this.reload();
  }

  /**
   * Reloads the SLO files and the routing config. Any error keeps the last good set running (logged with
   * its location, and counted); a good set replaces it: removed SLOs have their firing alerts resolved and
   * their state dropped, changed ones are re-evaluated from the ledger.
   */
  reload(): Promise<readonly LocatedProblem[]> {
    return this.exclusive(() => {
      const log = this.deps.logger.child({ component: 'reload' });
      this.fingerprint = this.currentFingerprint();
      const errors: LocatedProblem[] = [];
      let routing: RoutingConfig | undefined;
      try {
        routing = loadRouting(this.config, this.deps);
      } catch (err) {
        errors.push(...(err instanceof StartupError ? err.errors : [problem(this.config.routingFile ?? 'routing', (err as Error).message, 'fix the routing config')]));
      }
      const slos = loadSlos(this.config, this.deps);
      if (!slos.ok) errors.push(...slos.errors);
      if (routing && errors.length === 0) errors.push(...this.delivery.apply(routing));
      if (errors.length > 0 || !slos.ok) {
        this.reloadErrors = errors;
        for (const e of errors) log.error({ file: e.file, line: e.line, col: e.col, field: e.path, hint: e.hint }, e.message);
        log.error({ errors: errors.length, running: this.slosLoaded.length }, 'reload failed: the last good SLO set and routing keep running');
        this.deps.metrics?.reload('failure');
        return Promise.resolve(errors);
      }
      for (const w of slos.warnings) log.warn({ file: w.file, line: w.line, col: w.col, field: w.path, hint: w.hint }, w.message);
      let change: ReturnType<Engine['setSlos']>;
      try {
        change = this.engine.setSlos(slos.slos, this.deps.timers.now());
      } catch (err) {
        const fault = this.storageFailed(err, 'reload');
        if (fault === undefined) throw err;
        // Not applied: the poller tries again (the files did not change, the database failed).
        this.fingerprint = '';
        this.reloadErrors = [problem(this.dbPath, fault.message, fault.hint)];
        log.error({ running: this.slosLoaded.length }, 'reload failed: the last good SLO set and routing keep running');
        this.deps.metrics?.reload('failure');
        return Promise.resolve(this.reloadErrors);
      }
      this.slosLoaded = slos.slos;
      this.reloadErrors = [];
      this.deps.metrics?.reload('success');
      log.info({ slos: slos.slos.length, added: change.added, removed: change.removed, rebuilt: change.rebuilt }, 'reloaded');
      return Promise.resolve([]);
    });
  }

  /** SIGTERM: finishes the current cycle and in-flight sends (bounded by the shutdown grace), closes the DB. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollHandle !== undefined) this.deps.timers.clearTimeout(this.pollHandle);
    await this.scheduler.stop();
    await this.lock;
    await this.delivery.dispatcher.stop(this.config.shutdownGraceMs);
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.storageFailed(err, 'stop');
    }
    this.db.close();
    this.releaseLock();
    this.deps.logger.info({ component: 'daemon' }, 'burnwatch stopped');
  }

  /** What the status page reads (server/ui). */
  statusReader(): StatusReader {
    return createStatusReader({
      view: this,
      ledger: this.engine.ledger,
      outbox: this.delivery.store,
      intervalMs: this.config.intervalMs,
      links: this.links,
      guard: (during, read) => this.withStore(during, false, read),
    });
  }

  // --- DaemonView -------------------------------------------------------------------------------------

  now(): number {
    return this.deps.timers.now();
  }

  readiness(): { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> } {
    const now = this.deps.timers.now();
    const recent = this.lastSuccessMs !== undefined && now - this.lastSuccessMs <= 3 * this.config.intervalMs + this.scheduler.delayMs;
    if (!this.closed && this.fatal === undefined) {
      const moved = this.dbFile.check();
      if (moved) this.storageFailed(moved, 'readiness check');
    }
    const storage = this.fatal ?? this.storageProblem;
    const checks = {
      slos: { ok: true, detail: `${this.slosLoaded.length} SLOs loaded${this.reloadErrors.length > 0 ? ` (the last reload failed with ${this.reloadErrors.length} problems; the previous set runs)` : ''}` },
      database: this.closed || !this.db.open
        ? { ok: false, detail: 'closed' }
        : storage
          ? { ok: false, detail: `${storage.message}; ${storage.hint}` }
          : { ok: true, detail: `open: ${this.config.databasePath}` },
      cycle: {
        ok: recent,
        detail: this.lastSuccessMs === undefined
          ? (this.prometheusUp ? 'no successful evaluation cycle yet (the first one backfills the ledger)' : `no successful evaluation cycle: Prometheus at ${this.sourceUrl()} cannot be queried`)
          : recent ? `last successful cycle ${Math.round((now - this.lastSuccessMs) / 1000)} s ago` : `no successful cycle for ${Math.round((now - this.lastSuccessMs) / 1000)} s${this.prometheusUp ? '' : `: Prometheus at ${this.sourceUrl()} cannot be queried`}`,
      },
    };
    return { ready: checks.slos.ok && checks.database.ok && checks.cycle.ok, checks };
  }

  slos(): readonly SloStatus[] {
    return this.engine.allStatuses();
  }

  history(sloId: string, limit: number): readonly AlertTransition[] {
    return this.withStore('alert history', false, () => this.engine.alertStore.history(sloId, limit));
  }

  alerts(): readonly StoredAlert[] {
    return this.withStore('alerts', false, () => this.engine.alertStore.loadAll().filter((a) => a.state.phase !== 'inactive'));
  }

  silences(): readonly Silence[] {
    return this.withStore('silences', false, () => this.delivery.silences.list());
  }

  addSilence(draft: { matchers: readonly string[]; startsAt: Date; endsAt: Date; createdBy: string; comment: string }): { ok: true; silence: Silence } | { ok: false; problems: readonly { field: string; message: string; hint: string }[] } {
    const check = validateSilence(draft);
    if (!check.ok) return { ok: false, problems: check.problems };
    // A write into a deleted or replaced file would be answered 201 and be gone after the restart: refused.
    const silence = this.withStore('silence', true, () => this.delivery.silences.add({ matchers: check.matchers, startsAt: draft.startsAt, endsAt: draft.endsAt, createdBy: draft.createdBy, comment: draft.comment }, this.deps.timers.now()));
    this.deps.logger.info({ component: 'api', silence: silence.id, createdBy: draft.createdBy }, 'silence created');
    return { ok: true, silence };
  }

  expireSilence(id: string): boolean {
    return this.withStore('silence', true, () => this.delivery.silences.expire(id, this.deps.timers.now()));
  }

  /** The outbox figures (the last ones read when the database fails). */
  private outboxStats(): OutboxStats {
    if (!this.db.open) return this.lastOutbox;
    try {
      this.lastOutbox = this.delivery.store.stats();
    } catch (err) {
      if (!this.storageFailed(err, 'outbox statistics')) throw err;
    }
    return this.lastOutbox;
  }

  health(): DaemonHealth {
    return {
      slosLoaded: this.slosLoaded.length,
      ...(this.lastCycleMs === undefined ? {} : { lastCycleMs: this.lastCycleMs }),
      ...(this.lastSuccessMs === undefined ? {} : { lastSuccessfulCycleMs: this.lastSuccessMs }),
      intervalMs: this.config.intervalMs,
      prometheusUp: this.prometheusUp,
      outbox: this.outboxStats(),
      reloadErrors: this.reloadErrors,
      databaseOpen: !this.closed && this.db.open && this.fatal === undefined,
    };
  }
}

/** A database that cannot be used at start: the file, what is wrong, what to do. */
function databaseProblem(err: unknown, dbPath: string): StartupError {
  const fault = storageFault(err, dbPath);
  return new StartupError([problem('database.path (BURNWATCH_DB)', fault?.message ?? (err as Error).message, fault?.hint ?? 'point database.path at a writable file on a persistent volume', 'database.path')]);
}

function loadRouting(config: AppConfig, deps: DaemonDeps): RoutingConfig {
  if (config.routingFile === undefined) return defaultRoutingConfig();
  const path = resolve(deps.cwd, config.routingFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StartupError([problem(config.routingFile, `cannot read the routing config: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check routing.file (BURNWATCH_ROUTING_FILE), or leave it out to send every notification to standard output', 'routing.file')]);
  }
  const parsed = parseRoutingConfig(config.routingFile, text);
  if (!parsed.ok) throw new StartupError(parsed.errors);
  for (const w of parsed.warnings) deps.logger.warn({ component: 'routing', file: w.file, line: w.line, col: w.col, field: w.path }, w.message);
  return parsed.config;
}

function loadSlos(config: AppConfig, deps: DaemonDeps): { ok: true; slos: Slo[]; warnings: LocatedProblem[] } | { ok: false; errors: LocatedProblem[] } {
  const path = resolve(deps.cwd, config.slosPath);
  try {
    statSync(path);
  } catch {
    return { ok: false, errors: [problem(config.slosPath, `the SLO folder ${config.slosPath} does not exist`, 'set slos.path (BURNWATCH_SLOS) to the folder of your SLO files')] };
  }
  const result = loadSpecs([path], {
    cwd: deps.cwd,
    defaultPeriodMs: config.defaultPeriodMs,
    limits: config.specLimits,
    ...(config.runbookRoot === undefined ? {} : { runbookRoot: resolve(deps.cwd, config.runbookRoot) }),
  });
  const errors = result.errors.filter((e) => !isWarning(e));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, slos: [...result.slos], warnings: result.errors.filter(isWarning) };
}

