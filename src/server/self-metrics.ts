import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InstanceStatus, SloStatus } from '../engine/engine.js';
import { REJECTIONS } from '../engine/sample-check.js';
import type { MetricsErrorKind } from '../metrics/errors.js';
import type { DispatchObserver } from '../notify/dispatcher.js';
import { formatDuration } from '../slo/duration.js';
import { nominalPeriodMs } from '../slo/windows.js';
import { burnRatesByWindow } from '../slo/window-rates.js';
import type { StorageFault } from '../store/db.js';
import { STORAGE_FAULTS } from '../store/db.js';
import type { DaemonView } from './view.js';

/**
 * burnwatch's own Prometheus metrics (what our `/metrics` exposes; `src/metrics/` is the other direction, reading
 * Prometheus): self-metrics the daemon reports through hooks (cycles, query errors,
 * reloads, notifications) and gauges refreshed from the DaemonView on every scrape (engine and outbox health,
 * one set per SLO). Names, labels and meanings are a contract shared with the Grafana dashboard and the
 * README: change them only together.
 */

export type CycleOutcome = 'ok' | 'partial' | 'failed';
export type ReloadOutcome = 'success' | 'failure';

export interface CycleReport {
  readonly durationMs: number;
  /** partial: some SLOs could not be evaluated (unknown). */
  readonly outcome: CycleOutcome;
  /** Slots skipped since the previous report because a cycle overran. */
  readonly missedSlots: number;
}

/** Every query error kind (MetricsSourceError kinds); anything else is counted as `other`. */
export const QUERY_ERROR_KINDS: readonly (MetricsErrorKind | 'other')[] = [
  'bad_data', 'execution', 'timeout', 'unavailable', 'server', 'auth', 'not_found', 'rate_limited', 'network', 'tls',
  'client_timeout', 'partial', 'http', 'too_large', 'invalid_response', 'other',
];

const ALERT_PHASES = ['inactive', 'pending', 'firing', 'nodata'] as const;

export interface SelfMetrics {
  /** A registry of its own (never prom-client's global one), with the default process metrics. */
  readonly registry: Registry;
  cycle(report: CycleReport): void;
  queryError(kind: string): void;
  /** Counts samples the engine rejected (engine/sample-check.ts), by reason. */
  rejectedSamples(reason: string, count: number): void;
  reload(outcome: ReloadOutcome): void;
  storageError(fault: StorageFault): void;
  /** The metrics backend's kind and version, once detected. */
  backend(info: { readonly kind: string; readonly version: string }): void;
  /** Counts deliveries, failed attempts and dead letters, and times successful sends. */
  readonly dispatch: DispatchObserver;
  /** Refreshes the gauges from the daemon (call before rendering the registry on each scrape). */
  collect(view: DaemonView): Promise<void>;
}

export interface SelfMetricsOptions {
  readonly version: string;
  /** Wall clock in ms (for the reload timestamp); the composition root passes its clock. */
  readonly now: () => number;
}

