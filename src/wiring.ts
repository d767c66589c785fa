import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RunDeps } from './cli/run.js';
import { ShardLease } from './cluster/lease.js';
import { ALL_SHARDS } from './cluster/shards.js';
import type { AppConfig } from './config/load.js';
import { Engine } from './engine/engine.js';
import type { LinkSettings } from './alerting/notification.js';
import { createPrometheusSource } from './metrics/prometheus/client.js';
import { formatByteSize, resolveClientOptions } from './metrics/prometheus/config.js';
import type { MetricsSource } from './metrics/source.js';
import type { RoutingConfig } from './notify/routing-config.js';
import { redactUrl } from './redact-url.js';
import { CycleLogger } from './runtime/cycle.js';
import { Daemon } from './runtime/daemon.js';
import type { DaemonMetrics } from './runtime/daemon-metrics.js';
import { DigestScheduler, digestProblems } from './runtime/digests.js';
import { Delivery } from './runtime/delivery.js';
import { loadRouting, loadSlos } from './runtime/files.js';
import type { Logger } from './logger.js';
import { createLogger } from './runtime/logger.js';
import type { Timers } from './runtime/scheduler.js';
import { secretResolver } from './runtime/secrets.js';
import { databasePassword } from './runtime/database.js';
import { databaseProblem, problem, StartupError } from './runtime/startup-error.js';
import { StorageHealth } from './runtime/storage-health.js';
import { acquireWriterLock } from './runtime/writer-lock.js';
import type { SelfMetrics } from './server/self-metrics.js';
import { createSelfMetrics } from './server/self-metrics.js';
import { gateRoutes } from './server/gate.js';
import { createServer } from './server/server.js';
import { Backtests } from './server/ui/backtest.js';
import { replayBacktest } from './server/ui/backtest-replay.js';
import { statusPageRoutes } from './server/ui/routes.js';
import type { Db, DbFile } from './store/db.js';
import { openDb, storageFault, trackDbFile } from './store/db.js';
import { openPgStore } from './store/postgres/pg-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';

/**
 * The composition root's second half (main.ts is the first): the daemon's object graph, built from the settings
 * and what main.ts reads of the process. main.ts loads this module only for `burnwatch run`, so that the other
 * commands start without the database, notifier and HTTP modules.
 */

/** What the daemon gets of the process (main.ts reads it from `process`; tests pass their own). */
export interface DaemonHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly timers: Timers;
  readonly random: () => number;
  readonly logger: Logger;
  /** Where the console receiver writes (standard output). */
  readonly stdout: { write(text: string): unknown };
  readonly version: string;
  readonly metrics?: DaemonMetrics;
  /** For tests: a different metrics backend. */
  readonly source?: MetricsSource;
  /** This process's id and a liveness check of another, for the single-writer lock. */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
  /** This machine's name: with the pid, the default replica id (settings cluster.replicaId). */
  readonly hostname?: string;
}

