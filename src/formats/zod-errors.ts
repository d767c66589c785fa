import type { z } from 'zod';
import type { LocatedDocument, PathSegment, LocatedProblem } from './located.js';
import { formatPath } from './located.js';

type Issue = z.core.$ZodIssue;

/**
 * Turns zod issues into located, actionable errors: one error per problem, at the YAML node it concerns.
 * Messages follow the convention of `common-schema.ts` (first line: what is wrong; second line: the hint).
 */
export function issuesToErrors(issues: readonly Issue[], doc: LocatedDocument, schema: z.ZodType, base: readonly PathSegment[] = []): LocatedProblem[] {
  const out: LocatedProblem[] = [];
  for (const issue of issues) collect(issue, doc, schema, base, out);
  return dedupe(dropMissingExplainedByTypo(out));
}

/** A misspelt required field yields "unknown field" and "missing field"; keep only the first, it says both. */
function dropMissingExplainedByTypo(errors: LocatedProblem[]): LocatedProblem[] {
  return errors.filter((e) => {
    const missing = /^missing required field "(.+)"$/.exec(e.message);
    if (!missing) return true;
    const parent = e.path.slice(0, Math.max(0, e.path.length - (missing[1]?.length ?? 0) - 1));
    return !errors.some((o) => o.hint === `did you mean "${missing[1]}"?` && o.path.startsWith(parent) && o.path.slice(parent.length).split('.').filter(Boolean).length === 1);
  });
}

function collect(issue: Issue, doc: LocatedDocument, schema: z.ZodType, base: readonly PathSegment[], out: LocatedProblem[]): void {
  const path = [...base, ...(issue.path as PathSegment[])];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, issue.path as PathSegment[]);
      for (const key of issue.keys) {
        const suggestion = closest(key, known);
        const hint = suggestion === undefined
          ? (known.length > 0 ? `known fields here: ${known.join(', ')}` : 'remove it')
          : `did you mean "${suggestion}"?`;
        out.push(located(doc, [...path, key], `unknown field "${key}"`, hint, true));
      }
      return;
    }
    case 'invalid_union': {
      // A branch "matches" when the value has the branch's shape (no type error at the union's own node).
      // When exactly one does, its issues are the real problems; otherwise the union's message says what fits.
      const matching = issue.errors.filter((branch) => branch.length > 0
        && !branch.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')));
      const only = matching.length === 1 ? matching[0] : undefined;
      if (only !== undefined) {
        for (const inner of only) collect({ ...inner, path: [...issue.path, ...inner.path] }, doc, schema, base, out);
        return;
      }
      pushMessage(doc, path, issue.message, out);
      return;
    }
    case 'invalid_type': {
      const value = valueAt(doc, path);
      if (value === undefined) {
        const field = path[path.length - 1];
        out.push(missing(doc, path, `missing required field "${String(field)}"`, hintFromMessage(issue.message) ?? `add ${String(field)}: ...`));
        return;
      }
      if (issue.message.startsWith('Invalid input')) {
        out.push(located(doc, path, `must be ${article(issue.expected)}, not ${describe(value)}`));
        return;
      }
      pushMessage(doc, path, issue.message, out);
      return;
    }
    case 'invalid_value': {
      const value = valueAt(doc, path);
      if (value === undefined) {
        const field = path[path.length - 1];
        out.push(missing(doc, path, `missing required field "${String(field)}"`, `add ${String(field)}: ${issue.values.map(String).join(' | ')}`));
        return;
      }
      const expected = issue.values.map((v) => JSON.stringify(v)).join(' or ');
      const message = issue.message.startsWith('Invalid') ? `is ${JSON.stringify(value)}, must be ${expected}` : issue.message;
      pushMessage(doc, path, message, out);
      return;
    }
    default:
      pushMessage(doc, path, issue.message, out);
  }
}

function pushMessage(doc: LocatedDocument, path: readonly PathSegment[], message: string, out: LocatedProblem[]): void {
  const [first, ...rest] = message.split('\n');
  const hint = rest.join(' ').trim();
  out.push(located(doc, path, first ?? message, hint === '' ? undefined : hint));
}

function hintFromMessage(message: string): string | undefined {
  const lines = message.split('\n');
  if (lines.length > 1) return lines.slice(1).join(' ');
  return message.startsWith('Invalid input') ? undefined : message;
}

export function located(doc: LocatedDocument, path: readonly PathSegment[], message: string, hint?: string, key = false): LocatedProblem {
  const at = doc.locate(path, { key });
  return hint === undefined ? { ...at, message } : { ...at, message, hint };
}

/** A missing field is reported at the key of the map that should hold it (`metadata:` for metadata.name). */
function missing(doc: LocatedDocument, path: readonly PathSegment[], message: string, hint: string): LocatedProblem {
  const parent = path.slice(0, -1);
  const at = parent.length === 0 ? doc.locate([]) : doc.locate(parent, { key: true });
  return { ...at, path: formatPathOf(doc, path), message, hint };
}

function formatPathOf(doc: LocatedDocument, path: readonly PathSegment[]): string {
  return formatPath([...doc.prefix, ...path]);
}

function valueAt(doc: LocatedDocument, path: readonly PathSegment[]): unknown {
  let v: unknown = doc.value();
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function dedupe(errors: LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.line}:${e.col}:${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function article(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a map (key: value lines)';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Keys an object schema accepts at `path` (for "did you mean"), walking wrappers, arrays and unions. */
export function knownKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const found = new Set<string>();
  walk(schema, path, found);
  return [...found];
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  valueType?: z.ZodType;
  schema?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function walk(schema: z.ZodType, path: readonly PathSegment[], found: Set<string>): void {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      if (def.innerType) walk(def.innerType, path, found);
      return;
    case 'pipe':
      if (def.in) walk(def.in, path, found);
      return;
    case 'union':
      for (const option of def.options ?? []) walk(option, path, found);
      return;
    case 'object': {
      const shape = def.shape ?? {};
      if (path.length === 0) {
        for (const k of Object.keys(shape)) found.add(k);
        return;
      }
      const [head, ...rest] = path;
      const child = shape[String(head)];
      if (child) walk(child, rest, found);
      return;
    }
    case 'array':
      if (path.length > 0 && def.element) walk(def.element, path.slice(1), found);
      return;
    case 'record':
      if (path.length > 0 && def.valueType) walk(def.valueType, path.slice(1), found);
      return;
    default:
      return;
  }
}

/** The closest known key by edit distance (case-insensitive), when it is close enough to be a typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(best.length / 3));
  const snakeMatch = candidates.find((c) => c.toLowerCase() === key.replace(/_/g, '').toLowerCase());
  if (snakeMatch !== undefined) return snakeMatch;
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}
