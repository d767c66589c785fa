import type { Statement } from 'better-sqlite3';
import type { AlertNotification } from '../alerting/notification.js';
import type { ReportDigest } from '../report/digest.js';
import type { Db } from './db.js';

/**
 * The transactional outbox: every notification a state change causes is a row per receiver, written in the
 * same transaction as the state change; the dispatcher delivers rows and records the outcome. Rows of one
 * alert and receiver are delivered strictly in order (a resolve never overtakes its trigger).
 */

export type OutboxState = 'pending' | 'sending' | 'delivered' | 'dead';
/**
 * state: an alert state change; reminder: repeat_interval; resend: Alertmanager's periodic re-post; digest: a
 * weekly or monthly report digest (its payload is a ReportDigest, not an alert notification).
 */
export type OutboxKind = 'state' | 'reminder' | 'resend' | 'digest';
export type AlertOutboxKind = Exclude<OutboxKind, 'digest'>;

/** A row without its payload (what scheduling decisions need; the payload is not read or parsed). */
export interface OutboxRowHead {
  readonly id: number;
  readonly notificationId: string;
  readonly alertKey: string;
  readonly receiver: string;
  readonly groupKey: string;
  readonly kind: OutboxKind;
  readonly status: 'firing' | 'resolved';
  readonly createdMs: number;
  readonly nextAttemptMs: number;
  readonly attempts: number;
  readonly lastError?: string;
  readonly state: OutboxState;
  readonly deliveredMs?: number;
  readonly externalRef?: string;
}

export type OutboxRow = OutboxRowHead & (
  | { readonly kind: AlertOutboxKind; readonly notification: AlertNotification }
  | { readonly kind: 'digest'; readonly digest: ReportDigest }
);

export interface NewOutboxRow {
  readonly notification: AlertNotification;
  readonly receiver: string;
  readonly groupKey: string;
  readonly kind: AlertOutboxKind;
  readonly notBeforeMs: number;
}

const DATE_FIELDS = new Set(['startsAt', 'endsAt', 'createdAt']);

export function serializeNotification(n: AlertNotification): string {
  return JSON.stringify(n);
}

export function parseNotification(text: string): AlertNotification {
  return JSON.parse(text, (key, value: unknown) => (DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value)) as AlertNotification;
}

export interface RawHead {
  id: number;
  notification_id: string;
  alert_key: string;
  receiver: string;
  group_key: string;
  kind: string;
  status: string;
  created_ms: number;
  next_attempt_ms: number;
  attempts: number;
  last_error: string | null;
  state: string;
  delivered_ms: number | null;
  external_ref: string | null;
}

export interface RawRow extends RawHead {
  payload: string;
}

export function toRow(r: RawRow): OutboxRow {
  const head = toHead(r);
  if (head.kind === 'digest') return { ...head, kind: 'digest', digest: JSON.parse(r.payload) as ReportDigest };
  return { ...head, kind: head.kind, notification: parseNotification(r.payload) };
}

export function toHead(r: RawHead): OutboxRowHead {
  return {
    id: r.id,
    notificationId: r.notification_id,
    alertKey: r.alert_key,
    receiver: r.receiver,
    groupKey: r.group_key,
    kind: r.kind as OutboxKind,
    status: r.status === 'resolved' ? 'resolved' : 'firing',
    createdMs: r.created_ms,
    nextAttemptMs: r.next_attempt_ms,
    attempts: r.attempts,
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
    state: r.state as OutboxState,
    ...(r.delivered_ms === null ? {} : { deliveredMs: r.delivered_ms }),
    ...(r.external_ref === null ? {} : { externalRef: r.external_ref }),
  };
}

/** A row as an SLO's delivery history shows it (no payload). */
export type SloDelivery = Omit<OutboxRow, 'id' | 'notificationId' | 'groupKey' | 'notification' | 'nextAttemptMs' | 'attempts' | 'externalRef'>;

/** Which rows left `sending` a replica may put back (see OutboxQueue.recoverInFlight). */
export interface InFlightScope {
  readonly shards: readonly number[];
  readonly except: readonly number[];
}

export interface OutboxStats {
  readonly pending: number;
  readonly oldestPendingMs?: number;
  readonly dead: number;
}

/** The values of a new row, as both stores write them. */
export function outboxValues(r: NewOutboxRow) {
  return {
    notificationId: r.notification.id,
    alertKey: r.notification.alertKey,
    receiver: r.receiver,
    groupKey: r.groupKey,
    kind: r.kind,
    status: r.notification.status,
    payload: serializeNotification(r.notification),
    createdMs: r.notification.createdAt.getTime(),
    nextAttemptMs: r.notBeforeMs,
  };
}