/** The process as `burnwatch run` sees it: the daemon's host without the parts built from the settings. */
export interface ProcessHost extends Omit<DaemonHost, 'logger' | 'metrics' | 'source'> {
  /** Registers a signal handler. */
  readonly onSignal: (signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', handler: () => void) => void;
}

/** What the run command needs (cli/run.ts): the daemon with its metrics and logs, its HTTP server, the signals. */
export function runDeps(host: ProcessHost): RunDeps {
  const metrics = createSelfMetrics({ version: host.version, now: () => host.timers.now() });
  return {
    start: (config) => startDaemon(config, { ...host, logger: createLogger({ level: config.raw.log.level, version: host.version }), metrics }),
    serve: (daemon) => serveDaemon(daemon, metrics, host),
    onSignal: host.onSignal,
  };
}

/**
 * Builds the daemon: opens the store (SQLite, with its writer lock, or PostgreSQL from `database.url`), builds the
 * receivers (with their secrets), loads the SLO files, connects the Prometheus client, the outbox and the engine.
 * Every start-up problem (config, database, routing, secrets, SLO files, Prometheus connection settings) is
 * collected and thrown as one StartupError with located messages; nothing is left open then.
 */
export async function startDaemon(config: AppConfig, host: DaemonHost): Promise<Daemon> {
  const log = host.logger.child({ component: 'daemon' });
  const opening = host.timers.now();
  const replicaId = config.cluster.replicaId ?? `${host.hostname ?? 'burnwatch'}-${host.pid ?? 0}`;
  const opened = config.database === undefined ? openSqliteStore(config, host) : await openPostgresStore(config, config.database, host, replicaId);
  const { store, where, release } = opened;
  const checkMs = host.timers.now() - opening;
  const lease = opened.postgres === undefined ? undefined : new ShardLease({
    ...opened.postgres,
    replicaId,
    version: host.version,
    leaseIntervalMs: config.cluster.leaseIntervalMs,
    failoverTimeoutMs: config.cluster.failoverTimeoutMs,
    now: () => host.timers.now(),
    logger: host.logger,
  });
  const ownership = lease ?? ALL_SHARDS;
  try {
    const { metrics } = host;
    const storage = new StorageHealth({ dbPath: where, ...(opened.dbFile ? { dbFile: opened.dbFile } : {}), logger: host.logger, ...(metrics?.storageError ? { onFault: (fault) => metrics.storageError?.(fault) } : {}) });
    const routing = loadRouting(config, host.cwd, host.logger);
    const secrets = secretResolver(host.env, config.routingFile === undefined ? host.cwd : dirname(resolve(host.cwd, config.routingFile)));
    const created = Delivery.create(routing, {
      store,
      notifierDeps: { secrets, logger: host.logger.child({ component: 'notify' }), stdout: host.stdout },
      now: () => host.timers.now(),
      random: host.random,
      logger: host.logger.child({ component: 'outbox' }),
      schedule: (fn, ms) => {
        const h = host.timers.setTimeout(fn, ms);
        return { cancel: () => host.timers.clearTimeout(h) };
      },
      ...(metrics?.dispatch ? { observer: metrics.dispatch } : {}),
      onStorageError: (err) => {
        if (!storage.report(err, 'outbox')) host.logger.error({ component: 'outbox', err: err instanceof Error ? err.message : String(err) }, 'outbox pass failed; will try again');
      },
      retry: { initialDelayMs: 2_000, maxDelayMs: 5 * 60_000, maxAgeMs: config.maxAgeMs, sendTimeoutMs: config.sendTimeoutMs },
      resendDelayMs: 60_000,
      ...(lease === undefined ? {} : { ownership: lease }),
    });
    if (!created.ok) throw new StartupError(created.errors);
    const delivery = created.delivery;
    const digestErrors = digestProblems(config.raw.reports.digests, delivery.routing, config.file ?? '(settings)');
    if (digestErrors.length > 0) throw new StartupError(digestErrors);
    const slos = loadSlos(config, host.cwd);
    if (!slos.ok) throw new StartupError(slos.errors);
    for (const w of slos.warnings) log.warn({ file: w.file, line: w.line, col: w.col, field: w.path, hint: w.hint }, w.message);
    const source = host.source ?? prometheusSource(config, host);
    const links = linkSettings(config, delivery.routing);
    const cycleLogger = new CycleLogger(host.logger);
    const engine = new Engine(
      { source, store, logger: cycleLogger, sink: delivery.outbox, suppression: delivery.suppression, ownership },
      {
        slotMs: config.intervalMs,
        rateWindowMs: config.rateWindowMs,
        ...(config.maxBackfillMs === undefined ? {} : { maxBackfillMs: config.maxBackfillMs }),
        links,
      },
    );
    const daemon = new Daemon({
      config,
      version: host.version,
      cwd: host.cwd,
      timers: host.timers,
      logger: host.logger,
      ...(metrics ? { metrics } : {}),
      store,
      storage,
      releaseLock: release,
      engine,
      cycleLogger,
      delivery,
      source,
      backendUrl: redactUrl(config.raw.prometheus.url),
      links,
      slos: slos.slos,
      replicaId,
      ...(lease === undefined ? {} : { lease }),
      ...(config.raw.reports.digests.length === 0 ? {} : {
        digests: new DigestScheduler(config.raw.reports.digests, { store, slos: () => engine.slos(), wake: () => delivery.dispatcher.wake(), logger: host.logger }),
      }),
    });
    await engine.setSlos(slos.slos, host.timers.now());
    backtestSources.set(daemon, source);
    await delivery.reportCarriedOver(engine.firingAlerts());
    log.info({ replica: replicaId, slos: slos.slos.length, receivers: delivery.receivers(), database: where, databaseCheckMs: checkMs, prometheus: source.url, intervalMs: config.intervalMs }, 'burnwatch started');
    return daemon;
  } catch (err) {
    await lease?.stop();
    await store.close().catch(() => undefined);
    release();
    if (err instanceof StartupError || storageFault(err, where) === undefined) throw err;
    throw opened.problem(err);
  }
}

interface OpenedStore {
  readonly store: Store;
  /** Where the data is, as logs show it. */
  readonly where: string;
  readonly dbFile?: DbFile;
  readonly release: () => void;
  /** A storage failure at start as the StartupError that names the setting. */
  readonly problem: (err: unknown) => StartupError;
  /** PostgreSQL: where the shard lease opens its own lock session (the store's URL and password). */
  readonly postgres?: { readonly url: string; readonly password?: string };
}

/** The SQLite file of `database.path`, checked, with the single-writer lock taken. */
function openSqliteStore(config: AppConfig, host: DaemonHost): OpenedStore {
  const dbPath = resolve(host.cwd, config.databasePath);
  let db: Db;
  let dbFile: DbFile;
  try {
    db = openDb(dbPath, { verify: true });
    dbFile = trackDbFile(dbPath);
  } catch (err) {
    throw databaseProblem(err, dbPath);
  }
  let release: () => void;
  try {
    release = acquireWriterLock(dbPath, host.pid ?? 0, host.isAlive ?? (() => false));
  } catch (err) {
    db.close();
    throw new StartupError([problem('database.path (BURNWATCH_DB)', (err as Error).message, 'run one burnwatch per database (one replica, Recreate strategy); stop the other one or point this one at another database', 'database.path')]);
  }
  return { store: new SqliteStore(db, dbPath), where: dbPath, dbFile, release, problem: (err) => databaseProblem(err, dbPath) };
}

/** The PostgreSQL database of `database.url`, its password read from its secret reference, the schema migrated. */
async function openPostgresStore(config: AppConfig, database: NonNullable<AppConfig['database']>, host: DaemonHost, replicaId: string): Promise<OpenedStore> {
  const file = config.file ?? '(settings)';
  const where = redactUrl(database.url);
  const password = databasePassword(config, host.env, host.cwd);
  const dbLog = host.logger.child({ component: 'store' });
  const toProblem = (err: unknown): StartupError => {
    const fault = storageFault(err, where);
    return new StartupError([problem(file, fault?.message ?? (err as Error).message, fault?.hint ?? 'check database.url and database.password', 'database.url')]);
  };
  try {
    const store = await openPgStore({
      url: database.url,
      ...(password === undefined ? {} : { password }),
      replica: replicaId,
      onIdleError: (err) => dbLog.warn({ database: where, err: err.message }, 'an idle database connection failed; the next statement opens a new one'),
    });
    return { store, where, release: () => undefined, problem: toProblem, postgres: { url: database.url, ...(password === undefined ? {} : { password }) } };
  } catch (err) {
    throw toProblem(err);
  }
}

/** The Prometheus client of the settings (credentials from files or the environment); bad settings are a StartupError. */
function prometheusSource(config: AppConfig, host: DaemonHost): MetricsSource {
  try {
    const promLog = host.logger.child({ component: 'prometheus' });
    return createPrometheusSource({
      ...resolveClientOptions(config.raw.prometheus, {
        readFile: (p) => readFileSync(resolve(host.cwd, p), 'utf8'),
        env: host.env,
      }),
      onAnswerTooLarge: (info) => promLog.info({ ...info, limit: formatByteSize(info.limitBytes) }, 'answer larger than prometheus.maxResponseSize; asking for the two halves of the range instead'),
    });
  } catch (err) {
    throw new StartupError([problem(config.file ?? '(settings)', (err as Error).message.split('\n')[0] ?? 'invalid Prometheus settings', (err as Error).message.split('\n')[1] ?? 'check the prometheus settings', 'prometheus')]);
  }
}

/** Where notifications and the status page link to: the settings' links over the routing file's, Prometheus without credentials. */
function linkSettings(config: AppConfig, routing: RoutingConfig): LinkSettings {
  const routingLinks = routing.links;
  const links = config.raw.links;
  return {
    ...routingLinks,
    ...(links.runbookBaseUrl === undefined ? {} : { runbookBaseUrl: links.runbookBaseUrl }),
    prometheusUrl: links.prometheusUrl ?? routingLinks.prometheusUrl ?? redactUrl(config.raw.prometheus.url),
    ...(links.dashboardUrl === undefined ? {} : { dashboardUrl: links.dashboardUrl }),
    ...(config.raw.server.externalUrl === undefined ? {} : { statusPageUrl: config.raw.server.externalUrl }),
  };
}

/**
 * Starts the HTTP server of a running daemon on `server.host:server.port` (status page, /metrics, health, JSON
 * API), with the API token (if configured) read from its env var or file. A port in use is an error naming
 * the setting.
 */
export async function serveDaemon(daemon: Daemon, metrics: SelfMetrics, host: Pick<DaemonHost, 'env' | 'cwd'>): Promise<{ close(): Promise<void> }> {
  const settings = daemon.config.raw.server;
  const tokenRef = settings.apiToken;
  const apiToken = tokenRef === undefined ? undefined : secretResolver(host.env, host.cwd)('env' in tokenRef ? { env: tokenRef.env } : { file: tokenRef.file }, 'server.apiToken');
  const logger = daemon.logger('api');
  const reader = daemon.view.statusReader;
  const source = backtestSources.get(daemon);
  const backtests = source === undefined ? undefined : new Backtests({
    run: replayBacktest({
      source,
      slotMs: daemon.config.intervalMs,
      rateWindowMs: daemon.config.rateWindowMs,
      ...(daemon.config.maxBackfillMs === undefined ? {} : { maxBackfillMs: daemon.config.maxBackfillMs }),
      logger: daemon.logger('backtest'),
      slos: () => daemon.view.slos().map((s) => s.slo),
    }),
    now: () => reader.now(),
    slotMs: daemon.config.intervalMs,
    logger: daemon.logger('backtest'),
  });
  const routes = [...statusPageRoutes(reader, { version: daemon.view.version, silencesWritable: apiToken !== undefined && apiToken !== '', ...(backtests === undefined ? {} : { backtests }) }), ...gateRoutes(reader)];
  const server = createServer(daemon.view, metrics, { ...(apiToken === undefined ? {} : { apiToken }), logger, routes });
  const bound = await server.listen(settings.host, settings.port);
  logger.info({ host: bound.host, port: bound.port }, 'HTTP server listening (status page /, /metrics, /healthz, /readyz, /api/v1)');
  return {
    close: () => {
      backtests?.close();
      return server.close();
    },
  };
}

/** The metrics source each daemon reads, for the status page's backtests (set by startDaemon, read by serveDaemon). */
const backtestSources = new WeakMap<Daemon, MetricsSource>();
