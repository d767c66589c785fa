import { formatDuration, HOUR, MINUTE } from '../slo/duration.js';
import { errorBudget } from '../slo/model.js';
import type { Severity, SeverityPolicy, Slo, SpecFormat, Tier } from '../slo/model.js';
import { compositeErrorRatioQuery, errorRatioQuery, formatFloat } from '../slo/queries.js';
import { nominalPeriodMs } from '../slo/windows.js';
import { eventCountQuery } from './events.js';
import { formatGoFloat } from './float.js';

/**
 * SLOs as Prometheus rule groups that evaluate what burnwatch evaluates, named and shaped like Sloth's output
 * (v0.16), so Sloth's dashboards and the rules people already run keep working:
 *
 * - `sloth-slo-sli-recordings-<id>`: `slo:sli_error:ratio_rate<w>` for every distinct tier window, plus the
 *   period, recorded as the mean of the shortest window's ratios (Sloth's "optimized" period rule);
 * - `sloth-slo-meta-recordings-<id>`: objective, error budget, period in days, current and period burn rate,
 *   remaining budget, `sloth_slo_info`;
 * - `sloth-slo-alerts-<id>`: one alert rule per enabled severity, ORing its tiers, each tier being
 *   `max(short > factor x budget) without (sloth_window) and max(long > factor x budget) without (sloth_window)`.
 *   Unlike Sloth's, the alert rules also carry `sloth_id`, `sloth_service` and `sloth_slo` as rule labels (the
 *   alerts have them anyway, from the series): SLOs sharing an alert name and labels then stay distinct rules,
 *   which `promtool check rules` requires (its duplicate-rules lint fails on Sloth's own multi-SLO output).
 *
 * What Sloth files cannot express and burnwatch/v1 files can is kept, with these choices:
 * - `for` per tier: when every tier of a severity has the same `for`, the severity's rule gets it; when they
 *   differ, each tier becomes its own rule with its `for` and a `burnwatch_tier` label (so the rules'
 *   alerts stay distinct series);
 * - `minEvents`: each tier's clause gets `and on(<groupBy>) (<events over the long window>) >= minEvents`;
 *   ratio indicators have no event count, so there the guard is dropped (and a note says so);
 * - `keepFiringFor` becomes `keep_firing_for` (Prometheus 2.42+);
 * - budget exhaustion: an alert on `slo:period_error_budget_remaining:ratio <= threshold`, labelled
 *   `burnwatch_condition: budget-exhausted`;
 * - no data: `absent(slo:sli_error:ratio_rate<shortest>)` with `for: <after>`, ticket severity, labelled
 *   `burnwatch_condition: no-data`;
 * - calendar periods use their nominal length (a month is 30 days): Prometheus rules cannot reset at a
 *   calendar boundary, so the period rules are rolling (noted);
 * - timeslice budgeting, maintenance windows and budget corrections are not expressible in rules (noted);
 * - composite SLOs: a weightedEvents composite whose leaves count events records Σ w x bad / Σ w x total of
 *   its leaves' rates (`compositeErrorRatioQuery`); any other composite gets no rules, and a note says why.
 *
 * Pure: no I/O, deterministic for the same SLOs.
 */

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** Something about an SLO that the rules cannot reproduce exactly. */
export interface RulesNote {
  readonly slo: string;
  readonly message: string;
}

export interface RulesResult {
  readonly groups: RuleGroup[];
  readonly notes: RulesNote[];
}

export interface RulesOptions {
  /** Labels added to every recording rule (Sloth's `--extra-labels`); they win over the SLO's labels. */
  readonly extraLabels?: Readonly<Record<string, string>>;
  /** Emit the alert groups (default true; Sloth's `--disable-alerts` is false). */
  readonly alerts?: boolean;
  /** Emit the recording groups (default true; Sloth's `--disable-recordings` is false). */
  readonly recordings?: boolean;
  /** Every loaded SLO by id: a composite's rules are written from its children's queries. */
  readonly slos?: ReadonlyMap<string, Slo>;
}

export const SLI_ERROR_METRIC = 'slo:sli_error:ratio_rate';
export const WINDOW_LABEL = 'sloth_window';
export const SEVERITY_LABEL = 'sloth_severity';
export const TIER_LABEL = 'burnwatch_tier';
export const CONDITION_LABEL = 'burnwatch_condition';

/** The window the period rule averages and the current burn rate reads when an SLO has no tiers. */
const FALLBACK_BASE_WINDOW_MS = 5 * MINUTE;

export function sliErrorMetric(windowMs: number): string {
  return `${SLI_ERROR_METRIC}${formatDuration(windowMs)}`;
}

