import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { hasWindowPlaceholder, parseVectorSelector, renderWindow } from './syntax.js';

/**
 * Recognises the expression shapes that nearly every Sloth and OpenSLO file writes for counters, so that
 * burnwatch can read their selectors as raw counters (every increment counted once, also across scrape gaps)
 * instead of sampling the expression over a short rate window:
 *
 *   sum [by|without (labels)] (rate|increase|irate(<selector>[{{.window}}]))   a term
 *   term + term - term ...                                                      a sum of terms, same grouping
 *   sum / sum,  1 - (sum / sum)                                                 a ratio of two sums
 *
 * rate, increase and irate all count the same events here: the events of a window are the increase of its
 * counters, whatever per-second or per-window unit the expression gives them. Anything else (offsets,
 * subqueries, fixed ranges, other functions, vector matching modifiers) is not recognised.
 */

/** Which labels a sum keeps: `by (a, b)` keeps a and b; `without (c)` keeps all but c; plain `sum` keeps none. */
export interface Grouping {
  readonly kind: 'by' | 'without';
  readonly labels: readonly string[];
}

export interface CounterTermExpr {
  /** The selector's text as written (no range). */
  readonly selector: string;
  readonly sign: 1 | -1;
}

export interface CounterSumExpr {
  readonly terms: readonly CounterTermExpr[];
  readonly grouping: Grouping;
}

export interface CounterRatioExpr {
  readonly numerator: CounterSumExpr;
  readonly denominator: CounterSumExpr;
  /** `1 - (a / b)`: the expression is one minus the ratio of the sums. */
  readonly complement: boolean;
}

/** A window no file writes, substituted for `{{.window}}` so that the parser sees a duration and we see where it was. */
const WINDOW_MARK = '7777777s';
const COUNTING_FUNCTIONS = new Set(['rate', 'increase', 'irate']);

/** `sum(rate(x[{{.window}}])) + ...` as counter terms, or undefined when the template is not that shape. */
export function parseCounterSum(template: string): CounterSumExpr | undefined {
  const parsed = parseTemplate(template);
  return parsed && sumOf(parsed.text, parsed.root);
}

/** `sum(...) / sum(...)` or `1 - (sum(...) / sum(...))` over counters, or undefined. */
export function parseCounterRatio(template: string): CounterRatioExpr | undefined {
  const parsed = parseTemplate(template);
  if (!parsed) return undefined;
  const { text } = parsed;
  const root = unwrap(parsed.root);
  if (root.name !== 'BinaryExpr') return undefined;
  const [left, op, right] = binaryParts(root);
  if (!left || !op || !right) return undefined;
  if (op.name === 'Sub' && left.name === 'NumberDurationLiteral' && Number(text.slice(left.from, left.to)) === 1) {
    const inner = ratioOf(text, right);
    return inner && { ...inner, complement: true };
  }
  const ratio = ratioOf(text, root);
  return ratio && { ...ratio, complement: false };
}

function ratioOf(text: string, node: SyntaxNode): Omit<CounterRatioExpr, 'complement'> | undefined {
  const n = unwrap(node);
  if (n.name !== 'BinaryExpr') return undefined;
  const [left, op, right] = binaryParts(n);
  if (!left || op?.name !== 'Div' || !right) return undefined;
  const numerator = sumOf(text, left);
  const denominator = sumOf(text, right);
  if (!numerator || !denominator || !sameGrouping(numerator.grouping, denominator.grouping)) return undefined;
  return { numerator, denominator };
}

function parseTemplate(template: string): { text: string; root: SyntaxNode } | undefined {
  if (!hasWindowPlaceholder(template)) return undefined;
  const text = renderWindow(template, WINDOW_MARK);
  const tree = parser.parse(text);
  let error = false;
  tree.iterate({ enter: (n) => { if (n.type.isError) error = true; } });
  const root = tree.topNode.firstChild;
  if (error || !root || root.nextSibling) return undefined;
  return { text, root };
}

/** Strips parentheses. */
function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.name === 'ParenExpr' && n.firstChild) n = n.firstChild;
  return n;
}

