import { periodText, rfc3339, seconds } from './format.js';
import type { EpisodeFigures, GroupTotals, InstanceReport, Report } from './model.js';

/**
 * `burnwatch report --format json`, a contract kept stable for tools (fields may be added, never renamed or
 * removed): `{ from, to, slos: [ { id, labels, objective, sli, budgetSpent, budgetRemaining, pages: [ { start,
 * end } ], tickets: [ { start, end } ], corrections: [ ... ] } ] }`. `sli`, `budgetSpent` and `budgetRemaining`
 * are fractions (null when unknown), `objective` is in percent as in the SLO file (`objectiveRatio` is the
 * fraction), times are RFC 3339 in UTC, durations in seconds. Pure.
 */

export interface JsonEpisode {
  readonly start: string;
  readonly end: string;
  readonly durationSeconds: number;
  readonly resolved: boolean;
  readonly startedBefore: boolean;
  readonly budgetSpent: number | null;
}

export interface JsonInstance {
  readonly id: string;
  readonly name: string;
  readonly displayName?: string;
  readonly service: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sloLabels: Readonly<Record<string, string>>;
  readonly group: string;
  readonly file: string;
  readonly objective: number;
  readonly objectiveRatio: number;
  readonly period: string;
  readonly sli: number | null;
  readonly good: number;
  readonly total: number;
  readonly unit: string;
  readonly budgetSpent: number | null;
  readonly budgetRemaining: number | null;
  readonly timeToExhaustionSeconds: number | null;
  readonly pages: readonly JsonEpisode[];
  readonly tickets: readonly JsonEpisode[];
  readonly pageMttrSeconds: number | null;
  readonly ticketMttrSeconds: number | null;
  readonly longestBurns: readonly (JsonEpisode & { readonly severity: string })[];
  readonly maintenance: readonly { readonly start: string; readonly end: string; readonly reason: string }[];
  readonly maintenanceCount: number;
  readonly corrections: readonly { readonly name: string; readonly start: string; readonly end: string; readonly reason: string; readonly file?: string }[];
  readonly timeline: { readonly stepSeconds: number; readonly points: readonly { readonly at: string; readonly budgetRemaining: number | null; readonly burnRate: number | null }[] };
  readonly warnings: readonly string[];
}

export interface JsonReport {
  readonly from: string;
  readonly to: string;
  readonly timezone: string;
  readonly range?: string;
  readonly groupBy: string;
  readonly source: string;
  readonly slos: readonly JsonInstance[];
  readonly groups: readonly JsonGroup[];
  readonly warnings: readonly string[];
}

export interface JsonGroup {
  readonly key: string;
  readonly instances: number;
  readonly pages: number;
  readonly tickets: number;
  readonly pageFiringSeconds: number;
  readonly ticketFiringSeconds: number;
  readonly pageMttrSeconds: number | null;
  readonly met: number;
  readonly missed: number;
  readonly noData: number;
  readonly worstSli: number | null;
  readonly worstBudgetRemaining: number | null;
  readonly exhausted: number;
}

function episode(e: EpisodeFigures): JsonEpisode {
  return { start: rfc3339(e.startMs), end: rfc3339(e.endMs), durationSeconds: e.durationMs / 1000, resolved: e.resolved, startedBefore: e.startedBefore, budgetSpent: e.budgetSpent };
}

export function jsonInstance(i: InstanceReport): JsonInstance {
  const { slo } = i;
  return {
    id: slo.id,
    name: slo.name,
    ...(slo.displayName === undefined ? {} : { displayName: slo.displayName }),
    service: slo.service,
    labels: i.labels,
    sloLabels: slo.labels,
    group: i.group,
    file: slo.source.file,
    objective: slo.objective,
    objectiveRatio: Number((slo.objective / 100).toPrecision(15)),
    period: periodText(slo),
    sli: i.sli,
    good: i.good,
    total: i.total,
    unit: i.unit,
    budgetSpent: i.budgetSpent,
    budgetRemaining: i.budgetRemaining,
    timeToExhaustionSeconds: seconds(i.timeToExhaustionMs),
    pages: i.pages.map(episode),
    tickets: i.tickets.map(episode),
    pageMttrSeconds: seconds(i.pageMttrMs),
    ticketMttrSeconds: seconds(i.ticketMttrMs),
    longestBurns: i.longestBurns.map((e) => ({ severity: e.severity, ...episode(e) })),
    maintenance: i.maintenance.map((m) => ({ start: rfc3339(m.startMs), end: rfc3339(m.endMs), reason: m.reason })),
    maintenanceCount: i.maintenanceCount,
    corrections: i.corrections.map((c) => ({ name: c.name, start: rfc3339(c.startMs), end: rfc3339(c.endMs), reason: c.reason, ...(c.file === undefined ? {} : { file: c.file }) })),
    timeline: {
      stepSeconds: i.timelineStepMs / 1000,
      points: i.timeline.map((p) => ({ at: rfc3339(p.atMs), budgetRemaining: p.budgetRemaining, burnRate: p.burnRate })),
    },
    warnings: i.warnings,
  };
}

export function jsonGroup(g: GroupTotals): JsonGroup {
  return {
    key: g.key,
    instances: g.instances,
    pages: g.pages,
    tickets: g.tickets,
    pageFiringSeconds: g.pageFiringMs / 1000,
    ticketFiringSeconds: g.ticketFiringMs / 1000,
    pageMttrSeconds: seconds(g.pageMttrMs),
    met: g.met,
    missed: g.missed,
    noData: g.noData,
    worstSli: g.worstSli,
    worstBudgetRemaining: g.worstBudgetRemaining,
    exhausted: g.exhausted,
  };
}

export function toJsonReport(report: Report): JsonReport {
  return {
    from: rfc3339(report.range.fromMs),
    to: rfc3339(report.range.toMs),
    timezone: report.range.timezone,
    ...(report.range.label === undefined ? {} : { range: report.range.label }),
    groupBy: report.groupBy,
    source: report.source,
    slos: report.instances.map(jsonInstance),
    groups: report.groups.map(jsonGroup),
    warnings: report.warnings,
  };
}

export function renderJson(report: Report): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}
