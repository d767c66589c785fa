import type { z } from 'zod';
import type { ReportDigest } from '../report/digest.js';
import type { Severity } from '../slo/model.js';
import type { Logger } from '../logger.js';
import type { Deadline } from '../http/deadline.js';

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
  readonly kind: 'burn' | 'nodata' | 'exhaustion';
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

export type FailureReason = 'client-error' | 'server-error' | 'rate-limited' | 'auth-error' | 'timeout' | 'network' | 'other';

/** A notifier's classified result; the outbox owns every retry. */
export type SendOutcome =
  | { readonly ok: true; readonly externalRef?: string }
  | {
      readonly ok: false;
      readonly retryable: boolean;
      readonly reason: FailureReason;
      /** From a Retry-After header or equivalent. */
      readonly retryAfterMs?: number;
      readonly error: Error;
    };

export interface SendContext {
  readonly signal: AbortSignal;
  /**
   * The externalRef returned when this alert's firing notification was delivered to this receiver
   * (Slack: `{"channel":"C1","ts":"1.2"}`; PagerDuty: the dedup_key), so a resolve updates the same message.
   */
  readonly previousRef?: string;
}

export interface Notifier {
  readonly kind: string;
  readonly name: string;
  send(notification: AlertNotification, context: SendContext): Promise<SendOutcome>;
  /** A weekly or monthly report digest (settings `reports.digests`); destinations without it cannot take digests. */
  sendDigest?(digest: ReportDigest, context: SendContext): Promise<SendOutcome>;
}

/** The destinations that take report digests. */
export const DIGEST_KINDS: readonly string[] = ['slack', 'webhook', 'console'];

/** Resolves a secret reference from the receiver config (env var or file); throws a clear error when missing. */
export type SecretResolver = (ref: { readonly env?: string; readonly file?: string }, what: string) => string;

export interface NotifierDeps {
  readonly secrets: SecretResolver;
  readonly logger: Logger;
  /** Where the `console` destination writes its JSON lines; the composition root passes `process.stdout`. */
  readonly stdout?: { write(text: string): unknown };
  /** Makes the time limit of one request (`timeoutMs`); the clock's when left out, a hand-fired one in tests. */
  readonly deadline?: Deadline;
}

export interface NotifierFactory<C> {
  /** The key of this destination in a receiver config (`slack:`, `pagerduty:`, ...). */
  readonly kind: string;
  readonly config: z.ZodType<C>;
  create(name: string, config: C, deps: NotifierDeps): Notifier;
}
