import type { EventQuery } from '../slo/model.js';
import {
  checkPromqlSyntax,
  hasWindowPlaceholder,
  misspeltPlaceholder,
  parseMatchers,
  parseVectorSelector,
  renderWindow,
} from '../promql/syntax.js';
import type { LocatedDocument, PathSegment, LocatedProblem } from './located.js';

/**
 * PromQL checks shared by every SLO format. Queries are checked after substituting the window
 * (`{{.window}}` -> `5m`), as Sloth does, and syntax errors point at the character in the file.
 */

const SELECTOR_HINT = 'write a counter selector such as http_requests_total{code=~"5.."} (burnwatch takes its increase), '
  + 'or an expression with a [{{.window}}] range such as sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))';

function syntaxErrors(doc: LocatedDocument, path: readonly PathSegment[], query: string): LocatedProblem[] {
  const placeholder = misspeltPlaceholder(query);
  if (placeholder !== undefined) {
    const offset = query.indexOf(placeholder);
    return [{ ...doc.locateInScalar(path, offset), message: `unknown template placeholder ${placeholder}`, hint: 'the only placeholder is {{.window}}' }];
  }
  // Render with a window of the same length as the placeholder text would be hard to map back; use 5m and
  // map offsets after the first placeholder conservatively to the placeholder itself.
  const rendered = renderWindow(query, '5m');
  const error = checkPromqlSyntax(rendered);
  if (!error) return [];
  const offset = mapOffset(query, error.offset);
  return [{ ...doc.locateInScalar(path, offset), message: error.message, hint: 'fix the PromQL expression; test it in the Prometheus UI with {{.window}} replaced by 5m' }];
}

/** Maps an offset in the rendered query back to the template (placeholders are longer than `5m`). */
function mapOffset(template: string, renderedOffset: number): number {
  const re = /\{\{\s*\.window\s*\}\}/g;
  let shift = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    const renderedStart = m.index - shift;
    if (renderedOffset < renderedStart) break;
    if (renderedOffset < renderedStart + 2) return m.index;
    shift += m[0].length - 2;
  }
  return renderedOffset + shift;
}

/** An events query: a counter selector or an expression with `{{.window}}`. */
export function checkEventQuery(doc: LocatedDocument, path: readonly PathSegment[], query: string): { query?: EventQuery; errors: LocatedProblem[] } {
  if (hasWindowPlaceholder(query)) {
    const errors = syntaxErrors(doc, path, query);
    return errors.length > 0 ? { errors } : { query: { kind: 'template', template: query.trim() }, errors };
  }
  const selector = parseVectorSelector(query.trim());
  if (selector) return { query: { kind: 'selector', selector: query.trim() }, errors: [] };
  const errors = syntaxErrors(doc, path, query);
  if (errors.length > 0) return { errors };
  return {
    errors: [{ ...doc.locate(path), message: 'is neither a counter selector nor an expression with {{.window}}', hint: SELECTOR_HINT }],
  };
}

/** An expression that must contain `{{.window}}` (ratio indicators). */
export function checkWindowTemplate(doc: LocatedDocument, path: readonly PathSegment[], query: string): LocatedProblem[] {
  if (!hasWindowPlaceholder(query)) {
    const misspelt = misspeltPlaceholder(query);
    return [{
      ...doc.locate(path),
      message: misspelt === undefined ? 'the expression has no {{.window}} placeholder' : `unknown template placeholder ${misspelt}`,
      hint: 'write the range of every rate/increase/avg_over_time as [{{.window}}], e.g. 1 - avg_over_time(up{job="api"}[{{.window}}])',
    }];
  }
  return syntaxErrors(doc, path, query);
}

/** A plain vector selector with a metric name (gauges such as `probe_success{job="x"}`). */
export function checkSelector(doc: LocatedDocument, path: readonly PathSegment[], query: string): LocatedProblem[] {
  if (parseVectorSelector(query.trim())) return [];
  const errors = syntaxErrors(doc, path, query);
  if (errors.length > 0) return errors;
  return [{ ...doc.locate(path), message: 'must be a single series selector with a metric name', hint: 'e.g. probe_success{job="blackbox",instance="https://shop.example.com"}' }];
}

/** Label matchers such as `{job="api",route!="/health"}` (braces optional). */
export function checkMatchers(doc: LocatedDocument, path: readonly PathSegment[], text: string): LocatedProblem[] {
  if (parseMatchers(text) !== undefined) return [];
  return [{ ...doc.locate(path), message: `"${text}" is not a list of label matchers`, hint: 'e.g. {job="api",route!="/health"}' }];
}
