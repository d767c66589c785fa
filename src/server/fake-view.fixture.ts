import type { AlertPhase } from '../alerting/state.js';
import type { ClusterStatus } from '../cluster/status.js';
import { singleReplicaStatus } from '../cluster/status.js';
import type { InstanceStatus, SloStatus } from '../engine/engine.js';
import type { Silence } from '../routing/silence.js';
import { validateSilence } from '../routing/silence.js';
import type { DaemonHealth, DaemonView } from './view.js';
import type { TierObservation } from '../slo/evaluate.js';
import { DAY, HOUR, MINUTE } from '../slo/duration.js';
import type { Slo, Tier } from '../slo/model.js';
import type { AlertTransition, StoredAlert } from '../store/alerts.js';

/**
 * Test fixture (excluded from the build by its .fixture.ts name): a DaemonView over hand-written data, for the metrics and server
 * specs. Two SLOs: `checkout-availability` (99.9 % over a rolling 30 d, not grouped, the four tiers of the
 * SRE workbook's 30-day table) and `api-latency` (99.5 % per calendar month, grouped by route with the
 * instances /cart and /pay). Every number here is chosen by hand, not computed by burnwatch.
 */

export const NOW = Date.parse('2026-03-10T12:00:00Z');

function tier(severity: 'page' | 'ticket', longMs: number, shortMs: number, long: string, short: string, factor: number): Tier {
  return { name: `${severity}-${long}-${short}`, severity, longMs, shortMs, factor, forMs: 0 };
}

function slo(over: Partial<Slo> & Pick<Slo, 'id' | 'service' | 'objective' | 'period'>): Slo {
  return {
    name: over.id,
    labels: {},
    budgeting: { kind: 'occurrences' },
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: 'http_requests_total{code=~"5.."}' },
      total: { kind: 'selector', selector: 'http_requests_total' },
    },
    groupBy: [],
    maintenance: [],
    source: { file: `slos/${over.id}.yaml`, document: 0, line: 4, format: 'burnwatch/v1' },
    ...over,
    alerting: {
      name: 'SLOBurnRate',
      labels: { team: 'shop' },
      annotations: {},
      minEvents: 0,
      keepFiringForMs: 0,
      tiers: [],
      page: { enabled: true, labels: {}, annotations: {} },
      ticket: { enabled: true, labels: {}, annotations: {} },
      ...over.alerting,
    },
  };
}

/** The SRE workbook's 30-day tiers: 2 % in 1 h (14.4), 5 % in 6 h (6), 10 % in 1 d (3), 10 % in 3 d (1). */
export const CHECKOUT = slo({
  id: 'checkout-availability',
  service: 'checkout',
  objective: 99.9,
  period: { kind: 'rolling', durationMs: 30 * DAY },
  alerting: {
    name: 'CheckoutAvailability',
    labels: { team: 'shop' },
    annotations: {},
    minEvents: 0,
    keepFiringForMs: 0,
    noDataAfterMs: 10 * MINUTE,
    tiers: [
      tier('page', HOUR, 5 * MINUTE, '1h', '5m', 14.4),
      tier('page', 6 * HOUR, 30 * MINUTE, '6h', '30m', 6),
      tier('ticket', DAY, 2 * HOUR, '1d', '2h', 3),
      tier('ticket', 3 * DAY, 6 * HOUR, '3d', '6h', 1),
    ],
    page: { enabled: true, labels: {}, annotations: {} },
    ticket: { enabled: true, labels: {}, annotations: {} },
  },
});

export const API = slo({
  id: 'api-latency',
  service: 'api',
  displayName: 'API latency',
  objective: 99.5,
  period: { kind: 'calendar', unit: 'month', timezone: 'UTC' },
  groupBy: ['route'],
  alerting: {
    name: 'ApiLatency',
    labels: {},
    annotations: {},
    minEvents: 0,
    keepFiringForMs: 0,
    exhaustion: { threshold: 0, severity: 'page' },
    tiers: [
      tier('page', HOUR, 5 * MINUTE, '1h', '5m', 14.4),
      tier('ticket', DAY, 2 * HOUR, '1d', '2h', 3),
    ],
    page: { enabled: true, labels: {}, annotations: {} },
    ticket: { enabled: true, labels: {}, annotations: {} },
  },
});

