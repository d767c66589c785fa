import { createHash } from 'node:crypto';
import {
  alertIdentity,
  extraAnnotations,
  firingHeadline,
  formatFractionPercent,
  formatObjective,
  formatTier,
  formatTimeToExhaustion,
  kindTitle,
  sloTitle,
  truncateText,
} from '../alert-text.js';
import type { AlertNotification } from '../notifier.js';
import type { PagerDutyConfig, PdSeverity } from './config.js';

/**
 * PagerDuty Events API v2 bodies for an alert. Pure: the notification in, the event out (the routing key is
 * added by the caller, so rendered events can be shown and compared without the secret).
 *
 * Wire facts (PagerDuty developer docs, events-API-v2 trigger events; api-schema events-v2 openapiv3.json):
 * summary <= 1024 characters, dedup_key <= 255, severity critical|error|warning|info, links need `href`,
 * a resolve only needs routing_key, event_action and dedup_key; an event may be at most 512 KB (Alertmanager
 * drops custom_details past 512,000 bytes, and so do we).
 */

export const PD_LIMITS = { summary: 1024, dedupKey: 255, eventBytes: 512_000 } as const;

/** Bytes kept free for `"routing_key":"<32 characters>",` which the caller adds. */
const ROUTING_KEY_RESERVE = 64;

export interface PdLink {
  readonly href: string;
  readonly text: string;
}

export interface PdTriggerEvent {
  readonly event_action: 'trigger';
  readonly dedup_key: string;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PdSeverity;
    readonly timestamp: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
  readonly links?: readonly PdLink[];
  readonly client: string;
  readonly client_url?: string;
}

export interface PdResolveEvent {
  readonly event_action: 'resolve';
  readonly dedup_key: string;
}

/**
 * The dedup_key of an alert: its identity (`checkout-availability/page`, see `alertIdentity`: one per SLO
 * instance, alert kind and severity).
 */
export function alertDedupKey(n: AlertNotification): string {
  return pagerDutyDedupKey(alertIdentity(n));
}

/**
 * A key that fits PagerDuty's dedup_key: the key itself, or, when it is longer than 255 characters, its
 * first 190 characters, `~` and the SHA-256 of the whole key (hex), so it stays stable and distinct.
 */
export function pagerDutyDedupKey(key: string): string {
  if (key.length <= PD_LIMITS.dedupKey) return key;
  const digest = createHash('sha256').update(key, 'utf8').digest('hex');
  let head = key.slice(0, PD_LIMITS.dedupKey - digest.length - 1);
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return `${head}~${digest}`;
}

/** The PagerDuty severity of an alert under a receiver's `severityMap`. */
export function pagerDutySeverity(n: AlertNotification, map: PagerDutyConfig['severityMap']): PdSeverity {
  switch (n.kind) {
    case 'nodata':
      return map.nodata;
    case 'exhaustion':
      return map.exhaustion ?? map[n.severity];
    case 'burn':
      return map[n.severity];
    default: {
      const unreachable: never = n.kind;
      return unreachable;
    }
  }
}

/** A number for JSON: rounded to 4 decimals; infinities and NaN as Prometheus writes them. */
function jsonNumber(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return Math.round(value * 10_000) / 10_000;
}

function httpLink(href: string | undefined, text: string): PdLink | undefined {
  return href !== undefined && /^https?:\/\/\S+$/i.test(href) ? { href, text } : undefined;
}

function customDetails(n: AlertNotification): Record<string, unknown> {
  const tiers = Object.fromEntries(
    n.tiers.map((t) => [
      t.name,
      {
        burn_rates: formatTier(t),
        long_window: t.longWindow,
        short_window: t.shortWindow,
        long_burn_rate: jsonNumber(t.longBurnRate),
        short_burn_rate: jsonNumber(t.shortBurnRate),
        threshold: jsonNumber(t.threshold),
        active: t.active,
      },
    ]),
  );
  const annotations = extraAnnotations(n);
  return {
    slo: n.slo.id,
    slo_name: sloTitle(n),
    service: n.slo.service,
    alert: kindTitle(n.kind),
    severity: n.severity,
    objective: formatObjective(n.slo.objective),
    period: n.slo.period,
    budget_remaining: formatFractionPercent(n.budget.remaining),
    time_to_exhaustion: formatTimeToExhaustion(n.budget.timeToExhaustionMs),
    ...(n.tiers.length === 0 ? {} : { tiers }),
    ...(Object.keys(n.instance).length === 0 ? {} : { instance: n.instance }),
    labels: n.labels,
    ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
    ...(n.slo.description === undefined ? {} : { description: n.slo.description }),
    ...(httpLink(n.links.runbook, '') === undefined && n.links.runbookPath !== undefined ? { runbook: n.links.runbookPath } : {}),
    started_at: n.startsAt.toISOString(),
  };
}

export interface PdTriggerOptions {
  readonly severity: PdSeverity;
  readonly source: string;
  readonly client: string;
  readonly clientUrl?: string;
  /** The dedup_key to use instead of the alert's own (the key an open incident of this alert already has). */
  readonly dedupKey?: string;
}

/** The trigger event for a firing alert (without routing_key). */
export function renderPagerDutyTrigger(n: AlertNotification, options: PdTriggerOptions): PdTriggerEvent {
  const links = [httpLink(n.links.sloPage, 'SLO status page'), httpLink(n.links.runbook, 'Runbook'), httpLink(n.links.sliQuery, 'SLI query (Prometheus)'), httpLink(n.links.dashboard, 'Dashboard')]
    .filter((l): l is PdLink => l !== undefined);
  const event: PdTriggerEvent = {
    event_action: 'trigger',
    dedup_key: options.dedupKey ?? alertDedupKey(n),
    payload: {
      summary: truncateText(firingHeadline(n), PD_LIMITS.summary),
      source: options.source,
      severity: options.severity,
      timestamp: n.createdAt.toISOString(),
      component: n.slo.service,
      group: n.slo.id,
      class: kindTitle(n.kind),
      custom_details: customDetails(n),
    },
    ...(links.length === 0 ? {} : { links }),
    client: options.client,
    ...(options.clientUrl === undefined ? {} : { client_url: options.clientUrl }),
  };
  return fitEventSize(event);
}

/**
 * Keeps an event under PagerDuty's 512 KB: first custom_details give way (replaced by a note), then links.
 */
function fitEventSize(event: PdTriggerEvent): PdTriggerEvent {
  const limit = PD_LIMITS.eventBytes - ROUTING_KEY_RESERVE;
  const size = (e: PdTriggerEvent): number => Buffer.byteLength(JSON.stringify(e), 'utf8');
  if (size(event) <= limit) return event;
  const slim: PdTriggerEvent = {
    ...event,
    payload: { ...event.payload, custom_details: { note: 'custom_details left out: the event would exceed PagerDuty\'s 512 KB limit', slo: event.payload.group } },
  };
  if (size(slim) <= limit) return slim;
  const { links: _links, ...withoutLinks } = slim;
  return withoutLinks;
}

/** The resolve event: only the dedup_key says which alert. */
export function renderPagerDutyResolve(dedupKey: string): PdResolveEvent {
  return { event_action: 'resolve', dedup_key: dedupKey };
}
