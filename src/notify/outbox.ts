import type { FiringAlert, NotificationSink } from '../alerting/sink.js';
import type { Labels } from '../routing/labels.js';
import { groupKey } from '../routing/grouping.js';
import { matchRoutes } from '../routing/route.js';
import type { Route } from '../routing/route.js';
import type { NewOutboxRow, OutboxKind } from '../store/outbox.js';
import type { OutboxQueue, StoreTx } from '../store/store.js';
import { DEFAULT_RESEND_DELAY_MS, needsResend, RESOLVED_RETENTION_MS } from './alertmanager/resend.js';
import type { AlertNotification } from './notifier.js';
import type { Logger } from '../logger.js';

/** Where one alert goes: a receiver, its destination kind and the route's timing. */
export interface RoutingTarget {
  readonly receiver: string;
  readonly kind: string;
  readonly groupKey: string;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
}

export type Router = (labels: Labels) => RoutingTarget[];

/** Routes through the tree (first match wins unless `continue`); one target per receiver. */
export function routerFor(root: Route, kindOf: (receiver: string) => string | undefined): Router {
  return (labels) => {
    const seen = new Set<string>();
    const out: RoutingTarget[] = [];
    for (const route of matchRoutes(root, labels)) {
      if (seen.has(route.receiver)) continue;
      seen.add(route.receiver);
      out.push({
        receiver: route.receiver,
        kind: kindOf(route.receiver) ?? 'unknown',
        groupKey: groupKey(route, labels),
        groupWaitMs: route.groupWaitMs,
        groupIntervalMs: route.groupIntervalMs,
        repeatIntervalMs: route.repeatIntervalMs,
      });
    }
    return out;
  };
}

export interface OutboxOptions {
  /** Alertmanager receivers: re-post firing alerts this often (Prometheus `--rules.alert.resend-delay`). */
  readonly resendDelayMs?: number;
  /** Called after rows were added, once their transaction has committed (wakes the dispatcher). */
  readonly onEnqueue?: () => void;
  /** Where queued notifications are logged, once the transaction that queued them is over. */
  readonly logger?: Logger;
}

const QUEUED_MESSAGES: Readonly<Record<OutboxKind, string>> = {
  state: 'alert notification queued',
  reminder: 'alert reminder queued',
  resend: 'alert re-post to Alertmanager queued',
  digest: 'report digest queued',
};

/**
 * The engine's notification sink: routes each notification to its receivers and writes one outbox row per
 * receiver, inside the engine's transaction; the dispatcher is woken, and what was queued logged, after it
 * commits. Timing follows Alertmanager: the first firing notification of
 * a new group waits `group_wait` (not when the alert started longer ago than that); resolves go at once;
 * a firing alert is re-sent after `repeat_interval`. Alertmanager receivers get Prometheus's send semantics
 * instead (re-post every resend delay while firing, resolved alerts re-posted for 15 minutes) and no wait,
 * since Alertmanager groups on its own.
 */
export class Outbox implements NotificationSink<StoreTx> {
  private readonly recentlyResolved = new Map<string, AlertNotification>();

  constructor(private router: Router, private readonly options: OutboxOptions = {}) {}

  /** A new routing config (reload): later notifications use it. */
  setRouter(router: Router): void {
    this.router = router;
  }

  async enqueue(tx: StoreTx, notifications: readonly AlertNotification[], atMs: number): Promise<void> {
    const rows: NewOutboxRow[] = [];
    for (const n of notifications) {
      for (const target of this.router(n.labels)) {
        rows.push({ notification: n, receiver: target.receiver, groupKey: target.groupKey, kind: 'state', notBeforeMs: await this.notBefore(tx.outbox, n, target, atMs) });
        if (target.kind === 'alertmanager' && n.status === 'resolved') this.recentlyResolved.set(`${n.alertKey}\u0000${target.receiver}`, n);
      }
    }
    await this.insert(tx, rows);
  }

  private async insert(tx: StoreTx, rows: readonly NewOutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    const inserted = await tx.outbox.insert(rows);
    if (inserted.length === 0) return;
    // Not before the commit: the dispatcher reads the outbox on its own (on PostgreSQL, another connection),
    // and a pass started now would not see these rows; a rolled-back transaction is neither sent nor logged.
    tx.afterCommit(() => {
      this.options.onEnqueue?.();
      this.report(inserted);
    });
  }

