import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter } from 'yaml';
import type { Document } from 'yaml';
import type { SpecLimits } from './limits.js';
import { withDefaults } from './limits.js';
import { parseTokens, tooDeep, depthProblem } from './yaml-bounds.js';
import type { BoundProblem } from './yaml-bounds.js';
import type { PlainDocument, ValueCount } from './yaml-value.js';
import { toPlain } from './yaml-value.js';

/** A place in an SLO file: 1-based line and column, and the field path (`spec.alerting.tiers[1].long`). */
export interface Location {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly path: string;
}

/** A problem a user can fix, located in their file. */
export interface LocatedProblem extends Location {
  readonly message: string;
  /** What to write instead, when we can tell. */
  readonly hint?: string;
  /** Warnings are printed but do not make a file invalid (e.g. a field Sloth itself ignores). Default: error. */
  readonly severity?: 'error' | 'warning';
}

export function isWarning(e: LocatedProblem): boolean {
  return e.severity === 'warning';
}

export type PathSegment = string | number;

/** Formats a field path the way users read it: `spec.tiers[1].long`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** One YAML document of a file, with the means to turn a field path into a line and column. */
export class LocatedDocument {
  constructor(
    readonly file: string,
    readonly index: number,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly text: string,
    /** The document as plain JavaScript, aliases and merge keys resolved. */
    private readonly plain: PlainDocument,
    /** Path prefix of this object inside the document (`[2]` for the third object of a top-level list). */
    readonly prefix: readonly PathSegment[] = [],
  ) {}

  /** The same document, addressing the object at `prefix` (used for YAML lists of objects). */
  child(prefix: readonly PathSegment[]): LocatedDocument {
    return new LocatedDocument(this.file, this.index, this.doc, this.lines, this.text, this.plain, [...this.prefix, ...prefix]);
  }

  /**
   * The plain JavaScript value of this object, as YAML means it: aliases are their anchors' values (shared,
   * not copied: do not change it), `<<` merge keys merged.
   */
  value(): unknown {
    let v: unknown = this.plain.value;
    for (const seg of this.prefix) {
      if (v === null || typeof v !== 'object') return null;
      v = (v as Record<string | number, unknown>)[seg];
    }
    return v ?? null;
  }

  /**
   * Location of the node at `path` (relative to this object). With `key: true`, the location of the key of
   * the last segment (for unknown fields). When the path does not exist (a missing field), the nearest
   * existing ancestor is used, so a "missing field" message points at the map that lacks it.
   */
  locate(path: readonly PathSegment[], options: { key?: boolean } = {}): Location {
    const full = [...this.prefix, ...path];
    let offset = 0;
    let node: unknown = this.doc.contents;
    let found = 0;
    for (const seg of full) {
      const next = this.childOf(node, seg);
      if (next === undefined) break;
      node = next.value;
      offset = next.keyOffset ?? offset;
      found++;
      // Point at the key for unknown fields, and for a map or list value (which starts on a later line).
      const wantKey = options.key === true || isMap(next.value) || isSeq(next.value);
      if (found === full.length && wantKey && next.keyOffset !== undefined) {
        return this.at(next.keyOffset, path);
      }
    }
    const range = rangeOf(node);
    return this.at(range ?? offset, path);
  }

  /** Location of a character offset inside a scalar at `path` (for PromQL errors inside a query string). */
  locateInScalar(path: readonly PathSegment[], charOffset: number): Location {
    const node = this.nodeAt([...this.prefix, ...path]);
    if (!isScalar(node) || !node.range || typeof node.value !== 'string') return this.locate(path);
    const value = node.value;
    const [from, to] = node.range;
    const raw = this.text.slice(from, to);
    const inner = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? raw.slice(1, -1) : raw;
    const shift = inner === raw ? 0 : 1;
    if (inner === value) return this.at(from + shift + Math.min(charOffset, value.length), path);
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      // The value starts on the line after the block indicator; find the line of the offset within it.
      const before = value.slice(0, charOffset);
      const lineInValue = before.split('\n').length - 1;
      const colInLine = before.length - (before.lastIndexOf('\n') + 1);
      const bodyLines = raw.split('\n').slice(1);
      const firstContent = bodyLines.find((l) => l.trim() !== '') ?? '';
      const indent = firstContent.length - firstContent.trimStart().length;
      const header = this.lines.linePos(from);
      return { file: this.file, line: header.line + 1 + lineInValue, col: indent + colInLine + 1, path: formatPath([...this.prefix, ...path]) };
    }
    // Escapes or folded lines: the start of the scalar is the best we can say.
    return this.at(from, path);
  }

  private nodeAt(path: readonly PathSegment[]): unknown {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      node = this.childOf(node, seg)?.value;
      if (node === undefined) return undefined;
    }
    return isAlias(node) ? this.plain.aliasTargets.get(node) : node;
  }

  /** The node under a map key or list index, through aliases and merge keys (a merged key is found where it is written). */
  private childOf(parent: unknown, seg: PathSegment): { value: unknown; keyOffset?: number } | undefined {
    const node = isAlias(parent) ? this.plain.aliasTargets.get(parent) : parent;
    if (isMap(node)) {
      const pair = this.plain.keys.get(node)?.get(String(seg));
      if (pair) {
        const keyRange = rangeOf(pair.key);
        return keyRange === undefined ? { value: pair.value } : { value: pair.value, keyOffset: keyRange };
      }
      for (const source of this.plain.mergeSources.get(node) ?? []) {
        const merged = this.childOf(source, seg);
        if (merged !== undefined) return merged;
      }
      return undefined;
    }
    if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      return item === undefined ? undefined : { value: item };
    }
    return undefined;
  }

  private at(offset: number, path: readonly PathSegment[]): Location {
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, col: pos.col, path: formatPath([...this.prefix, ...path]) };
  }
}

