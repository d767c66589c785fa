import type { OutboxRow } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import type { ReportDigest } from '../report/digest.js';
import type { FailureReason, Notifier, SendOutcome } from './notifier.js';
import type { Logger } from '../logger.js';

/**
 * Delivers the outbox: the ONE retry owner (notifiers never retry). Each due row is sent once per pass;
 * a retryable failure is tried again with exponential backoff and full jitter (never sooner than the
 * receiver's Retry-After), until `maxAgeMs` after the notification was created; a permanent failure, or one
 * older than that, goes to the dead letters (kept in the outbox, logged and counted). Rows of one alert and
 * receiver go strictly in order; a receiver that is down never holds up the others, and a send that hangs
 * holds up only the rows behind it. A new row goes out as soon as the transaction that wrote it has committed;
 * at a busy receiver, firing pages go before its other rows.
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

/**
 * Which alerts this replica delivers, when replicas share one outbox (PostgreSQL): those of the SLOs in the
 * shards it holds (cluster/shards.ts's ShardOwnership fits; notify does not import cluster). Without it, all.
 */
export interface DeliveryShards {
  /** True while this replica holds the SLO's shard and can prove it. */
  owns(sloId: string): boolean;
  held(): readonly number[];
}

export interface DispatcherDeps {
  /** The store whose outbox is delivered (claims of a pass share a transaction). */
  readonly store: Store;
  readonly notifiers: () => ReadonlyMap<string, Notifier>;
  readonly now: () => number;
  readonly random: () => number;
  readonly logger: Logger;
  readonly observer?: DispatchObserver;
  /** Schedules the next pass (the composition root passes setTimeout; tests step by hand). */
  readonly schedule?: (fn: () => void, ms: number) => { cancel(): void };
  /** A pass failed on the outbox itself (a database write or read); the next pass tries again. Default: logged. */
  readonly onError?: (err: unknown) => void;
  readonly shards?: DeliveryShards;
}

/** A row a pass claimed, waiting for one of its receiver's lanes; `settle` ends the pass's wait for it. */
interface Claimed {
  readonly row: OutboxRow;
  readonly settle: (sent: boolean) => void;
}

/** The sends of one receiver, shared by all passes: claimed rows waiting for a lane, and the lanes at work. */
interface ReceiverLanes {
  readonly waiting: Claimed[];
  running: number;
}

/** A page that fires: what someone must act on now. */
const isFiringPage = (row: OutboxRow): boolean => row.status === 'firing' && row.kind === 'state' && row.notification.severity === 'page';

/**
 * Adds a claimed row to its receiver's waiting rows: a firing page goes before every row that is not one (a
 * ticket, a resolve, a reminder), after the pages already waiting; the others go last. Only the heads of the
 * alerts' queues are ever claimed, so no alert's rows change order.
 */
function queueRow(waiting: Claimed[], claimed: Claimed): void {
  if (!isFiringPage(claimed.row)) {
    waiting.push(claimed);
    return;
  }
  const firstOther = waiting.findIndex((w) => !isFiringPage(w.row));
  if (firstOther === -1) waiting.push(claimed);
  else waiting.splice(firstOther, 0, claimed);
}

export class Dispatcher {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly controller = new AbortController();
  private timer: { cancel(): void; atMs: number } | undefined;
  /** Passes whose rows are not all sent yet. */
  private readonly passes = new Set<Promise<void>>();
  private readonly lanes = new Map<string, ReceiverLanes>();
  private wakeQueued = false;
  private stopped = false;
  /**
   * Outcomes of sends whose recording failed (e.g. a full disk): the row stays `sending`, so nothing sends it
   * again and the rows behind it wait; each pass first writes these. Lost with the process: a restart sends
   * the row again (at-least-once).
   */
  private readonly unrecorded = new Map<number, () => Promise<void>>();
  /** Settles when the rows a previous run left `sending` are pending again (passes wait for it). */
  private readonly recovered: Promise<void>;
  /** With shards: since when (this dispatcher's clock) it has held each shard it holds. */
  private readonly heldSince = new Map<number, number>();
  /** Claimed rows not yet settled (waiting for a lane, being sent, or their outcome unrecorded). */
  private readonly claimedIds = new Set<number>();

