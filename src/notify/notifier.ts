import type { z } from 'zod';
import type { AlertNotification } from '../alerting/notification.js';
import type { ReportDigest } from '../report/digest.js';
import type { Logger } from '../logger.js';
import type { Deadline } from '../http/deadline.js';

/** The notification and its tiers are the pure core's (alerting/notification.ts); destinations render them. */
export type { AlertNotification, TierStatus } from '../alerting/notification.js';

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
