import { DAY, HOUR, MINUTE, WEEK, formatDuration } from '../../slo/duration.js';
import type { AlertingPolicy, Budgeting, CalendarUnit, Indicator, Period, SeverityPolicy } from '../../slo/model.js';
import { nominalPeriodMs, resolveTiers } from '../../slo/windows.js';
import type { ReadOptions } from '../readers.js';
import type { LoadedSlo, ReadResult } from '../loaded.js';
import type { LocatedProblem } from '../located.js';
import { DEFAULT_ALERT_NAME } from '../native/to-model.js';
import type { Placed } from './resolve.js';
import { ObjectIndex, locateIn, placedChild } from './resolve.js';
import { V1alphaSlo } from './schema.js';
import type { V1alphaQuery, V1alphaTimeWindow } from './schema.js';
import type { Context } from './context.js';
import { missing } from './context.js';
import type { Query, SliQueries } from './indicators.js';
import { PROMETHEUS_TYPES, normalizeType, objectiveIndicator, opValueChecks, queryLocations, querySyntax, ratioIndicator, reportUnsupportedType } from './indicators.js';
import { objectivePercent, objectiveSlo } from './objective.js';
import { calendarPeriod } from './periods.js';

/** v1alpha has no field for the slice length of Timeslices budgeting. */
const DEFAULT_SLICE_MS = MINUTE;

/**
 * Sloth gives OpenSLO input no alerts; burnwatch gives it its default tiers for the period (see mapV1alphaSlo);
 * v2alpha SLOs get the same.
 */
export function defaultAlerting(periodMs: number): AlertingPolicy {
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
export function mapV1alphaSlo(top: Placed, options: ReadOptions): ReadResult {
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
    const percent = objectivePercent(ctx, objPlaced, objective);
    if (percent === undefined || indicator === undefined || budgeting === undefined || period === undefined) return;
    const slo = objectiveSlo(top, file, i, 'openslo/v1alpha', {
      id: `${spec.service}-${metadata.name}-${i}`,
      name: `${metadata.name}-${i}`,
      labels: {},
      objective: percent,
      period,
      budgeting,
      indicator,
      alerting: defaultAlerting(nominalPeriodMs(period)),
    });
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
