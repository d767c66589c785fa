import type { OutboxRow, OutboxStore } from '../store/outbox.js';
import type { ReportDigest } from '../report/digest.js';
import type { FailureReason, Notifier, SendOutcome } from './notifier.js';
import type { Logger } from '../logger.js';

/**
 * Delivers the outbox: the ONE retry owner (notifiers never retry). Each due row is sent once per pass;
 * a retryable failure is tried again with exponential backoff and full jitter (never sooner than the
 * receiver's Retry-After), until `maxAgeMs` after the notification was created; a permanent failure, or one
 * older than that, goes to the dead letters (kept in the outbox, logged and counted). Rows of one alert and
 * receiver go strictly in order; a receiver that is down never holds up the others.
 */

export interface RetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A notification still undelivered this long after it was created is given up (dead letter). */
  readonly maxAgeMs: number;
  /** Time limit of one send. */
  readonly sendTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
  maxAgeMs: 24 * 3_600_000,
  sendTimeoutMs: 30_000,
};

/** Backoff before attempt `attempt + 1` (attempt counts from 1): full jitter over an exponential ceiling. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + (random * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

export interface DispatchObserver {
  delivered?(receiver: string, kind: string, row: OutboxRow, latencyMs: number): void;
  failed?(receiver: string, kind: string, reason: FailureReason, retryable: boolean): void;
  dead?(receiver: string, kind: string, row: OutboxRow, error: string): void;
}

export interface DispatcherDeps {
  readonly store: OutboxStore;
  readonly notifiers: () => ReadonlyMap<string, Notifier>;
  readonly now: () => number;
  readonly random: () => number;
  readonly logger: Logger;
  readonly observer?: DispatchObserver;
  /** Schedules the next pass (the composition root passes setTimeout; tests step by hand). */
  readonly schedule?: (fn: () => void, ms: number) => { cancel(): void };
  /** A pass failed on the outbox itself (a database write or read); the next pass tries again. Default: logged. */
  readonly onError?: (err: unknown) => void;
}

export class Dispatcher {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly controller = new AbortController();
  private timer: { cancel(): void } | undefined;
  private passRunning: Promise<void> | undefined;
  private stopped = false;
  /**
   * Outcomes of sends whose recording failed (e.g. a full disk): the row stays `sending`, so nothing sends it
   * again and the rows behind it wait; each pass first writes these. Lost with the process: a restart sends
   * the row again (at-least-once).
   */
  private readonly unrecorded = new Map<number, () => void>();

  constructor(private readonly deps: DispatcherDeps, private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY, private readonly options: { batch?: number; perReceiver?: number } = {}) {
    const recovered = deps.store.recoverInFlight();
    if (recovered > 0) deps.logger.warn({ recovered }, 'notifications that were being sent when burnwatch stopped are sent again');
  }

  /** Runs passes until stopped: after each pass, sleeps until the next due row (at most 5 s). */
  start(): void {
    this.wake();
  }

  /** Something was enqueued: run a pass soon. */
  wake(): void {
    if (this.stopped || !this.deps.schedule) return;
    this.timer?.cancel();
    this.timer = this.deps.schedule(() => {
      void this.pass().finally(() => this.rearm());
    }, 0);
  }

  private rearm(): void {
    if (this.stopped || !this.deps.schedule) return;
    let next: number | undefined;
    try {
      next = this.deps.store.nextDueMs();
    } catch (err) {
      this.failed(err);
    }
    const wait = next === undefined ? 5_000 : Math.min(5_000, Math.max(50, next - this.deps.now()));
    this.timer?.cancel();
    this.timer = this.deps.schedule(() => {
      void this.pass().finally(() => this.rearm());
    }, wait);
  }

