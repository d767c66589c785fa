import type { AppConfig } from '../config/load.js';
import type { Engine } from '../engine/engine.js';
import type { LocatedProblem } from '../formats/located.js';
import type { RoutingConfig } from '../notify/routing-config.js';
import type { Slo } from '../slo/model.js';
import type { DaemonMetrics } from './daemon-metrics.js';
import type { Delivery } from './delivery.js';
import { digestProblems } from './digests.js';
import { loadRouting, loadSlos, watchedFingerprint } from './files.js';
import type { Logger } from '../logger.js';
import type { StorageHealth } from './storage-health.js';
import { problem, StartupError } from './startup-error.js';

export interface ReloadDeps {
  readonly config: AppConfig;
  readonly cwd: string;
  readonly engine: Engine;
  readonly delivery: Delivery;
  readonly storage: StorageHealth;
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics?: DaemonMetrics;
}

/**
 * Reloads of the SLO files and the routing config (on SIGHUP and when the poller sees the files change). Any
 * error keeps the last good set running (logged with its location, and counted); a good set replaces it:
 * removed SLOs have their firing alerts resolved and their state dropped, changed ones are re-evaluated from
 * the ledger.
 */
export class Reloader {
  private fingerprint: string;
  private running: readonly Slo[];
  private lastErrors: readonly LocatedProblem[] = [];

  /** `slos`: the set the daemon started with. */
  constructor(private readonly deps: ReloadDeps, slos: readonly Slo[]) {
    this.running = slos;
    this.fingerprint = watchedFingerprint(deps.config, deps.cwd);
  }

  /** The SLOs that run now (the last good set). */
  get slos(): readonly Slo[] {
    return this.running;
  }

  /** The problems of the last reload when it failed (the previous set keeps running), else none. */
  get errors(): readonly LocatedProblem[] {
    return this.lastErrors;
  }

  /** Whether the watched files changed since the last (attempted) load. */
  changed(): boolean {
    return watchedFingerprint(this.deps.config, this.deps.cwd) !== this.fingerprint;
  }

  /** Loads the files again and applies them when they are good; returns the problems (none: applied). */
  async reload(): Promise<readonly LocatedProblem[]> {
    const { config, cwd, engine, delivery, storage } = this.deps;
    const log = this.deps.logger.child({ component: 'reload' });
    this.fingerprint = watchedFingerprint(config, cwd);
    const errors: LocatedProblem[] = [];
    let routing: RoutingConfig | undefined;
    try {
      routing = loadRouting(config, cwd, this.deps.logger);
    } catch (err) {
      errors.push(...(err instanceof StartupError ? err.errors : [problem(config.routingFile ?? 'routing', (err as Error).message, 'fix the routing config')]));
    }
    if (routing) errors.push(...digestProblems(config.raw.reports.digests, routing, config.file ?? '(settings)'));
    const slos = loadSlos(config, cwd);
    if (!slos.ok) errors.push(...slos.errors);
    if (routing && errors.length === 0) errors.push(...delivery.apply(routing));
    if (errors.length > 0 || !slos.ok) {
      this.lastErrors = errors;
      for (const e of errors) log.error({ file: e.file, line: e.line, col: e.col, field: e.path, hint: e.hint }, e.message);
      log.error({ errors: errors.length, running: this.running.length }, 'reload failed: the last good SLO set and routing keep running');
      this.deps.metrics?.reload('failure');
      return errors;
    }
    for (const w of slos.warnings) log.warn({ file: w.file, line: w.line, col: w.col, field: w.path, hint: w.hint }, w.message);
    let change: Awaited<ReturnType<Engine['setSlos']>>;
    try {
      change = await engine.setSlos(slos.slos, this.deps.now());
    } catch (err) {
      const fault = storage.report(err, 'reload');
      if (fault === undefined) throw err;
      // Not applied: the poller tries again (the files did not change, the database failed).
      this.fingerprint = '';
      this.lastErrors = [problem(storage.dbPath, fault.message, fault.hint)];
      log.error({ running: this.running.length }, 'reload failed: the last good SLO set and routing keep running');
      this.deps.metrics?.reload('failure');
      return this.lastErrors;
    }
    this.running = slos.slos;
    this.lastErrors = [];
    this.deps.metrics?.reload('success');
    log.info({ slos: slos.slos.length, added: change.added, removed: change.removed, rebuilt: change.rebuilt }, 'reloaded');
    return [];
  }
}
