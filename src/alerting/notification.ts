import { formatDuration, HOUR, MINUTE } from '../slo/duration.js';
import type { Observation } from '../slo/evaluate.js';
import type { Severity, Slo } from '../slo/model.js';
import { labelsKey } from '../slo/labels.js';
import { errorRatioQuery } from '../slo/queries.js';
import type { AlertKind } from './identity.js';
import { alertKey, alertLabels } from './identity.js';

/**
 * The notification of an alert's state change, built from what the evaluation observed. Pure: the same
 * arguments give the same notification; every time comes in as an argument.
 */

/**
 * What a destination receives: one alert of one SLO instance changing state (or being re-sent).
 * Render functions turn it into each destination's payload; they are pure and tested against exact payloads.
 */
export interface AlertNotification {
  /** Outbox id of this notification (unique). */
  readonly id: string;
  /**
   * Stable identity of the alert across its life: `<slo id>/<instance labels as JSON>/<severity or kind>`
   * (`checkout-availability/{}/page`); the outbox keys its queues and delivery references by it. What people
   * and external systems see (PagerDuty's dedup_key, the Slack context line) is `alertIdentity`.
   */
  readonly alertKey: string;
  readonly status: 'firing' | 'resolved';
  /** burn: multi-window burn-rate tiers; nodata: no samples for `noData.after`; exhaustion: budget threshold crossed. */
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly slo: {
    readonly id: string;
    readonly name: string;
    readonly service: string;
    readonly displayName?: string;
    readonly description?: string;
    /** Objective in percent (99.9). */
    readonly objective: number;
    /** Human period: `30d`, `calendar month (Europe/Berlin)`. */
    readonly period: string;
  };
  /** Labels identifying the SLO instance when `groupBy` is used (`{ route: "/cart" }`), else empty. */
  readonly instance: Readonly<Record<string, string>>;
  /** Alert labels for routing: alertname, slo, service, severity, SLO labels, routing labels, instance labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Tiers of this severity at the time of the notification (burn alerts). */
  readonly tiers: readonly TierStatus[];
  readonly budget: {
    /** Remaining error budget as a fraction of the period's budget (may be negative when overspent). */
    readonly remaining: number;
    /** Time until the budget is exhausted at the current burn rate; null when not burning. */
    readonly timeToExhaustionMs: number | null;
  };
  /** When the alert started firing. */
  readonly startsAt: Date;
  /** When it resolved (resolved notifications only). */
  readonly endsAt?: Date;
  /** On resolve: how long it fired and how much of the budget it spent meanwhile (fraction of the budget). */
  readonly resolution?: { readonly firedForMs: number; readonly budgetSpent: number };
  readonly links: {
    /** Runbook as a link (base URL + path, or the SLO's absolute URL); undefined when the SLO has none. */
    readonly runbook?: string;
    /** The runbook path as written, for display when no base URL is configured. */
    readonly runbookPath?: string;
    /** The SLI error-ratio query in the Prometheus graph UI. */
    readonly sliQuery?: string;
    readonly dashboard?: string;
    /** The SLO instance's page on burnwatch's status page (when server.externalUrl is set). */
    readonly sloPage?: string;
  };
  /** When burnwatch decided to send it (the evaluation slot). */
  readonly createdAt: Date;
}

export interface TierStatus {
  readonly name: string;
  readonly longWindow: string;
  readonly shortWindow: string;
  /** Burn rates over the long and short windows (error ratio / error budget). */
  readonly longBurnRate: number;
  readonly shortBurnRate: number;
  /** Burn-rate threshold of the tier (14.4). */
  readonly threshold: number;
  readonly active: boolean;
}


/** Where notifications link to. */
export interface LinkSettings {
  /** Prepended to relative runbook paths, e.g. `https://github.com/acme/slos/blob/main/`. */
  readonly runbookBaseUrl?: string;
  /** Prometheus (or Grafana Explore-compatible) UI base URL for the SLI query link. */
  readonly prometheusUrl?: string;
  readonly dashboardUrl?: string;
  /** Where people reach burnwatch (server.externalUrl): notifications link to the SLO's status page under it. */
  readonly statusPageUrl?: string;
}

/**
 * The status page of an SLO instance under the daemon's external URL: the instance by its labels' key
 * (`labelsKey`, as the ledger keys it), none for an SLO without instances.
 */