  private failed(err: unknown): void {
    if (this.deps.onError) this.deps.onError(err);
    else this.deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'outbox pass failed; will try again');
  }

  /**
   * One pass: claims due rows (head of each alert/receiver queue) and sends them, receivers in parallel. A
   * failure of the outbox itself is reported (onError) and the pass ends; it never rejects.
   */
  async pass(): Promise<number> {
    if (this.passRunning) {
      await this.passRunning;
      return 0;
    }
    let sent = 0;
    const run = (async () => {
      for (const [id, record] of this.unrecorded) {
        record();
        this.unrecorded.delete(id);
      }
      const due = this.deps.store.due(this.deps.now(), this.options.batch ?? 200);
      const byReceiver = new Map<string, OutboxRow[]>();
      for (const row of due) {
        if (this.inFlight.has(row.id)) continue;
        const list = byReceiver.get(row.receiver) ?? [];
        list.push(row);
        byReceiver.set(row.receiver, list);
      }
      const limit = this.options.perReceiver ?? 4;
      const send = async (row: OutboxRow): Promise<void> => {
        if (this.stopped && this.controller.signal.aborted) return;
        let claimed: boolean;
        try {
          claimed = this.deps.store.claim(row.id);
        } catch (err) {
          // Not claimed, not sent: it stays pending for a later pass.
          this.failed(err);
          return;
        }
        if (!claimed) return;
        sent++;
        const p = this.deliver(row);
        this.inFlight.set(row.id, p);
        try {
          await p;
        } catch (err) {
          this.failed(err);
        } finally {
          this.inFlight.delete(row.id);
        }
      };
      await Promise.all([...byReceiver].map(async ([, rows]) => {
        // A few sends at a time per receiver, in order: each of `limit` lanes takes the next row as soon as
        // its send is done (no lane waits for the slowest of a batch). Receivers proceed independently.
        let next = 0;
        const lane = async (): Promise<void> => {
          for (let row = rows[next++]; row !== undefined; row = rows[next++]) await send(row);
        };
        await Promise.all(Array.from({ length: Math.min(limit, rows.length) }, lane));
      }));
    })();
    this.passRunning = run.catch((err: unknown) => this.failed(err));
    try {
      await this.passRunning;
    } finally {
      this.passRunning = undefined;
    }
    return sent;
  }

  /** Writes an outcome; when the write fails, reports it and keeps it for the next pass (see `unrecorded`). */
  private record(row: OutboxRow, write: () => void): void {
    try {
      write();
    } catch (err) {
      this.unrecorded.set(row.id, write);
      this.failed(err);
    }
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const notifier = this.deps.notifiers().get(row.receiver);
    const started = this.deps.now();
    if (!notifier) {
      // The receiver was removed by a reload: nothing can deliver this row.
      this.record(row, () => this.deps.store.markDead(row.id, `receiver "${row.receiver}" is not configured any more`));
      this.deps.observer?.dead?.(row.receiver, 'unknown', row, 'receiver removed');
      this.deps.logger.error({ receiver: row.receiver, alert: row.alertKey, id: row.id }, 'notification dropped: its receiver is not configured any more');
      return;
    }
    const previousRef = row.kind !== 'digest' && (row.status === 'resolved' || row.kind !== 'state') ? this.deps.store.lastFiringRef(row.alertKey, row.receiver) : undefined;
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.policy.sendTimeoutMs)]);
    let outcome: SendOutcome;
    try {
      if (row.kind === 'digest') outcome = await sendDigest(notifier, row.digest, signal);
      else outcome = await notifier.send(row.notification, { signal, ...(previousRef === undefined ? {} : { previousRef }) });
    } catch (err) {
      // A notifier must classify its failures; an exception is a bug or an abort: retry it.
      outcome = { ok: false, retryable: true, reason: 'other', error: err instanceof Error ? err : new Error(String(err)) };
    }
    const now = this.deps.now();
    if (outcome.ok) {
      const ref = outcome.externalRef;
      this.record(row, () => this.deps.store.markDelivered(row.id, now, ref));
      this.deps.observer?.delivered?.(row.receiver, notifier.kind, row, now - started);
      this.deps.logger.info({ receiver: row.receiver, alert: row.alertKey, status: row.status, kind: row.kind, attempts: row.attempts + 1 }, 'notification delivered');
      return;
    }
    const message = outcome.error.message;
    this.deps.observer?.failed?.(row.receiver, notifier.kind, outcome.reason, outcome.retryable);
    const tooOld = now - row.createdMs >= this.policy.maxAgeMs;
    if (!outcome.retryable || tooOld) {
      const why = outcome.retryable ? `still failing after ${Math.round((now - row.createdMs) / 60_000)} min (${message})` : message;
      this.record(row, () => this.deps.store.markDead(row.id, why));
      this.deps.observer?.dead?.(row.receiver, notifier.kind, row, why);
      this.deps.logger.error({ receiver: row.receiver, alert: row.alertKey, status: row.status, reason: outcome.reason, error: why }, 'notification given up (dead letter)');
      return;
    }
    const delay = backoffMs(this.policy, row.attempts + 1, this.deps.random(), outcome.retryAfterMs);
    this.record(row, () => this.deps.store.markRetry(row.id, now + delay, message));
    this.deps.logger.warn({ receiver: row.receiver, alert: row.alertKey, reason: outcome.reason, retryInMs: delay, attempt: row.attempts + 1, error: message }, 'notification failed; will retry');
  }

  /**
   * Stops: no new passes; sends in flight get up to `graceMs` to finish, then are aborted (they stay in the
   * outbox and are sent again after a restart).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    const all = Promise.allSettled([...this.inFlight.values(), ...(this.passRunning ? [this.passRunning] : [])]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const result = await Promise.race([all.then(() => 'done' as const), timeout]);
    if (timer) clearTimeout(timer);
    if (result === 'timeout') {
      this.controller.abort();
      await all;
    }
  }
}

/** A digest to a destination that takes none (a receiver changed kind since it was queued) is a permanent failure. */
function sendDigest(notifier: Notifier, digest: ReportDigest, signal: AbortSignal): Promise<SendOutcome> {
  if (notifier.sendDigest === undefined) {
    return Promise.resolve({ ok: false, retryable: false, reason: 'client-error', error: new Error(`receiver "${notifier.name}" (${notifier.kind}) takes no report digests: use a slack, webhook or console receiver in reports.digests`) });
  }
  return notifier.sendDigest(digest, { signal });
}
