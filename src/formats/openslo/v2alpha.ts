import type { Budgeting, CompositeMethod, Indicator, Period, Slo } from '../../slo/model.js';
import { parseDuration } from '../../slo/duration.js';
import { nominalPeriodMs } from '../../slo/windows.js';
import type { LoadedSlo, ReadResult } from '../loaded.js';
import type { LocatedProblem, PathSegment } from '../located.js';
import type { DetectedObject, FormatReader } from '../readers.js';
import type { Context } from './context.js';
import type { Query } from './indicators.js';
import { objectiveIndicator, ratioIndicator } from './indicators.js';
import { SHORTHAND_CALENDAR, shorthandMs } from './periods.js';
import { defaultAlerting } from './v1alpha.js';
import type { Placed } from './resolve.js';
import { isRecord, locateIn, ObjectIndex, placedChild } from './resolve.js';
import { SHORTHAND_RE } from './schema.js';

/**
 * OpenSLO `openslo.com/v2alpha` (a draft): SLOs with an inline `sli` or an `sliRef` to an SLI object, one time
 * window, Occurrences / Timeslices / RatioTimeslices, and several objectives. An SLO whose objectives carry
 * their own `sli` (or `sliRef`) or a `compositeWeight` is a composite: each objective becomes a child SLO
 * `<name>.<objective>` and the SLO itself the composite of them, weighted by `compositeWeight` (default 1).
 * The draft does not say how the weights combine; burnwatch reads them as `weightedRatio` (each objective's
 * error ratio counts by its weight, whatever its traffic), or as the method named by the annotation
 * `burnwatch.dev/composite-method`. Fields that do not map are errors naming the field: threshold SLIs,
 * alert policies, BudgetAdjustment objects.
 */

const FORMAT = 'openslo/v2alpha' as const;
export const METHOD_ANNOTATION = 'burnwatch.dev/composite-method';

export const opensloV2alphaReader: FormatReader = {
  family: 'openslo-v2alpha',
  describes: 'OpenSLO openslo.com/v2alpha (draft; SLOs, SLIs and composites)',
  detect: (v) => (v['apiVersion'] === 'openslo.com/v2alpha' ? FORMAT : undefined),
  read: (objects) => readV2alpha(objects),
};

function readV2alpha(objects: readonly DetectedObject[]): ReadResult {
  const errors: LocatedProblem[] = [];
  const slis = new Map<string, Placed>();
  for (const o of objects) {
    const name = field(o.value, 'metadata', 'name');
    if (o.value['kind'] === 'SLI' && typeof name === 'string') slis.set(name, { doc: o.doc, path: [], value: o.value });
  }
  const slos: LoadedSlo[] = [];
  for (const o of objects) {
    const top: Placed = { doc: o.doc, path: [], value: o.value };
    const kind = o.value['kind'];
    if (kind === 'SLO') {
      const r = readSlo(top, slis);
      slos.push(...r.slos);
      errors.push(...r.errors);
    } else if (kind === 'SLI' || kind === 'Service' || kind === 'DataSource') {
      continue;
    } else if (kind === 'AlertPolicy' || kind === 'AlertCondition' || kind === 'AlertNotificationTarget') {
      // Alerting that is not read does not change a budget: said, not refused.
      errors.push({ ...locateIn(top, ['kind']), severity: 'warning', message: `kind ${String(kind)} of openslo.com/v2alpha is not read: burnwatch alerts with the default multi-window tiers of each SLO's period`, hint: 'to tune alerting, convert the SLO to burnwatch/v1 (burnwatch convert) and edit its alerting' });
    } else {
      // A BudgetAdjustment (or an unknown kind) would change what the budget is: refused, so the figures never lie.
      errors.push({ ...locateIn(top, ['kind']), message: `kind ${JSON.stringify(kind)} of openslo.com/v2alpha is not read`, hint: kind === 'BudgetAdjustment' ? 'write the window as a maintenance window of a burnwatch/v1 SLO' : 'burnwatch reads SLO and SLI objects of v2alpha (Service and DataSource are accepted and not needed)' });
    }
  }
  return { slos, errors };
}