  constructor(private readonly deps: DispatcherDeps, private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY, private readonly options: { batch?: number; perReceiver?: number } = {}) {
    // Alone (no shards), every row left `sending` is a previous run's; among replicas, see `recoverShards`.
    this.recovered = deps.shards !== undefined ? Promise.resolve() : deps.store.outbox.recoverInFlight().then((recovered) => {
      if (recovered > 0) deps.logger.warn({ recovered }, 'notifications that were being sent when burnwatch stopped are sent again');
    }, (err: unknown) => this.failed(err));
  }

  /**
   * Among replicas: rows left `sending` in a shard this replica has held for longer than a send may take are
   * sent again (but the ones it is sending itself). Whoever claimed them held the shard before, lost it before
   * this replica took it, started no send after that (each send checks ownership first) and its sends in flight
   * have timed out since. No clock of another replica is compared.
   */
  private async recoverShards(shards: DeliveryShards): Promise<void> {
    const now = this.deps.now();
    const held = new Set(shards.held());
    for (const s of this.heldSince.keys()) if (!held.has(s)) this.heldSince.delete(s);
    for (const s of held) if (!this.heldSince.has(s)) this.heldSince.set(s, now);
    const settled = [...this.heldSince].filter(([, since]) => now - since > this.policy.sendTimeoutMs).map(([s]) => s);
    if (settled.length === 0) return;
    const recovered = await this.deps.store.outbox.recoverInFlight({ shards: settled, except: [...this.claimedIds, ...this.unrecorded.keys()] });
    if (recovered > 0) this.deps.logger.warn({ recovered }, 'notifications left being sent by a replica that no longer holds their shard are sent again');
  }

  /** Runs passes until stopped: one whenever something is enqueued, and one when the next row is due (at least every 5 s). */
  start(): void {
    this.wake();
  }

  /**
   * Something was enqueued and committed (the outbox calls this after the commit of the transaction that
   * enqueued): run a pass now, without waiting for a timer. Several wakes in a row start one pass, in a
   * microtask.
   */
  wake(): void {
    if (this.stopped || !this.deps.schedule || this.wakeQueued) return;
    this.wakeQueued = true;
    queueMicrotask(() => {
      this.wakeQueued = false;
      this.runPass();
    });
  }

  /** Runs a pass in the background; the timer is set for the next due row as soon as the pass has claimed its rows. */
  private runPass(): void {
    if (this.stopped) return;
    void this.run(() => this.rearm());
  }

  /**
   * Sets the timer for the next due row (at least 50 ms, at most 5 s away), unless it is set for earlier
   * already. Called when a pass has claimed its rows and when a lane has sent all it had (what it sent may
   * let the next rows of those alerts go), so a send that hangs holds up no row but the ones behind it.
   */
  private async rearm(): Promise<void> {
    if (this.stopped || !this.deps.schedule) return;
    let next: number | undefined;
    try {
      next = await (this.deps.shards === undefined ? this.deps.store.outbox.nextDueMs() : this.deps.store.outbox.nextDueMs(this.deps.shards.held()));
    } catch (err) {
      this.failed(err);
    }
    if (this.stopped) return;
    const now = this.deps.now();
    const atMs = now + (next === undefined ? 5_000 : Math.min(5_000, Math.max(50, next - now)));
    if (this.timer !== undefined && this.timer.atMs <= atMs) return;
    this.timer?.cancel();
    const handle = this.deps.schedule(() => {
      this.timer = undefined;
      this.runPass();
    }, atMs - now);
    this.timer = { cancel: () => handle.cancel(), atMs };
  }

