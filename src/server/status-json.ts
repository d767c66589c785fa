import type { InstanceStatus, SloStatus } from '../engine/engine.js';
import { formatDuration } from '../slo/duration.js';
import type { TierObservation } from '../slo/evaluate.js';
import { burnRatesByWindow } from '../slo/window-rates.js';

/**
 * The JSON shape of an SLO's status, shared by `burnwatch evaluate --format json` and the daemon's
 * `GET /api/v1/slos/:id`, so the CLI and the API agree. Numbers that are not finite are written as null.
 */

export const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

export function statusJson(s: SloStatus, atMs: number): object {
  return {
    slo: s.slo.id,
    service: s.slo.service,
    objective: s.slo.objective,
    state: s.state,
    ...(s.error === undefined ? {} : { error: s.error }),
    at: new Date(s.evaluatedAtMs ?? atMs).toISOString(),
    instances: s.instances.map((i) => instanceJson(i)),
  };
}

/** One tier of an observation: its windows, burn rates, threshold and whether both windows are above it. */
export function tierJson(t: TierObservation): { severity: string; longWindow: string; shortWindow: string; long: number | null; short: number | null; threshold: number; active: boolean; longEvents: number | null } {
  return {
    severity: t.severity,
    longWindow: formatDuration(t.longMs),
    shortWindow: formatDuration(t.shortMs),
    long: finite(t.longBurnRate),
    short: finite(t.shortBurnRate),
    threshold: t.threshold,
    active: t.active,
    longEvents: finite(t.longEvents),
  };
}

export function instanceJson(i: InstanceStatus): object {
  const o = i.observation;
  return {
    labels: i.labels,
    noData: o.unknown,
    maintenance: i.maintenance,
    ...(i.correction === undefined ? {} : { correction: i.correction }),
    budget: {
      remaining: finite(o.budget.remaining),
      consumed: finite(o.budget.consumed),
      timeToExhaustionSeconds: o.budget.timeToExhaustionMs === null ? null : Math.round(o.budget.timeToExhaustionMs / 1000),
      errorRatio: finite(o.budget.errorRatio),
      events: o.budget.events,
      periodStart: new Date(o.budget.periodStartMs).toISOString(),
    },
    currentBurnRate: finite(o.currentBurnRate),
    windows: Object.fromEntries([...burnRatesByWindow(o.tiers)].map(([w, rate]) => [w, finite(rate)])),
    tiers: Object.fromEntries(o.tiers.map((t) => [t.name, tierJson(t)])),
    raw: o.raw,
    alerts: { ...i.alerts, ...(i.nodata === undefined ? {} : { nodata: i.nodata }), ...(i.exhaustion === undefined ? {} : { exhaustion: i.exhaustion }) },
    ...(i.pageHeldBy === undefined ? {} : { pageHeldBy: i.pageHeldBy }),
  };
}
