import type { StepRecord } from '../../engine/replay.js';
import { DAY, MINUTE } from '../../slo/duration.js';
import type { AlertNotification } from '../../notify/notifier.js';
import type { Severity, Slo } from '../../slo/model.js';
import { labelsKey } from '../../slo/labels.js';
import { sloDigest } from './slo-digest.js';

/**
 * The SLO page's backtest panel: how many pages and tickets an SLO, as defined now, would have raised over
 * the last N days: the notifications the daemon would have sent, from the backtest `burnwatch backtest` runs
 * (the engine replayed slot by slot over Prometheus's history, see backtest-replay.ts), not from the ledger: the ledger keeps 30 s rows
 * for 7 hours, 5-minute rows to 73 hours and hourly rows beyond, so a page tier's 5-minute window cannot be
 * read back from it for last week.
 *
 * A backtest reads days of history from Prometheus, so none runs because a page was viewed: one runs when a
 * viewer asks for it (POST), one at a time in the whole daemon, at most `queued` more waiting; its result is
 * kept for `keepMs` for everyone who asks (GET), and dropped when the SLO's definition changes. An SLO with
 * many instances over many days is refused (the replay holds every 30 s row of every instance in memory).
 */

/** How many days back a backtest may look: the choices the page offers. */
export const BACKTEST_DAYS: readonly number[] = [1, 7, 30];

export interface BacktestLimits {
  /** How long a finished backtest's result is kept and shown. */
  readonly keepMs: number;
  /** How long a failed one is kept (asked again after that, it runs again). */
  readonly failedKeepMs: number;
  /** Backtests waiting while one runs. */
  readonly queued: number;
  /** Instances x days of one backtest, at most (each instance-day is 2,880 ledger rows at 30 s). */
  readonly maxInstanceDays: number;
  /** A backtest still running after this long is stopped. */
  readonly timeoutMs: number;
}

export const DEFAULT_BACKTEST_LIMITS: BacktestLimits = { keepMs: 15 * MINUTE, failedKeepMs: MINUTE, queued: 3, maxInstanceDays: 120, timeoutMs: 10 * MINUTE };

/**
 * One alert the replay raised: from the firing notification the daemon would have sent to the resolved one.
 * Counted as the daemon notifies, after `for`, minEvents and the built-in inhibition (a page inhibits the
 * ticket of its instance), without silences or configured inhibit rules.
 */
export interface BacktestEpisode {
  readonly labels: Readonly<Record<string, string>>;
  readonly severity: Severity;
  readonly kind: AlertNotification['kind'];
  /** When the firing notification would have gone out. */
  readonly startMs: number;
  /** When the resolved one would have; null when the alert was still firing at the end. */
  readonly endMs: number | null;
}

export interface BacktestResult {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  /** Steps replayed, and of those the ones at which the SLO could not be evaluated (its queries failed). */
  readonly steps: number;
  readonly stepsWithoutFigures: number;
  /** Why the SLO could not be evaluated, the first time it could not. */
  readonly problem?: string;
  /** Every instance the replay evaluated. */
  readonly instances: readonly Readonly<Record<string, string>>[];
  /** The alerts raised, oldest first. */
  readonly episodes: readonly BacktestEpisode[];
}

/** Replays `slo` from `fromMs` to `toMs` (see backtest-replay.ts); rejects when `signal` aborts. */
export type BacktestRun = (slo: Slo, fromMs: number, toMs: number, signal: AbortSignal) => Promise<BacktestResult>;

/**
 * What a replay raised, from the notifications its engine decided, and how many of its steps had figures: at
 * a step without (the SLO's queries failed) no alert changes, as in the daemon.
 */
export class EpisodeCollector {
  private readonly open = new Map<string, { labels: Readonly<Record<string, string>>; severity: Severity; kind: AlertNotification['kind']; startMs: number }>();
  private readonly closed: BacktestEpisode[] = [];
  private readonly instances = new Map<string, Readonly<Record<string, string>>>();
  private steps = 0;
  private stepsWithoutFigures = 0;
  private problem: string | undefined;

