import type { AlertPhase } from '../../alerting/state.js';
import type { SloStatus } from '../../engine/engine.js';
import type { AlertKind } from '../../alerting/identity.js';
import { alertLabels } from '../../alerting/identity.js';
import { silencesFor } from '../../routing/silence.js';
import type { Silence } from '../../routing/silence.js';
import type { Severity, Slo } from '../../slo/model.js';
import type { AlertTransition } from '../../store/alerts.js';
import { labelsKey } from '../../slo/labels.js';
import { periodJson } from '../api-json.js';
import { finite, tierJson } from '../status-json.js';
import type { DeliveryRecord } from './reader.js';
import type { BacktestView } from './backtest.js';
import { countOf } from './backtest.js';
import { formatDuration } from '../../slo/duration.js';

/** JSON of the status page's own endpoints (`/api/v1/instances`, `/api/v1/slos/:id/timeline`, `.../backtest`). */

const iso = (ms: number): string => new Date(ms).toISOString();

/** A burn rate as the overview shows it: 4 significant digits are plenty and keep 1,000 instances small. */
const shown = (n: number): number | null => (Number.isFinite(n) ? Number(n.toPrecision(4)) : null);

/**
 * `GET /api/v1/instances`: one entry per SLO instance, with what the overview shows of it (the budget exactly as
 * /api/v1/slos reports it, burn rates to 4 significant digits).
 */
export function instancesJson(statuses: readonly SloStatus[]): object[] {
  const out: object[] = [];
  for (const s of statuses) {
    const { slo } = s;
    const common = {
      slo: slo.id,
      service: slo.service,
      name: slo.displayName ?? slo.name,
      sloLabels: { ...slo.labels, ...slo.alerting.labels },
      objective: slo.objective,
      period: periodJson(slo.period),
      state: s.state,
      ...(s.error === undefined ? {} : { error: s.error }),
      evaluatedAt: s.evaluatedAtMs === undefined ? null : iso(s.evaluatedAtMs),
    };
    if (s.instances.length === 0) {
      // Not evaluated yet (waiting for its first cycle, or its queries fail): still listed, without figures.
      out.push({ ...common, labels: {}, budgetRemaining: null, burnRate: null, timeToExhaustionSeconds: null, noData: true, maintenance: false, tiers: [], alerts: {} });
      continue;
    }
    for (const i of s.instances) {
      const o = i.observation;
      out.push({
        ...common,
        labels: i.labels,
        budgetRemaining: finite(o.budget.remaining),
        burnRate: shown(o.currentBurnRate),
        timeToExhaustionSeconds: o.budget.timeToExhaustionMs === null ? null : Math.round(o.budget.timeToExhaustionMs / 1000),
        noData: o.unknown,
        maintenance: i.maintenance,
        ...(i.correction === undefined ? {} : { correction: i.correction }),
        tiers: o.tiers.map((t) => ({ name: t.name, ...tierJson(t), long: shown(t.longBurnRate), short: shown(t.shortBurnRate), active: t.active && !o.unknown })),
        alerts: { ...i.alerts, ...(i.nodata === undefined ? {} : { nodata: i.nodata }), ...(i.exhaustion === undefined ? {} : { exhaustion: i.exhaustion }) },
      });
    }
  }
  return out;
}

/** An alert key `<slo id>/<instance labels as JSON>/<severity or kind>` taken apart. */
export function parseAlertKey(sloId: string, alertKey: string): { instanceKey: string; kind: AlertKind; severity?: Severity } | undefined {
  if (!alertKey.startsWith(`${sloId}/`)) return undefined;
  const rest = alertKey.slice(sloId.length + 1);
  const cut = rest.lastIndexOf('/');
  if (cut < 0) return undefined;
  const last = rest.slice(cut + 1);
  const instanceKey = rest.slice(0, cut);
  if (last === 'page' || last === 'ticket') return { instanceKey, kind: 'burn', severity: last };
  if (last === 'nodata' || last === 'exhaustion') return { instanceKey, kind: last };
  return undefined;
}

function severityOf(slo: Slo, kind: AlertKind, severity: Severity | undefined): Severity {
  if (severity !== undefined) return severity;
  if (kind === 'nodata') return slo.alerting.noDataSeverity ?? 'ticket';
  return slo.alerting.exhaustion?.severity ?? 'page';
}

interface TimelineEvent {
  readonly at: string;
  readonly alert: string;
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly from: AlertPhase;
  readonly to: AlertPhase;
  readonly notifications: readonly { receiver: string; status: string; state: string; deliveredAt?: string; error?: string }[];
  /** Silences that muted the alert when it fired. */
  readonly silencedBy: readonly string[];
}

