import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';

/** `{{.window}}` as Sloth writes it (Sloth accepts spaces inside the braces: `{{ .window }}`). */
export const WINDOW_PLACEHOLDER_RE = /\{\{\s*\.window\s*\}\}/g;

export function hasWindowPlaceholder(template: string): boolean {
  return new RegExp(WINDOW_PLACEHOLDER_RE.source).test(template);
}

/** Substitutes the window placeholder: `rate(x[{{.window}}])` with `5m` -> `rate(x[5m])`. */
export function renderWindow(template: string, window: string): string {
  return template.replace(WINDOW_PLACEHOLDER_RE, window);
}

/** Placeholders that look like a misspelt `{{.window}}`. */
export function misspeltPlaceholder(template: string): string | undefined {
  const match = /\{\{[^}]*\}\}/.exec(template.replace(WINDOW_PLACEHOLDER_RE, ''));
  return match?.[0];
}

export interface PromqlSyntaxError {
  /** Character offset in the expression. */
  readonly offset: number;
  readonly message: string;
}

/** The first syntax error of a PromQL expression, or undefined when it parses. */
export function checkPromqlSyntax(expr: string): PromqlSyntaxError | undefined {
  if (expr.trim() === '') return { offset: 0, message: 'the query is empty' };
  const tree = parser.parse(expr);
  let error: PromqlSyntaxError | undefined;
  tree.iterate({
    enter(node) {
      if (error !== undefined) return false;
      if (node.type.isError) {
        const atEnd = node.from >= expr.trimEnd().length;
        const open = atEnd ? unbalanced(expr) : undefined;
        error = open ?? { offset: node.from, message: describeError(expr, node.from) };
        return false;
      }
      return undefined;
    },
  });
  return error ?? unbalanced(expr);
}

function describeError(expr: string, offset: number): string {
  if (offset >= expr.trimEnd().length) return 'PromQL syntax error: the query ends too early (a missing operand, bracket or closing quote?)';
  const near = expr.slice(offset, offset + 12).split('\n')[0] ?? '';
  return `PromQL syntax error: unexpected "${near}"`;
}

/** Brackets the parser may recover from silently; report them with their position. */
function unbalanced(expr: string): PromqlSyntaxError | undefined {
  const stack: { ch: string; at: number }[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i] ?? '';
    if (quote !== undefined) {
      if (ch === '\\' && quote !== '`') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') stack.push({ ch, at: i });
    else if (ch === ')' || ch === ']' || ch === '}') {
      const top = stack.pop();
      if (top?.ch !== pairs[ch]) return { offset: i, message: `PromQL syntax error: "${ch}" has no matching opening bracket` };
    }
  }
  if (quote !== undefined) return { offset: expr.length, message: `PromQL syntax error: a string opened with ${quote} is never closed` };
  const open = stack.pop();
  if (open) return { offset: open.at, message: `PromQL syntax error: "${open.ch}" is never closed` };
  return undefined;
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

export interface VectorSelector {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
}

/**
 * Parses an expression that is exactly one vector selector (`name{a="b",c=~"d.*"}`), as counter and gauge
 * selectors in SLO files are. Returns undefined for any other expression or a selector without metric name.
 */
export function parseVectorSelector(expr: string): VectorSelector | undefined {
  const tree = parser.parse(expr);
  const root = tree.topNode.firstChild;
  if (root?.name !== 'VectorSelector' || root.nextSibling !== null) return undefined;
  let hasError = false;
  tree.iterate({ enter: (n) => { if (n.type.isError) hasError = true; } });
  if (hasError) return undefined;
  let metric: string | undefined;
  const matchers: LabelMatcher[] = [];
  for (let child = root.firstChild; child; child = child.nextSibling) {
    if (child.name === 'Identifier') metric = expr.slice(child.from, child.to);
    if (child.name === 'LabelMatchers') {
      for (let m = child.firstChild; m; m = m.nextSibling) {
        const parsed = parseMatcher(expr, m);
        if (parsed === null) return undefined;
        if (parsed === 'name') continue;
        matchers.push(parsed);
      }
    }
  }
  const nameMatcher = matchers.find((m) => m.name === '__name__' && m.op === '=');
  metric ??= nameMatcher?.value;
  if (metric === undefined) return undefined;
  return { metric, matchers: matchers.filter((m) => m !== nameMatcher) };
}

/** Parses `{a="b",c!~"d"}` (or the same without braces) into matchers; undefined when it is not that. */
export function parseMatchers(text: string): LabelMatcher[] | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '{}') return [];
  const body = trimmed.startsWith('{') ? trimmed : `{${trimmed}}`;
  const parsed = parseVectorSelector(`__burnwatch_probe__${body}`);
  return parsed ? [...parsed.matchers] : undefined;
}

/** Formats matchers as PromQL: `{a="b",c=~"d"}` (empty string for none). */
export function formatMatchers(matchers: readonly LabelMatcher[]): string {
  if (matchers.length === 0) return '';
  return `{${matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(',')}}`;
}

function parseMatcher(expr: string, node: SyntaxNode): LabelMatcher | 'name' | null {
  if (node.name !== 'UnquotedLabelMatcher' && node.name !== 'QuotedLabelMatcher') return node.name === ',' ? 'name' : null;
  let name: string | undefined;
  let op: MatchOp | undefined;
  let value: string | undefined;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    const text = expr.slice(c.from, c.to);
    if (c.name === 'LabelName') name = text;
    else if (c.name === 'QuotedLabelName') name = unquote(text);
    else if (c.name === 'MatchOp') op = text as MatchOp;
    else if (c.name === 'StringLiteral') value = unquote(text);
  }
  if (node.name === 'QuotedLabelMatcher' && name !== undefined && op === undefined) {
    // `{"metric_name"}`: a quoted metric name.
    return { name: '__name__', op: '=', value: name };
  }
  if (name === undefined || op === undefined || value === undefined) return null;
  return { name, op, value };
}

/** Unquotes a PromQL string literal ("..." and '...' with Go escapes, `...` raw). */
export function unquote(literal: string): string {
  const q = literal[0];
  const body = literal.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? '';
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i] ?? '';
    switch (next) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16)); i += 2; break;
      case 'u': out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16)); i += 4; break;
      case 'U': out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16)); i += 8; break;
      default:
        if (/[0-7]/.test(next)) { out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8)); i += 2; }
        else out += next; // \\ \" \' and anything else
    }
  }
  return out;
}

/** Whether a series' labels satisfy a matcher (regexes fully anchored, a missing label equals ""). */
export function matches(labels: Readonly<Record<string, string>>, m: LabelMatcher): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchored(m.value).test(v);
    case '!~':
      return !anchored(m.value).test(v);
  }
}

const regexCache = new Map<string, RegExp>();
function anchored(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`, 's');
    regexCache.set(source, re);
  }
  return re;
}