export function createSelfMetrics(options: SelfMetricsOptions): SelfMetrics {
  const { now } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const buildInfo = new Gauge({ name: 'burnwatch_build_info', help: 'burnwatch version (value always 1).', labelNames: ['version'], registers });
  buildInfo.set({ version: options.version }, 1);
  const backendInfo = new Gauge({ name: 'burnwatch_backend_info', help: 'Kind and version of the metrics backend (value always 1; absent until detected).', labelNames: ['kind', 'version'], registers });

  const cycleDuration = new Histogram({
    name: 'burnwatch_cycle_duration_seconds',
    help: 'Duration of one evaluation cycle (ingest + evaluate).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const cycles = new Counter({ name: 'burnwatch_cycles_total', help: 'Evaluation cycles by outcome (partial: some SLOs unknown).', labelNames: ['outcome'], registers });
  for (const outcome of ['ok', 'partial', 'failed'] satisfies CycleOutcome[]) cycles.inc({ outcome }, 0);
  const missedSlots = new Counter({ name: 'burnwatch_missed_slots_total', help: 'Evaluation slots skipped because a cycle overran.', registers });
  const lastSuccessfulCycle = new Gauge({ name: 'burnwatch_last_successful_cycle_timestamp_seconds', help: 'Unix time of the last successful evaluation cycle (0: none yet).', registers });
  const queryErrors = new Counter({ name: 'burnwatch_query_errors_total', help: 'Failed metrics queries by kind.', labelNames: ['kind'], registers });
  for (const kind of QUERY_ERROR_KINDS) queryErrors.inc({ kind }, 0);
  const storageErrors = new Counter({ name: 'burnwatch_storage_errors_total', help: 'Failed database operations by fault (full, read_only, locked, corrupt, io, moved: the file was deleted or replaced).', labelNames: ['kind'], registers });
  for (const kind of STORAGE_FAULTS) storageErrors.inc({ kind }, 0);
  const rejectedSamples = new Counter({
    name: 'burnwatch_rejected_samples_total',
    help: 'Samples from the metrics backend that could not be counted (NaN, +-Inf, negative, a counter going backwards, a 0/1 gauge out of range), by reason. The SLO is unknown for their slot.',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of REJECTIONS) rejectedSamples.inc({ reason }, 0);
  const prometheusUp = new Gauge({ name: 'burnwatch_prometheus_up', help: '1 when the last cycle could reach the metrics backend.', registers });
  const slosLoaded = new Gauge({ name: 'burnwatch_slos_loaded', help: 'SLOs loaded.', registers });
  const outboxDepth = new Gauge({ name: 'burnwatch_outbox_depth', help: 'Notifications waiting to be delivered (pending + sending).', registers });
  const outboxOldestAge = new Gauge({ name: 'burnwatch_outbox_oldest_age_seconds', help: 'Age of the oldest undelivered notification (0 when none).', registers });
  const shardsHeld = new Gauge({ name: 'burnwatch_cluster_shards_held', help: 'Shards (of 64) whose SLOs this replica evaluates and delivers now (SQLite: all 64).', registers });
  const replicasSeen = new Gauge({ name: 'burnwatch_cluster_replicas', help: 'Live replicas this replica sees sharing the database (SQLite: 1).', registers });
  const lockLosses = new Counter({ name: 'burnwatch_cluster_lock_losses_total', help: 'Shard locks this replica lost without giving them up (its lock session to PostgreSQL failed).', registers });
  const failovers = new Counter({ name: 'burnwatch_cluster_failovers_total', help: 'Shards this replica took over from a replica that died.', registers });
  const clusterTotals = { lockLosses: 0, failovers: 0 };
  const outboxDead = new Gauge({ name: 'burnwatch_outbox_dead_letters', help: 'Notifications given up (dead letters kept in the outbox).', registers });
  const notifications = new Counter({
    name: 'burnwatch_notifications_total',
    help: 'Notification sends by receiver, destination and outcome (failed: an attempt failed; dead: given up).',
    labelNames: ['receiver', 'destination', 'outcome'],
    registers,
  });
  const notificationLatency = new Histogram({
    name: 'burnwatch_notification_latency_seconds',
    help: 'Duration of successful notification sends.',
    labelNames: ['receiver'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const reloads = new Counter({ name: 'burnwatch_reloads_total', help: 'SLO and routing reloads by outcome.', labelNames: ['outcome'], registers });
  for (const outcome of ['success', 'failure'] satisfies ReloadOutcome[]) reloads.inc({ outcome }, 0);
  const reloadFailed = new Gauge({ name: 'burnwatch_reload_failed', help: '1 while the last reload failed and the previous SLO set keeps running.', registers });
  const lastReloadSuccess = new Gauge({ name: 'burnwatch_last_reload_success_timestamp_seconds', help: 'Unix time of the last successful load or reload.', registers });
  // The initial load happens at start-up; a failed one stops the process, so start-up counts as a success.
  lastReloadSuccess.set(now() / 1000);

  const slo = ['slo', 'service'] as const;
  const inst = ['slo', 'service', 'slo_instance'] as const;
  const perSlo = {
    objective: new Gauge({ name: 'burnwatch_slo_objective_ratio', help: 'SLO objective as a ratio (99.9 % -> 0.999).', labelNames: slo, registers }),
    period: new Gauge({ name: 'burnwatch_slo_period_seconds', help: 'Nominal length of the SLO period.', labelNames: slo, registers }),
    up: new Gauge({ name: 'burnwatch_slo_up', help: '1 when the last cycle evaluated the SLO, 0 when it is unknown or not evaluated yet.', labelNames: slo, registers }),
    budget: new Gauge({ name: 'burnwatch_slo_budget_remaining_ratio', help: 'Error budget remaining (1 untouched, 0 exhausted, negative overspent).', labelNames: inst, registers }),
    exhaustion: new Gauge({ name: 'burnwatch_slo_budget_exhaustion_seconds', help: 'Time until the error budget is exhausted at the current burn rate (absent when not burning).', labelNames: inst, registers }),
    burnRate: new Gauge({ name: 'burnwatch_slo_burn_rate', help: 'Burn rate over each tier window.', labelNames: [...inst, 'window'], registers }),
    threshold: new Gauge({ name: 'burnwatch_slo_burn_rate_threshold', help: 'Burn-rate factor of each alerting tier.', labelNames: [...slo, 'tier', 'severity', 'long', 'short'], registers }),
    alertState: new Gauge({ name: 'burnwatch_slo_alert_state', help: 'Alert state per severity, one-hot (1 for the current state).', labelNames: [...inst, 'severity', 'state'], registers }),
  };

  const dispatch: DispatchObserver = {
    delivered(receiver, kind, _row, latencyMs) {
      notifications.inc({ receiver, destination: kind, outcome: 'delivered' });
      notificationLatency.observe({ receiver }, latencyMs / 1000);
    },
    failed(receiver, kind) {
      notifications.inc({ receiver, destination: kind, outcome: 'failed' });
    },
    dead(receiver, kind) {
      notifications.inc({ receiver, destination: kind, outcome: 'dead' });
    },
  };

  return {
    registry,
    dispatch,
    cycle(report) {
      cycleDuration.observe(report.durationMs / 1000);
      cycles.inc({ outcome: report.outcome });
      if (report.missedSlots > 0) missedSlots.inc(report.missedSlots);
    },
    queryError(kind) {
      queryErrors.inc({ kind: (QUERY_ERROR_KINDS as readonly string[]).includes(kind) ? kind : 'other' });
    },
    storageError(kind) {
      storageErrors.inc({ kind });
    },
    rejectedSamples(reason, count) {
      if ((REJECTIONS as readonly string[]).includes(reason) && count > 0) rejectedSamples.inc({ reason }, count);
    },
    backend(info) {
      backendInfo.reset();
      backendInfo.set({ kind: info.kind, version: info.version }, 1);
    },
    reload(outcome) {
      reloads.inc({ outcome });
      reloadFailed.set(outcome === 'failure' ? 1 : 0);
      if (outcome === 'success') lastReloadSuccess.set(now() / 1000);
    },
    async collect(view) {
      const health = await view.health();
      const at = view.now();
      slosLoaded.set(health.slosLoaded);
      prometheusUp.set(health.prometheusUp ? 1 : 0);
      lastSuccessfulCycle.set(health.lastSuccessfulCycleMs === undefined ? 0 : health.lastSuccessfulCycleMs / 1000);
      outboxDepth.set(health.outbox.pending);
      outboxOldestAge.set(health.outbox.oldestPendingMs === undefined ? 0 : Math.max(0, at - health.outbox.oldestPendingMs) / 1000);
      outboxDead.set(health.outbox.dead);
      reloadFailed.set(health.reloadErrors.length > 0 ? 1 : 0);
      const cluster = await view.cluster();
      shardsHeld.set(cluster.shardsHeld);
      replicasSeen.set(cluster.replicas.length);
      // The lease keeps running totals; the counters advance by what is new since the last scrape.
      lockLosses.inc(Math.max(0, cluster.lockLosses - clusterTotals.lockLosses));
      failovers.inc(Math.max(0, cluster.failovers - clusterTotals.failovers));
      clusterTotals.lockLosses = Math.max(clusterTotals.lockLosses, cluster.lockLosses);
      clusterTotals.failovers = Math.max(clusterTotals.failovers, cluster.failovers);

      // Per-SLO series are rebuilt on every scrape, so removed SLOs and instances disappear.
      for (const g of Object.values(perSlo)) g.reset();
      for (const status of view.slos()) setSloGauges(perSlo, status);
    },
  };
}

type PerSlo = Readonly<Record<'objective' | 'period' | 'up' | 'budget' | 'exhaustion' | 'burnRate' | 'threshold' | 'alertState', Gauge>>;

/**
 * An SLO's gauges. Instance gauges come from the SLO's last evaluation: while the SLO is unknown (a query
 * failed) they keep the last values and `burnwatch_slo_up` is 0.
 */
function setSloGauges(g: PerSlo, status: SloStatus): void {
  const { slo } = status;
  const base = { slo: slo.id, service: slo.service };
  g.objective.set(base, objectiveRatio(slo.objective));
  g.period.set(base, nominalPeriodMs(slo.period) / 1000);
  g.up.set(base, status.state === 'ok' ? 1 : 0);
  for (const tier of slo.alerting.tiers) {
    g.threshold.set({ ...base, tier: tier.name, severity: tier.severity, long: formatDuration(tier.longMs), short: formatDuration(tier.shortMs) }, tier.factor);
  }
  for (const i of status.instances) {
    const labels = { ...base, slo_instance: instanceLabel(i.labels, slo.groupBy) };
    const obs = i.observation;
    if (Number.isFinite(obs.budget.remaining)) g.budget.set(labels, obs.budget.remaining);
    if (obs.budget.timeToExhaustionMs !== null) g.exhaustion.set(labels, obs.budget.timeToExhaustionMs / 1000);
    for (const [window, rate] of burnRatesByWindow(obs.tiers)) if (Number.isFinite(rate)) g.burnRate.set({ ...labels, window }, rate);
    for (const [severity, phase] of alertPhases(i)) {
      for (const state of ALERT_PHASES) g.alertState.set({ ...labels, severity, state }, state === phase ? 1 : 0);
    }
  }
}

/** 99.9 -> 0.999 (rounded to 15 significant digits, so 99.9 / 100 does not print as 0.9990000000000001). */
export function objectiveRatio(objectivePercent: number): number {
  return Number((objectivePercent / 100).toPrecision(15));
}

/**
 * The `instance` label: the SLO instance's groupBy labels as `route="/cart"`, joined by ",", in groupBy
 * order (labels outside groupBy follow, sorted); "" for an SLO without groupBy.
 */
export function instanceLabel(labels: Readonly<Record<string, string>>, groupBy: readonly string[]): string {
  const names = [...groupBy.filter((n) => n in labels), ...Object.keys(labels).filter((n) => !groupBy.includes(n)).sort()];
  return names.map((n) => `${n}="${(labels[n] ?? '').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',');
}

/** Current phase of each alert of an instance, by severity label (page, ticket, nodata, exhaustion). */
function alertPhases(i: InstanceStatus): [string, string][] {
  const out: [string, string][] = [['page', i.alerts.page], ['ticket', i.alerts.ticket]];
  if (i.nodata !== undefined) out.push(['nodata', i.nodata]);
  if (i.exhaustion !== undefined) out.push(['exhaustion', i.exhaustion]);
  return out;
}