  /** The notifications decided at `atMs`. */
  notified(notifications: readonly AlertNotification[], atMs: number): void {
    for (const n of notifications) {
      const episode = this.open.get(n.alertKey);
      if (n.status === 'firing' && episode === undefined) this.open.set(n.alertKey, { labels: n.instance, severity: n.severity, kind: n.kind, startMs: atMs });
      if (n.status === 'resolved' && episode !== undefined) {
        this.closed.push({ ...episode, endMs: atMs });
        this.open.delete(n.alertKey);
      }
    }
  }

  /** One step: the instances evaluated, or the reason the SLO could not be. */
  step(records: readonly StepRecord[], problem?: string): void {
    this.steps++;
    if (problem !== undefined) {
      this.stepsWithoutFigures++;
      this.problem ??= problem;
    }
    for (const r of records) this.instances.set(labelsKey(r.labels), r.labels);
  }

  result(fromMs: number, toMs: number, stepMs: number): BacktestResult {
    const episodes = [...this.closed, ...[...this.open.values()].map((e) => ({ ...e, endMs: null }))]
      .sort((a, b) => a.startMs - b.startMs || labelsKey(a.labels).localeCompare(labelsKey(b.labels)) || a.severity.localeCompare(b.severity));
    return {
      fromMs,
      toMs,
      stepMs,
      steps: this.steps,
      stepsWithoutFigures: this.stepsWithoutFigures,
      ...(this.problem === undefined ? {} : { problem: this.problem }),
      instances: [...this.instances.values()],
      episodes,
    };
  }
}

export type BacktestState = 'queued' | 'running' | 'done' | 'failed';

/** A backtest as the API shows it. */
export interface BacktestView {
  readonly days: number;
  readonly state: BacktestState;
  readonly requestedMs: number;
  readonly startedMs?: number;
  readonly finishedMs?: number;
  readonly result?: BacktestResult;
  readonly error?: string;
}

interface Job {
  readonly key: string;
  readonly slo: Slo;
  readonly definition: string;
  readonly days: number;
  readonly requestedMs: number;
  state: BacktestState;
  startedMs?: number;
  finishedMs?: number;
  result?: BacktestResult;
  error?: string;
  controller?: AbortController;
}

export interface BacktestsDeps {
  readonly run: BacktestRun;
  /** Wall clock (ms). */
  readonly now: () => number;
  /** The evaluation interval: backtests end on a multiple of it. */
  readonly slotMs: number;
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  readonly limits?: Partial<BacktestLimits>;
}

export type StartOutcome =
  | { readonly ok: true; readonly backtest: BacktestView }
  | { readonly ok: false; readonly status: 422 | 429 | 503; readonly message: string; readonly hint: string };

/** Finished backtests kept at most (the oldest go first). */
const MAX_FINISHED = 100;

export class Backtests {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private running: Job | undefined;
  private closed = false;
  readonly limits: BacktestLimits;

  constructor(private readonly deps: BacktestsDeps) {
    this.limits = { ...DEFAULT_BACKTEST_LIMITS, ...deps.limits };
  }

  /** The backtests of `slo` as defined now: waiting, running, and finished ones still kept. */
  list(slo: Slo): BacktestView[] {
    this.sweep();
    const definition = sloDigest(slo);
    return [...this.jobs.values()].filter((j) => j.slo.id === slo.id && j.definition === definition).sort((a, b) => a.days - b.days).map(view);
  }

