import { leadingTier } from '../alerting/notification.js';
import { formatLabelSet } from '../routing/labels.js';
import type { AlertNotification, TierStatus } from './notifier.js';

/**
 * Wording and number formats shared by the destinations' render functions (Slack, PagerDuty, ...), so an
 * alert reads the same everywhere. Pure: no clock, no I/O; every time comes from the notification.
 */

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * Human duration in the largest unit and the next one, rounded down: `2d 4h`, `1h 5m`, `45s`; a zero
 * second unit is left out (`2d`, not `2d 0h`); below a second `<1s`.
 */
export function formatHumanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  if (ms < 1000) return '<1s';
  const first = UNITS.findIndex(([, size]) => ms >= size);
  const parts: string[] = [];
  let rest = Math.floor(ms);
  for (const [unit, size] of UNITS.slice(first, first + 2)) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.join(' ');
}

/** Up to `decimals` decimals, trailing zeros dropped: 14.4 -> "14.4", 6 -> "6", 13.44 -> "13.44". */
export function formatNumber(value: number, decimals = 2): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  const fixed = value.toFixed(decimals);
  const trimmed = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  return trimmed === '-0' ? '0' : trimmed;
}

/** A burn rate: `14.9x`; `NaN` (no traffic) and `+Inf` as Prometheus writes them, without the `x`. */
export function formatBurnRate(rate: number): string {
  return Number.isFinite(rate) ? `${formatNumber(rate)}x` : formatNumber(rate);
}

/** A fraction as percent with one decimal: 0.625 -> "62.5%", -0.1 -> "-10%". */
export function formatFractionPercent(fraction: number): string {
  return `${formatNumber(fraction * 100, 1)}%`;
}

/** An objective given in percent: 99.9 -> "99.9%", 99.95 -> "99.95%". */
export function formatObjective(percent: number): string {
  return `${formatNumber(percent, 4)}%`;
}

/** Time to exhaustion: `2d 4h`, or `not burning` when the budget is not being spent. */
export function formatTimeToExhaustion(ms: number | null): string {
  return ms === null ? 'not burning' : formatHumanDuration(ms);
}

/** `14.9x / 16.2x (> 14.4x) over 1h/5m`: long and short burn rates against the tier's threshold. */
export function formatTier(tier: TierStatus): string {
  return `${formatBurnRate(tier.longBurnRate)} / ${formatBurnRate(tier.shortBurnRate)} (> ${formatBurnRate(tier.threshold)}) over ${tier.longWindow}/${tier.shortWindow}`;
}

/** `2026-01-01 12:01 UTC` */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What the SLO is called in titles: its display name, else its id. */
export function sloTitle(n: AlertNotification): string {
  return n.slo.displayName ?? n.slo.id;
}

/**
 * Which SLO and instance an alert is about, in plain text: its title, then the SLO id when the title is a
 * display name, then the instance labels: `Checkout availability (checkout-availability, route=/cart)`,
 * `checkout-availability (route=/cart)`, `checkout-availability`.
 */
export function alertSubject(n: AlertNotification): string {
  const title = sloTitle(n);
  const details = [
    ...(title === n.slo.id ? [] : [n.slo.id]),
    ...Object.entries(n.instance).map(([name, value]) => `${name}=${value}`),
  ];
  return details.length === 0 ? title : `${title} (${details.join(', ')})`;
}

/**
 * The line a phone shows for a firing alert (Slack's notification text, PagerDuty's summary), in plain
 * text: severity, SLO and instance, what happened with its numbers.
 * `[PAGE] Checkout availability (checkout-availability): error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left`
 */
export function firingHeadline(n: AlertNotification): string {
  return `[${n.severity.toUpperCase()}] ${alertSubject(n)}: ${firingSummary(n)}`;
}

/**
 * A readable, stable name of an alert for people and for external systems' de-duplication (PagerDuty's
 * dedup_key): the SLO id, the instance labels as Prometheus writes a label set (only when the SLO is
 * grouped), and the severity (burn alerts) or the alert kind: `checkout-availability/page`,
 * `checkout-availability{route="/cart"}/page`, `checkout-availability/nodata`. One per alert, like
 * `alertKey`: ids are unique, the label set ends where the id's last `{` starts (ids are names, without
 * braces), and severities and kinds do not overlap.
 */
export function alertIdentity(n: AlertNotification): string {
  const instance = Object.keys(n.instance).length === 0 ? '' : formatLabelSet(n.instance);
  return `${n.slo.id}${instance}/${n.kind === 'burn' ? n.severity : n.kind}`;
}

/**
 * Annotations the message does not show elsewhere: the engine's `summary` repeats the headline, the
 * `description` has a section of its own and the runbook (`runbook_url`, `runbook`) is among the links.
 */
export function extraAnnotations(n: AlertNotification): Record<string, string> {
  return Object.fromEntries(Object.entries(n.annotations).filter(([key]) => !SHOWN_ELSEWHERE.has(key)));
}

const SHOWN_ELSEWHERE: ReadonlySet<string> = new Set(['summary', 'description', 'runbook_url', 'runbook']);

/** What kind of alert this is, in a few words. */
export function kindTitle(kind: AlertNotification['kind']): string {
  switch (kind) {
    case 'burn':
      return 'error budget burn';
    case 'nodata':
      return 'no data';
    case 'exhaustion':
      return 'error budget low';
    default: {
      const unreachable: never = kind;
      return String(unreachable);
    }
  }
}

/**
 * One line saying what happened, in plain text (callers escape it for their markup):
 * `error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left`.
 */
export function firingSummary(n: AlertNotification): string {
  const left = `${formatFractionPercent(n.budget.remaining)} of the budget left`;
  switch (n.kind) {
    case 'burn': {
      const tier = leadingTier(n.tiers);
      if (tier === undefined) return `${kindTitle(n.kind)}, ${left}`;
      return `${kindTitle(n.kind)} ${formatBurnRate(tier.longBurnRate)} over ${tier.longWindow} (threshold ${formatBurnRate(tier.threshold)}), ${left}`;
    }
    case 'nodata':
      return 'no data: the SLI queries return no samples, so the SLO cannot be evaluated';
    case 'exhaustion':
      return `${kindTitle(n.kind)}: ${left}, exhausted in ${formatTimeToExhaustion(n.budget.timeToExhaustionMs)}`;
    default: {
      const unreachable: never = n.kind;
      return String(unreachable);
    }
  }
}

/** How long a resolved alert fired: from `resolution`, else from `endsAt - startsAt`; undefined when unknown. */
export function firedForMs(n: AlertNotification): number | undefined {
  if (n.resolution !== undefined) return n.resolution.firedForMs;
  if (n.endsAt !== undefined) return Math.max(0, n.endsAt.getTime() - n.startsAt.getTime());
  return undefined;
}

/** `resolved after 1h 5m; it spent 2.1% of the error budget` (parts left out when unknown). */
export function resolvedSummary(n: AlertNotification): string {
  const firedFor = firedForMs(n);
  const parts = [firedFor === undefined ? 'resolved' : `resolved after ${formatHumanDuration(firedFor)}`];
  if (n.resolution !== undefined) parts.push(`it spent ${formatFractionPercent(n.resolution.budgetSpent)} of the error budget`);
  return parts.join('; ');
}

/**
 * Cuts `text` to at most `limit` UTF-16 units, ending with `…` when cut, never splitting a surrogate pair.
 */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let cut = text.slice(0, Math.max(0, limit - 1));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}
