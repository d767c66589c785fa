import { checkPromqlSyntax, hasWindowPlaceholder, misspeltPlaceholder, renderWindow } from '../../promql/syntax.js';
import type { EventQuery, Indicator } from '../../slo/model.js';
import type { Location, PathSegment, LocatedProblem } from '../located.js';
import { checkWindowTemplate } from '../query-checks.js';
import { counterRateTemplate, counterSelector, gaugeRatioTemplate, rawRatioTemplate, selectorRateTemplate, thresholdTemplate } from './promql.js';
import type { Placed } from './resolve.js';
import { locateIn } from './resolve.js';
import type { Operator } from './schema.js';
import type { Context } from './context.js';
import { missing } from './context.js';

/**
 * OpenSLO queries -> the burnwatch indicator, for both API versions: which data sources are read, the PromQL
 * syntax of each query, and the indicator of one objective (ratio, raw or threshold SLI; see `promql.ts`).
 */

export const PROMETHEUS_TYPES = new Set(['prometheus', 'thanos', 'cortex', 'mimir', 'victoriametrics']);

const PROMETHEUS_TYPES_TEXT = 'Prometheus, Thanos, Cortex, Mimir or VictoriaMetrics';

/** The SLI's queries, checked once per SLO; each objective then makes its indicator from them. */
export type SliQueries =
  | { readonly kind: 'ratio'; readonly part: Query; readonly total: Query; readonly counter: boolean; readonly count: 'good' | 'bad' }
  | { readonly kind: 'raw'; readonly query: Query; readonly meaning: 'success' | 'error' }
  | { readonly kind: 'threshold'; readonly query: Query };

/** A PromQL query and where it is written. */
export interface Query {
  readonly text: string;
  readonly placed: Placed;
  readonly path: readonly PathSegment[];
}

/**
 * `op`/`value` on objectives: required for threshold SLIs; go-sdk forbids them on ratio SLIs, but the
 * OpenSLO examples set `op: gt` there anyway, so they are a warning (ignored), not an error.
 * v1alpha requires `value` on every objective (go-sdk), which Sloth's files omit: not checked.
 */
export function opValueChecks(ctx: Context, objPlaced: Placed, op: Operator | undefined, value: number | undefined, sli: 'threshold' | 'ratio', v1alpha: boolean): void {
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

export function normalizeType(type: string): string {
  return type.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function reportUnsupportedType(ctx: Context, type: string, at: Location): void {
  if (ctx.reportedTypes.has(type)) return;
  ctx.reportedTypes.add(type);
  ctx.errors.push({
    ...at,
    message: `SLO "${ctx.sloName}": data source type "${type}" is not supported: burnwatch evaluates Prometheus-compatible backends`,
    hint: `rewrite the SLI's queries in PromQL for a Prometheus-compatible source (${PROMETHEUS_TYPES_TEXT}) and set type: Prometheus`,
  });
}

/** PromQL syntax of a query as written (with `{{.window}}` rendered as 5m), located inside the YAML scalar. */
export function querySyntax(q: Query): LocatedProblem[] {
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
export function queryLocations(queries: SliQueries): Record<string, Location> {
  if (queries.kind !== 'ratio') return { 'query:ratio': locateQuery(queries.query) };
  return { 'query:events': locateQuery(queries.part), 'query:total': locateQuery(queries.total), 'query:ratio': locateQuery(queries.part) };
}

/** The indicator of one objective. Threshold SLIs depend on the objective's op and value. */
export function objectiveIndicator(ctx: Context, queries: SliQueries, op: Operator | undefined, value: number | undefined): Indicator | undefined {
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
export function ratioIndicator(ctx: Context, part: Query, total: Query, counter: boolean, count: 'good' | 'bad'): Indicator | undefined {
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
export function checked(ctx: Context, q: Query, indicator: Indicator): Indicator | undefined {
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