  /**
   * Asks for the backtest of `slo` over the last `days` days: the one kept or under way, else a new one
   * (queued). Refused when too many wait, or when `instances` x `days` is over the bound.
   */
  start(slo: Slo, days: number, instances: number): StartOutcome {
    this.sweep();
    const definition = sloDigest(slo);
    const key = JSON.stringify([slo.id, definition, days]);
    const known = this.jobs.get(key);
    if (known !== undefined) return { ok: true, backtest: view(known) };
    const instanceDays = Math.max(1, instances) * days;
    if (instanceDays > this.limits.maxInstanceDays) {
      return {
        ok: false,
        status: 422,
        message: `the SLO "${slo.id}" has ${instances} instances: a backtest over ${days} days would replay ${instanceDays} instance-days, more than the ${this.limits.maxInstanceDays} the daemon replays for the status page`,
        hint: `ask for fewer days, or run it on another machine: burnwatch backtest --slos ${slo.source.file} --from now-${days}d --to now --format table`,
      };
    }
    if (this.closed) return { ok: false, status: 503, message: 'burnwatch is stopping', hint: 'ask again when it has started' };
    if (this.waiting.length >= this.limits.queued) {
      return { ok: false, status: 429, message: `${this.waiting.length + (this.running ? 1 : 0)} backtests are running or waiting`, hint: 'ask again when one has finished (the running one is shown on its SLO\'s page)' };
    }
    const job: Job = { key, slo, definition, days, requestedMs: this.deps.now(), state: 'queued' };
    this.jobs.set(key, job);
    this.waiting.push(job);
    this.pump();
    return { ok: true, backtest: view(job) };
  }

  /** Stops the running backtest and drops the waiting ones (the daemon is stopping). */
  close(): void {
    this.closed = true;
    for (const job of this.waiting) this.jobs.delete(job.key);
    this.waiting.length = 0;
    this.running?.controller?.abort(new Error('burnwatch is stopping'));
  }

  private pump(): void {
    if (this.running !== undefined || this.closed) return;
    const job = this.waiting.shift();
    if (job === undefined) return;
    this.running = job;
    const startedMs = this.deps.now();
    const toMs = Math.floor(startedMs / this.deps.slotMs) * this.deps.slotMs;
    const fromMs = toMs - job.days * DAY;
    const controller = new AbortController();
    const timeout = AbortSignal.timeout(this.limits.timeoutMs);
    Object.assign(job, { state: 'running', startedMs, controller });
    const log = { slo: job.slo.id, days: job.days };
    let running: Promise<BacktestResult>;
    try {
      running = this.deps.run(job.slo, fromMs, toMs, AbortSignal.any([controller.signal, timeout]));
    } catch (err) {
      running = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    running
      .then((result) => {
        Object.assign(job, { state: 'done', result, finishedMs: this.deps.now() });
        this.deps.logger.info({ ...log, pages: countOf(result, 'page'), tickets: countOf(result, 'ticket'), stepsWithoutFigures: result.stepsWithoutFigures, tookMs: this.deps.now() - startedMs }, 'backtest finished');
      }, (err: unknown) => {
        const reason = timeout.aborted
          ? `stopped after ${Math.round(this.limits.timeoutMs / MINUTE)} minutes`
          : controller.signal.aborted ? messageOf(controller.signal.reason) : messageOf(err);
        Object.assign(job, { state: 'failed', error: reason, finishedMs: this.deps.now() });
        this.deps.logger.warn({ ...log, err: reason }, 'backtest failed');
      })
      .finally(() => {
        delete job.controller;
        this.running = undefined;
        this.pump();
      });
  }

  /** Drops finished backtests past their keeping time, and the oldest beyond MAX_FINISHED. */
  private sweep(): void {
    const now = this.deps.now();
    const finished = [...this.jobs.values()].filter((j) => j.finishedMs !== undefined);
    for (const j of finished) {
      const keep = j.state === 'failed' ? this.limits.failedKeepMs : this.limits.keepMs;
      if ((j.finishedMs ?? now) + keep <= now) this.jobs.delete(j.key);
    }
    const kept = finished.filter((j) => this.jobs.has(j.key)).sort((a, b) => (a.finishedMs ?? 0) - (b.finishedMs ?? 0));
    for (const j of kept.slice(0, Math.max(0, kept.length - MAX_FINISHED))) this.jobs.delete(j.key);
  }
}

export function countOf(result: BacktestResult, severity: Severity): number {
  return result.episodes.filter((e) => e.severity === severity).length;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function view(job: Job): BacktestView {
  return {
    days: job.days,
    state: job.state,
    requestedMs: job.requestedMs,
    ...(job.startedMs === undefined ? {} : { startedMs: job.startedMs }),
    ...(job.finishedMs === undefined ? {} : { finishedMs: job.finishedMs }),
    ...(job.result === undefined ? {} : { result: job.result }),
    ...(job.error === undefined ? {} : { error: job.error }),
  };
}
