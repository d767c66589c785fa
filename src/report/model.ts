import type { AlertPhase } from '../alerting/state.js';
import type { BudgetStatus, WindowSum } from '../slo/evaluate.js';
import { correctionsBetween } from '../slo/corrections.js';
import type { Severity, Slo } from '../slo/model.js';

/**
 * The error-budget report: what a range of time did to each SLO instance. The gatherers (engine/report-data.ts:
 * from the ledger of a database, or from Prometheus by replaying history as `backtest` does) hand in one
 * InstanceHistory per SLO instance; buildReport turns them into a Report; the renderers print it. Pure.
 */

/** The range of a report: (fromMs, toMs], and the zone its people read times in. */
export interface ReportRange {
  readonly fromMs: number;
  readonly toMs: number;
  /** IANA zone for the human formats (markdown, html, digests); JSON and CSV times are UTC. */
  readonly timezone: string;
  /** How the range was asked for, for titles: `2026-11`, `2026-Q4`, or undefined for --from/--to. */
  readonly label?: string;
}

/** A change of a burn-rate alert (page or ticket) of one SLO instance, from the alert history. */
export interface BurnTransition {
  readonly severity: Severity;
  readonly atMs: number;
  readonly from: AlertPhase;
  readonly to: AlertPhase;
}

/**
 * An occurrence of a budget correction applied to an instance over the range, cut to it. Events inside a
 * correction count neither as bad nor as total; the sums the gatherer hands in have them taken out already
 * (`slo/corrections.ts`), so the report only lists them.
 */
export interface AppliedCorrection {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly reason: string;
  /** Where it is written: `file:line`. */
  readonly file?: string;
}

/** The corrections that apply to an SLO instance within (fromMs, toMs]: each occurrence, cut to the range. */
export type CorrectionLookup = (slo: Slo, labels: Readonly<Record<string, string>>, fromMs: number, toMs: number) => readonly AppliedCorrection[];

/** The SLO's own corrections (`Slo.corrections`, from the SLO folder): what the gatherers use. */
export const SLO_CORRECTIONS: CorrectionLookup = (slo, _labels, fromMs, toMs) => correctionsBetween(slo, fromMs, toMs).map((o) => ({
  name: o.correction.name,
  startMs: o.startMs,
  endMs: o.endMs,
  reason: o.correction.reason,
  file: `${o.correction.source.file}:${o.correction.source.line}`,
}));

/** What a gatherer knows of one SLO instance; the functions read its ledger. */
export interface InstanceHistory {
  readonly slo: Slo;
  /** Instance labels (the SLO's groupBy labels; empty without groupBy). */
  readonly labels: Readonly<Record<string, string>>;
  /** Ledger sums over (startMs, endMs], without the events of budget corrections. */
  sumBetween(startMs: number, endMs: number): WindowSum;
  /** The period's budget as the daemon evaluates it at `atMs` (undefined: nothing known then). */
  budgetAt(atMs: number): BudgetStatus | undefined;
  /** Burn-rate alert transitions of the instance, oldest first, from before the range (to know what fired at its start) to its end. */
  readonly transitions: readonly BurnTransition[];
  readonly corrections: readonly AppliedCorrection[];
  /** Things the reader should know (the ledger does not reach back to the range's start, ...). */
  readonly warnings: readonly string[];
}

/** A firing episode of a page or ticket, cut to the range. */
export interface Episode {
  readonly severity: Severity;
  readonly startMs: number;
  readonly endMs: number;
  /** It fired before the range began (startMs is the range's start). */
  readonly startedBefore: boolean;
  /** It resolved within the range (otherwise endMs is the range's end). */
  readonly resolved: boolean;
}

export interface EpisodeFigures extends Episode {
  readonly durationMs: number;
  /** Share of the range's error budget the episode's bad events used (null without events in the range). */
  readonly budgetSpent: number | null;
}

export interface MaintenanceOccurrence {
  readonly startMs: number;
  readonly endMs: number;
  readonly reason: string;
}

export interface TimelinePoint {
  readonly atMs: number;
  /** The period's budget left at this instant (null: unknown). */
  readonly budgetRemaining: number | null;
  /** Burn rate over the step that ends here: error ratio / error budget (null: no events). */
  readonly burnRate: number | null;
}

export type EventUnit = 'events' | 'seconds' | 'slices';

export interface InstanceReport {
  readonly slo: Slo;
  readonly labels: Readonly<Record<string, string>>;
  readonly group: string;
  /** Good and all events over the range (slices for timeslice budgeting, seconds for sampled ratios). */
  readonly good: number;
  readonly total: number;
  readonly unit: EventUnit;
  /** good / total over the range; null without events. */
  readonly sli: number | null;
  /** Share of the range's error budget (error budget x total) spent; null without events. */
  readonly budgetSpent: number | null;
  /** The period's budget left at the range's end; null when unknown. */
  readonly budgetRemaining: number | null;
  readonly timeToExhaustionMs: number | null;
  readonly pages: readonly EpisodeFigures[];
  readonly tickets: readonly EpisodeFigures[];
  /** Mean time from firing to resolve of the episodes that began and resolved within the range; null when none did. */
  readonly pageMttrMs: number | null;
  readonly ticketMttrMs: number | null;
  readonly longestBurns: readonly EpisodeFigures[];
  readonly maintenance: readonly MaintenanceOccurrence[];
  /** Occurrences of maintenance in the range, also those beyond the listed ones. */
  readonly maintenanceCount: number;
  readonly corrections: readonly AppliedCorrection[];
  readonly timelineStepMs: number;
  readonly timeline: readonly TimelinePoint[];
  readonly warnings: readonly string[];
}

export interface GroupTotals {
  readonly key: string;
  readonly instances: number;
  readonly pages: number;
  readonly tickets: number;
  readonly pageFiringMs: number;
  readonly ticketFiringMs: number;
  /** Over the resolved pages of the group. */
  readonly pageMttrMs: number | null;
  /** Instances whose SLI over the range met the objective / did not / had no events. */
  readonly met: number;
  readonly missed: number;
  readonly noData: number;
  readonly worstSli: number | null;
  readonly worstBudgetRemaining: number | null;
  /** Instances whose period budget was used up (at most 0 left) at the range's end. */
  readonly exhausted: number;
}

export interface Report {
  readonly range: ReportRange;
  /** `service` or a label name. */
  readonly groupBy: string;
  /** Where the figures come from, as shown to people (no credentials). */
  readonly source: string;
  readonly instances: readonly InstanceReport[];
  readonly groups: readonly GroupTotals[];
  readonly warnings: readonly string[];
}

export type { WindowSum };
