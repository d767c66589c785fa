import { checkPromqlSyntax, hasWindowPlaceholder, misspeltPlaceholder, renderWindow } from '../../promql/syntax.js';
import { DAY, HOUR, MINUTE, WEEK, formatDuration } from '../../slo/duration.js';
import type {
  AlertingPolicy,
  Budgeting,
  CalendarUnit,
  EventQuery,
  Indicator,
  Period,
  Severity,
  SeverityPolicy,
  Slo,
  SpecFormat,
} from '../../slo/model.js';
import { nominalPeriodMs, resolveTiers } from '../../slo/windows.js';
import type { TierOverride } from '../../slo/windows.js';
import type { DetectedObject, ReadOptions } from '../readers.js';
import type { LoadedSlo, ReadResult } from '../loaded.js';
import type { Location, PathSegment, LocatedProblem } from '../located.js';
import { formatPath } from '../located.js';
import { DEFAULT_ALERT_NAME, isTimeZone } from '../native/to-model.js';
import { checkWindowTemplate } from '../query-checks.js';
import { closest, issuesToErrors } from '../zod-errors.js';
import {
  counterRateTemplate,
  counterSelector,
  gaugeRatioTemplate,
  rawRatioTemplate,
  selectorRateTemplate,
  thresholdTemplate,
} from './promql.js';
import type { Placed, ResolvedPolicy, ResolvedSlo, TopObject } from './resolve.js';
import { ObjectIndex, isRecord, locateIn, placedChild, resolvePolicy, resolveSlo } from './resolve.js';
import {
  AlertConditionSpec,
  AlertNotificationTargetSpec,
  AlertPolicySpec,
  SHORTHAND_RE,
  SliSpec,
  V1ALPHA_KINDS,
  V1ALPHA_SCHEMAS,
  V1_KINDS,
  V1_SCHEMAS,
  V1Slo,
  V1alphaSlo,
} from './schema.js';
import type { Objective, Operator, TimeWindow, V1Kind, V1alphaQuery, V1alphaTimeWindow } from './schema.js';

/**
 * OpenSLO -> the burnwatch model. Decisions (each also noted where it is made):
 *
 * - One burnwatch SLO per objective. v1: the id is `metadata.name` when the SLO has one objective and
 *   `<name>-<index>` when it has several (names are RFC 1123 labels, so the ids stay valid; display names
 *   can change and are not unique). v1alpha: `<service>-<name>-<index>` always, as Sloth names them, so ids
 *   (and Sloth's `sloth_id` labels) match for the same file.
 * - Objective = `target` x 100 or `targetPercent`.
 * - Durations: `m` h d w, `M` = 30 d, `Q` = 90 d, `Y` = 365 d (go-sdk `duration_shorthand.go`). A calendar
 *   window must be 1d, 1w, 1M, 1Q or 1Y. No `timeWindow` at all: the default period (30 d, Sloth's default).
 *   `isRolling` omitted without `calendar` is read as rolling (the meaning is unambiguous; Sloth's v1alpha
 *   files do this); `isRolling: false` without `calendar` is an error, as in go-sdk.
 * - Calendar windows reset at the unit's boundary in `timeZone` (midnight; weeks on Monday, `slo/calendar.ts`);
 *   a `startTime` off that boundary is a warning, as it is not used.
 * - Queries: see `promql.ts`. Only Prometheus-compatible data sources are read (`type`, or the type of the
 *   DataSource named by `metricSourceRef`, or a query that parses as PromQL). A `metricSourceRef` to a missing
 *   DataSource is a warning: go-sdk's inliner does not resolve it, and burnwatch does not need it.
 * - Alerting: an AlertPolicy's burn-rate condition is one tier: `threshold` is the burn-rate factor,
 *   `lookbackWindow` the long window, the short window 1/12 of it (the workbook's guideline, rounded to the
 *   minute), `alertAfter` the `for` duration, and the free-form `severity` is `page` for page, critical, high,
 *   urgent, emergency, p1 and sev1 (any case), `ticket` otherwise. An SLO with alert policies gets exactly
 *   those tiers; without any, burnwatch's default tiers for its period (and the budget-exhausted alert).
 *   `op: lt/lte` on a burn-rate condition is read as "exceeds" (the OpenSLO examples write `lte` for it) with a
 *   located warning. `alertWhenNoData` sets the no-data alert after the condition's lookback window;
 *   `alertWhenBreaching: false` makes the policy add no tier (warning); `alertWhenResolved` is not mapped
 *   (burnwatch decides resolve notifications per destination).
 * - Notification targets become routing data on the severity the policy's condition maps to: the label
 *   `openslo_target` (the targets' `spec.target` values, sorted, comma-separated: `email,pagerduty`) and the
 *   annotations `openslo_alert_policies` and `openslo_notification_targets` (object names).
 * - `metadata.labels` become SLO labels (keys with characters Prometheus does not allow turned into `_`,
 *   lists joined with `,`). `metadata.annotations` are not mapped (their keys are not Prometheus names).
 * - Composite SLOs (an indicator per objective) are reported as unsupported.
 */

const PROMETHEUS_TYPES = new Set(['prometheus', 'thanos', 'cortex', 'mimir', 'victoriametrics']);
const PROMETHEUS_TYPES_TEXT = 'Prometheus, Thanos, Cortex, Mimir or VictoriaMetrics';
const PAGE_SEVERITIES = new Set(['page', 'critical', 'high', 'urgent', 'emergency', 'p1', 'sev1']);
const DEFAULT_SLICE_MS = MINUTE;

/** Every object of the load checked against the schema of its kind. */
export interface CheckedObjects {
  readonly v1: TopObject[];
  readonly v1alpha: { readonly placed: Placed; readonly valid: boolean; readonly kind: string }[];
  readonly errors: LocatedProblem[];
}