export type RawDelivery = Pick<RawRow, 'alert_key' | 'receiver' | 'kind' | 'status' | 'state' | 'created_ms' | 'delivered_ms' | 'last_error'>;

export function toDelivery(r: RawDelivery): SloDelivery {
  return {
    alertKey: r.alert_key,
    receiver: r.receiver,
    kind: r.kind as OutboxKind,
    status: r.status === 'resolved' ? 'resolved' : 'firing',
    state: r.state as OutboxState,
    createdMs: r.created_ms,
    ...(r.delivered_ms === null ? {} : { deliveredMs: r.delivered_ms }),
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
  };
}

export class OutboxStore {
  private readonly stmt: Record<string, Statement>;

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare(`INSERT OR IGNORE INTO outbox (notification_id, alert_key, receiver, group_key, kind, status, payload, created_ms, next_attempt_ms)
        VALUES (@notificationId, @alertKey, @receiver, @groupKey, @kind, @status, @payload, @createdMs, @nextAttemptMs)`),
      // The head of each (alert, receiver) queue that is due: nothing older of the same alert and receiver waits.
      due: db.prepare(`SELECT * FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_ms <= ?
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.alert_key = o.alert_key AND p.receiver = o.receiver
          AND p.state IN ('pending', 'sending') AND p.id < o.id)
        ORDER BY o.next_attempt_ms, o.id LIMIT ?`),
      // When the next head of a queue is due (a row behind one being sent is not: it waits for that send).
      nextDue: db.prepare(`SELECT MIN(o.next_attempt_ms) AS t FROM outbox o WHERE o.state = 'pending'
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.alert_key = o.alert_key AND p.receiver = o.receiver
          AND p.state IN ('pending', 'sending') AND p.id < o.id)`),
      markSending: db.prepare(`UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state = 'pending'`),
      delivered: db.prepare(`UPDATE outbox SET state = 'delivered', delivered_ms = ?, external_ref = ?, last_error = NULL WHERE id = ?`),
      retry: db.prepare(`UPDATE outbox SET state = 'pending', next_attempt_ms = ?, last_error = ? WHERE id = ?`),
      dead: db.prepare(`UPDATE outbox SET state = 'dead', last_error = ? WHERE id = ?`),
      recover: db.prepare(`UPDATE outbox SET state = 'pending' WHERE state = 'sending'`),
      recoverExcept: db.prepare(`UPDATE outbox SET state = 'pending' WHERE state = 'sending' AND id NOT IN (SELECT value FROM json_each(?))`),
      lastFiringRef: db.prepare(`SELECT external_ref FROM outbox WHERE alert_key = ? AND receiver = ? AND status = 'firing'
        AND state = 'delivered' AND external_ref IS NOT NULL ORDER BY id DESC LIMIT 1`),
      receiversOf: db.prepare(`SELECT receiver FROM outbox WHERE notification_id = ? ORDER BY id`),
      waitingFor: db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE alert_key = ? AND state IN ('pending', 'sending')`),
      lastOf: db.prepare(`SELECT id, notification_id, alert_key, receiver, group_key, kind, status, created_ms, next_attempt_ms, attempts, last_error,
        state, delivered_ms, external_ref FROM outbox WHERE alert_key = ? AND receiver = ? ORDER BY id DESC LIMIT 1`),
      openInGroup: db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE receiver = ? AND group_key = ? AND alert_key != ? AND created_ms > ?`),
      stats: db.prepare(`SELECT SUM(state IN ('pending', 'sending')) AS pending, MIN(CASE WHEN state IN ('pending', 'sending') THEN created_ms END) AS oldest,
        SUM(state = 'dead') AS dead FROM outbox`),
      recent: db.prepare(`SELECT * FROM outbox ORDER BY id DESC LIMIT ?`),
      // Alert keys start with `<slo id>/`: the range ['<id>/', '<id>0') is exactly that prefix ('0' follows '/').
      ofSlo: db.prepare(`SELECT alert_key, receiver, kind, status, state, created_ms, delivered_ms, last_error FROM outbox
        WHERE alert_key >= ? AND alert_key < ? AND created_ms >= ? AND created_ms <= ? ORDER BY id DESC LIMIT ?`),
      prune: db.prepare(`DELETE FROM outbox WHERE state IN ('delivered', 'dead') AND created_ms < ?
        AND id NOT IN (SELECT MAX(id) FROM outbox GROUP BY alert_key, receiver, status)`),
    };
  }

  /** Inserts rows (ignoring a notification already queued for that receiver: a replayed cycle); returns those inserted. */
  insert(rows: readonly NewOutboxRow[]): NewOutboxRow[] {
    const inserted: NewOutboxRow[] = [];
    for (const r of rows) {
      const result = this.stmt['insert']?.run(outboxValues(r));
      if ((result?.changes ?? 0) > 0) inserted.push(r);
    }
    return inserted;
  }

  /**
   * Queues a report digest for a receiver, once: a digest already queued (by this run or one before a restart)
   * is left as it is. Whether it was added.
   */
  insertDigest(digest: ReportDigest, alertKey: string, receiver: string, createdMs: number): boolean {
    const result = this.stmt['insert']?.run({
      notificationId: digest.id,
      alertKey,
      receiver,
      groupKey: '',
      kind: 'digest',
      status: 'firing',
      payload: JSON.stringify(digest),
      createdMs,
      nextAttemptMs: createdMs,
    });
    return (result?.changes ?? 0) > 0;
  }

  /** The receivers a notification is queued for (any state): what a committed enqueue left in the outbox. */
  receiversOf(notificationId: string): string[] {
    return (this.stmt['receiversOf']?.all(notificationId) as { receiver: string }[]).map((r) => r.receiver);
  }

  /** Rows of an alert still waiting to be delivered (pending, or being sent). */
  waitingFor(alertKey: string): number {
    const r = this.stmt['waitingFor']?.get(alertKey) as { n: number } | undefined;
    return r?.n ?? 0;
  }

  due(nowMs: number, limit: number): OutboxRow[] {
    return (this.stmt['due']?.all(nowMs, limit) as RawRow[]).map(toRow);
  }

  /** When the next row `due` would return is due; undefined when no row waits (or every one waits for a send). */
  nextDueMs(): number | undefined {
    const r = this.stmt['nextDue']?.get() as { t: number | null } | undefined;
    return r?.t ?? undefined;
  }

  /** Claims a row for sending; false when another dispatcher pass claimed it first. */
  claim(id: number): boolean {
    return (this.stmt['markSending']?.run(id).changes ?? 0) === 1;
  }

  markDelivered(id: number, atMs: number, externalRef: string | undefined): void {
    this.stmt['delivered']?.run(atMs, externalRef ?? null, id);
  }

  markRetry(id: number, nextAttemptMs: number, error: string): void {
    this.stmt['retry']?.run(nextAttemptMs, error, id);
  }

  markDead(id: number, error: string): void {
    this.stmt['dead']?.run(error, id);
  }

  /**
   * After a crash, rows that were being sent are sent again (at-least-once); with a scope, all but the rows in
   * `scope.except` (the ones this process is sending). Its shards do not matter: one replica holds them all.
   */
  recoverInFlight(scope?: InFlightScope): number {
    if (scope === undefined) return this.stmt['recover']?.run().changes ?? 0;
    return this.stmt['recoverExcept']?.run(JSON.stringify(scope.except)).changes ?? 0;
  }

  /** What the receiver answered when this alert's firing notification was delivered (Slack ts, PagerDuty key). */
  lastFiringRef(alertKey: string, receiver: string): string | undefined {
    const r = this.stmt['lastFiringRef']?.get(alertKey, receiver) as { external_ref: string } | undefined;
    return r?.external_ref;
  }

  /** The latest row of an alert for a receiver, without its notification (read every cycle for every firing alert). */
  lastOf(alertKey: string, receiver: string): OutboxRowHead | undefined {
    const r = this.stmt['lastOf']?.get(alertKey, receiver) as RawHead | undefined;
    return r && toHead(r);
  }

  /** Whether other alerts of the group were notified to the receiver since `sinceMs` (the group exists). */
  groupActive(receiver: string, groupKey: string, alertKey: string, sinceMs: number): boolean {
    const r = this.stmt['openInGroup']?.get(receiver, groupKey, alertKey, sinceMs) as { n: number } | undefined;
    return (r?.n ?? 0) > 0;
  }

  stats(): OutboxStats {
    const r = this.stmt['stats']?.get() as { pending: number | null; oldest: number | null; dead: number | null } | undefined;
    return { pending: r?.pending ?? 0, ...(r?.oldest == null ? {} : { oldestPendingMs: r.oldest }), dead: r?.dead ?? 0 };
  }

  recent(limit: number): OutboxRow[] {
    return (this.stmt['recent']?.all(limit) as RawRow[]).map(toRow);
  }

  /** The rows of an SLO's alerts created in [fromMs, toMs], newest first (without their payloads). */
  ofSlo(sloId: string, fromMs: number, toMs: number, limit: number): SloDelivery[] {
    const rows = this.stmt['ofSlo']?.all(`${sloId}/`, `${sloId}0`, fromMs, toMs, limit) as RawDelivery[];
    return rows.map(toDelivery);
  }

  /** Drops finished rows older than `beforeMs`, keeping the last of each alert, receiver and status (refs). */
  prune(beforeMs: number): number {
    return this.stmt['prune']?.run(beforeMs).changes ?? 0;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