function readSlo(top: Placed, slis: ReadonlyMap<string, Placed>): ReadResult {
  const errors: LocatedProblem[] = [];
  const fail = (path: readonly PathSegment[], message: string, hint: string): void => {
    errors.push({ ...locateIn(top, path), message, hint });
  };
  const name = field(top.value, 'metadata', 'name');
  if (typeof name !== 'string' || name === '') {
    fail(['metadata'], 'missing required field "metadata.name"', 'give the SLO a name, e.g. checkout-journey');
    return { slos: [], errors };
  }
  const ctx: Context = { sloName: name, index: new ObjectIndex([]), errors, reportedTypes: new Set() };
  const spec = placedChild(top, ['spec']);
  if (spec === undefined) {
    fail([], 'missing required field "spec"', 'add the SLO\'s spec: service, sli, timeWindow, budgetingMethod, objectives');
    return { slos: [], errors };
  }
  const service = spec.value['service'] ?? spec.value['serviceRef'];
  if (typeof service !== 'string') fail(['spec'], 'missing required field "spec.service"', 'name the service, e.g. service: checkout');
  for (const key of ['alertPolicies', 'alertPolicy']) {
    if (spec.value[key] !== undefined) errors.push({ ...locateIn(spec, [key], { key: true }), severity: 'warning', message: `spec.${key} is not read: burnwatch alerts with the default multi-window tiers of the period`, hint: 'to tune alerting, write the SLO as burnwatch/v1 (burnwatch convert writes it)' });
  }
  const period = readPeriod(spec, fail);
  const objectives = Array.isArray(spec.value['objectives']) ? spec.value['objectives'] : [];
  if (objectives.length === 0) fail(['spec'], 'missing required field "spec.objectives"', 'add at least one objective, e.g. objectives: [{ target: 0.999 }]');
  const method = spec.value['budgetingMethod'] ?? 'Occurrences';
  if (method !== 'Occurrences' && method !== 'Timeslices' && method !== 'RatioTimeslices') fail(['spec', 'budgetingMethod'], `unknown budgetingMethod ${JSON.stringify(method)}`, 'write Occurrences, Timeslices or RatioTimeslices');
  const composite = objectives.some((o: unknown) => isRecord(o) && (o['sli'] !== undefined || o['sliRef'] !== undefined || o['compositeWeight'] !== undefined));
  const shared = composite ? undefined : sliOf(ctx, spec, slis, fail);

  const parts = objectives.map((raw: unknown, i) => {
    const obj = placedChild(spec, ['objectives', i]);
    if (obj === undefined) return undefined;
    for (const key of ['op', 'value']) {
      // The SLI is a ratio (thresholdMetric is refused where it is written): op and value have no meaning here.
      if (obj.value[key] !== undefined) errors.push({ ...locateIn(obj, [key], { key: true }), severity: 'warning', message: `objectives[${i}].${key} is ignored: the objective of a ratio SLI is its target share of good events`, hint: `remove ${key}` });
    }
    const target = typeof obj.value['targetPercent'] === 'number' ? obj.value['targetPercent'] : typeof obj.value['target'] === 'number' ? obj.value['target'] * 100 : undefined;
    if (target === undefined || !(target > 0 && target < 100)) fail(['spec', 'objectives', i], `objectives[${i}] needs a target in (0, 1) or a targetPercent in (0, 100)`, 'add e.g. target: 0.995');
    const weight = obj.value['compositeWeight'] ?? 1;
    if (typeof weight !== 'number' || !(weight > 0)) fail(['spec', 'objectives', i, 'compositeWeight'], `objectives[${i}].compositeWeight must be a number above 0`, 'the weight of this objective in the composite, e.g. 2 (default 1)');
    const indicator = composite ? sliOf(ctx, obj, slis, fail, ['spec', 'objectives', i]) : shared;
    const budgeting = budgetingOf(method, obj.value, (key, message) => fail(['spec', 'objectives', i, key], message, 'add it, e.g. timeSliceTarget: 0.95 and timeSliceWindow: 1m'));
    const label = typeof obj.value['displayName'] === 'string' && /^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(obj.value['displayName']) ? obj.value['displayName'] : String(i);
    return { target, weight: typeof weight === 'number' ? weight : 1, indicator, budgeting, label, raw };
  });
  if (errors.some((e) => e.severity !== 'warning') || period === undefined || typeof service !== 'string') return { slos: [], errors };

  const loaded = (id: string, objective: number, indicator: Indicator, budgeting: Budgeting, extra: Partial<Slo> = {}): LoadedSlo => {
    const periodMs = nominalPeriodMs(period);
    const labels = field(top.value, 'metadata', 'labels');
    const slo: Slo = {
      id,
      name: id,
      service,
      ...(typeof spec.value['description'] === 'string' ? { description: spec.value['description'] } : {}),
      labels: isRecord(labels) ? Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string')) : {},
      objective,
      period,
      budgeting,
      indicator,
      groupBy: [],
      alerting: defaultAlerting(periodMs),
      maintenance: [],
      source: { file: top.doc.file, document: top.doc.index, format: FORMAT },
      ...extra,
    };
    return { slo, at: { id: locateIn(top, ['metadata', 'name']), objective: locateIn(spec, ['objectives']), alerting: locateIn(spec) } };
  };

  if (!composite) {
    return {
      slos: parts.flatMap((p, i) => (p?.indicator && p.budgeting && p.target !== undefined ? [loaded(parts.length === 1 ? name : `${name}.${p.label}`, p.target, p.indicator, p.budgeting)] : []).map((l) => (parts.length === 1 ? l : { ...l, at: { ...l.at, id: locateIn(spec, ['objectives', i]) } }))),
      errors,
    };
  }
  // A composite: one child per objective; the composite's objective is theirs (they must agree).
  const targets = new Set(parts.map((p) => p?.target));
  if (targets.size > 1) {
    errors.push({ ...locateIn(spec, ['objectives']), message: 'the objectives of a composite SLO have different targets: burnwatch reads their shared target as the composite\'s objective', hint: 'give every objective the same target; each objective\'s SLO is also evaluated on its own' });
    return { slos: [], errors };
  }
  const annotated = field(top.value, 'metadata', 'annotations', METHOD_ANNOTATION);
  if (annotated !== undefined && annotated !== 'weightedEvents' && annotated !== 'weightedRatio') {
    errors.push({ ...locateIn(top, ['metadata', 'annotations', METHOD_ANNOTATION]), message: `${METHOD_ANNOTATION} must be weightedEvents or weightedRatio`, hint: 'weightedRatio (default): each objective\'s error ratio weighs by its compositeWeight; weightedEvents: its events do' });
    return { slos: [], errors };
  }
  const compositeMethod: CompositeMethod = annotated ?? 'weightedRatio';
  const children = parts.flatMap((p, i) => (p?.indicator && p.budgeting && p.target !== undefined ? [{ ...loaded(`${name}.${p.label}`, p.target, p.indicator, p.budgeting), weight: p.weight, i }] : []));
  const first = parts[0];
  if (children.length !== parts.length || first?.target === undefined) return { slos: [], errors };
  const parent = loaded(name, first.target, { kind: 'composite', method: compositeMethod, children: children.map((c) => ({ sloId: c.slo.id, weight: c.weight })) }, { kind: 'occurrences' });
  const at = { ...parent.at, ...Object.fromEntries(children.map((c, k) => [`child:${k}`, locateIn(spec, ['objectives', c.i])])) };
  return { slos: [...children.map((c) => ({ slo: c.slo, at: { ...c.at, id: locateIn(spec, ['objectives', c.i]) } })), { slo: parent.slo, at }], errors };
}