/** Left operand, operator and right operand of a binary expression; undefined parts when it has modifiers (on, ignoring, bool). */
function binaryParts(node: SyntaxNode): [SyntaxNode | undefined, SyntaxNode | undefined, SyntaxNode | undefined] {
  const children: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) children.push(c);
  if (children.length !== 3) return [undefined, undefined, undefined];
  return [children[0], children[1], children[2]];
}

function sumOf(text: string, node: SyntaxNode): CounterSumExpr | undefined {
  const n = unwrap(node);
  if (n.name === 'AggregateExpr') {
    const term = termOf(text, n);
    return term && { terms: [{ selector: term.selector, sign: 1 }], grouping: term.grouping };
  }
  if (n.name !== 'BinaryExpr') return undefined;
  const [left, op, right] = binaryParts(n);
  if (!left || !op || !right || (op.name !== 'Add' && op.name !== 'Sub')) return undefined;
  const a = sumOf(text, left);
  const b = sumOf(text, right);
  if (!a || !b || !sameGrouping(a.grouping, b.grouping)) return undefined;
  const sign = op.name === 'Add' ? 1 : -1;
  return { terms: [...a.terms, ...b.terms.map((t) => ({ selector: t.selector, sign: (t.sign * sign) as 1 | -1 }))], grouping: a.grouping };
}

/** `sum [by|without (...)] (fn(selector[window]))`. */
function termOf(text: string, node: SyntaxNode): { selector: string; grouping: Grouping } | undefined {
  let op: string | undefined;
  let grouping: Grouping = { kind: 'by', labels: [] };
  let body: SyntaxNode | undefined;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === 'AggregateOp') op = text.slice(c.from, c.to);
    else if (c.name === 'AggregateModifier') {
      const kind = c.firstChild?.name === 'Without' ? 'without' : 'by';
      const labels: string[] = [];
      const list = c.getChild('GroupingLabels');
      for (let l = list?.firstChild ?? null; l; l = l.nextSibling) if (l.name === 'LabelName') labels.push(text.slice(l.from, l.to));
      grouping = { kind, labels: [...new Set(labels)].sort() };
    } else if (c.name === 'FunctionCallBody') body = c;
  }
  if (op?.toLowerCase() !== 'sum' || !body) return undefined;
  const args = childrenOf(body);
  if (args.length !== 1) return undefined;
  const call = unwrap(args[0] as SyntaxNode);
  if (call.name !== 'FunctionCall') return undefined;
  const fn = call.getChild('FunctionIdentifier');
  const callBody = call.getChild('FunctionCallBody');
  if (!fn || !callBody || !COUNTING_FUNCTIONS.has(text.slice(fn.from, fn.to))) return undefined;
  const callArgs = childrenOf(callBody);
  const matrix = callArgs.length === 1 ? callArgs[0] : undefined;
  if (matrix?.name !== 'MatrixSelector') return undefined;
  const vector = matrix.getChild('VectorSelector');
  const range = matrix.getChild('DurationExpr');
  if (!vector || !range || text.slice(range.from, range.to) !== WINDOW_MARK) return undefined;
  const selector = text.slice(vector.from, vector.to);
  if (!parseVectorSelector(selector)) return undefined;
  return { selector, grouping };
}

/** The argument nodes of a call body (without the parentheses and commas). */
function childrenOf(body: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = body.firstChild; c; c = c.nextSibling) if (c.name !== '(' && c.name !== ')' && c.name !== ',') out.push(c);
  return out;
}

function sameGrouping(a: Grouping, b: Grouping): boolean {
  return a.kind === b.kind && a.labels.length === b.labels.length && a.labels.every((l, i) => l === b.labels[i]);
}

/** The labels of a series that survive a sum's grouping (`__name__` never does). */
export function groupedLabels(labels: Readonly<Record<string, string>>, grouping: Grouping): Record<string, string> {
  const out: Record<string, string> = {};
  if (grouping.kind === 'by') {
    for (const l of grouping.labels) if (labels[l] !== undefined) out[l] = labels[l];
  } else {
    for (const [k, v] of Object.entries(labels)) if (k !== '__name__' && !grouping.labels.includes(k)) out[k] = v;
  }
  return out;
}