/** A time the instance's alert of one kind and severity was firing (end null: still firing at the end of the range). */
interface FiringBand {
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly startMs: number;
  readonly endMs: number | null;
}

/**
 * `GET /api/v1/slos/:id/timeline`: the state changes of one instance's alerts in [fromMs, toMs] (oldest
 * first), each with the notifications it caused (receiver, delivered or not) or the silences that muted it,
 * and the firing periods as bands for the charts.
 */
export function timelineJson(slo: Slo, instance: Readonly<Record<string, string>>, history: readonly AlertTransition[], deliveries: readonly DeliveryRecord[], silences: readonly Silence[], fromMs: number, toMs: number): { events: TimelineEvent[]; firing: FiringBand[] } {
  const key = labelsKey(instance);
  const mine = history
    .map((h) => ({ h, parsed: parseAlertKey(slo.id, h.alertKey) }))
    .filter((x) => x.parsed !== undefined && x.parsed.instanceKey === key)
    .sort((a, b) => a.h.atMs - b.h.atMs);
  const events: TimelineEvent[] = [];
  const firing: FiringBand[] = [];
  const open = new Map<string, FiringBand>();
  mine.forEach(({ h, parsed }, index) => {
    if (parsed === undefined) return;
    const severity = severityOf(slo, parsed.kind, parsed.severity);
    if (h.to === 'firing' && !open.has(h.alertKey)) open.set(h.alertKey, { kind: parsed.kind, severity, startMs: h.atMs, endMs: null });
    const band = open.get(h.alertKey);
    if (band !== undefined && h.to === 'inactive') {
      firing.push({ ...band, endMs: h.atMs });
      open.delete(h.alertKey);
    }
    if (h.atMs < fromMs || h.atMs > toMs) return;
    const next = mine.slice(index + 1).find((x) => x.h.alertKey === h.alertKey)?.h.atMs ?? Infinity;
    const status = h.to === 'firing' ? 'firing' : h.from === 'firing' && h.to === 'inactive' ? 'resolved' : undefined;
    const notifications = status === undefined ? [] : deliveries
      .filter((d) => d.alertKey === h.alertKey && d.status === status && d.kind === 'state' && d.createdMs >= h.atMs && d.createdMs < next)
      .map((d) => ({
        receiver: d.receiver,
        status: d.status,
        state: d.state,
        ...(d.deliveredMs === undefined ? {} : { deliveredAt: iso(d.deliveredMs) }),
        ...(d.lastError === undefined ? {} : { error: d.lastError }),
      }));
    const silencedBy = h.to === 'firing' ? silencesFor(alertLabels(slo, instance, parsed.kind, severity), silences, new Date(h.atMs)).map((s) => s.id) : [];
    events.push({ at: iso(h.atMs), alert: h.alertKey, kind: parsed.kind, severity, from: h.from, to: h.to, notifications, silencedBy });
  });
  firing.push(...open.values());
  return { events, firing: firing.filter((b) => (b.endMs ?? Infinity) >= fromMs && b.startMs <= toMs) };
}

/** Episodes one backtest answer lists at most (the newest; the counts cover all). */
const MAX_EPISODES = 500;

/**
 * `GET/POST /api/v1/slos/:id/backtest`: a backtest's state and, once done, its pages and tickets (episodes
 * counted over every instance) and its firing episodes, newest first.
 */
export function backtestJson(b: BacktestView): object {
  const r = b.result;
  const episodes = r === undefined ? [] : [...r.episodes].reverse();
  return {
    days: b.days,
    state: b.state,
    requestedAt: iso(b.requestedMs),
    ...(b.startedMs === undefined ? {} : { startedAt: iso(b.startedMs) }),
    ...(b.finishedMs === undefined ? {} : { finishedAt: iso(b.finishedMs) }),
    ...(b.error === undefined ? {} : { error: b.error }),
    ...(r === undefined ? {} : {
      from: iso(r.fromMs),
      to: iso(r.toMs),
      step: formatDuration(r.stepMs),
      pages: countOf(r, 'page'),
      tickets: countOf(r, 'ticket'),
      instances: r.instances.length,
      steps: r.steps,
      stepsWithoutFigures: r.stepsWithoutFigures,
      ...(r.problem === undefined ? {} : { problem: r.problem }),
      episodes: episodes.slice(0, MAX_EPISODES).map((e) => ({
        labels: e.labels,
        severity: e.severity,
        kind: e.kind,
        start: iso(e.startMs),
        end: e.endMs === null ? null : iso(e.endMs),
        durationSeconds: ((e.endMs ?? r.toMs) - e.startMs) / 1000,
      })),
      episodesLeftOut: Math.max(0, episodes.length - MAX_EPISODES),
    }),
  };
}