export function groupNames(id: string): { sli: string; meta: string; alerts: string } {
  return { sli: `sloth-slo-sli-recordings-${id}`, meta: `sloth-slo-meta-recordings-${id}`, alerts: `sloth-slo-alerts-${id}` };
}

/** Rule groups for every SLO, in the order given. */
export function rulesForSlos(slos: readonly Slo[], options: RulesOptions = {}): RulesResult {
  const groups: RuleGroup[] = [];
  const notes: RulesNote[] = [];
  const byId = options.slos ?? new Map(slos.map((s) => [s.id, s]));
  for (const slo of slos) {
    const r = sloRuleGroups(slo, { ...options, slos: byId });
    groups.push(...r.groups);
    notes.push(...r.notes);
  }
  return { groups, notes };
}

/** The two or three rule groups of one SLO (no alert group when it has no alert to fire). */
export function sloRuleGroups(input: Slo, options: RulesOptions = {}): RulesResult {
  const slo: Slo = options.extraLabels === undefined ? input : { ...input, labels: { ...input.labels, ...options.extraLabels } };
  let ratio = (window: string): string => errorRatioQuery(slo.indicator, slo.groupBy, window);
  if (slo.indicator.kind === 'composite') {
    const all = options.slos ?? new Map([[slo.id, slo]]);
    const probe = compositeErrorRatioQuery(slo, all, '5m');
    if (!probe.ok) return { groups: [], notes: [{ slo: slo.id, message: `no rules for this composite SLO: ${probe.reason}; burnwatch evaluates it from its children's ledgers` }] };
    ratio = (window) => {
      const q = compositeErrorRatioQuery(slo, all, window);
      return q.ok ? q.expr : '';
    };
  }
  const periodMs = nominalPeriodMs(slo.period);
  const tiers = slo.alerting.tiers;
  const baseMs = tiers.length === 0 ? FALLBACK_BASE_WINDOW_MS : Math.min(...tiers.map((t) => t.shortMs));
  const notes: RulesNote[] = notesFor(slo, baseMs).map((message) => ({ slo: slo.id, message }));
  const ids = idLabels(slo);
  const filter = labelFilter(ids);
  const names = groupNames(slo.id);

  const alertWindows = [...new Set([baseMs, ...tiers.flatMap((t) => [t.shortMs, t.longMs])])].sort((a, b) => a - b);
  const sliRules: RecordingRule[] = alertWindows.map((ms) => sliRule(slo, ms, ids, ratio));
  if (!alertWindows.includes(periodMs)) sliRules.push(periodRule(slo, periodMs, baseMs, ids, filter, ratio));

  const groups: RuleGroup[] = [];
  if (options.recordings !== false) {
    groups.push({ name: names.sli, rules: sliRules }, { name: names.meta, rules: metaRules(slo, periodMs, baseMs, ids, filter) });
  }
  const alerts = options.alerts === false ? [] : alertRules(slo, baseMs, ids, filter, notes);
  if (alerts.length > 0) groups.push({ name: names.alerts, rules: alerts });
  return { groups, notes };
}

function idLabels(slo: Slo): Record<string, string> {
  return { sloth_id: slo.id, sloth_service: slo.service, sloth_slo: slo.name };
}

