import { errorBudget } from '../slo/model.js';
import type { Slo } from '../slo/model.js';
import { longestEpisodes, episodesOf, meanTimeToResolve, notInhibited } from './episodes.js';
import { badAndTotal, maintenanceIn, rangeFigures, shareOfBudget, timelineStep, unitOf } from './figures.js';
import type { Episode, EpisodeFigures, GroupTotals, InstanceHistory, InstanceReport, Report, ReportRange, TimelinePoint } from './model.js';

/** Turns what the gatherers know of each SLO instance into a report. Pure. */

export interface BuildOptions {
  /** `service` (the default) or a label name: instance labels first, then the SLO's labels. */
  readonly groupBy: string;
  /** Where the figures come from, as shown to people (no credentials). */
  readonly source: string;
  readonly warnings?: readonly string[];
  /** Points of each instance's chart (default 240; 0: no chart, as digests carry none). */
  readonly maxPoints?: number;
  /** Longest burn episodes listed per instance (default 5). */
  readonly longest?: number;
  /** Maintenance occurrences listed per instance (default 50; all are counted). */
  readonly maintenanceListed?: number;
}

export const NO_GROUP = '(none)';

export function groupKeyOf(slo: Slo, labels: Readonly<Record<string, string>>, groupBy: string): string {
  if (groupBy === 'service') return slo.service;
  return labels[groupBy] ?? slo.labels[groupBy] ?? NO_GROUP;
}

export function buildReport(range: ReportRange, histories: readonly InstanceHistory[], options: BuildOptions): Report {
  return assembleReport(range, histories.map((h) => instanceReport(range, h, options)), options);
}

/**
 * The report of instances reported one at a time (`instanceReport`): a gatherer that reads each instance's
 * ledger into memory keeps one instance's rows at a time, not every instance's.
 */
export function assembleReport(range: ReportRange, reported: readonly InstanceReport[], options: BuildOptions): Report {
  const instances = [...reported];
  instances.sort((a, b) => compare(a.group, b.group) || compare(a.slo.id, b.slo.id) || compare(JSON.stringify(a.labels), JSON.stringify(b.labels)));
  const groups = new Map<string, InstanceReport[]>();
  for (const i of instances) groups.set(i.group, [...(groups.get(i.group) ?? []), i]);
  return {
    range,
    groupBy: options.groupBy,
    source: options.source,
    instances,
    groups: [...groups].map(([key, members]) => groupTotals(key, members)),
    warnings: options.warnings ?? [],
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function instanceReport(range: ReportRange, h: InstanceHistory, options: BuildOptions): InstanceReport {
  const { fromMs, toMs } = range;
  const { slo } = h;
  const rangeSum = h.sumBetween(fromMs, toMs);
  const figures = rangeFigures(slo, rangeSum);
  const rangeTotal = badAndTotal(slo, rangeSum).total;
  const withFigures = (e: Episode): EpisodeFigures => ({
    ...e,
    durationMs: e.endMs - e.startMs,
    budgetSpent: shareOfBudget(slo, badAndTotal(slo, h.sumBetween(e.startMs, e.endMs)).bad, rangeTotal),
  });
  const pageEpisodes = episodesOf(h.transitions, 'page', fromMs, toMs);
  const ticketEpisodes = notInhibited(episodesOf(h.transitions, 'ticket', fromMs, toMs), pageEpisodes);
  const pages = pageEpisodes.map(withFigures);
  const tickets = ticketEpisodes.map(withFigures);
  const budget = h.budgetAt(toMs);
  const maintenance = maintenanceIn(slo.maintenance, fromMs, toMs, options.maintenanceListed ?? 50);
  const step = timelineStep(toMs - fromMs, options.maxPoints === undefined || options.maxPoints <= 0 ? 240 : options.maxPoints);
  return {
    slo,
    labels: h.labels,
    group: groupKeyOf(slo, h.labels, options.groupBy),
    good: figures.good,
    total: figures.total,
    unit: unitOf(slo),
    sli: figures.sli,
    budgetSpent: figures.budgetSpent,
    budgetRemaining: budget === undefined || !Number.isFinite(budget.remaining) ? null : budget.remaining,
    timeToExhaustionMs: budget?.timeToExhaustionMs ?? null,
    pages,
    tickets,
    pageMttrMs: meanTimeToResolve(pageEpisodes),
    ticketMttrMs: meanTimeToResolve(ticketEpisodes),
    longestBurns: longestEpisodes([...pages, ...tickets], options.longest ?? 5),
    maintenance: maintenance.list,
    maintenanceCount: maintenance.count,
    corrections: h.corrections,
    timelineStepMs: step,
    timeline: options.maxPoints === 0 ? [] : timeline(h, fromMs, toMs, step),
    warnings: h.warnings,
  };
}

/** The period's budget left and the burn rate of each step, at the range's start and every step after it (and its end). */
function timeline(h: InstanceHistory, fromMs: number, toMs: number, stepMs: number): TimelinePoint[] {
  const budget = errorBudget(h.slo.objective);
  const at = (t: number, prev: number | undefined): TimelinePoint => {
    const b = h.budgetAt(t);
    let burnRate: number | null = null;
    if (prev !== undefined) {
      const { bad, total } = badAndTotal(h.slo, h.sumBetween(prev, t));
      if (total > 0) burnRate = Math.max(0, bad) / total / budget;
    }
    return { atMs: t, budgetRemaining: b === undefined || !Number.isFinite(b.remaining) ? null : b.remaining, burnRate };
  };
  const points = [at(fromMs, undefined)];
  let prev = fromMs;
  for (let t = fromMs + stepMs; t < toMs; t += stepMs) {
    points.push(at(t, prev));
    prev = t;
  }
  points.push(at(toMs, prev));
  return points;
}

function groupTotals(key: string, members: readonly InstanceReport[]): GroupTotals {
  const pages = members.flatMap((m) => m.pages);
  const tickets = members.flatMap((m) => m.tickets);
  const slis = members.map((m) => m.sli).filter((s): s is number => s !== null);
  const left = members.map((m) => m.budgetRemaining).filter((b): b is number => b !== null);
  // Met: the range's bad events stayed within its error budget.
  const met = members.filter((m) => m.budgetSpent !== null && m.budgetSpent <= 1).length;
  const noData = members.filter((m) => m.sli === null).length;
  return {
    key,
    instances: members.length,
    pages: pages.length,
    tickets: tickets.length,
    pageFiringMs: pages.reduce((s, e) => s + e.durationMs, 0),
    ticketFiringMs: tickets.reduce((s, e) => s + e.durationMs, 0),
    pageMttrMs: meanTimeToResolve(pages),
    met,
    missed: members.length - met - noData,
    noData,
    worstSli: slis.length === 0 ? null : Math.min(...slis),
    worstBudgetRemaining: left.length === 0 ? null : Math.min(...left),
    exhausted: left.filter((b) => b <= 0).length,
  };
}
