import { DAY, HOUR, formatDuration } from '../../slo/duration.js';
import type { Budgeting, Period } from '../../slo/model.js';
import { nominalPeriodMs } from '../../slo/windows.js';
import type { ReadOptions } from '../readers.js';
import type { LoadedSlo, ReadResult } from '../loaded.js';
import type { LocatedProblem } from '../located.js';
import type { ObjectIndex, Placed, ResolvedSlo } from './resolve.js';
import { locateIn, placedChild } from './resolve.js';
import { SHORTHAND_RE, SliSpec, V1Slo } from './schema.js';
import type { Objective, TimeWindow } from './schema.js';
import type { Context } from './context.js';
import { missing } from './context.js';
import type { Query, SliQueries } from './indicators.js';
import { PROMETHEUS_TYPES, normalizeType, objectiveIndicator, opValueChecks, queryLocations, querySyntax, reportUnsupportedType } from './indicators.js';
import { MONTH_HINT, SHORTHAND_CALENDAR, calendarPeriod, shorthandMs } from './periods.js';
import { objectivePercent, objectiveSlo } from './objective.js';
import { v1Alerting } from './v1-alerting.js';

/** One `openslo/v1` SLO (its SLI, alert policies and DataSources resolved) -> one burnwatch SLO per objective. */
export function mapV1Slo(resolved: ResolvedSlo, index: ObjectIndex, options: ReadOptions): ReadResult {
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
    const id = spec.objectives.length > 1 ? `${metadata.name}-${i}` : metadata.name;
    const slo = objectiveSlo(top, file, i, 'openslo/v1', {
      id,
      name: id,
      labels: promLabels(metadata.labels),
      objective: target,
      period,
      budgeting,
      indicator,
      alerting: alerting.policy,
    });
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
