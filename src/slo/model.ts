/**
 * The SLO model every input format maps to. Nothing downstream of `formats/` knows which file format an SLO
 * came from; everything that evaluates, stores or notifies reads these types.
 *
 * Units: durations in milliseconds, objectives in percent (99.9), ratios as fractions (0..1).
 */

export type Severity = 'page' | 'ticket';
export const SEVERITIES: readonly Severity[] = ['page', 'ticket'];

/** Where a model object came from, for messages and for `convert`. */
export interface SourceRef {
  /** Path as given on the command line or found in the SLO folder. */
  readonly file: string;
  /** Index of the YAML document in the file (0-based). */
  readonly document: number;
  /**
   * Line of the SLO's name in the file (1-based), where the loader located it: each SLO of a file that holds
   * several (a Sloth service's list) has its own. Absent for SLOs not read from a file.
   */
  readonly line?: number;
  /** The format detected for that document. */
  readonly format: SpecFormat;
}

export type SpecFormat =
  | 'burnwatch/v1'
  | 'sloth/prometheus-v1'
  | 'sloth/kubernetes-v1'
  | 'sloth/alert-windows-v1'
  | 'openslo/v1'
  | 'openslo/v1alpha'
  | 'openslo/v2alpha'
  | 'pyrra/v1alpha1';

/** A rolling window of fixed length, or a calendar period that resets at its boundary in a time zone. */
export type Period =
  | { readonly kind: 'rolling'; readonly durationMs: number }
  | { readonly kind: 'calendar'; readonly unit: CalendarUnit; readonly timezone: string };

export type CalendarUnit = 'day' | 'week' | 'month' | 'quarter' | 'year';

/**
 * Occurrences: bad events over all events in the period (event-weighted).
 * Timeslices: the period is cut into slices; a slice is good when its good ratio is at least `target`;
 * the SLI is good slices over all slices with data. RatioTimeslices (OpenSLO): the mean of per-slice ratios.
 */
export type Budgeting =
  | { readonly kind: 'occurrences' }
  | { readonly kind: 'timeslices'; readonly sliceMs: number; readonly target: number }
  | { readonly kind: 'ratioTimeslices'; readonly sliceMs: number };

/**
 * A query that yields events.
 * - `selector`: a counter selector (`http_requests_total{code=~"5.."}`); burnwatch differences its raw samples
 *   (reset-aware), which is what `increase()` computes, without re-reading windows.
 * - `template`: a PromQL expression containing `{{.window}}` (as Sloth writes them), giving a per-second rate
 *   when the window is substituted.
 */
export type EventQuery =
  | { readonly kind: 'selector'; readonly selector: string }
  | { readonly kind: 'template'; readonly template: string };

export type Indicator =
  | {
      readonly kind: 'events';
      /** Which events the first query counts: errors (bad) or good ones. */
      readonly count: 'bad' | 'good';
      readonly events: EventQuery;
      readonly total: EventQuery;
    }
  | {
      readonly kind: 'latency';
      /** Histogram base name, without `_bucket` / `_count`. */
      readonly histogram: string;
      /** Threshold in seconds; must equal an `le` bucket boundary. */
      readonly thresholdSeconds: number;
      /** Label matchers, e.g. `{job="api"}` (may be empty). */
      readonly matchers: string;
      /** Native histogram: uses `histogram_fraction` instead of `_bucket{le=...}`. */
      readonly native: boolean;
    }
  | {
      readonly kind: 'ratio';
      /** Expression with `{{.window}}` yielding a ratio in 0..1. */
      readonly template: string;
      /** Whether the expression yields the error ratio (Sloth `raw`) or the success ratio (OpenSLO `rawType: success`). */
      readonly meaning: 'error' | 'success';
    }
  | {
      readonly kind: 'boolGauge';
      /** A 0/1 gauge selector, 1 = good (e.g. `probe_success{job="blackbox"}`). */
      readonly selector: string;
    }
  | CompositeIndicator;

/**
 * A composite SLO's indicator: the events of other SLOs (its children), combined per ledger slot from their
 * ledgers (`slo/composite.ts`); no query of its own.
 * - `weightedEvents`: sum of w x bad over sum of w x total (a child with 10x the traffic counts 10x).
 * - `weightedRatio`: the weighted mean of the children's error ratios in each slot, over the children with
 *   traffic in it (a low-traffic child weighs as much as its weight says).
 */
export interface CompositeIndicator {
  readonly kind: 'composite';
  readonly method: CompositeMethod;
  readonly children: readonly CompositeChild[];
}

export type CompositeMethod = 'weightedEvents' | 'weightedRatio';

export interface CompositeChild {
  /** The child SLO's id. */
  readonly sloId: string;
  /** Weight, > 0. */
  readonly weight: number;
}

