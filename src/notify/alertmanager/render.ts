import { withoutEmptyLabels } from '../../routing/labels.js';
import {
  firingSummary, formatFractionPercent, formatObjective, formatTier, formatTimeToExhaustion, resolvedSummary, sloTitle,
} from '../alert-text.js';
import type { AlertNotification } from '../notifier.js';

/**
 * The body of `POST /api/v2/alerts` (Alertmanager API v2, `postableAlerts`): a JSON array with one
 * postable alert per notification. Pure: every time comes from the notification.
 *
 * Send semantics mirror Prometheus (rules/alerting.go, rules/manager.go `sendAlerts`, v2.42.0):
 * - `startsAt` is when the alert started firing;
 * - while firing, `endsAt` = evaluation time + 4 x max(resendDelay, evaluation interval): Alertmanager
 *   resolves the alert by itself if burnwatch stops re-sending it (crash, lost network), after allowing for
 *   two missed re-sends. The evaluation time is the notification's `createdAt` (its evaluation slot), as
 *   Prometheus uses the rule's evaluation timestamp;
 * - on resolve, `endsAt` = the resolve time;
 * - every post carries the full annotations and generatorURL: Alertmanager replaces an alert's annotations
 *   and generatorURL with those of the latest post, so a resolve without them would blank them.
 */

/** Prometheus: "allow for two Eval or Alertmanager send failures". */
export const VALIDITY_FACTOR = 4;

export interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
}

export interface AlertmanagerTiming {
  readonly resendDelayMs: number;
  readonly evaluationIntervalMs: number;
}

/** Alert name when the notification's labels lack one (Alertmanager requires a non-empty label set). */
export const FALLBACK_ALERTNAME = 'SLOBurnRate';

/**
 * The annotations burnwatch sends to Alertmanager and in webhook payloads: the notification's own
 * (summary, description, runbook_url and the SLO's annotations, which win on a name clash), plus the
 * budget figures as text.
 */
export function alertAnnotations(n: AlertNotification): Record<string, string> {
  const out: Record<string, string> = {
    summary: `${sloTitle(n)}: ${n.status === 'resolved' ? resolvedSummary(n) : firingSummary(n)}`,
  };
  if (n.slo.description !== undefined) out.description = n.slo.description;
  if (n.links.runbook !== undefined) out.runbook_url = n.links.runbook;
  else if (n.links.runbookPath !== undefined) out.runbook = n.links.runbookPath;
  out.objective = formatObjective(n.slo.objective);
  out.period = n.slo.period;
  out.budget_remaining = formatFractionPercent(n.budget.remaining);
  out.time_to_exhaustion = formatTimeToExhaustion(n.budget.timeToExhaustionMs);
  if (n.tiers.length > 0) {
    out.burn_rates = n.tiers.map((t) => `${t.name}: ${formatTier(t)}${t.active ? ' [active]' : ''}`).join('; ');
  }
  if (n.links.sliQuery !== undefined) out.sli_query_url = n.links.sliQuery;
  if (n.links.dashboard !== undefined) out.dashboard_url = n.links.dashboard;
  if (n.links.sloPage !== undefined) out.slo_page_url = n.links.sloPage;
  if (n.status === 'resolved') out.resolution = resolvedSummary(n);
  for (const [name, value] of Object.entries(n.annotations)) {
    if (value !== '') out[name] = value;
  }
  return out;
}

/** When Alertmanager should consider a firing alert resolved if no re-send arrives. */
export function validUntil(evaluatedAt: Date, timing: AlertmanagerTiming): Date {
  return new Date(evaluatedAt.getTime() + VALIDITY_FACTOR * Math.max(timing.resendDelayMs, timing.evaluationIntervalMs));
}

export function renderPostableAlert(n: AlertNotification, timing: AlertmanagerTiming): PostableAlert {
  const labels = withoutEmptyLabels(n.labels);
  if (labels.alertname === undefined) labels.alertname = FALLBACK_ALERTNAME;
  const endsAt = n.status === 'firing' ? validUntil(n.createdAt, timing) : (n.endsAt ?? n.createdAt);
  const generatorURL = n.links.sloPage ?? n.links.sliQuery ?? n.links.dashboard;
  return {
    labels,
    annotations: alertAnnotations(n),
    startsAt: n.startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    ...(generatorURL === undefined ? {} : { generatorURL }),
  };
}

/** The request body: an array (Alertmanager rejects a single object with 400). */
export function renderAlertmanagerBody(n: AlertNotification, timing: AlertmanagerTiming): PostableAlert[] {
  return [renderPostableAlert(n, timing)];
}