/** Tier observations from [long, short] burn rates; ratios follow from the SLO's budget. */
function observedTiers(s: Slo, rates: readonly (readonly [number, number])[]): TierObservation[] {
  const budget = (100 - s.objective) / 100;
  return s.alerting.tiers.map((t, i) => {
    const [long, short] = rates[i] ?? [NaN, NaN];
    const active = long > t.factor && short > t.factor;
    return {
      name: t.name,
      severity: t.severity,
      longMs: t.longMs,
      shortMs: t.shortMs,
      longRatio: long * budget,
      shortRatio: short * budget,
      longBurnRate: long,
      shortBurnRate: short,
      threshold: t.factor,
      active,
      longEvents: Number.isNaN(long) ? 0 : 5000,
      qualifies: active,
      forMs: t.forMs,
    };
  });
}

function instance(
  s: Slo,
  labels: Record<string, string>,
  rates: readonly (readonly [number, number])[],
  budget: { remaining: number; ttlMs: number | null; unknown?: boolean },
  alerts: { page: AlertPhase; ticket: AlertPhase; nodata?: AlertPhase; exhaustion?: AlertPhase },
): InstanceStatus {
  const tiers = observedTiers(s, rates);
  return {
    key: JSON.stringify(labels),
    labels,
    observation: {
      atMs: NOW,
      tiers,
      raw: { page: tiers.some((t) => t.severity === 'page' && t.active), ticket: tiers.some((t) => t.severity === 'ticket' && t.active) },
      unknown: budget.unknown ?? false,
      budget: {
        remaining: budget.remaining,
        consumed: 1 - budget.remaining,
        timeToExhaustionMs: budget.ttlMs,
        errorRatio: budget.unknown === true ? NaN : (1 - budget.remaining) * ((100 - s.objective) / 100),
        events: budget.unknown === true ? 0 : 1_000_000,
        periodStartMs: Date.parse('2026-03-01T00:00:00Z'),
        periodEndMs: Date.parse('2026-04-01T00:00:00Z'),
      },
      currentBurnRate: rates[0]?.[0] ?? NaN,
    },
    alerts: { page: alerts.page, ticket: alerts.ticket },
    ...(alerts.nodata === undefined ? {} : { nodata: alerts.nodata }),
    ...(alerts.exhaustion === undefined ? {} : { exhaustion: alerts.exhaustion }),
    maintenance: false,
  };
}

/**
 * checkout: burn rates 1h 2.5 / 5m 3.1, 6h 1.2 / 30m 2, 1d 0.8 / 2h 1.5, 3d 0.5 / 6h 1.2; 75 % of the budget
 * left, exhausted in 7.5 days; ticket pending.
 * api /cart: 1h 20 / 5m 18 (page firing), 1d 4 / 2h 5; overspent (-10 %), exhausted; exhaustion alert firing.
 * api /pay: no data (every window NaN), budget untouched; page and ticket in nodata.
 */
export function fixtureStatuses(): SloStatus[] {
  return [
    {
      slo: CHECKOUT,
      state: 'ok',
      evaluatedAtMs: NOW,
      instances: [
        instance(CHECKOUT, {}, [[2.5, 3.1], [1.2, 2], [0.8, 1.5], [0.5, 1.2]], { remaining: 0.75, ttlMs: 7.5 * DAY }, { page: 'inactive', ticket: 'pending', nodata: 'inactive' }),
      ],
    },
    {
      slo: API,
      state: 'ok',
      evaluatedAtMs: NOW,
      instances: [
        instance(API, { route: '/cart' }, [[20, 18], [4, 5]], { remaining: -0.1, ttlMs: 0 }, { page: 'firing', ticket: 'inactive', exhaustion: 'firing' }),
        instance(API, { route: '/pay' }, [], { remaining: 1, ttlMs: null, unknown: true }, { page: 'nodata', ticket: 'nodata', exhaustion: 'inactive' }),
      ],
    },
  ];
}