export function checkObjects(objects: readonly DetectedObject[]): CheckedObjects {
  const errors: LocatedProblem[] = [];
  const v1: TopObject[] = [];
  const v1alpha: CheckedObjects['v1alpha'] = [];
  for (const o of objects) {
    const placed: Placed = { doc: o.doc, path: [], value: o.value };
    const v1Format = o.format === 'openslo/v1';
    const kinds: readonly string[] = v1Format ? V1_KINDS : V1ALPHA_KINDS;
    const kind = o.value['kind'];
    if (typeof kind !== 'string' || !kinds.includes(kind)) {
      errors.push(unknownKind(placed, kind, kinds, o.format));
      continue;
    }
    const schema = v1Format ? V1_SCHEMAS[kind as V1Kind] : V1ALPHA_SCHEMAS[kind as keyof typeof V1ALPHA_SCHEMAS];
    const parsed = schema.safeParse(o.value, { reportInput: true });
    const own = parsed.success ? [] : issuesToErrors(parsed.error.issues, o.doc, schema);
    errors.push(...own);
    const valid = own.every((e) => e.severity === 'warning');
    if (v1Format) {
      const metadata = o.value['metadata'];
      const name = isRecord(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : undefined;
      v1.push({ ...placed, kind: kind as V1Kind, name, valid });
    } else {
      v1alpha.push({ placed, valid, kind });
    }
  }
  return { v1, v1alpha, errors };
}

/** Reads every `openslo/v1` and `openslo/v1alpha` object of one load. */
export function readOpenSlo(objects: readonly DetectedObject[], options: ReadOptions): ReadResult {
  const { v1, v1alpha, errors } = checkObjects(objects);
  const index = new ObjectIndex(v1);
  errors.push(...duplicateWarnings(index));
  // Every AlertPolicy's references are checked once, where it is written (go-sdk inlines them too).
  // Conditions are warned about where they are written, whether or not an SLO uses them.
  for (const policy of index.all('AlertPolicy')) {
    const resolved = resolvePolicy(policy, index, policy.valid, '', errors);
    for (const c of resolved.conditions) {
      if (c.ref === undefined && c.valid) errors.push(...conditionWarnings(placedChild(c.placed, ['spec'])));
    }
  }
  for (const condition of index.all('AlertCondition')) {
    if (condition.valid) errors.push(...conditionWarnings(placedChild(condition, ['spec'])));
  }

  const slos: LoadedSlo[] = [];
  for (const slo of index.all('SLO')) {
    const resolved = resolveSlo(slo, index);
    errors.push(...resolved.errors);
    if (!resolved.complete) continue;
    const mapped = mapV1Slo(resolved, index, options);
    slos.push(...mapped.slos);
    errors.push(...mapped.errors);
  }
  for (const o of v1alpha) {
    if (o.kind !== 'SLO' || !o.valid) continue;
    const mapped = mapV1alphaSlo(o.placed, options);
    slos.push(...mapped.slos);
    errors.push(...mapped.errors);
  }
  return { slos, errors: dedupe(errors) };
}

function unknownKind(placed: Placed, kind: unknown, kinds: readonly string[], format: SpecFormat): LocatedProblem {
  const at = locateIn(placed, kind === undefined ? [] : ['kind']);
  if (typeof kind !== 'string') {
    return { ...at, message: kind === undefined ? 'missing required field "kind"' : `kind must be a string, not ${JSON.stringify(kind)}`, hint: `${format} kinds: ${kinds.join(', ')}` };
  }
  const suggestion = closest(kind, kinds);
  return {
    ...at,
    message: `unknown ${format} kind "${kind}"`,
    hint: suggestion === undefined ? `${format} kinds: ${kinds.join(', ')}` : `did you mean "${suggestion}"?`,
  };
}

/** Two referenceable objects of one kind with one name: references use the first (as go-sdk does). */
function duplicateWarnings(index: ObjectIndex): LocatedProblem[] {
  const out: LocatedProblem[] = [];
  for (const kind of ['SLI', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget', 'DataSource'] as const) {
    const seen = new Map<string, TopObject>();
    for (const o of index.all(kind)) {
      if (o.name === undefined) continue;
      const first = seen.get(o.name);
      if (!first) {
        seen.set(o.name, o);
        continue;
      }
      const at = locateIn(first, ['metadata', 'name']);
      out.push({
        ...locateIn(o, ['metadata', 'name']),
        severity: 'warning',
        message: `another v1.${kind} named '${o.name}' is defined at ${at.file}:${at.line}:${at.col}; references to '${o.name}' use that one`,
        hint: 'rename one of them, or remove the copy',
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- openslo/v1 SLO

interface Context {
  readonly sloName: string;
  readonly index: ObjectIndex;
  readonly errors: LocatedProblem[];
  /** Unsupported data source types already reported for this SLO. */
  readonly reportedTypes: Set<string>;
}

/** The SLI's queries, checked once per SLO; each objective then makes its indicator from them. */
type SliQueries =
  | { readonly kind: 'ratio'; readonly part: Query; readonly total: Query; readonly counter: boolean; readonly count: 'good' | 'bad' }
  | { readonly kind: 'raw'; readonly query: Query; readonly meaning: 'success' | 'error' }
  | { readonly kind: 'threshold'; readonly query: Query };

/** A PromQL query and where it is written. */
interface Query {
  readonly text: string;
  readonly placed: Placed;
  readonly path: readonly PathSegment[];
}

function mapV1Slo(resolved: ResolvedSlo, index: ObjectIndex, options: ReadOptions): ReadResult {
  const errors: LocatedProblem[] = [];
  const top = resolved.slo;
  const file = V1Slo.parse(top.value);
  const { metadata, spec } = file;
  const ctx: Context = { sloName: metadata.name, index, errors, reportedTypes: new Set() };
  const specPlaced = placedChild(top, ['spec']) ?? top;

  const composite = spec.objectives.findIndex((o) => o.indicator !== undefined || o.indicatorRef !== undefined);
  if (composite >= 0) {
    errors.push({
      ...locateIn(specPlaced, ['objectives', composite, spec.objectives[composite]?.indicator !== undefined ? 'indicator' : 'indicatorRef']),
      message: `SLO "${metadata.name}": composite SLOs (an indicator per objective) are not supported`,
      hint: 'write one SLO per indicator; burnwatch alerts on each of them separately',
    });
    return { slos: [], errors };
  }

  const indicatorPart = resolved.indicator;
  const sliSpec = indicatorPart ? SliSpec.parse(indicatorPart.placed.value['spec']) : undefined;
  const sliQueries = indicatorPart && sliSpec ? v1SliQueries(ctx, indicatorPart.placed, sliSpec) : undefined;
  const window = spec.timeWindow?.[0];
  const period = v1Period(ctx, specPlaced, window, options);
  const alerting = period ? v1Alerting(ctx, resolved, specPlaced, nominalPeriodMs(period)) : undefined;

  const slos: LoadedSlo[] = [];
  spec.objectives.forEach((objective, i) => {
    const objPlaced = placedChild(specPlaced, ['objectives', i]) ?? specPlaced;
    const target = objectivePercent(ctx, objPlaced, objective);
    const isThreshold = sliSpec?.thresholdMetric !== undefined;
    opValueChecks(ctx, objPlaced, objective.op, objective.value, isThreshold ? 'threshold' : 'ratio', false);
    const budgeting = v1Budgeting(ctx, objPlaced, spec.budgetingMethod, objective, period);
    const indicator = sliQueries ? objectiveIndicator(ctx, sliQueries, objective.op, objective.value) : undefined;
    if (target === undefined || budgeting === undefined || indicator === undefined || period === undefined || alerting === undefined) return;
    const several = spec.objectives.length > 1;
    const id = several ? `${metadata.name}-${i}` : metadata.name;
    const displayName = several && objective.displayName !== undefined
      ? (metadata.displayName === undefined ? objective.displayName : `${metadata.displayName}: ${objective.displayName}`)
      : metadata.displayName;
    const slo: Slo = {
      id,
      name: id,
      service: spec.service,
      ...(displayName === undefined ? {} : { displayName }),
      ...(spec.description === undefined ? {} : { description: spec.description }),
      labels: promLabels(metadata.labels),
      objective: target,
      period,
      budgeting,
      indicator,
      groupBy: [],
      alerting: alerting.policy,
      maintenance: [],
      source: { file: top.doc.file, document: top.doc.index, format: 'openslo/v1' },
    };
    slos.push({
      slo,
      at: {
        id: locateIn(top, ['metadata', 'name']),
        objective: locateIn(objPlaced, [objective.target === undefined ? 'targetPercent' : 'target']),
        period: locateIn(specPlaced, window === undefined ? [] : ['timeWindow', 0]),
        alerting: locateIn(specPlaced, spec.alertPolicies ? ['alertPolicies'] : []),
        ...alerting.at,
        ...(sliQueries ? queryLocations(sliQueries) : {}),
      },
    });
  });
  const failed = errors.some((e) => e.severity !== 'warning');
  return { slos: failed ? [] : slos, errors };
}

function objectivePercent(ctx: Context, objPlaced: Placed, objective: Objective): number | undefined {
  const percent = objective.targetPercent ?? (objective.target === undefined ? undefined : objective.target * 100);
  if (percent === undefined) return undefined;
  if (percent <= 0) {
    ctx.errors.push({
      ...locateIn(objPlaced, [objective.target === undefined ? 'targetPercent' : 'target']),
      message: 'an objective of 0 cannot be evaluated: every event would be within budget',
      hint: objective.target === undefined ? 'write the percentage of good events, e.g. targetPercent: 99.9' : 'write the ratio of good events, e.g. target: 0.999',
    });
    return undefined;
  }
  return percent;
}

/**
 * `op`/`value` on objectives: required for threshold SLIs; go-sdk forbids them on ratio SLIs, but the
 * OpenSLO examples set `op: gt` there anyway, so they are a warning (ignored), not an error.
 * v1alpha requires `value` on every objective (go-sdk), which Sloth's files omit: not checked.
 */
function opValueChecks(ctx: Context, objPlaced: Placed, op: Operator | undefined, value: number | undefined, sli: 'threshold' | 'ratio', v1alpha: boolean): void {
  if (sli === 'threshold') {
    if (op === undefined) ctx.errors.push(missing(objPlaced, 'op', 'missing required field "op": a threshold objective compares each value of the SLI with "value"', 'add op: lt (good when the value is below "value"), lte, gt or gte'));
    if (value === undefined) ctx.errors.push(missing(objPlaced, 'value', 'missing required field "value": the threshold a good value of the SLI meets', 'add e.g. value: 500 with op: lt for "under 500"'));
    return;
  }
  const ignored: string[] = op === undefined ? [] : ['op'];
  if (!v1alpha && value !== undefined) ignored.push('value');
  for (const key of ignored) {
    ctx.errors.push({
      ...locateIn(objPlaced, [key], { key: true }),
      severity: 'warning',
      message: `"${key}" is ignored on an objective of a ratio SLI (go-sdk's validator forbids it here)`,
      hint: `remove ${key}: ${key === 'op' ? String(op) : String(value)}; the objective is the target share of good events`,
    });
  }
}

function v1Budgeting(ctx: Context, objPlaced: Placed, method: 'Occurrences' | 'Timeslices' | 'RatioTimeslices', objective: Objective, period: Period | undefined): Budgeting | undefined {
  if (method === 'Occurrences') return { kind: 'occurrences' };
  let ok = true;
  if (objective.timeSliceWindow === undefined) {
    ctx.errors.push(missing(objPlaced, 'timeSliceWindow', `missing required field "timeSliceWindow": budgetingMethod ${method} needs the length of a time slice`, 'add e.g. timeSliceWindow: 1m'));
    ok = false;
  }
  if (method === 'Timeslices' && objective.timeSliceTarget === undefined) {
    ctx.errors.push(missing(objPlaced, 'timeSliceTarget', 'missing required field "timeSliceTarget": budgetingMethod Timeslices needs the share of good events that makes a slice good', 'add e.g. timeSliceTarget: 0.95'));
    ok = false;
  }
  if (!ok || objective.timeSliceWindow === undefined) return undefined;
  const sliceMs = shorthandMs(objective.timeSliceWindow);
  if (period && sliceMs > nominalPeriodMs(period)) {
    ctx.errors.push({ ...locateIn(objPlaced, ['timeSliceWindow']), message: `the time slice (${objective.timeSliceWindow}) is longer than the SLO's time window`, hint: 'use a slice such as 1m or 5m' });
    return undefined;
  }
  if (method === 'RatioTimeslices') return { kind: 'ratioTimeslices', sliceMs };
  return { kind: 'timeslices', sliceMs, target: objective.timeSliceTarget ?? 1 };
}

// ---------------------------------------------------------------- periods

const SHORTHAND_UNIT_MS: Readonly<Record<string, number>> = { m: MINUTE, h: HOUR, d: DAY, w: WEEK, M: 30 * DAY, Q: 90 * DAY, Y: 365 * DAY };
const SHORTHAND_CALENDAR: Readonly<Record<string, CalendarUnit>> = { d: 'day', w: 'week', M: 'month', Q: 'quarter', Y: 'year' };
const MONTH_HINT = 'OpenSLO duration units are case-sensitive: "m" is minutes and "M" months; for a month write 1M';

/** Milliseconds of a (schema-checked) OpenSLO duration shorthand. */
export function shorthandMs(text: string): number {
  const m = SHORTHAND_RE.exec(text);
  return m ? Number(m[1]) * (SHORTHAND_UNIT_MS[m[2] ?? ''] ?? 0) : 0;
}

function v1Period(ctx: Context, specPlaced: Placed, window: TimeWindow | undefined, options: ReadOptions): Period | undefined {
  if (window === undefined) return { kind: 'rolling', durationMs: options.defaultPeriodMs ?? 30 * DAY };
  const at = placedChild(specPlaced, ['timeWindow', 0]) ?? specPlaced;
  const [, count, unit] = SHORTHAND_RE.exec(window.duration) ?? [];
  if (window.calendar !== undefined) {
    const calendarUnit = unit === undefined ? undefined : SHORTHAND_CALENDAR[unit];
    return calendarPeriod(ctx, at, ['duration'], count === '1' ? calendarUnit : undefined, window.duration, window.calendar);
  }
  const durationMs = shorthandMs(window.duration);
  if (unit === 'm' || durationMs < HOUR) {
    ctx.errors.push({
      ...locateIn(at, ['duration']),
      message: `SLO "${ctx.sloName}": a time window of ${window.duration} is ${formatDuration(durationMs)}, too short for an SLO period (the alert windows would be longer than it)`,
      hint: unit === 'm' ? `${MONTH_HINT} (30 days), or write e.g. 28d` : 'SLO periods are days or weeks, e.g. 28d or 4w',
    });
    return undefined;
  }
  return { kind: 'rolling', durationMs };
}

function calendarPeriod(
  ctx: Context,
  at: Placed,
  durationPath: readonly PathSegment[],
  unit: CalendarUnit | undefined,
  written: string,
  calendar: { startTime: string; timeZone: string },
): Period | undefined {
  let ok = true;
  if (unit === undefined) {
    ctx.errors.push({
      ...locateIn(at, durationPath),
      message: `SLO "${ctx.sloName}": a calendar time window of ${written} is not supported`,
      hint: `calendar windows are one day, week, month, quarter or year (OpenSLO 1d, 1w, 1M, 1Q, 1Y)${/^\d+m$/.test(written) ? `; ${MONTH_HINT}` : ''}`,
    });
    ok = false;
  }
  if (!isTimeZone(calendar.timeZone)) {
    ctx.errors.push({ ...locateIn(at, ['calendar', 'timeZone']), message: `unknown time zone "${calendar.timeZone}"`, hint: 'use an IANA time zone name such as UTC, Europe/Berlin or America/New_York' });
    ok = false;
  }
  if (!ok || unit === undefined) return undefined;
  const warning = startTimeWarning(calendar.startTime, unit, calendar.timeZone);
  if (warning !== undefined) ctx.errors.push({ ...locateIn(at, ['calendar', 'startTime']), severity: 'warning', ...warning });
  return { kind: 'calendar', unit, timezone: calendar.timeZone };
}

/**
 * burnwatch resets a calendar period at its boundary (midnight; weeks start on Monday, as in
 * `slo/calendar.ts`); a startTime elsewhere is not honoured: say so, and suggest the boundary before it.
 */
function startTimeWarning(startTime: string, unit: CalendarUnit, timeZone: string): { message: string; hint: string } | undefined {
  const [date = '', time = ''] = startTime.split(' ');
  const [year = 1970, month = 1, day = 1] = date.split('-').map(Number);
  const civil = new Date(Date.UTC(year, month - 1, day));
  const isoWeekday = ((civil.getUTCDay() + 6) % 7) + 1;
  const boundary = {
    day: civil,
    week: new Date(Date.UTC(year, month - 1, day - (isoWeekday - 1))),
    month: new Date(Date.UTC(year, month - 1, 1)),
    quarter: new Date(Date.UTC(year, month - 1 - ((month - 1) % 3), 1)),
    year: new Date(Date.UTC(year, 0, 1)),
  }[unit];
  const suggestion = `${boundary.toISOString().slice(0, 10)} 00:00:00`;
  if (suggestion === `${date} ${time}`) return undefined;
  const where = { day: 'midnight', week: 'midnight on Monday', month: 'midnight on the 1st', quarter: 'midnight on the 1st of January, April, July and October', year: 'midnight on January 1st' }[unit];
  return {
    message: `burnwatch starts each calendar ${unit} at ${where} in ${timeZone}; startTime "${startTime}" is not used`,
    hint: `the period still resets every calendar ${unit}; to make the file say so, write startTime: "${suggestion}"`,
  };
}

// ---------------------------------------------------------------- indicators and data sources

function v1SliQueries(ctx: Context, sli: Placed, spec: SliSpec): SliQueries | undefined {
  const part = (key: 'good' | 'bad' | 'total' | 'raw'): Query | undefined => {
    const placed = placedChild(sli, ['spec', 'ratioMetric', key]);
    return placed ? v1Query(ctx, placed) : undefined;
  };
  if (spec.thresholdMetric !== undefined) {
    const placed = placedChild(sli, ['spec', 'thresholdMetric']);
    const query = placed ? v1Query(ctx, placed) : undefined;
    return query ? { kind: 'threshold', query } : undefined;
  }
  const ratio = spec.ratioMetric;
  if (ratio === undefined) return undefined;
  if (ratio.raw !== undefined) {
    const query = part('raw');
    return query ? { kind: 'raw', query, meaning: ratio.rawType === 'failure' ? 'error' : 'success' } : undefined;
  }
  const count = ratio.good !== undefined ? 'good' : 'bad';
  const first = part(count);
  const total = part('total');
  return first && total ? { kind: 'ratio', part: first, total, counter: ratio.counter === true, count } : undefined;
}

/**
 * The PromQL query of a v1 metric spec (`{metricSource: {metricSourceRef, type, spec: {query}}}`).
 * The type comes from `type`, else from the DataSource named by `metricSourceRef`; with neither, a query
 * that parses as PromQL is taken as Prometheus. Other types are reported once per SLO.
 */
function v1Query(ctx: Context, metric: Placed): Query | undefined {
  const source = placedChild(metric, ['metricSource']);
  if (!source) return undefined;
  const ref = typeof source.value['metricSourceRef'] === 'string' ? source.value['metricSourceRef'] : undefined;
  const inlineType = typeof source.value['type'] === 'string' ? source.value['type'] : undefined;
  const dataSource = ref === undefined ? undefined : ctx.index.find('DataSource', ref);
  if (ref !== undefined && dataSource === undefined) {
    // A warning, not an error: go-sdk's inliner does not resolve metricSourceRef, and burnwatch does not use
    // the DataSource's connection details (it queries the Prometheus it is configured with).
    ctx.errors.push({
      ...locateIn(source, ['metricSourceRef']),
      severity: 'warning',
      message: `v1.DataSource '${ref}' referenced at 'metricSource.metricSourceRef' does not exist`,
      hint: inlineType === undefined ? 'add the DataSource to the files you load, or write type: Prometheus here' : `burnwatch goes by type: ${inlineType}; add the DataSource to the files you load, or remove metricSourceRef`,
    });
  }
  const dsSpec = dataSource?.valid === true ? placedChild(dataSource, ['spec']) : undefined;
  const dsType = typeof dsSpec?.value['type'] === 'string' ? dsSpec.value['type'] : undefined;
  if (inlineType !== undefined && dsType !== undefined && normalizeType(inlineType) !== normalizeType(dsType)) {
    ctx.errors.push({
      ...locateIn(source, ['type']),
      message: `metricSource.type "${inlineType}" contradicts the DataSource '${ref ?? ''}' it refers to, of type "${dsType}"`,
      hint: `write type: ${dsType}, or refer to a ${inlineType} DataSource`,
    });
    return undefined;
  }
  const type = inlineType ?? dsType;
  if (type !== undefined && !PROMETHEUS_TYPES.has(normalizeType(type))) {
    const at = inlineType !== undefined || !dsSpec ? locateIn(source, inlineType !== undefined ? ['type'] : []) : locateIn(dsSpec, ['type']);
    reportUnsupportedType(ctx, type, at);
    return undefined;
  }
  const spec = placedChild(source, ['spec']);
  if (!spec) return undefined;
  const query = spec.value['query'];
  if (typeof query !== 'string' || query.trim() === '') {
    const hint = 'write query: <PromQL>, e.g. sum(http_requests_total{code!~"5.."})';
    ctx.errors.push(query === undefined
      ? missing(spec, 'query', 'missing required field "query": a Prometheus metric source needs its PromQL query', hint)
      : { ...locateIn(spec, ['query']), message: 'the query is empty or not a string', hint });
    return undefined;
  }
  for (const key of Object.keys(spec.value)) {
    if (key === 'query') continue;
    ctx.errors.push({ ...locateIn(spec, [key], { key: true }), severity: 'warning', message: `"${key}" is ignored: a Prometheus metric source is read from its query alone`, hint: `remove ${key}` });
  }
  const problems = querySyntax({ text: query, placed: spec, path: ['query'] });
  if (problems.length > 0) {
    ctx.errors.push(...(type === undefined ? problems.map((p) => ({ ...p, hint: `${p.hint ?? ''}; with no metricSource.type, burnwatch reads the query as PromQL (set type: Prometheus)`.replace(/^; /, '') })) : problems));
    return undefined;
  }
  return { text: query, placed: spec, path: ['query'] };
}

function normalizeType(type: string): string {
  return type.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function reportUnsupportedType(ctx: Context, type: string, at: Location): void {
  if (ctx.reportedTypes.has(type)) return;
  ctx.reportedTypes.add(type);
  ctx.errors.push({
    ...at,
    message: `SLO "${ctx.sloName}": data source type "${type}" is not supported: burnwatch evaluates Prometheus-compatible backends`,
    hint: `rewrite the SLI's queries in PromQL for a Prometheus-compatible source (${PROMETHEUS_TYPES_TEXT}) and set type: Prometheus`,
  });
}

/** PromQL syntax of a query as written (with `{{.window}}` rendered as 5m), located inside the YAML scalar. */
function querySyntax(q: Query): LocatedProblem[] {
  const path = [...q.placed.path, ...q.path];
  if (hasWindowPlaceholder(q.text)) return checkWindowTemplate(q.placed.doc, path, q.text);
  const misspelt = misspeltPlaceholder(q.text);
  if (misspelt !== undefined) {
    return [{ ...q.placed.doc.locateInScalar(path, q.text.indexOf(misspelt)), message: `unknown template placeholder ${misspelt}`, hint: 'the only placeholder is {{.window}}' }];
  }
  const error = checkPromqlSyntax(q.text);
  if (error === undefined) return [];
  return [{ ...q.placed.doc.locateInScalar(path, error.offset), message: error.message, hint: 'fix the PromQL expression; test it in the Prometheus UI' }];
}

function locateQuery(q: Query): Location {
  return locateIn(q.placed, q.path);
}

/** Where the queries of an indicator are written (`LoadedSlo.at`); a ratio of gauges is located at its part. */
function queryLocations(queries: SliQueries): Record<string, Location> {
  if (queries.kind !== 'ratio') return { 'query:ratio': locateQuery(queries.query) };
  return { 'query:events': locateQuery(queries.part), 'query:total': locateQuery(queries.total), 'query:ratio': locateQuery(queries.part) };
}

/** The indicator of one objective. Threshold SLIs depend on the objective's op and value. */
function objectiveIndicator(ctx: Context, queries: SliQueries, op: Operator | undefined, value: number | undefined): Indicator | undefined {
  switch (queries.kind) {
    case 'threshold':
      if (op === undefined || value === undefined) return undefined;
      return checked(ctx, queries.query, { kind: 'ratio', template: thresholdTemplate(queries.query.text, op, value), meaning: 'success' });
    case 'raw':
      // A raw query may already hold {{.window}} (go-sdk's wifi example, in Sloth's style): then as written.
      return checked(ctx, queries.query, { kind: 'ratio', template: rawRatioTemplate(queries.query.text), meaning: queries.meaning });
    case 'ratio':
      return ratioIndicator(ctx, queries.part, queries.total, queries.counter, queries.count);
  }
}

/**
 * good|bad over total. Counters (`counter: true`, v1alpha `incremental: true`): selectors stay selectors
 * (burnwatch takes their increase over each window); expressions become rates over the window
 * (`promql.ts`). Gauges: the ratio of the time-averaged values. Queries with `{{.window}}` are taken as
 * written (Sloth's v1alpha files: `sum(rate(...[{{.window}}]))`), for counters and gauges alike.
 */
function ratioIndicator(ctx: Context, part: Query, total: Query, counter: boolean, count: 'good' | 'bad'): Indicator | undefined {
  const partWindow = hasWindowPlaceholder(part.text);
  const totalWindow = hasWindowPlaceholder(total.text);
  if (counter || (partWindow && totalWindow)) {
    const a = counterQuery(ctx, part);
    const b = counterQuery(ctx, total);
    if (!a || !b) return undefined;
    const both = a.kind === 'selector' && b.kind === 'selector';
    const asTemplate = (q: EventQuery): EventQuery => (both || q.kind === 'template' ? q : { kind: 'template', template: selectorRateTemplate(q.selector) });
    return checked(ctx, part, { kind: 'events', count, events: asTemplate(a), total: asTemplate(b) });
  }
  if (partWindow !== totalWindow) {
    const lacking = partWindow ? total : part;
    ctx.errors.push({
      ...locateQuery(lacking),
      message: `${partWindow ? count : 'total'} holds {{.window}} but ${partWindow ? 'total' : count} does not`,
      hint: 'write both queries over [{{.window}}] (e.g. sum(rate(x[{{.window}}]))), or neither (instant queries, which burnwatch averages over each window)',
    });
    return undefined;
  }
  return checked(ctx, part, { kind: 'ratio', template: gaugeRatioTemplate(part.text, total.text), meaning: count === 'good' ? 'success' : 'error' });
}

function counterQuery(ctx: Context, q: Query): EventQuery | undefined {
  if (hasWindowPlaceholder(q.text)) return { kind: 'template', template: q.text.trim() };
  const selector = counterSelector(q.text);
  if (selector !== undefined) return { kind: 'selector', selector };
  const rewritten = counterRateTemplate(q.text);
  if ('template' in rewritten) return { kind: 'template', template: rewritten.template };
  ctx.errors.push({ ...locateQuery(q), message: rewritten.message, hint: rewritten.hint });
  return undefined;
}

/** Every template we build must parse: a last check, reported at the query it came from. */
function checked(ctx: Context, q: Query, indicator: Indicator): Indicator | undefined {
  const templates = indicator.kind === 'events'
    ? [indicator.events, indicator.total].flatMap((e) => (e.kind === 'template' ? [e.template] : []))
    : indicator.kind === 'ratio' ? [indicator.template] : [];
  for (const t of templates) {
    const error = checkPromqlSyntax(renderWindow(t, '5m'));
    if (error !== undefined) {
      ctx.errors.push({ ...locateQuery(q), message: `burnwatch cannot evaluate this query over its windows: ${error.message} in ${renderWindow(t, '5m')}`, hint: 'write the query with [{{.window}}] ranges yourself' });
      return undefined;
    }
  }
  return indicator;
}

// ---------------------------------------------------------------- alerting

interface MappedAlerting {
  readonly policy: AlertingPolicy;
  readonly at: Record<string, Location>;
}

interface SeverityRouting {
  readonly targets: Set<string>;
  readonly targetNames: Set<string>;
  readonly policies: Set<string>;
}

function mapSeverity(severity: string): Severity {
  return PAGE_SEVERITIES.has(severity.trim().toLowerCase()) ? 'page' : 'ticket';
}

/** Warnings about a burn-rate condition as written (`spec` of an AlertCondition). */
function conditionWarnings(spec: Placed | undefined): LocatedProblem[] {
  const condition = spec ? placedChild(spec, ['condition']) : undefined;
  if (!condition) return [];
  const op = condition.value['op'];
  const threshold = condition.value['threshold'];
  if (op !== 'lt' && op !== 'lte') return [];
  return [{
    ...locateIn(condition, ['op']),
    severity: 'warning',
    message: `op: ${op} would alert while the burn rate is ${op === 'lt' ? 'below' : 'at or below'} ${String(threshold)}; burnwatch alerts when the burn rate exceeds the threshold`,
    hint: 'write op: gt; the OpenSLO examples write lte for "exceeds" too, and burnwatch reads it that way',
  }];
}

function v1Alerting(ctx: Context, resolved: ResolvedSlo, specPlaced: Placed, periodMs: number): MappedAlerting | undefined {
  const overrides: { override: TierOverride; at: Location; condition: string }[] = [];
  const routing: Record<Severity, SeverityRouting> = {
    page: { targets: new Set(), targetNames: new Set(), policies: new Set() },
    ticket: { targets: new Set(), targetNames: new Set(), policies: new Set() },
  };
  let noDataAfterMs: number | undefined;
  let ok = true;
  for (const policy of resolved.policies) {
    const mapped = policyTier(ctx, policy);
    if (!mapped) {
      ok = false;
      continue;
    }
    const r = routing[mapped.severity];
    r.policies.add(mapped.policyName);
    for (const t of mapped.targets) {
      r.targets.add(t.target);
      r.targetNames.add(t.name);
    }
    if (mapped.noData) noDataAfterMs = Math.min(noDataAfterMs ?? Infinity, mapped.override.longMs);
    if (mapped.breaching === false) continue;
    const same = overrides.find((o) => o.override.severity === mapped.override.severity && o.override.longMs === mapped.override.longMs);
    if (same) {
      if (same.override.factor === mapped.override.factor && same.override.forMs === mapped.override.forMs) continue;
      ctx.errors.push({
        ...mapped.at,
        message: `SLO "${ctx.sloName}": conditions '${same.condition}' and '${mapped.conditionName}' both make the ${mapped.override.severity} tier with a ${formatDuration(mapped.override.longMs)} lookback window, with different thresholds or alertAfter`,
        hint: `give one of them another lookbackWindow or severity, or make them equal; the other one is at ${same.at.file}:${same.at.line}:${same.at.col}`,
      });
      ok = false;
      continue;
    }
    overrides.push({ override: mapped.override, at: mapped.at, condition: mapped.conditionName });
  }
  if (!ok) return undefined;

  const useDefaults = resolved.policies.length === 0;
  const tiers = resolveTiers(periodMs, overrides.map((o) => o.override), useDefaults);
  const at: Record<string, Location> = {};
  for (const tier of tiers) {
    const from = overrides.find((o) => o.override.severity === tier.severity && o.override.longMs === tier.longMs);
    if (from) at[`tier:${tier.name}`] = from.at;
  }
  const severityPolicy = (r: SeverityRouting): SeverityPolicy => ({
    enabled: true,
    labels: r.targets.size > 0 ? { openslo_target: [...r.targets].sort().join(',') } : {},
    annotations: {
      ...(r.policies.size > 0 ? { openslo_alert_policies: [...r.policies].join(',') } : {}),
      ...(r.targetNames.size > 0 ? { openslo_notification_targets: [...r.targetNames].join(',') } : {}),
    },
  });
  const policy: AlertingPolicy = {
    name: DEFAULT_ALERT_NAME,
    labels: {},
    annotations: {},
    minEvents: 0,
    ...(noDataAfterMs === undefined ? {} : { noDataAfterMs }),
    keepFiringForMs: 0,
    tiers,
    page: severityPolicy(routing.page),
    ticket: severityPolicy(routing.ticket),
    // With alert policies the file says exactly which alerts it wants; without, burnwatch's defaults.
    ...(useDefaults ? { exhaustion: { threshold: 0, severity: 'ticket' as const } } : {}),
  };
  if (!useDefaults) at['alerting'] = locateIn(specPlaced, ['alertPolicies']);
  return { policy, at };
}

interface PolicyTier {
  readonly policyName: string;
  readonly conditionName: string;
  readonly severity: Severity;
  readonly override: TierOverride & { readonly factor: number; readonly forMs: number };
  readonly at: Location;
  readonly targets: readonly { name: string; target: string }[];
  readonly noData: boolean;
  readonly breaching: boolean | undefined;
}

function policyTier(ctx: Context, policy: ResolvedPolicy): PolicyTier | undefined {
  const spec = AlertPolicySpec.parse(policy.placed.value['spec']);
  const metadata = policy.placed.value['metadata'];
  const policyName = isRecord(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const conditionPart = policy.conditions[0];
  if (!conditionPart) return undefined;
  const conditionSpec = placedChild(conditionPart.placed, ['spec']);
  if (!conditionSpec) return undefined;
  const condition = AlertConditionSpec.parse(conditionSpec.value);
  const conditionMeta = conditionPart.placed.value['metadata'];
  const conditionName = isRecord(conditionMeta) && typeof conditionMeta['name'] === 'string' ? conditionMeta['name'] : '';
  ctx.errors.push(...conditionWarnings(conditionSpec));
  const at = locateIn(conditionSpec, ['condition']);
  const { threshold, lookbackWindow, alertAfter } = condition.condition;
  if (threshold <= 0) {
    ctx.errors.push({ ...locateIn(conditionSpec, ['condition', 'threshold']), message: `the burn-rate threshold must be above 0, not ${threshold}`, hint: 'write the burn rate that should alert, e.g. threshold: 14.4 (2 % of a 30-day budget in 1 hour)' });
    return undefined;
  }
  if (spec.alertWhenBreaching === false) {
    ctx.errors.push({
      ...locateIn(policy.placed, ['spec', 'alertWhenBreaching'], { key: true }),
      severity: 'warning',
      message: `alert policy '${policyName}' has alertWhenBreaching: false, so it adds no burn-rate tier`,
      hint: 'remove the line (or write true) to alert when the burn rate exceeds the threshold',
    });
  }
  const severity = mapSeverity(condition.severity);
  const targets = policy.targets.flatMap((t) => {
    const tSpec = placedChild(t.placed, ['spec']);
    const tMeta = t.placed.value['metadata'];
    if (!tSpec) return [];
    const parsed = AlertNotificationTargetSpec.parse(tSpec.value);
    return [{ name: isRecord(tMeta) && typeof tMeta['name'] === 'string' ? tMeta['name'] : parsed.target, target: parsed.target }];
  });
  return {
    policyName,
    conditionName,
    severity,
    override: { severity, longMs: shorthandMs(lookbackWindow), factor: threshold, forMs: alertAfter === undefined ? 0 : shorthandMs(alertAfter) },
    at,
    targets,
    noData: spec.alertWhenNoData === true,
    breaching: spec.alertWhenBreaching,
  };
}

function defaultAlerting(periodMs: number): AlertingPolicy {
  const plain: SeverityPolicy = { enabled: true, labels: {}, annotations: {} };
  return {
    name: DEFAULT_ALERT_NAME,
    labels: {},
    annotations: {},
    minEvents: 0,
    keepFiringForMs: 0,
    tiers: resolveTiers(periodMs, [], true),
    page: plain,
    ticket: plain,
    exhaustion: { threshold: 0, severity: 'ticket' },
  };
}

/** OpenSLO labels (string or list of strings, Kubernetes-style keys) as Prometheus labels. */
function promLabels(labels: Readonly<Record<string, string | readonly string[]>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
    if (/^[0-9]/.test(name)) name = `_${name}`;
    if (name.startsWith('__')) name = name.replace(/^_+/, 'label_');
    const text = typeof value === 'string' ? value : value.join(',');
    if (text !== '') out[name] = text;
  }
  return out;
}

// ---------------------------------------------------------------- openslo/v1alpha (Sloth's OpenSLO)

const V1ALPHA_UNIT_MS: Readonly<Record<V1alphaTimeWindow['unit'], number>> = {
  Second: 1000,
  Day: DAY,
  Week: WEEK,
  Month: 30 * DAY,
  Quarter: 90 * DAY,
  Year: 365 * DAY,
};
const V1ALPHA_CALENDAR: Readonly<Partial<Record<V1alphaTimeWindow['unit'], CalendarUnit>>> = { Day: 'day', Week: 'week', Month: 'month', Quarter: 'quarter', Year: 'year' };

/**
 * v1alpha as Sloth reads it (`internal/storage/io/openslo.go`): one SLO per objective with id
 * `<service>-<name>-<index>` and name `<name>-<index>`, objective = target x 100, good/total ratio ->
 * error ratio `1 - good/total` (our `events` indicator counting good events). Sloth disables alerts for
 * OpenSLO input; burnwatch gives these SLOs its default tiers, because an SLO without alerts is not what
 * someone pointing burnwatch at the file wants. Sloth accepts only `Day` windows; the other units are read
 * here as go-sdk defines them.
 */
function mapV1alphaSlo(top: Placed, options: ReadOptions): ReadResult {
  const errors: LocatedProblem[] = [];
  const file = V1alphaSlo.parse(top.value);
  const { metadata, spec } = file;
  const ctx: Context = { sloName: metadata.name, index: new ObjectIndex([]), errors, reportedTypes: new Set() };
  const specPlaced = placedChild(top, ['spec']) ?? top;
  const window = spec.timeWindows?.[0];
  const period = v1alphaPeriod(ctx, specPlaced, window, options);
  const threshold = spec.indicator === undefined ? undefined : v1alphaQuery(ctx, placedChild(specPlaced, ['indicator', 'thresholdMetric']));

  const slos: LoadedSlo[] = [];
  spec.objectives.forEach((objective, i) => {
    const objPlaced = placedChild(specPlaced, ['objectives', i]) ?? specPlaced;
    let indicator: Indicator | undefined;
    let queries: SliQueries | undefined;
    if (objective.ratioMetrics !== undefined) {
      opValueChecks(ctx, objPlaced, objective.op, objective.value, 'ratio', true);
      const good = v1alphaQuery(ctx, placedChild(objPlaced, ['ratioMetrics', 'good']));
      const total = v1alphaQuery(ctx, placedChild(objPlaced, ['ratioMetrics', 'total']));
      const counter = objective.ratioMetrics.incremental === true;
      if (good && total) queries = { kind: 'ratio', part: good, total, counter, count: 'good' };
      if (good && total) indicator = ratioIndicator(ctx, good, total, counter, 'good');
    } else if (threshold) {
      opValueChecks(ctx, objPlaced, objective.op, objective.value, 'threshold', true);
      queries = { kind: 'threshold', query: threshold };
      indicator = objectiveIndicator(ctx, queries, objective.op, objective.value);
    }
    let budgeting: Budgeting | undefined = { kind: 'occurrences' };
    if (spec.budgetingMethod === 'Timeslices') {
      if (objective.timeSliceTarget === undefined) {
        errors.push(missing(objPlaced, 'timeSliceTarget', 'missing required field "timeSliceTarget": budgetingMethod Timeslices needs the share of good events that makes a slice good', 'add e.g. timeSliceTarget: 0.95'));
        budgeting = undefined;
      } else {
        // v1alpha has no field for the slice length: burnwatch uses one minute and says so.
        errors.push({ ...locateIn(specPlaced, ['budgetingMethod']), severity: 'warning', message: `openslo/v1alpha has no time slice length; burnwatch uses ${formatDuration(DEFAULT_SLICE_MS)} slices`, hint: 'to choose the slice length, write the SLO as openslo/v1 with timeSliceWindow' });
        budgeting = { kind: 'timeslices', sliceMs: DEFAULT_SLICE_MS, target: objective.timeSliceTarget };
      }
    }
    const percent = objective.target * 100;
    if (percent <= 0) {
      errors.push({ ...locateIn(objPlaced, ['target']), message: 'an objective of 0 cannot be evaluated: every event would be within budget', hint: 'write the ratio of good events, e.g. target: 0.999' });
      return;
    }
    if (indicator === undefined || budgeting === undefined || period === undefined) return;
    const displayName = spec.objectives.length > 1 && objective.displayName !== undefined
      ? (metadata.displayName === undefined ? objective.displayName : `${metadata.displayName}: ${objective.displayName}`)
      : metadata.displayName;
    const slo: Slo = {
      id: `${spec.service}-${metadata.name}-${i}`,
      name: `${metadata.name}-${i}`,
      service: spec.service,
      ...(displayName === undefined ? {} : { displayName }),
      ...(spec.description === undefined ? {} : { description: spec.description }),
      labels: {},
      objective: percent,
      period,
      budgeting,
      indicator,
      groupBy: [],
      alerting: defaultAlerting(nominalPeriodMs(period)),
      maintenance: [],
      source: { file: top.doc.file, document: top.doc.index, format: 'openslo/v1alpha' },
    };
    slos.push({
      slo,
      at: {
        id: locateIn(top, ['metadata', 'name']),
        objective: locateIn(objPlaced, ['target']),
        period: locateIn(specPlaced, window === undefined ? [] : ['timeWindows', 0]),
        alerting: locateIn(specPlaced),
        ...(queries ? queryLocations(queries) : {}),
      },
    });
  });
  const failed = errors.some((e) => e.severity !== 'warning');
  return { slos: failed ? [] : slos, errors };
}

function v1alphaPeriod(ctx: Context, specPlaced: Placed, window: V1alphaTimeWindow | undefined, options: ReadOptions): Period | undefined {
  if (window === undefined) return { kind: 'rolling', durationMs: options.defaultPeriodMs ?? 30 * DAY };
  const at = placedChild(specPlaced, ['timeWindows', 0]) ?? specPlaced;
  const written = `${window.count} ${window.unit}`;
  if (window.calendar !== undefined) {
    return calendarPeriod(ctx, at, ['count'], window.count === 1 ? V1ALPHA_CALENDAR[window.unit] : undefined, written, window.calendar);
  }
  const durationMs = window.count * V1ALPHA_UNIT_MS[window.unit];
  if (durationMs < HOUR) {
    ctx.errors.push({ ...locateIn(at, ['count']), message: `SLO "${ctx.sloName}": a time window of ${written}s is too short for an SLO period`, hint: 'SLO periods are days or weeks, e.g. count: 30, unit: Day' });
    return undefined;
  }
  return { kind: 'rolling', durationMs };
}

/** A v1alpha `{source, queryType, query}`: Sloth accepts source prometheus (or sloth) with queryType promql. */
function v1alphaQuery(ctx: Context, placed: Placed | undefined): Query | undefined {
  if (!placed) return undefined;
  const q = placed.value as V1alphaQuery;
  const source = normalizeType(q.source);
  if (!PROMETHEUS_TYPES.has(source) && source !== 'sloth') {
    reportUnsupportedType(ctx, q.source, locateIn(placed, ['source']));
    return undefined;
  }
  const queryType = q.queryType.toLowerCase();
  if (queryType !== 'promql' && queryType !== 'query') {
    ctx.errors.push({ ...locateIn(placed, ['queryType']), message: `queryType "${q.queryType}" is not supported`, hint: 'write queryType: promql' });
    return undefined;
  }
  const query: Query = { text: q.query, placed, path: ['query'] };
  const problems = querySyntax(query);
  ctx.errors.push(...problems);
  return problems.length > 0 ? undefined : query;
}

/** A missing field: located at the map that lacks it, its path naming the field. */
function missing(placed: Placed, field: string, message: string, hint: string): LocatedProblem {
  return { ...locateIn(placed), path: formatPath([...placed.doc.prefix, ...placed.path, field]), message, hint };
}

function dedupe(errors: readonly LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.file}:${e.line}:${e.col}:${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
