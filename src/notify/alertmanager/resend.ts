/**
 * When to post an alert to Alertmanager again, as Prometheus does (rules/alerting.go `needsSending` and the
 * `resolvedRetention` of `AlertingRule.Eval`, v2.42.0). Pure: `now` is an argument.
 *
 * Alertmanager forgets a firing alert whose `endsAt` passes (it counts as resolved then), so burnwatch
 * re-posts every firing alert every `resendDelay` (default 1m; each post pushes `endsAt` forward), and
 * keeps re-posting a resolved alert for 15 minutes so an Alertmanager that missed the resolve (restart,
 * network, a second Alertmanager) still learns it.
 *
 * The engine/outbox calls `needsResend` for each alert an Alertmanager receiver handles, at every
 * evaluation slot, with the time of the last successful post to that receiver, and enqueues a new
 * notification (createdAt = the slot) when it answers true. Everything else about retrying is the outbox's.
 */

/** Prometheus' `resolvedRetention`: resolved alerts are re-sent for this long after resolving. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** Prometheus' default `--rules.alert.resend-delay`. */
export const DEFAULT_RESEND_DELAY_MS = 60_000;

export type AlertSendState =
  | {
      readonly status: 'firing';
      /** Last successful post of this alert to this Alertmanager; undefined when never posted. */
      readonly lastSentAt?: Date;
    }
  | {
      readonly status: 'resolved';
      readonly resolvedAt: Date;
      readonly lastSentAt?: Date;
    };

/**
 * Whether the alert is to be posted at `now`:
 * - a resolved alert more than 15 min after it resolved: never again (Prometheus drops it);
 * - an alert resolved after its last post (or never posted): yes, at once;
 * - otherwise when more than `resendDelayMs` has passed since the last post.
 */
export function needsResend(state: AlertSendState, now: Date, resendDelayMs: number = DEFAULT_RESEND_DELAY_MS): boolean {
  const t = now.getTime();
  if (state.status === 'resolved') {
    if (t - state.resolvedAt.getTime() > RESOLVED_RETENTION_MS) return false;
    if (state.lastSentAt === undefined || state.resolvedAt.getTime() > state.lastSentAt.getTime()) return true;
  }
  if (state.lastSentAt === undefined) return true;
  return state.lastSentAt.getTime() + resendDelayMs < t;
}