export function fixtureAlerts(): StoredAlert[] {
  return [
    {
      alertKey: 'checkout-availability/{}/ticket',
      sloId: 'checkout-availability',
      instanceLabels: {},
      kind: 'burn',
      severity: 'ticket',
      state: { phase: 'pending', since: { 'ticket-1d-2h': NOW - 10 * MINUTE }, changedAtMs: NOW - 10 * MINUTE },
      notified: false,
      updatedMs: NOW,
    },
    {
      alertKey: 'api-latency/{"route":"/cart"}/page',
      sloId: 'api-latency',
      instanceLabels: { route: '/cart' },
      kind: 'burn',
      severity: 'page',
      state: { phase: 'firing', since: { 'page-1h-5m': NOW - HOUR }, firedAtMs: NOW - 50 * MINUTE, changedAtMs: NOW - 50 * MINUTE },
      notified: true,
      budgetAtFire: 0.2,
      updatedMs: NOW,
    },
    {
      alertKey: 'api-latency/{"route":"/pay"}/page',
      sloId: 'api-latency',
      instanceLabels: { route: '/pay' },
      kind: 'burn',
      severity: 'page',
      state: { phase: 'nodata', since: {}, nodataSinceMs: NOW - 20 * MINUTE, changedAtMs: NOW - 20 * MINUTE },
      notified: false,
      updatedMs: NOW,
    },
    {
      alertKey: 'checkout-availability/{}/page',
      sloId: 'checkout-availability',
      instanceLabels: {},
      kind: 'burn',
      severity: 'page',
      state: { phase: 'inactive', since: {}, resolvedAtMs: NOW - DAY, changedAtMs: NOW - DAY },
      notified: false,
      updatedMs: NOW - DAY,
    },
  ];
}

export const READY = {
  ready: true,
  checks: {
    slos: { ok: true, detail: '2 SLOs loaded' },
    database: { ok: true, detail: 'open' },
    cycle: { ok: true, detail: 'last successful cycle 12 s ago' },
  },
};

export const HEALTH: DaemonHealth = {
  slosLoaded: 2,
  lastCycleMs: NOW - 12_000,
  lastSuccessfulCycleMs: NOW - 12_000,
  intervalMs: 30_000,
  prometheusUp: true,
  outbox: { pending: 0, dead: 0 },
  reloadErrors: [],
  databaseOpen: true,
};

/** A DaemonView over fields the test sets; silences are validated with the real rules and kept in memory. */
export class FakeView implements DaemonView {
  readonly version = '1.2.3';
  nowMs = NOW;
  statuses: SloStatus[] = fixtureStatuses();
  alertList: StoredAlert[] = fixtureAlerts();
  historyList: AlertTransition[] = [];
  silenceList: Silence[] = [];
  readinessValue: Awaited<ReturnType<DaemonView['readiness']>> = READY;
  healthValue: DaemonHealth = HEALTH;
  clusterValue: ClusterStatus = singleReplicaStatus('replica-1');
  readonly historyCalls: { sloId: string; limit: number }[] = [];
  private nextId = 1;

  now(): number {
    return this.nowMs;
  }

  readiness(): ReturnType<DaemonView['readiness']> {
    return Promise.resolve(this.readinessValue);
  }

  slos(): readonly SloStatus[] {
    return this.statuses;
  }

  cluster(): Promise<ClusterStatus> {
    return Promise.resolve(this.clusterValue);
  }

  history(sloId: string, limit: number): Promise<readonly AlertTransition[]> {
    this.historyCalls.push({ sloId, limit });
    return Promise.resolve(this.historyList.filter((h) => h.sloId === sloId).slice(0, limit));
  }

  alerts(): Promise<readonly StoredAlert[]> {
    return Promise.resolve(this.alertList);
  }

  silences(): Promise<readonly Silence[]> {
    return Promise.resolve(this.silenceList);
  }

  async addSilence(draft: Parameters<DaemonView['addSilence']>[0]): ReturnType<DaemonView['addSilence']> {
    await Promise.resolve();
    const check = validateSilence(draft);
    if (!check.ok) return { ok: false, problems: check.problems };
    const silence: Silence = { id: `silence-${this.nextId++}`, matchers: check.matchers, startsAt: draft.startsAt, endsAt: draft.endsAt, createdBy: draft.createdBy, comment: draft.comment };
    this.silenceList.push(silence);
    return { ok: true, silence };
  }

  expireSilence(id: string): Promise<boolean> {
    const i = this.silenceList.findIndex((s) => s.id === id && s.endsAt.getTime() > this.nowMs);
    const found = this.silenceList[i];
    if (found === undefined) return Promise.resolve(false);
    this.silenceList[i] = { ...found, endsAt: new Date(this.nowMs) };
    return Promise.resolve(true);
  }

  health(): Promise<DaemonHealth> {
    return Promise.resolve(this.healthValue);
  }
}