export type IndicatorKind = Indicator['kind'];

/** One multi-window burn-rate tier: active when the error ratio over both windows exceeds `factor x budget`. */
export interface Tier {
  /** Stable key: `<severity>-<long>-<short>`, e.g. `page-1h-5m`. */
  readonly name: string;
  readonly severity: Severity;
  readonly longMs: number;
  readonly shortMs: number;
  /** Burn-rate factor (14.4 for 2 % of a 30 d budget in 1 h). */
  readonly factor: number;
  /** Share of the period's budget this tier spends before it fires, in percent, when known. */
  readonly budgetPercent?: number;
  /** How long the tier must stay active before the alert fires (0 = at once, as Sloth). */
  readonly forMs: number;
}

export interface SeverityPolicy {
  readonly enabled: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface AlertingPolicy {
  /** Alert name used in exported rules and Alertmanager (`alertname`). */
  readonly name: string;
  /** Runbook: a path relative to the SLO repository root (e.g. `runbooks/x.md`) or an absolute URL. */
  readonly runbook?: string;
  /** Routing labels added to every alert of this SLO. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Below this many events in a tier's long window the tier does not fire (low-traffic guard). */
  readonly minEvents: number;
  /** After this long without data a no-data alert fires; undefined = no no-data alert. */
  readonly noDataAfterMs?: number;
  /** Severity of the no-data alert (default ticket). */
  readonly noDataSeverity?: Severity;
  /** Keep an alert firing this long after its condition clears (damps flapping). */
  readonly keepFiringForMs: number;
  readonly tiers: readonly Tier[];
  readonly page: SeverityPolicy;
  readonly ticket: SeverityPolicy;
  /** Alert when the remaining budget falls to or below this fraction (0 = exhausted); undefined = off. */
  readonly exhaustion?: { readonly threshold: number; readonly severity: Severity };
  /** Composite SLOs: while this SLO's page fires, its children's pages (same instance) are held, not sent. */
  readonly inhibitChildren?: boolean;
}

/** A span of time from `startMs`, repeated every `everyMs` from there when that is set (e.g. weekly). */
export interface RecurringSpan {
  readonly startMs: number;
  readonly durationMs: number;
  readonly everyMs?: number;
}

/** A maintenance window; `everyMs` repeats it (e.g. weekly). Excluded from windows, budget and alerting. */
export interface MaintenanceWindow extends RecurringSpan {
  readonly reason: string;
}

/**
 * A budget correction (`kind: BudgetCorrection`, a document of its own that names the SLOs it applies to):
 * events inside it count neither as bad nor as total, in the budget and in the burn-rate windows, also for
 * time before it was written (the ledger keeps every event; the sums leave them out when read), and while it
 * covers the evaluated instant the SLO's alerts hold their state, as in maintenance.
 */
export interface BudgetCorrection extends RecurringSpan {
  /** `metadata.name`, unique across the SLO files. */
  readonly name: string;
  readonly reason: string;
  /** Where it is written: the file and the line of its name. */
  readonly source: { readonly file: string; readonly line: number };
}

/** The error-budget policy of release gates (`GET /api/v1/gate`, `burnwatch gate`). */
export interface BudgetPolicy {
  /** Deploys are frozen while less than this share of the period's budget is left (0.1 = 10 %). */
  readonly freezeBelow: number;
}

export interface Slo {
  /** Unique across all loaded files. burnwatch/v1: `metadata.name`; Sloth: `<service>-<name>`. */
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly displayName?: string;
  readonly description?: string;
  /** SLO labels, carried onto alerts and metrics. */
  readonly labels: Readonly<Record<string, string>>;
  /** Objective in percent, 0 < x < 100. */
  readonly objective: number;
  readonly period: Period;
  readonly budgeting: Budgeting;
  readonly indicator: Indicator;
  /** One SLO instance per distinct value set of these labels. */
  readonly groupBy: readonly string[];
  readonly alerting: AlertingPolicy;
  readonly maintenance: readonly MaintenanceWindow[];
  /** The budget corrections that name this SLO (by id or by matchers on its labels); none when undefined. */
  readonly corrections?: readonly BudgetCorrection[];
  /** Release-gate policy; undefined = the default (freeze when the budget is exhausted). */
  readonly policy?: BudgetPolicy;
  readonly source: SourceRef;
}

/**
 * The error budget as a fraction, computed exactly as Sloth does in float64: `(100 - objective) / 100`.
 * For 99.9 this is 0.0009999999999999432, not 0.001; thresholds are `factor * errorBudget` with strict `>`.
 */
export function errorBudget(objectivePercent: number): number {
  return (100 - objectivePercent) / 100;
}
