import type { SloStatus } from '../engine/engine.js';
import type { AlertKind } from '../alerting/identity.js';
import { alertLabels } from '../alerting/identity.js';
import { formatMatcher } from '../routing/matchers.js';
import type { Silence } from '../routing/silence.js';
import { silenceState } from '../routing/silence.js';
import { formatDuration } from '../slo/duration.js';
import { occurrenceAt } from '../slo/maintenance.js';
import type { BudgetCorrection, Period, Slo, SourceRef } from '../slo/model.js';
import { nominalPeriodMs } from '../slo/windows.js';
import type { AlertTransition, StoredAlert } from '../store/alerts.js';
import { finite, statusJson } from './status-json.js';

/** JSON shapes of the daemon's API (`/api/v1/...`). Times are RFC 3339 strings, durations Prometheus durations. */

const iso = (ms: number): string => new Date(ms).toISOString();

export function periodJson(period: Period): object {
  const seconds = nominalPeriodMs(period) / 1000;
  return period.kind === 'rolling'
    ? { kind: 'rolling', duration: formatDuration(period.durationMs), seconds }
    : { kind: 'calendar', unit: period.unit, timezone: period.timezone, seconds };
}

/** One entry of `GET /api/v1/slos`. */
export function sloSummaryJson(s: SloStatus): object {
  const { slo } = s;
  return {
    id: slo.id,
    service: slo.service,
    ...(slo.displayName === undefined ? {} : { displayName: slo.displayName }),
    objective: slo.objective,
    period: periodJson(slo.period),
    state: s.state,
    ...(s.error === undefined ? {} : { error: s.error }),
    evaluatedAt: s.evaluatedAtMs === undefined ? null : iso(s.evaluatedAtMs),
    instances: s.instances.map((i) => ({
      labels: i.labels,
      budgetRemaining: finite(i.observation.budget.remaining),
      noData: i.observation.unknown,
      alerts: { ...i.alerts, ...(i.nodata === undefined ? {} : { nodata: i.nodata }), ...(i.exhaustion === undefined ? {} : { exhaustion: i.exhaustion }) },
      ...(i.pageHeldBy === undefined ? {} : { pageHeldBy: i.pageHeldBy }),
    })),
    ...compositeJson(slo),
  };
}

/** A composite SLO's definition (`composite: { method, children, inhibitChildren }`); nothing for other SLOs. */
function compositeJson(slo: Slo): object {
  const i = slo.indicator;
  if (i.kind !== 'composite') return {};
  return { composite: { method: i.method, children: i.children.map((c) => ({ slo: c.sloId, weight: c.weight })), inhibitChildren: slo.alerting.inhibitChildren === true } };
}

/** `GET /api/v1/slos/:id`: the status as `burnwatch evaluate --format json` prints it, plus the SLO's definition and alert history. */
export function sloDetailJson(s: SloStatus, history: readonly AlertTransition[], atMs: number): object {
  const { slo } = s;
  return {
    id: slo.id,
    ...statusJson(s, atMs),
    evaluatedAt: s.evaluatedAtMs === undefined ? null : iso(s.evaluatedAtMs),
    ...(slo.displayName === undefined ? {} : { displayName: slo.displayName }),
    ...(slo.description === undefined ? {} : { description: slo.description }),
    labels: slo.labels,
    period: periodJson(slo.period),
    budgeting: slo.budgeting.kind,
    groupBy: slo.groupBy,
    ...compositeJson(slo),
    tiers: slo.alerting.tiers.map((t) => ({
      name: t.name,
      severity: t.severity,
      longWindow: formatDuration(t.longMs),
      shortWindow: formatDuration(t.shortMs),
      threshold: t.factor,
      ...(t.budgetPercent === undefined ? {} : { budgetPercent: t.budgetPercent }),
      for: formatDuration(t.forMs),
    })),
    source: sourceJson(slo.source),
    corrections: (slo.corrections ?? []).map((c) => correctionJson(c, atMs)),
    history: history.map((h) => ({ alert: h.alertKey, at: iso(h.atMs), from: h.from, to: h.to })),
  };
}

/**
 * A budget correction of the SLO: its (first) occurrence, how often it recurs, why, where it is written, and
 * whether it covers `atMs` (the SLO's alerts hold their state then).
 */
export function correctionJson(c: BudgetCorrection, atMs: number): object {
  return {
    name: c.name,
    reason: c.reason,
    start: iso(c.startMs),
    end: iso(c.startMs + c.durationMs),
    ...(c.everyMs === undefined ? {} : { every: formatDuration(c.everyMs) }),
    file: c.source.file,
    line: c.source.line,
    location: `${c.source.file}:${c.source.line}`,
    active: occurrenceAt(c, atMs) !== undefined,
  };
}

/** Where the SLO is written: its file, the line of its name (when known) and both as `file:line`. */
export function sourceJson(source: SourceRef): object {
  return {
    file: source.file,
    ...(source.line === undefined ? {} : { line: source.line, location: sourceLocation(source) }),
    format: source.format,
  };
}

/** `slos/checkout.yaml:7`, or the file alone when the line is not known. */
export function sourceLocation(source: SourceRef): string {
  return source.line === undefined ? source.file : `${source.file}:${source.line}`;
}

const ALERT_KINDS: readonly string[] = ['burn', 'nodata', 'exhaustion'] satisfies AlertKind[];

/** Labels as notifications and silences see them (alertname, slo, service, severity, routing and instance labels). */
function labelsOf(a: StoredAlert, slo: Slo | undefined): Record<string, string> {
  if (slo && ALERT_KINDS.includes(a.kind) && (a.severity === 'page' || a.severity === 'ticket')) {
    return alertLabels(slo, a.instanceLabels, a.kind as AlertKind, a.severity);
  }
  return { ...a.instanceLabels, slo: a.sloId, severity: a.severity };
}

/** One entry of `GET /api/v1/alerts`. `since`: when the alert entered its current state. */
export function alertJson(a: StoredAlert, slo: Slo | undefined): object {
  const s = a.state;
  return {
    alert: a.alertKey,
    slo: a.sloId,
    kind: a.kind,
    severity: a.severity,
    state: s.phase,
    labels: labelsOf(a, slo),
    since: iso(s.changedAtMs),
    ...(s.firedAtMs === undefined ? {} : { firedAt: iso(s.firedAtMs) }),
    ...(s.nodataSinceMs === undefined ? {} : { noDataSince: iso(s.nodataSinceMs) }),
    notified: a.notified,
    ...(a.budgetAtFire === undefined ? {} : { budgetAtFire: finite(a.budgetAtFire) }),
    updatedAt: iso(a.updatedMs),
  };
}

export function silenceJson(s: Silence, atMs: number): object {
  return {
    id: s.id,
    matchers: s.matchers.map(formatMatcher),
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    state: silenceState(s, new Date(atMs)),
    ...(s.createdBy === undefined ? {} : { createdBy: s.createdBy }),
    ...(s.comment === undefined ? {} : { comment: s.comment }),
  };
}