function readPeriod(spec: Placed, fail: (path: readonly PathSegment[], message: string, hint: string) => void): Period | undefined {
  const windows = spec.value['timeWindow'];
  if (windows === undefined) return { kind: 'rolling', durationMs: 28 * 86_400_000 };
  if (!Array.isArray(windows) || windows.length !== 1 || !isRecord(windows[0])) {
    fail(['spec', 'timeWindow'], 'spec.timeWindow must hold exactly one window', 'write e.g. timeWindow: [{ duration: 28d, isRolling: true }]');
    return undefined;
  }
  const w = windows[0];
  const duration = w['duration'];
  if (typeof duration !== 'string' || !SHORTHAND_RE.test(duration)) {
    fail(['spec', 'timeWindow', 0, 'duration'], 'timeWindow[0].duration must be a duration such as 28d or 1w', 'write e.g. duration: 28d');
    return undefined;
  }
  const calendar = w['calendar'];
  if (w['isRolling'] === true || calendar === undefined) return { kind: 'rolling', durationMs: shorthandMs(duration) };
  const unit = /^1([dwMQY])$/.exec(duration)?.[1];
  const timezone = isRecord(calendar) && typeof calendar['timeZone'] === 'string' ? calendar['timeZone'] : 'UTC';
  const calendarUnit = unit === undefined ? undefined : SHORTHAND_CALENDAR[unit];
  if (calendarUnit === undefined) {
    fail(['spec', 'timeWindow', 0, 'duration'], `a calendar time window of ${duration} is not supported`, 'calendar windows are one day, week, month, quarter or year (1d, 1w, 1M, 1Q, 1Y)');
    return undefined;
  }
  return { kind: 'calendar', unit: calendarUnit, timezone };
}

