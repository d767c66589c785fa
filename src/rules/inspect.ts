import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { parseDuration } from '../slo/duration.js';
import { SLI_ERROR_METRIC } from './prometheus.js';

/**
 * Reads burn-rate conditions back out of rule expressions, ours or Sloth's, by parsing the PromQL: used to
 * compare generated rules by meaning rather than by text (window pairs, factors and budgets as float64).
 */

/** One multi-window condition: both windows' error ratios above `factor x errorBudget`. */
export interface BurnRateCondition {
  readonly shortWindow: string;
  readonly longWindow: string;
  readonly factor: number;
  readonly errorBudget: number;
}

interface Comparison {
  readonly window: string;
  readonly factor: number;
  readonly errorBudget: number;
}

/** The window of an SLI error-ratio series name (`slo:sli_error:ratio_rate5m` -> `5m`). */
export function sliWindow(metric: string): string | undefined {
  return metric.startsWith(SLI_ERROR_METRIC) ? metric.slice(SLI_ERROR_METRIC.length) : undefined;
}

/**
 * Every `A and B` of an expression where A and B each hold exactly one
 * `slo:sli_error:ratio_rate<w>{...} > (<factor> * <budget>)` comparison, as (short, long, factor, budget).
 * Throws when the two sides of a pair use different thresholds (not a burn-rate tier).
 */
export function burnRateConditions(expr: string): BurnRateCondition[] {
  const tree = parser.parse(expr);
  const out: BurnRateCondition[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.name !== 'BinaryExpr') return;
      const node = ref.node;
      if (operatorOf(node) !== 'And') return;
      const [lhs, rhs] = operands(node);
      if (!lhs || !rhs) return;
      const left = comparisons(lhs, expr);
      const right = comparisons(rhs, expr);
      if (left.length !== 1 || right.length !== 1) return;
      const [a, b] = [left[0] as Comparison, right[0] as Comparison];
      if (a.factor !== b.factor || a.errorBudget !== b.errorBudget) {
        throw new Error(`the two windows of a condition use different thresholds: ${expr.slice(node.from, node.to)}`);
      }
      const [short, long] = (parseDuration(a.window) ?? 0) <= (parseDuration(b.window) ?? 0) ? [a, b] : [b, a];
      out.push({ shortWindow: short.window, longWindow: long.window, factor: a.factor, errorBudget: a.errorBudget });
    },
  });
  return out;
}

function comparisons(node: SyntaxNode, expr: string): Comparison[] {
  const found: Comparison[] = [];
  const visit = (n: SyntaxNode): void => {
    const c = n.name === 'BinaryExpr' && operatorOf(n) === 'Gtr' ? comparison(n, expr) : undefined;
    if (c) found.push(c);
    for (let child = n.firstChild; child; child = child.nextSibling) visit(child);
  };
  visit(node);
  return found;
}

/** `slo:sli_error:ratio_rate<w>{...} > (<factor> * <budget>)`, or undefined for any other comparison. */
function comparison(node: SyntaxNode, expr: string): Comparison | undefined {
  const [lhs, rhs] = operands(node);
  if (lhs?.name !== 'VectorSelector' || !rhs) return undefined;
  const metric = lhs.getChild('Identifier');
  const window = metric ? sliWindow(expr.slice(metric.from, metric.to)) : undefined;
  const product = unwrap(rhs);
  if (window === undefined || product.name !== 'BinaryExpr' || operatorOf(product) !== 'Mul') return undefined;
  const [f, b] = operands(product);
  const factor = f ? numberOf(f, expr) : undefined;
  const errorBudget = b ? numberOf(b, expr) : undefined;
  if (factor === undefined || errorBudget === undefined) return undefined;
  return { window, factor, errorBudget };
}

/** The value of a constant expression: numbers, + - * /, parentheses and `vector(...)`, e.g. `vector(1-0.999)`. */
export function evaluateConstant(expr: string): number | undefined {
  const tree = parser.parse(expr);
  let error = false;
  tree.iterate({ enter: (n) => { if (n.type.isError) error = true; } });
  const root = tree.topNode.firstChild;
  return error || !root ? undefined : constant(root, expr);
}

function constant(node: SyntaxNode, expr: string): number | undefined {
  switch (node.name) {
    case 'NumberDurationLiteral':
    case 'NumberLiteral':
      return numberOf(node, expr);
    case 'ParenExpr':
      return node.firstChild ? constant(node.firstChild, expr) : undefined;
    case 'FunctionCall': {
      const name = node.getChild('FunctionIdentifier');
      const body = node.getChild('FunctionCallBody');
      if (!name || !body?.firstChild || expr.slice(name.from, name.to) !== 'vector') return undefined;
      return constant(body.firstChild, expr);
    }
    case 'BinaryExpr': {
      const [lhs, rhs] = operands(node);
      const a = lhs ? constant(lhs, expr) : undefined;
      const b = rhs ? constant(rhs, expr) : undefined;
      if (a === undefined || b === undefined) return undefined;
      switch (operatorOf(node)) {
        case 'Add': return a + b;
        case 'Sub': return a - b;
        case 'Mul': return a * b;
        case 'Div': return a / b;
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}

function operatorOf(node: SyntaxNode): string | undefined {
  const [lhs] = operands(node);
  return lhs?.nextSibling?.name;
}

/** The two operand expressions of a binary expression (skipping the operator and matching modifiers). */
function operands(node: SyntaxNode): [SyntaxNode | undefined, SyntaxNode | undefined] {
  const lhs = node.firstChild ?? undefined;
  let rhs = node.lastChild ?? undefined;
  if (rhs === lhs) rhs = undefined;
  return [lhs, rhs];
}

function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.name === 'ParenExpr' && n.firstChild) n = n.firstChild;
  return n;
}

function numberOf(node: SyntaxNode, expr: string): number | undefined {
  if (node.name !== 'NumberDurationLiteral' && node.name !== 'NumberLiteral') return undefined;
  const n = Number(expr.slice(node.from, node.to));
  return Number.isNaN(n) ? undefined : n;
}

/**
 * The parse tree of an expression as text (`BinaryExpr(VectorSelector(Identifier[x]),Gtr[>],...)`), so two
 * expressions compare equal when they parse the same whatever their spacing and line breaks.
 * Undefined when the expression does not parse.
 */
export function promqlShape(expr: string): string | undefined {
  const tree = parser.parse(expr);
  let error = false;
  tree.iterate({ enter: (n) => { if (n.type.isError) error = true; } });
  if (error) return undefined;
  const shape = (node: SyntaxNode): string => {
    if (!node.firstChild) return `${node.name}[${expr.slice(node.from, node.to)}]`;
    const children: string[] = [];
    for (let c: SyntaxNode | null = node.firstChild; c; c = c.nextSibling) children.push(shape(c));
    return `${node.name}(${children.join(',')})`;
  };
  return shape(tree.topNode);
}