  private failed(err: unknown): void {
    if (this.deps.onError) this.deps.onError(err);
    else this.deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'outbox pass failed; will try again');
  }

  /**
   * One pass: claims the due rows (the head of each alert/receiver queue) at once, and sends them, receivers in
   * parallel, a few at a time per receiver, in order. Resolves with the number of rows it sent, once they are
   * all sent. Passes do not wait for each other: a row that becomes due while a send of an earlier pass hangs
   * is sent at once, on a free lane of its receiver (a receiver's lanes are shared by all passes, so it never
   * has more than `perReceiver` sends at a time). A failure of the outbox itself is reported (onError) and the
   * pass ends; it never rejects.
   */
  pass(): Promise<number> {
    return this.run();
  }

  /** A pass; `claimed` runs once its rows are claimed (or it failed to claim any). */
  private async run(claimedAll?: () => Promise<void>): Promise<number> {
    const mine: Promise<boolean>[] = [];
    try {
      await this.recovered;
      for (const [id, record] of this.unrecorded) {
        await record();
        this.unrecorded.delete(id);
        this.claimedIds.delete(id);
      }
      const { store, shards } = this.deps;
      if (shards !== undefined) await this.recoverShards(shards);
      const due = await store.outbox.due(this.deps.now(), this.options.batch ?? 200, ...(shards === undefined ? [] : [shards.held()]));
      let claimed: OutboxRow[];
      try {
        // In one transaction: one commit for the pass, not one per row before the first send can start.
        claimed = await store.transaction(async (tx) => {
          const won: OutboxRow[] = [];
          for (const row of due) if (await tx.outbox.claim(row.id)) won.push(row);
          return won;
        });
      } catch {
        // A claim failed and took the others with it: one by one, so the rows that can be claimed still go.
        claimed = [];
        for (const row of due) if (await this.claimOne(row)) claimed.push(row);
      }
      for (const row of claimed) {
        this.claimedIds.add(row.id);
        const lanes = this.lanes.get(row.receiver) ?? { waiting: [], running: 0 };
        this.lanes.set(row.receiver, lanes);
        mine.push(new Promise<boolean>((settle) => queueRow(lanes.waiting, { row, settle })));
      }
      const limit = this.options.perReceiver ?? 4;
      for (const [receiver, lanes] of this.lanes) {
        while (lanes.running < limit && lanes.waiting.length > 0) this.runLane(receiver, lanes);
      }
    } catch (err) {
      this.failed(err);
    }
    if (claimedAll) await claimedAll();
    const all = Promise.all(mine).then(() => undefined);
    this.passes.add(all);
    const sent = await Promise.all(mine);
    this.passes.delete(all);
    return sent.filter(Boolean).length;
  }

  /** Claims one row; false when another pass has it, or when the write failed (it stays pending for a later pass). */
  private async claimOne(row: OutboxRow): Promise<boolean> {
    try {
      return await this.deps.store.outbox.claim(row.id);
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  /** One lane of a receiver: sends waiting rows one after the other until none is left. */
  private runLane(receiver: string, lanes: ReceiverLanes): void {
    lanes.running++;
    void (async () => {
      for (let next = lanes.waiting.shift(); next !== undefined; next = lanes.waiting.shift()) {
        next.settle(await this.sendOne(next.row));
      }
      lanes.running--;
      // The rows it sent may have been holding up the next ones of their alerts.
      await this.rearm();
      if (lanes.running === 0 && lanes.waiting.length === 0 && this.lanes.get(receiver) === lanes) this.lanes.delete(receiver);
    })();
  }

  /**
   * Delivers one claimed row; false when it was not sent (the dispatcher was stopped and its sends aborted, or
   * this replica no longer holds the row's shard).
   */
  private async sendOne(row: OutboxRow): Promise<boolean> {
    // Left claimed (`sending`): sent again after a restart, like a send that was aborted.
    if (this.stopped && this.controller.signal.aborted) return false;
    const p = this.deliver(row);
    this.inFlight.set(row.id, p.then(() => undefined));
    let sent = true;
    try {
      sent = await p;
    } catch (err) {
      this.failed(err);
    } finally {
      this.inFlight.delete(row.id);
      if (!this.unrecorded.has(row.id)) this.claimedIds.delete(row.id);
    }
    return sent;
  }

  /** Whether this replica may send the row now (it holds the shard of the row's SLO). */
  private mayDeliver(row: OutboxRow): boolean {
    const shards = this.deps.shards;
    if (shards === undefined) return true;
    const slash = row.alertKey.indexOf('/');
    return shards.owns(slash === -1 ? row.alertKey : row.alertKey.slice(0, slash));
  }

  /** Writes an outcome; when the write fails, reports it and keeps it for the next pass (see `unrecorded`). */
  private async record(row: OutboxRow, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.unrecorded.set(row.id, write);
      this.failed(err);
    }
  }

  /** Sends a claimed row and records the outcome; false when it was put back unsent (its shard is held elsewhere now). */
  private async deliver(row: OutboxRow): Promise<boolean> {
    const notifier = this.deps.notifiers().get(row.receiver);
    const started = this.deps.now();
    if (!this.mayDeliver(row)) return this.putBack(row);
    if (!notifier) {
      // The receiver was removed by a reload: nothing can deliver this row.
      await this.record(row, () => this.deps.store.outbox.markDead(row.id, `receiver "${row.receiver}" is not configured any more`));
      this.deps.observer?.dead?.(row.receiver, 'unknown', row, 'receiver removed');
      this.deps.logger.error({ receiver: row.receiver, alert: row.alertKey, id: row.id }, 'notification dropped: its receiver is not configured any more');
      return true;
    }
    // From the shared outbox: the firing message a previous holder of the shard sent is the one edited.
    const previousRef = row.kind !== 'digest' && (row.status === 'resolved' || row.kind !== 'state') ? await this.deps.store.outbox.lastFiringRef(row.alertKey, row.receiver) : undefined;
    // Checked again right before the send: the session that proves the shard may have ended meanwhile.
    if (!this.mayDeliver(row)) return this.putBack(row);
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
      await this.record(row, () => this.deps.store.outbox.markDelivered(row.id, now, ref));
      this.deps.observer?.delivered?.(row.receiver, notifier.kind, row, now - started);
      this.deps.logger.info({ receiver: row.receiver, alert: row.alertKey, status: row.status, kind: row.kind, attempts: row.attempts + 1 }, 'notification delivered');
      return true;
    }
    const message = outcome.error.message;
    this.deps.observer?.failed?.(row.receiver, notifier.kind, outcome.reason, outcome.retryable);
    const tooOld = now - row.createdMs >= this.policy.maxAgeMs;
    if (!outcome.retryable || tooOld) {
      const why = outcome.retryable ? `still failing after ${Math.round((now - row.createdMs) / 60_000)} min (${message})` : message;
      await this.record(row, () => this.deps.store.outbox.markDead(row.id, why));
      this.deps.observer?.dead?.(row.receiver, notifier.kind, row, why);
      this.deps.logger.error({ receiver: row.receiver, alert: row.alertKey, status: row.status, reason: outcome.reason, error: why }, 'notification given up (dead letter)');
      return true;
    }
    const delay = backoffMs(this.policy, row.attempts + 1, this.deps.random(), outcome.retryAfterMs);
    await this.record(row, () => this.deps.store.outbox.markRetry(row.id, now + delay, message));
    this.deps.logger.warn({ receiver: row.receiver, alert: row.alertKey, reason: outcome.reason, retryInMs: delay, attempt: row.attempts + 1, error: message }, 'notification failed; will retry');
    return true;
  }

  /** A claimed row this replica may not send any more goes back to pending, due at once, for the shard's holder. */
  private async putBack(row: OutboxRow): Promise<false> {
    const now = this.deps.now();
    await this.record(row, () => this.deps.store.outbox.markRetry(row.id, Math.min(now, row.nextAttemptMs), 'not sent here: this replica no longer holds the shard of its SLO'));
    this.deps.logger.info({ receiver: row.receiver, alert: row.alertKey, id: row.id }, 'notification left to the replica that holds its shard');
    return false;
  }

  /**
   * Stops: no new passes; sends in flight get up to `graceMs` to finish, then are aborted (they stay in the
   * outbox and are sent again after a restart).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    const all = Promise.allSettled([...this.inFlight.values(), ...this.passes]);
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