function rangeOf(node: unknown): number | undefined {
  if (isPair(node)) return rangeOf(node.key);
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range ? range[0] : undefined;
  }
  return undefined;
}

export interface ParsedFile {
  readonly documents: readonly LocatedDocument[];
  readonly errors: readonly LocatedProblem[];
}

/**
 * Parses every YAML document of a file. YAML syntax errors come back located; documents with syntax errors
 * are dropped (their content cannot be trusted), the others are kept so every problem of a file is reported.
 * The text is bounded by `limits` (documents, values with aliases expanded, nesting, string length): a file
 * over a bound comes back with one located error for it, and costs no more than the bound to find out.
 */
export function parseYamlFile(file: string, text: string, limits: Partial<SpecLimits> = {}): ParsedFile {
  const bounds = withDefaults(limits);
  const lines = new LineCounter();
  const errors: LocatedProblem[] = [];
  const documents: LocatedDocument[] = [];
  const parsed = parseTokens(text, bounds, lines.addNewLine);
  if ('problem' in parsed) return { documents, errors: [boundError(file, text, parsed.problem)] };
  // Documents nested too deep are composed empty: the library composes recursively.
  const dropped = new Set<number>();
  for (const token of parsed.tokens) {
    if (token.type !== 'document') continue;
    const deep = tooDeep(token, bounds.maxDepth);
    if (deep === undefined) continue;
    errors.push(boundError(file, text, depthProblem(deep, bounds)));
    delete token.value;
    dropped.add(token.offset);
  }
  // Keys are checked for uniqueness while converting: the library's check compares every key with every other.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, strict: true });
  const count: ValueCount = { used: 0 };
  let index = 0;
  for (const doc of composer.compose(parsed.tokens)) {
    const at = index++;
    if (dropped.has(doc.range[0])) continue;
    // Only the first syntax error of a document: the ones after it are mostly consequences of it.
    const e = doc.errors[0];
    if (e !== undefined) {
      const pos = lines.linePos(e.pos[0]);
      errors.push({ file, line: pos.line, col: pos.col, path: '', message: `YAML syntax error: ${firstLine(e.message)}`, hint: yamlHint(e.code) });
      continue;
    }
    if (doc.contents === null) continue;
    const plain = toPlain(doc, bounds, count);
    if (!plain.ok) {
      const pos = lines.linePos(plain.problem.offset);
      errors.push({ file, line: pos.line, col: pos.col, path: formatPath(plain.problem.path), message: plain.problem.message, hint: plain.problem.hint });
      if (count.used > bounds.maxValues) break; // the file's budget is spent: the documents after it would say the same
      continue;
    }
    documents.push(new LocatedDocument(file, at, doc, lines, text, plain.plain));
  }
  return { documents, errors };
}

/** A bound crossed before the whole text was parsed: its line is counted from the text. */
function boundError(file: string, text: string, problem: BoundProblem): LocatedProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < problem.offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { file, line, col: problem.offset - lineStart + 1, path: '', message: problem.message, hint: problem.hint };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once per map: remove or rename the repeated one';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation (spaces, not tabs) and that every "key: value" has its colon and closing quote';
    case 'TAB_AS_INDENT':
      return 'indent with spaces; YAML does not allow tabs for indentation';
    case 'BAD_SCALAR_START':
      return 'quote values that start with special characters such as @, `, %, {, [ or *';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a key must fit on one line; check for a missing colon or closing quote above';
    default:
      return 'fix the YAML syntax at this position';
  }
}
