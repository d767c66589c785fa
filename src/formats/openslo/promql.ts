import { parser } from '@prometheus-io/lezer-promql';
import { hasWindowPlaceholder, parseVectorSelector } from '../../promql/syntax.js';
import { formatFloat } from '../../slo/queries.js';
import type { Operator } from './schema.js';

/**
 * PromQL for OpenSLO queries. OpenSLO Prometheus queries are instant queries without a window
 * (`sum(http_requests{code=~"2xx"})` with `counter: true`), while burnwatch evaluates every indicator over
 * its alert windows. These functions turn a query into the `{{.window}}` template burnwatch needs, or say
 * why they cannot. A query that already holds `{{.window}}` (as Sloth writes them) is always taken as written.
 */

export const WINDOW = '{{.window}}';

export interface QueryProblem {
  readonly message: string;
  readonly hint: string;
}

/**
 * The counter selector of `selector` or `sum(selector)` (no `by`/`without`): burnwatch differences the raw
 * counter samples of a selector and sums the series, so both forms count the same events.
 */
export function counterSelector(query: string): string | undefined {
  const q = query.trim();
  if (parseVectorSelector(q)) return q;
  const inner = /^sum\s*\(([\s\S]*)\)$/i.exec(q)?.[1]?.trim();
  return inner !== undefined && parseVectorSelector(inner) ? inner : undefined;
}

/**
 * A counter expression as a per-second rate over the window: every series selector `s` becomes
 * `rate(s[{{.window}}])`, so `sum(http_requests{code="200"})` becomes
 * `sum(rate(http_requests{code="200"}[{{.window}}]))` — the rate of a sum of counters, taken the way
 * Prometheus recommends (rate first, then aggregate, so counter resets are handled per series).
 * Exact for sums and differences of counters; expressions that already take ranges, subqueries or
 * offset/@ modifiers cannot be rewritten and are reported.
 */
export function counterRateTemplate(query: string): { template: string } | QueryProblem {
  const q = query.trim();
  const selectors: [number, number][] = [];
  let problem: QueryProblem | undefined;
  parser.parse(q).iterate({
    enter(node) {
      if (problem !== undefined) return false;
      switch (node.name) {
        case 'MatrixSelector':
        case 'SubqueryExpr': {
          const range = /\[[^\]]*\]/.exec(q.slice(node.from, node.to))?.[0] ?? '[...]';
          problem = {
            message: `the counter query already takes a fixed range ${range}, so burnwatch cannot evaluate it over its alert windows`,
            hint: `write [{{.window}}] instead of ${range} (e.g. sum(rate(http_requests_total{code="200"}[{{.window}}]))), or give the counter itself, e.g. sum(http_requests_total{code="200"})`,
          };
          return false;
        }
        case 'OffsetExpr':
        case 'StepInvariantExpr':
          problem = {
            message: 'offset and @ modifiers cannot be used in a counter query burnwatch evaluates over its alert windows',
            hint: 'remove the modifier, or write the whole expression with [{{.window}}] ranges yourself',
          };
          return false;
        case 'VectorSelector':
          selectors.push([node.from, node.to]);
          return false;
        default:
          return undefined;
      }
    },
  });
  if (problem !== undefined) return problem;
  if (selectors.length === 0) {
    return { message: 'the counter query selects no series', hint: 'write a counter selector such as http_requests_total{code="200"} or sum(...) over one' };
  }
  let out = q;
  for (const [from, to] of selectors.reverse()) {
    out = `${out.slice(0, from)}rate(${out.slice(from, to)}[${WINDOW}])${out.slice(to)}`;
  }
  return { template: out };
}

/** `sum(rate(selector[{{.window}}]))`: a counter selector as a template, when the other side of a ratio is one. */
export function selectorRateTemplate(selector: string): string {
  return `sum(rate(${selector}[${WINDOW}]))`;
}

/** `fn(query[{{.window}}])` for a selector, `fn((query)[{{.window}}:])` (a subquery) for an expression. */
export function overWindow(fn: string, query: string): string {
  const q = query.trim();
  if (hasWindowPlaceholder(q)) return q;
  return parseVectorSelector(q) ? `${fn}(${q}[${WINDOW}])` : `${fn}((${q})[${WINDOW}:])`;
}

/**
 * Ratio of two gauges over the window: the time-averaged good (or bad) value over the time-averaged total,
 * each summed over its series as burnwatch sums event counts (`counter: false` ratio metrics).
 */
export function gaugeRatioTemplate(part: string, total: string): string {
  return `sum(${overWindow('avg_over_time', part)})\n/\nsum(${overWindow('avg_over_time', total)})`;
}

/** A ratio query (OpenSLO `raw`): as written when it holds `{{.window}}`, else its average over the window. */
export function rawRatioTemplate(query: string): string {
  return overWindow('avg_over_time', query);
}

const PROMQL_OP: Readonly<Record<Operator, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * A threshold SLI (`thresholdMetric` + objective `op`/`value`) as a success ratio: the share of the query's
 * samples over the window (evaluated as a subquery at the rule evaluation interval, across all its series)
 * for which `query <op> value` holds. OpenSLO counts each data point of a threshold metric as one
 * occurrence, good when it meets the objective's comparison (`op: lt, value: 500` = "under 500 ms").
 */
export function thresholdTemplate(query: string, op: Operator, value: number): string {
  const comparison = `(${query.trim()}) ${PROMQL_OP[op]} bool ${formatFloat(value)}`;
  return `sum(sum_over_time((${comparison})[${WINDOW}:]))\n/\nsum(count_over_time((${comparison})[${WINDOW}:]))`;
}