  /** Logs what was queued (after the commit), one line per notification with its SLO, alert, state and receivers. */
  private report(rows: readonly NewOutboxRow[]): void {
    const logger = this.options.logger;
    if (logger === undefined) return;
    const byNotification = new Map<string, NewOutboxRow[]>();
    for (const row of rows) byNotification.set(row.notification.id, [...(byNotification.get(row.notification.id) ?? []), row]);
    for (const receivers of byNotification.values()) {
      const first = receivers[0];
      if (first === undefined) continue;
      const n = first.notification;
      const delayed = receivers.filter((r) => r.notBeforeMs > n.createdAt.getTime());
      const fields = {
        slo: n.slo.id,
        alert: n.alertKey,
        status: n.status,
        severity: n.severity,
        kind: n.kind,
        ...(Object.keys(n.instance).length === 0 ? {} : { instance: n.instance }),
        receivers: receivers.map((r) => r.receiver),
        at: n.createdAt.toISOString(),
        ...(delayed.length === 0 ? {} : { notBefore: Object.fromEntries(delayed.map((r) => [r.receiver, new Date(r.notBeforeMs).toISOString()])) }),
      };
      if (first.kind === 'resend') logger.debug(fields, QUEUED_MESSAGES[first.kind]);
      else logger.info(fields, QUEUED_MESSAGES[first.kind]);
    }
  }

  private async notBefore(outbox: OutboxQueue, n: AlertNotification, target: RoutingTarget, atMs: number): Promise<number> {
    if (n.status === 'resolved' || target.kind === 'alertmanager' || target.groupWaitMs <= 0) return atMs;
    if (await outbox.groupActive(target.receiver, target.groupKey, n.alertKey, atMs - target.groupIntervalMs)) return atMs;
    return Math.max(atMs, n.startsAt.getTime() + target.groupWaitMs);
  }

  /**
   * Called every cycle with each alert that fires and was notified: enqueues repeat_interval reminders and
   * Alertmanager re-posts that are due (in the engine's transaction), with the alert's notification as of now.
   */
  async heartbeat(tx: StoreTx, firing: readonly FiringAlert[], atMs: number): Promise<void> {
    const rows: NewOutboxRow[] = [];
    const now = new Date(atMs);
    const resendDelay = this.options.resendDelayMs ?? DEFAULT_RESEND_DELAY_MS;
    for (const alert of firing) {
      let n: AlertNotification | undefined;
      for (const target of this.router(alert.labels)) {
        const last = await tx.outbox.lastOf(alert.alertKey, target.receiver);
        if (!last || last.state === 'pending' || last.state === 'sending' || last.status !== 'firing') continue;
        if (target.kind === 'alertmanager') {
          const sent = last.state === 'delivered' ? { lastSentAt: new Date(last.deliveredMs ?? last.createdMs) } : {};
          if (!needsResend({ status: 'firing', ...sent }, now, resendDelay)) continue;
          n ??= alert.notification();
          rows.push({ notification: { ...n, id: `${alert.alertKey}@${atMs}/resend` }, receiver: target.receiver, groupKey: target.groupKey, kind: 'resend', notBeforeMs: atMs });
        } else if (atMs - last.createdMs >= target.repeatIntervalMs) {
          n ??= alert.notification();
          rows.push({ notification: { ...n, id: `${alert.alertKey}@${atMs}/reminder` }, receiver: target.receiver, groupKey: target.groupKey, kind: 'reminder', notBeforeMs: atMs });
        }
      }
    }
    for (const [key, n] of this.recentlyResolved) {
      const receiver = key.slice(key.indexOf('\u0000') + 1);
      const resolvedAt = n.endsAt ?? n.createdAt;
      if (atMs - resolvedAt.getTime() > RESOLVED_RETENTION_MS) {
        this.recentlyResolved.delete(key);
        continue;
      }
      const last = await tx.outbox.lastOf(n.alertKey, receiver);
      if (!last || last.state !== 'delivered' || last.status !== 'resolved') continue;
      if (!needsResend({ status: 'resolved', resolvedAt, lastSentAt: new Date(last.deliveredMs ?? last.createdMs) }, now, resendDelay)) continue;
      rows.push({ notification: { ...n, id: `${n.alertKey}@${atMs}/resend`, createdAt: now }, receiver, groupKey: last.groupKey, kind: 'resend', notBeforeMs: atMs });
    }
    await this.insert(tx, rows);
  }
}
