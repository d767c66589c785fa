import type { Labels } from './labels.js';
import { labelValue } from './labels.js';

/**
 * Alertmanager-style label matchers: `severity="page"`, `slo=~"api-.*"`, `team!="x"`, `env!~"dev|test"`,
 * unquoted values (`severity=page`) and comma-separated lists (`{a="1", b!="2"}`), as Alertmanager 0.25's
 * `labels.ParseMatchers` accepts them in `matchers:` lists (docs/configuration.md, `<matcher>`).
 *
 * - A missing label matches as the empty string (`team!="x"` matches an alert without `team`).
 * - Regular expressions are fully anchored: `=~"api-.*"` is `^(?:api-.*)$`, so `=~"api"` does not match
 *   `api-checkout`.
 * - Alertmanager uses Go's RE2; we use JavaScript regular expressions. A leading `(?i)` / `(?s)` flag group
 *   (common in Alertmanager configs) is turned into the JavaScript flag, `(?P<name>` into `(?<name>`; the
 *   rest of the common syntax is the same in both.
 *
 * Pure: parse results are values, never thrown errors; the caller adds the location (file, line, field).
 */

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly name: string;
  readonly type: MatchType;
  /** The value as written, unescaped (for regex matchers: the expression without the anchors). */
  readonly value: string;
  /** The anchored expression, for `=~` and `!~`. */
  readonly regex?: RegExp;
}

/** A parse or validation problem: what is wrong, and what to write instead. */
export interface MatcherProblem {
  readonly message: string;
  readonly hint: string;
}

export type MatcherResult<T> = { readonly ok: true; readonly value: T } | ({ readonly ok: false } & MatcherProblem);

/** Label names in matchers: Alertmanager 0.25 also accepts colons (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
const MATCHER_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** name, operator (`=~` before `=`), value; whitespace around each token is dropped. */
const MATCHER_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

const SYNTAX_HINT = 'write name, operator and value, e.g. severity="page", slo=~"api-.*", team!="payments" or env!~"dev|test"';

function fail<T>(message: string, hint: string): MatcherResult<T> {
  return { ok: false, message, hint };
}

/** Parses one matcher: `severity="page"`, `slo=~"api-.*"`, `severity=page`. */
export function parseMatcher(text: string): MatcherResult<Matcher> {
  const m = MATCHER_RE.exec(text);
  const name = m?.[1];
  const op = m?.[2];
  const raw = m?.[3];
  if (name === undefined || op === undefined || raw === undefined) {
    const trimmed = text.trim();
    if (trimmed === '') return fail('the matcher is empty', SYNTAX_HINT);
    const nameMatch = /^\s*([^=!~\s]*)/.exec(text)?.[1] ?? '';
    if (nameMatch !== '' && !MATCHER_NAME_RE.test(nameMatch)) {
      return fail(`bad matcher ${JSON.stringify(trimmed)}: ${JSON.stringify(nameMatch)} is not a label name`, `label names use letters, digits, _ and :, not starting with a digit; ${SYNTAX_HINT}`);
    }
    return fail(`bad matcher ${JSON.stringify(trimmed)}: expected a label name, one of = != =~ !~, and a value`, SYNTAX_HINT);
  }
  if (raw === '') {
    return fail(`bad matcher ${JSON.stringify(text.trim())}: the value is missing`, `write ${name}${op}"" to compare with the empty string (a missing label), or give a value, e.g. ${name}${op}"page"`);
  }
  const value = unescapeValue(raw);
  if (!value.ok) return fail(`bad matcher ${JSON.stringify(text.trim())}: ${value.message}`, value.hint);
  return newMatcher(name, op as MatchType, value.value);
}

/** Reads the value token: optional surrounding double quotes, OpenMetrics escapes (`\"`, `\\`, `\n`). */
function unescapeValue(raw: string): MatcherResult<string> {
  const quoted = raw.startsWith('"');
  const body = quoted ? raw.slice(1) : raw;
  let out = '';
  let closed = !quoted;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c === '\\' && i < body.length - 1) {
      const next = body[i + 1] ?? '';
      i++;
      if (next === 'n') out += '\n';
      else if (next === '"' || next === '\\') out += next;
      else out += `\\${next}`; // a stray backslash stays literal, as Alertmanager keeps it
      continue;
    }
    if (c === '"') {
      if (!quoted || i !== body.length - 1) {
        return fail('the value contains an unescaped double quote', 'quote the whole value and write \\" for a quote inside it, e.g. summary="say \\"hi\\""');
      }
      closed = true;
      continue;
    }
    out += c;
  }
  if (!closed) return fail('the value has no closing double quote', 'end the quoted value with ", e.g. severity="page"');
  return { ok: true, value: out };
}

