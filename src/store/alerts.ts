import type { Statement } from 'better-sqlite3';
import type { AlertTransition, StoredAlert } from '../alerting/cycle.js';
import type { AlertInstance, AlertPhase } from '../alerting/state.js';
import type { Db } from './db.js';

/** The alert records are the core's (alerting/cycle.ts); this table keeps them across restarts. */
export type { AlertTransition, StoredAlert } from '../alerting/cycle.js';

/** An alert change as a report reads it (`AlertStates.historyAround`). */
export interface HistoryRow {
  readonly alertKey: string;
  readonly atMs: number;
  readonly from: AlertPhase;
  readonly to: AlertPhase;
}

export interface RawHistory {
  alert_key: string;
  at_ms: number;
  from_phase: string;
  to_phase: string;
}

export const toHistoryRow = (r: RawHistory): HistoryRow => ({ alertKey: r.alert_key, atMs: Number(r.at_ms), from: r.from_phase as AlertPhase, to: r.to_phase as AlertPhase });

/** The changes of an SLO within (from, to], oldest first (both stores; parameters $1 slo, $2 from, $3 to). */
export const HISTORY_WITHIN = 'SELECT alert_key, at_ms, from_phase, to_phase FROM alert_history WHERE slo_id = $1 AND at_ms > $2 AND at_ms <= $3 ORDER BY at_ms, id';

/** Per alert, its last change at or before $2 other than to `nodata` (both stores). */
export const HISTORY_LAST_BEFORE = `SELECT alert_key, at_ms, from_phase, to_phase FROM (
    SELECT alert_key, at_ms, from_phase, to_phase, ROW_NUMBER() OVER (PARTITION BY alert_key ORDER BY at_ms DESC, id DESC) AS n
    FROM alert_history WHERE slo_id = $1 AND at_ms <= $2 AND to_phase != 'nodata') last_change
  WHERE n = 1 ORDER BY at_ms`;

/**
 * Alert states survive restarts: a firing alert stays firing without a second page. Writes happen inside the
 * caller's transaction together with the outbox rows they cause.
 */
export class AlertStore {
  private readonly stmt: { all: Statement; ofSlos: Statement; upsert: Statement; remove: Statement; history: Statement; historyOf: Statement; removeSlo: Statement; within: Statement; lastBefore: Statement };

  constructor(db: Db) {
    this.stmt = {
      all: db.prepare('SELECT alert_key, slo_id, instance_labels, kind, severity, state, notified, budget_at_fire, updated_ms FROM alerts'),
      ofSlos: db.prepare('SELECT alert_key, slo_id, instance_labels, kind, severity, state, notified, budget_at_fire, updated_ms FROM alerts WHERE slo_id IN (SELECT value FROM json_each(?))'),
      upsert: db.prepare(`INSERT INTO alerts (alert_key, slo_id, instance_labels, kind, severity, state, notified, budget_at_fire, updated_ms)
        VALUES (@alertKey, @sloId, @instanceLabels, @kind, @severity, @state, @notified, @budgetAtFire, @updatedMs)
        ON CONFLICT (alert_key) DO UPDATE SET state = excluded.state, notified = excluded.notified,
          budget_at_fire = excluded.budget_at_fire, updated_ms = excluded.updated_ms`),
      remove: db.prepare('DELETE FROM alerts WHERE alert_key = ?'),
      removeSlo: db.prepare('DELETE FROM alerts WHERE slo_id = ?'),
      history: db.prepare('INSERT INTO alert_history (alert_key, slo_id, at_ms, from_phase, to_phase) VALUES (?, ?, ?, ?, ?)'),
      historyOf: db.prepare('SELECT alert_key, slo_id, at_ms, from_phase, to_phase FROM alert_history WHERE slo_id = ? ORDER BY at_ms DESC, id DESC LIMIT ?'),
      within: db.prepare(HISTORY_WITHIN.replace(/\$\d/g, '?')),
      lastBefore: db.prepare(HISTORY_LAST_BEFORE.replace(/\$\d/g, '?')),
    };
  }

  loadAll(): StoredAlert[] {
    return (this.stmt.all.all() as Record<string, unknown>[]).map(toStoredAlert);
  }

  ofSlos(sloIds: readonly string[]): StoredAlert[] {
    if (sloIds.length === 0) return [];
    const ids = JSON.stringify(sloIds);
    return (this.stmt.ofSlos.all(ids) as Record<string, unknown>[]).map(toStoredAlert);
  }

  save(alert: StoredAlert): void {
    this.stmt.upsert.run(alertRow(alert));
  }

  record(t: AlertTransition): void {
    this.stmt.history.run(t.alertKey, t.sloId, t.atMs, t.from, t.to);
  }

  history(sloId: string, limit = 100): AlertTransition[] {
    return (this.stmt.historyOf.all(sloId, limit) as Record<string, unknown>[]).map(toTransition);
  }

  historyAround(sloId: string, fromMs: number, toMs: number): HistoryRow[] {
    const before = (this.stmt.lastBefore.all(sloId, fromMs) as RawHistory[]).map(toHistoryRow);
    const within = (this.stmt.within.all(sloId, fromMs, toMs) as RawHistory[]).map(toHistoryRow);
    return [...before, ...within];
  }

  remove(alertKey: string): void {
    this.stmt.remove.run(alertKey);
  }

  removeSlo(sloId: string): void {
    this.stmt.removeSlo.run(sloId);
  }
}

/** A row of the alerts table (both stores). */
export function toStoredAlert(r: Record<string, unknown>): StoredAlert {
  return {
    alertKey: String(r['alert_key']),
    sloId: String(r['slo_id']),
    instanceLabels: JSON.parse(String(r['instance_labels'])) as Record<string, string>,
    kind: String(r['kind']),
    severity: String(r['severity']),
    state: JSON.parse(String(r['state'])) as AlertInstance,
    notified: Number(r['notified']) === 1,
    ...(r['budget_at_fire'] === null ? {} : { budgetAtFire: Number(r['budget_at_fire']) }),
    updatedMs: Number(r['updated_ms']),
  };
}

/** A row of the alert_history table (both stores). */
export function toTransition(r: Record<string, unknown>): AlertTransition {
  return {
    alertKey: String(r['alert_key']),
    sloId: String(r['slo_id']),
    atMs: Number(r['at_ms']),
    from: String(r['from_phase']) as AlertPhase,
    to: String(r['to_phase']) as AlertPhase,
  };
}

/** The values of an alert's row, as both stores write them. */
export function alertRow(alert: StoredAlert) {
  return {
    alertKey: alert.alertKey,
    sloId: alert.sloId,
    instanceLabels: JSON.stringify(alert.instanceLabels),
    kind: alert.kind,
    severity: alert.severity,
    state: JSON.stringify(alert.state),
    notified: alert.notified ? 1 : 0,
    budgetAtFire: alert.budgetAtFire ?? null,
    updatedMs: alert.updatedMs,
  };
}