export function sloPageLink(baseUrl: string | undefined, sloId: string, instance: Readonly<Record<string, string>>): string | undefined {
  if (baseUrl === undefined || baseUrl === '') return undefined;
  const page = `${baseUrl.replace(/\/+$/, '')}/slos/${encodeURIComponent(sloId)}`;
  return Object.keys(instance).length === 0 ? page : `${page}?instance=${encodeURIComponent(labelsKey(instance))}`;
}

export function describePeriod(slo: Slo): string {
  return slo.period.kind === 'rolling' ? formatDuration(slo.period.durationMs) : `calendar ${slo.period.unit} (${slo.period.timezone})`;
}

/** A runbook as a link: absolute URLs as they are, relative paths appended to the base URL. */
export function runbookLink(runbook: string | undefined, baseUrl: string | undefined): string | undefined {
  if (runbook === undefined) return undefined;
  if (/^https?:\/\//i.test(runbook)) return runbook;
  if (baseUrl === undefined || baseUrl === '') return undefined;
  return `${baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`}${runbook.replace(/^\.?\//, '')}`;
}

/** The windows an SLI link graphs. */
export interface LinkWindows {
  readonly longMs: number;
  readonly shortMs: number;
}

/**
 * The tier that best explains a burn alert: the active tier with the highest long-window burn rate, else
 * the tier with the highest long-window burn rate; undefined without tiers.
 */
export function leadingTier<T extends Pick<TierStatus, 'active' | 'longBurnRate'>>(tiers: readonly T[]): T | undefined {
  const pool = tiers.some((t) => t.active) ? tiers.filter((t) => t.active) : tiers;
  let best: T | undefined;
  for (const tier of pool) {
    if (best === undefined || tier.longBurnRate > best.longBurnRate) best = tier;
  }
  return best;
}

/** Without tiers to go by: the workbook's fast page pair. */
const DEFAULT_LINK_WINDOWS: LinkWindows = { longMs: HOUR, shortMs: 5 * MINUTE };

/**
 * The windows a notification's SLI link graphs. A burn alert: its leading tier (of the tiers of its
 * severity, the firing one with the highest long-window burn rate, as the text reports it). A no-data
 * alert: the fastest tier of its severity (the short windows show when data stopped). An exhaustion alert:
 * the slowest tier of its severity (where the budget went). Tiers of any severity stand in when the
 * severity has none.
 */
export function linkWindows(obs: Observation, kind: AlertKind, severity: Severity): LinkWindows {
  const own = obs.tiers.filter((t) => t.severity === severity);
  const pool = own.length > 0 ? own : obs.tiers;
  const byLong = [...pool].sort((a, b) => a.longMs - b.longMs);
  const chosen = kind === 'burn' ? leadingTier(pool) : kind === 'nodata' ? byLong[0] : byLong.at(-1);
  return chosen === undefined ? DEFAULT_LINK_WINDOWS : { longMs: chosen.longMs, shortMs: chosen.shortMs };
}

/**
 * The SLI error ratio in the Prometheus graph UI, as two panels over the same time range: the ratio over the
 * long window (g0) and over the short window (g1), one line per instance when the SLO is grouped. The range
 * is four long windows (at least an hour), so the graph shows the burn and the time before it.
 */
export function sliQueryLink(slo: Slo, windows: LinkWindows, prometheusUrl: string | undefined): string | undefined {
  if (prometheusUrl === undefined || prometheusUrl === '') return undefined;
  // A composite has no query of its own: its children's links show where the burn comes from.
  if (slo.indicator.kind === 'composite') return undefined;
  const range = formatDuration(Math.max(HOUR, 4 * windows.longMs));
  const params = new URLSearchParams();
  [windows.longMs, windows.shortMs].forEach((windowMs, i) => {
    params.append(`g${i}.expr`, errorRatioQuery(slo.indicator, slo.groupBy, formatDuration(windowMs)));
    params.append(`g${i}.tab`, '0');
    params.append(`g${i}.range_input`, range);
  });
  return `${prometheusUrl.replace(/\/+$/, '')}/graph?${params.toString()}`;
}

function percent(n: number): string {
  return `${(n * 100).toFixed(1)}%`;
}

export function summaryOf(slo: Slo, kind: AlertKind, severity: Severity, obs: Observation, instance: Readonly<Record<string, string>>): string {
  const where = Object.keys(instance).length > 0 ? ` (${Object.entries(instance).map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
  const name = `${slo.displayName ?? slo.id}${where}`;
  switch (kind) {
    case 'burn': {
      const firing = obs.tiers.filter((t) => t.severity === severity && t.active);
      const top = firing[0] ?? obs.tiers.find((t) => t.severity === severity);
      const rate = top ? `${round(top.longBurnRate)}x over ${formatDuration(top.longMs)} (threshold ${round(top.threshold)}x)` : '';
      return `${name}: error budget burning at ${rate}; ${percent(obs.budget.remaining)} of the budget left`;
    }
    case 'nodata':
      return `${name}: no data for the SLI; the SLO cannot be evaluated`;
    case 'exhaustion':
      return `${name}: ${percent(obs.budget.remaining)} of the error budget left (objective ${slo.objective}% over ${describePeriod(slo)})`;
  }
}

function round(n: number): number {
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : n;
}

export function tierStatuses(obs: Observation, severity: Severity): TierStatus[] {
  return obs.tiers.filter((t) => t.severity === severity).map((t) => ({
    name: t.name,
    longWindow: formatDuration(t.longMs),
    shortWindow: formatDuration(t.shortMs),
    longBurnRate: t.longBurnRate,
    shortBurnRate: t.shortBurnRate,
    threshold: t.threshold,
    active: t.active,
  }));
}

export interface BuildArgs {
  readonly id: string;
  readonly slo: Slo;
  readonly instance: Readonly<Record<string, string>>;
  readonly instanceKey: string;
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly status: 'firing' | 'resolved';
  readonly obs: Observation;
  readonly firedAtMs: number;
  readonly resolvedAtMs?: number;
  readonly budgetAtFire?: number;
  readonly links: LinkSettings;
  readonly atMs: number;
}

export function buildNotification(a: BuildArgs): AlertNotification {
  const { slo } = a;
  const policy = a.severity === 'page' ? slo.alerting.page : slo.alerting.ticket;
  const runbook = runbookLink(slo.alerting.runbook, a.links.runbookBaseUrl);
  const sliQuery = sliQueryLink(slo, linkWindows(a.obs, a.kind, a.severity), a.links.prometheusUrl);
  const sloPage = sloPageLink(a.links.statusPageUrl, slo.id, a.instance);
  const summary = summaryOf(slo, a.kind, a.severity, a.obs, a.instance);
  const annotations: Record<string, string> = {
    ...slo.alerting.annotations,
    ...policy.annotations,
    summary,
    ...(slo.description === undefined ? {} : { description: slo.description }),
    ...(runbook === undefined ? (slo.alerting.runbook === undefined ? {} : { runbook: slo.alerting.runbook }) : { runbook_url: runbook }),
  };
  return {
    id: a.id,
    alertKey: alertKey(slo.id, a.instanceKey, a.kind, a.severity),
    status: a.status,
    kind: a.kind,
    severity: a.severity,
    slo: {
      id: slo.id,
      name: slo.name,
      service: slo.service,
      ...(slo.displayName === undefined ? {} : { displayName: slo.displayName }),
      ...(slo.description === undefined ? {} : { description: slo.description }),
      objective: slo.objective,
      period: describePeriod(slo),
    },
    instance: a.instance,
    labels: alertLabels(slo, a.instance, a.kind, a.severity),
    annotations,
    tiers: a.kind === 'burn' ? tierStatuses(a.obs, a.severity) : [],
    budget: { remaining: a.obs.budget.remaining, timeToExhaustionMs: a.obs.budget.timeToExhaustionMs },
    startsAt: new Date(a.firedAtMs),
    ...(a.resolvedAtMs === undefined ? {} : { endsAt: new Date(a.resolvedAtMs) }),
    ...(a.status === 'resolved' && a.resolvedAtMs !== undefined
      ? { resolution: { firedForMs: a.resolvedAtMs - a.firedAtMs, budgetSpent: Math.max(0, (a.budgetAtFire ?? a.obs.budget.remaining) - a.obs.budget.remaining) } }
      : {}),
    links: {
      ...(runbook === undefined ? {} : { runbook }),
      ...(slo.alerting.runbook === undefined ? {} : { runbookPath: slo.alerting.runbook }),
      ...(sliQuery === undefined ? {} : { sliQuery }),
      ...(a.links.dashboardUrl === undefined ? {} : { dashboard: a.links.dashboardUrl }),
      ...(sloPage === undefined ? {} : { sloPage }),
    },
    createdAt: new Date(a.atMs),
  };
}