function budgetingOf(method: unknown, objective: Readonly<Record<string, unknown>>, missingField: (key: string, message: string) => void): Budgeting | undefined {
  if (method !== 'Timeslices' && method !== 'RatioTimeslices') return { kind: 'occurrences' };
  const window = objective['timeSliceWindow'];
  const sliceMs = typeof window === 'number' ? window * 1000 : typeof window === 'string' ? parseDuration(window) : undefined;
  if (sliceMs === undefined || !(sliceMs > 0)) {
    missingField('timeSliceWindow', `${String(method)} budgeting needs timeSliceWindow on each objective`);
    return undefined;
  }
  if (method === 'RatioTimeslices') return { kind: 'ratioTimeslices', sliceMs };
  const target = objective['timeSliceTarget'];
  if (typeof target !== 'number' || !(target > 0 && target <= 1)) {
    missingField('timeSliceTarget', 'Timeslices budgeting needs timeSliceTarget in (0, 1] on each objective');
    return undefined;
  }
  return { kind: 'timeslices', sliceMs, target };
}

/** The indicator of an inline `sli` or an `sliRef` at `owner` (the SLO's spec, or an objective). */
function sliOf(ctx: Context, owner: Placed, slis: ReadonlyMap<string, Placed>, fail: (path: readonly PathSegment[], message: string, hint: string) => void, ownerPath: readonly PathSegment[] = ['spec']): Indicator | undefined {
  const ref = owner.value['sliRef'];
  let sliSpec: Placed | undefined;
  if (typeof ref === 'string') {
    const found = slis.get(ref);
    if (found === undefined) {
      fail([...ownerPath, 'sliRef'], `${ownerPath.join('.')}.sliRef: no SLI named "${ref}" (kind: SLI, apiVersion: openslo.com/v2alpha) is loaded`, 'define the SLI in the SLO folder, or write it inline as sli');
      return undefined;
    }
    sliSpec = placedChild(found, ['spec']);
  } else {
    sliSpec = placedChild(owner, ['sli', 'spec']);
  }
  if (sliSpec === undefined) {
    fail([...ownerPath], `missing ${ownerPath.join('.')}.sli (or sliRef)`, 'write the SLI inline: sli: { metadata: { name: ... }, spec: { ratioMetric: { counter: true, good: ..., total: ... } } }');
    return undefined;
  }
  if (sliSpec.value['thresholdMetric'] !== undefined) {
    errorsAt(ctx, sliSpec, ['thresholdMetric'], 'sli.spec.thresholdMetric is not read from v2alpha', 'express the SLI as a ratioMetric (good or bad over total)');
    return undefined;
  }
  const ratio = placedChild(sliSpec, ['ratioMetric']);
  if (ratio === undefined) {
    errorsAt(ctx, sliSpec, [], 'the SLI needs a ratioMetric', 'write ratioMetric: { counter: true, good: { spec: { query: ... } }, total: { spec: { query: ... } } }');
    return undefined;
  }
  const query = (key: string): Query | undefined => {
    const text = field(ratio.value, key, 'spec', 'query');
    return typeof text === 'string' ? { text, placed: ratio, path: [key, 'spec', 'query'] } : undefined;
  };
  const raw = query('raw');
  if (raw !== undefined) {
    const meaning = ratio.value['rawType'] === 'failure' ? 'error' : 'success';
    return objectiveIndicator(ctx, { kind: 'raw', query: raw, meaning }, undefined, undefined);
  }
  const good = query('good');
  const bad = query('bad');
  const total = query('total');
  const part = good ?? bad;
  if (part === undefined || total === undefined) {
    errorsAt(ctx, ratio, [], 'ratioMetric needs good or bad, and total, each with spec.query', 'write e.g. good: { dataSourceRef: prometheus, spec: { query: http_requests_total{code!~"5.."} } }');
    return undefined;
  }
  return ratioIndicator(ctx, part, total, ratio.value['counter'] === true, good === undefined ? 'bad' : 'good');
}

function errorsAt(ctx: Context, at: Placed, path: readonly PathSegment[], message: string, hint: string): void {
  ctx.errors.push({ ...locateIn(at, path), message, hint });
}

function field(v: unknown, ...keys: string[]): unknown {
  let out = v;
  for (const k of keys) out = isRecord(out) ? out[k] : undefined;
  return out;
}