/** A matcher from its parts (also for matchers stored or received as `{name, value, isRegex, isEqual}`). */
export function newMatcher(name: string, type: MatchType, value: string): MatcherResult<Matcher> {
  if (!MATCHER_NAME_RE.test(name)) {
    return fail(`${JSON.stringify(name)} is not a label name`, 'label names use letters, digits, _ and :, not starting with a digit, e.g. severity or slo');
  }
  if (type !== '=~' && type !== '!~') return { ok: true, value: { name, type, value } };
  const regex = compileAnchored(value);
  if (!regex.ok) return fail(`${name}${type}${JSON.stringify(value)}: invalid regular expression: ${regex.message}`, regex.hint);
  return { ok: true, value: { name, type, value, regex: regex.value } };
}

/** The Alertmanager API's matcher shape (`/api/v2/silences`). */
export interface ApiMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** Defaults to true, as in Alertmanager. */
  readonly isEqual?: boolean;
}

export function matcherFromApi(m: ApiMatcher): MatcherResult<Matcher> {
  const equal = m.isEqual ?? true;
  const type: MatchType = m.isRegex ? (equal ? '=~' : '!~') : equal ? '=' : '!=';
  return newMatcher(m.name, type, m.value);
}

export function matcherToApi(m: Matcher): Required<ApiMatcher> {
  return { name: m.name, value: m.value, isRegex: m.type === '=~' || m.type === '!~', isEqual: m.type === '=' || m.type === '=~' };
}

/**
 * Compiles `^(?:re)$`. Go's leading flag groups `(?i)`, `(?s)`, `(?is)` become JavaScript flags; named
 * groups `(?P<name>...)` become `(?<name>...)`.
 */
function compileAnchored(expr: string): MatcherResult<RegExp> {
  let body = expr;
  let flags = '';
  const flagGroup = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (flagGroup !== null) {
    const letters = flagGroup[1] ?? '';
    const unsupported = [...letters].filter((f) => f !== 'i' && f !== 's');
    if (unsupported.length > 0) {
      return fail(`the flag group (?${letters}) is not supported`, 'only (?i) (ignore case) and (?s) (dot matches newline) may start an expression');
    }
    flags = [...new Set(letters)].join('');
    body = body.slice(flagGroup[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<');
  try {
    return { ok: true, value: new RegExp(`^(?:${body})$`, flags) };
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
    return fail(reason, 'check brackets and escapes; write \\. for a literal dot, e.g. slo=~"api-.*" or env!~"dev|test"');
  }
}

/**
 * Parses a comma-separated list (`{a="1", b=~"x,y"}`; braces optional, commas inside quotes kept, a trailing
 * comma allowed), as one entry of a `matchers:` list may hold several.
 */
export function parseMatchers(text: string): MatcherResult<Matcher[]> {
  let s = text.trim();
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let token = '';
  let inQuotes = false;
  let escaped = false;
  for (const c of s) {
    if (c === ',' && !inQuotes) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"') {
      if (escaped) escaped = false;
      else inQuotes = !inQuotes;
    } else if (c === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  if (token.trim() !== '') tokens.push(token);
  if (tokens.length === 0) return fail(`no matcher in ${JSON.stringify(text)}`, SYNTAX_HINT);
  const out: Matcher[] = [];
  for (const t of tokens) {
    const parsed = parseMatcher(t);
    if (!parsed.ok) return parsed;
    out.push(parsed.value);
  }
  return { ok: true, value: out };
}

/** Whether the matcher holds for `value` (pass `''` for a missing label). */
export function matchesValue(m: Matcher, value: string): boolean {
  switch (m.type) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return m.regex?.test(value) ?? false;
    case '!~':
      return !(m.regex?.test(value) ?? false);
    default: {
      const unreachable: never = m.type;
      return unreachable;
    }
  }
}

/** Whether the matcher holds for the label set (a missing label counts as the empty string). */
export function matches(m: Matcher, labels: Labels): boolean {
  return matchesValue(m, labelValue(labels, m.name));
}

/** Whether every matcher holds (true for an empty list). */
export function matchesAll(ms: readonly Matcher[], labels: Labels): boolean {
  return ms.every((m) => matches(m, labels));
}

/** `name="value"` with OpenMetrics escaping, as Alertmanager prints a matcher. */
export function formatMatcher(m: Matcher): string {
  const escaped = m.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `${m.name}${m.type}"${escaped}"`;
}

/** `{a="1",b=~"x"}`, as Alertmanager prints a matcher list (used in route keys). */
export function formatMatchers(ms: readonly Matcher[]): string {
  return `{${ms.map(formatMatcher).join(',')}}`;
}