/** `{a="x", b="y"}` with sorted names, as Prometheus prints a label set. */
export function labelFilter(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

function sliRule(slo: Slo, windowMs: number, ids: Record<string, string>, ratio: (window: string) => string): RecordingRule {
  const window = formatDuration(windowMs);
  return {
    record: `${SLI_ERROR_METRIC}${window}`,
    expr: ratio(window),
    labels: { ...slo.labels, ...ids, [WINDOW_LABEL]: window },
  };
}

/**
 * The period's error ratio as the mean of the base window's recorded ratios, as Sloth records it by default:
 * cheap over 30 days, but time-weighted rather than event-weighted (Sloth #241).
 */
function periodRule(slo: Slo, periodMs: number, baseMs: number, ids: Record<string, string>, filter: string, ratio: (window: string) => string): RecordingRule {
  const window = formatDuration(periodMs);
  const base = `${sliErrorMetric(baseMs)}${filter}[${window}]`;
  return {
    record: `${SLI_ERROR_METRIC}${window}`,
    expr: baseMs < periodMs
      ? `sum_over_time(${base})\n/ ignoring (${WINDOW_LABEL})\ncount_over_time(${base})`
      : ratio(window),
    labels: { ...slo.labels, ...ids, [WINDOW_LABEL]: window },
  };
}

function metaRules(slo: Slo, periodMs: number, baseMs: number, ids: Record<string, string>, filter: string): RecordingRule[] {
  const labels = { ...slo.labels, ...ids };
  const objectiveRatio = formatGoFloat(slo.objective / 100);
  // Days as Sloth computes them: Go's Duration.Hours() / 24.
  const days = (Math.trunc(periodMs / HOUR) + (periodMs % HOUR) / HOUR) / 24;
  const burnRate = (windowMs: number): string =>
    `${sliErrorMetric(windowMs)}${filter}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio${filter}`;
  return [
    { record: 'slo:objective:ratio', expr: `vector(${objectiveRatio})`, labels },
    // `1 - objective` written as Sloth writes it, so the recorded value is the same float64.
    { record: 'slo:error_budget:ratio', expr: `vector(1-${objectiveRatio})`, labels },
    { record: 'slo:time_period:days', expr: `vector(${formatGoFloat(days)})`, labels },
    { record: 'slo:current_burn_rate:ratio', expr: burnRate(baseMs), labels },
    { record: 'slo:period_burn_rate:ratio', expr: burnRate(periodMs), labels },
    { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${filter}`, labels },
    {
      record: 'sloth_slo_info',
      expr: 'vector(1)',
      labels: {
        ...labels,
        sloth_mode: 'burnwatch',
        sloth_objective: formatFloat(slo.objective),
        sloth_spec: specName(slo.source.format),
        sloth_version: 'burnwatch',
      },
    },
  ];
}

/** The spec name Sloth's `sloth_spec` label uses for each input format. */
function specName(format: SpecFormat): string {
  switch (format) {
    case 'sloth/prometheus-v1':
      return 'prometheus/v1';
    case 'sloth/kubernetes-v1':
    case 'sloth/alert-windows-v1':
      return 'sloth.slok.dev/v1';
    case 'burnwatch/v1':
    case 'openslo/v1':
    case 'openslo/v1alpha':
    case 'openslo/v2alpha':
    case 'pyrra/v1alpha1':
      return format;
  }
}

function alertRules(slo: Slo, baseMs: number, ids: Record<string, string>, filter: string, notes: RulesNote[]): AlertingRule[] {
  const { alerting } = slo;
  const budget = errorBudget(slo.objective);
  const rules: AlertingRule[] = [];
  const keep = alerting.keepFiringForMs > 0 ? { keep_firing_for: formatDuration(alerting.keepFiringForMs) } : {};
  let guardDropped = false;

  const clause = (tier: Tier): string => {
    const threshold = `(${formatGoFloat(tier.factor)} * ${formatGoFloat(budget)})`;
    const side = (ms: number): string => `    max(${sliErrorMetric(ms)}${filter} > ${threshold}) without (${WINDOW_LABEL})`;
    const lines = ['(', side(tier.shortMs), '    and', side(tier.longMs)];
    if (alerting.minEvents > 0) {
      const events = eventCountQuery(slo.indicator, slo.groupBy, formatDuration(tier.longMs), tier.longMs);
      if (events === undefined) guardDropped = true;
      else lines.push(`    and on(${slo.groupBy.join(', ')})`, `    (${events}) >= ${alerting.minEvents}`);
    }
    lines.push(')');
    return lines.join('\n');
  };

  for (const severity of ['page', 'ticket'] as const) {
    const policy = severityPolicy(slo, severity);
    const tiers = alerting.tiers.filter((t) => t.severity === severity);
    if (!policy.enabled || tiers.length === 0) continue;
    const labels = { ...alerting.labels, ...policy.labels, ...ids, [SEVERITY_LABEL]: severity };
    const annotations = alertAnnotations(slo, policy, {
      title: `(${severity}) {{$labels.sloth_service}} {{$labels.sloth_slo}}: the error budget is burning too fast`,
      summary: `{{$labels.sloth_service}} {{$labels.sloth_slo}} is spending its error budget faster than its ${formatFloat(slo.objective)}% objective allows.`,
    });
    const fors = new Set(tiers.map((t) => t.forMs));
    if (fors.size === 1) {
      const forMs = tiers[0]?.forMs ?? 0;
      rules.push({
        alert: alerting.name,
        expr: tiers.map(clause).join('\nor\n'),
        ...(forMs > 0 ? { for: formatDuration(forMs) } : {}),
        ...keep,
        labels,
        annotations,
      });
      continue;
    }
    for (const tier of tiers) {
      rules.push({
        alert: alerting.name,
        expr: clause(tier),
        ...(tier.forMs > 0 ? { for: formatDuration(tier.forMs) } : {}),
        ...keep,
        labels: { ...labels, [TIER_LABEL]: tier.name },
        annotations,
      });
    }
  }

  const exhaustion = alerting.exhaustion;
  if (exhaustion !== undefined && severityPolicy(slo, exhaustion.severity).enabled) {
    const policy = severityPolicy(slo, exhaustion.severity);
    rules.push({
      alert: alerting.name,
      expr: `slo:period_error_budget_remaining:ratio${filter} <= ${formatGoFloat(exhaustion.threshold)}`,
      ...keep,
      labels: { ...alerting.labels, ...policy.labels, ...ids, [SEVERITY_LABEL]: exhaustion.severity, [CONDITION_LABEL]: 'budget-exhausted' },
      annotations: alertAnnotations(slo, policy, {
        title: `(${exhaustion.severity}) {{$labels.sloth_service}} {{$labels.sloth_slo}}: the error budget is ${exhaustion.threshold === 0 ? 'exhausted' : 'nearly exhausted'}`,
        summary: `{{$labels.sloth_service}} {{$labels.sloth_slo}} has {{ $value | humanizePercentage }} of its error budget left.`,
      }),
    });
  }

  if (alerting.noDataAfterMs !== undefined) {
    const noDataSeverity = alerting.noDataSeverity ?? 'ticket';
    const policy = severityPolicy(slo, noDataSeverity);
    rules.push({
      alert: alerting.name,
      expr: `absent(${sliErrorMetric(baseMs)}${filter})`,
      ...(alerting.noDataAfterMs > 0 ? { for: formatDuration(alerting.noDataAfterMs) } : {}),
      labels: { ...alerting.labels, ...policy.labels, ...ids, [SEVERITY_LABEL]: noDataSeverity, [CONDITION_LABEL]: 'no-data' },
      annotations: alertAnnotations(slo, policy, {
        title: `(${noDataSeverity}) {{$labels.sloth_service}} {{$labels.sloth_slo}}: the SLI has no data`,
        summary: `No ${formatDuration(baseMs)} error ratio has been recorded for {{$labels.sloth_service}} {{$labels.sloth_slo}} for ${formatDuration(alerting.noDataAfterMs)}.`,
      }),
    });
  }

  if (guardDropped) notes.push({ slo: slo.id, message: `minEvents ${alerting.minEvents} is not exported: a ratio indicator has no event count, so the rules alert at any traffic` });
  return rules;
}

function severityPolicy(slo: Slo, severity: Severity): SeverityPolicy {
  return severity === 'page' ? slo.alerting.page : slo.alerting.ticket;
}

/** Our default title and summary, then the SLO's annotations, then the severity's (later ones win). */
function alertAnnotations(slo: Slo, policy: SeverityPolicy, defaults: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...defaults, ...slo.alerting.annotations, ...policy.annotations };
  const runbook = slo.alerting.runbook;
  if (runbook !== undefined && out['runbook_url'] === undefined && out['runbook'] === undefined) {
    out[/^[a-z][a-z0-9+.-]*:\/\//i.test(runbook) ? 'runbook_url' : 'runbook'] = runbook;
  }
  return out;
}

function notesFor(slo: Slo, baseMs: number): string[] {
  const notes: string[] = [];
  if (slo.period.kind === 'calendar') {
    notes.push(`the calendar ${slo.period.unit} period is exported as a rolling ${formatDuration(nominalPeriodMs(slo.period))} window: Prometheus rules cannot reset the budget at a calendar boundary`);
  }
  if (slo.budgeting.kind !== 'occurrences') {
    notes.push(`${slo.budgeting.kind} budgeting is not expressible in rules: the period rules average the recorded ${formatDuration(baseMs)} error ratios instead`);
  }
  if (slo.maintenance.length > 0) {
    notes.push('maintenance windows are not exported: the rules keep alerting and counting errors during them');
  }
  if ((slo.corrections ?? []).length > 0) {
    notes.push('budget corrections are not exported: the rules count the corrected events in their windows and budget');
  }
  if (slo.indicator.kind === 'composite' && slo.alerting.inhibitChildren === true) {
    const children = slo.indicator.children.map((c) => c.sloId).join('|');
    notes.push(`inhibitChildren is not a rule: in Alertmanager, add inhibit_rules: [{ source_matchers: ['sloth_id="${slo.id}"', 'sloth_severity="page"'], target_matchers: ['sloth_id=~"${children}"', 'sloth_severity="page"'], equal: [${slo.groupBy.join(', ')}] }]`);
  }
  return notes;
}
