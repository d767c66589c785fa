import type { Statement } from 'better-sqlite3';
import type { AlertTransition, StoredAlert } from '../alerting/cycle.js';
import type { AlertInstance, AlertPhase } from '../alerting/state.js';
import type { Db } from './db.js';

/** The alert records are the core's (alerting/cycle.ts); this table keeps them across restarts. */
export type { AlertTransition, StoredAlert } from '../alerting/cycle.js';

/**
 * Alert states survive restarts: a firing alert stays firing without a second page. Writes happen inside the
 * caller's transaction together with the outbox rows they cause.
 */
export class AlertStore {
  private readonly stmt: { all: Statement; ofSlos: Statement; upsert: Statement; remove: Statement; history: Statement; historyOf: Statement; removeSlo: Statement };

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
