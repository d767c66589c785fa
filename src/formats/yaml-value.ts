import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Alias, Document, Node, Pair, YAMLMap } from 'yaml';
import type { SpecLimits } from './limits.js';
import { limitSetting } from './limits.js';
import type { PathSegment } from './located.js';
import type { BoundProblem } from './yaml-bounds.js';
import { valuesProblem } from './yaml-bounds.js';

/** A YAML document as plain JavaScript, and how its aliases and merge keys were resolved (for locating). */
export interface PlainDocument {
  readonly value: unknown;
  /** The node each alias stands for. */
  readonly aliasTargets: ReadonlyMap<Alias, Node>;
  /** The maps each map merges in with `<<`, in order of precedence. */
  readonly mergeSources: ReadonlyMap<YAMLMap, readonly YAMLMap[]>;
  /** The pairs of each map by key. */
  readonly keys: ReadonlyMap<YAMLMap, ReadonlyMap<string, Pair>>;
}

/** Values counted so far in a file (the bound is per file, across its documents). */
export interface ValueCount {
  used: number;
}

export type Plain = { readonly ok: true; readonly plain: PlainDocument } | { readonly ok: false; readonly problem: BoundProblem & { readonly path: readonly PathSegment[] } };

interface Shape {
  /** Values in the value, aliases expanded. */
  readonly size: number;
  /** Levels of maps and lists in it (0 for a scalar). */
  readonly depth: number;
}

const SCALAR_SHAPE: Shape = { size: 1, depth: 0 };

class Stop extends Error {
  constructor(readonly problem: BoundProblem, readonly path: readonly PathSegment[]) {
    super(problem.message);
  }
}

/**
 * Turns a composed YAML document into plain JavaScript, meaning what YAML says and bounded.
 *
 * The YAML library's own conversion is not used: without its document context an alias converts to
 * `{ source: name }` (routing labels silently wrong), it does not apply `<<` merge keys under the 1.2 core
 * schema, and finding each alias's anchor scans the document, so a file of many aliases takes minutes.
 * Here anchors are tracked while walking in document order (an alias means the latest anchor of its name
 * before it), an alias shares its anchor's converted value, and merge keys follow YAML's merge type: keys
 * of the map win over merged ones, earlier merged maps over later ones. Bounds: values per file counting
 * what aliases and merges copy in (so a "billion laughs" stops at the alias that crosses it), nesting depth
 * with aliases expanded, string length; an alias inside its own anchor (a cycle) is refused.
 */
export function toPlain(doc: Document.Parsed, limits: SpecLimits, count: ValueCount): Plain {
  const converter = new Converter(limits, count);
  try {
    const value = converter.convert(doc.contents, 0);
    return { ok: true, plain: { value, aliasTargets: converter.aliasTargets, mergeSources: converter.mergeSources, keys: converter.keys } };
  } catch (err) {
    if (err instanceof Stop) return { ok: false, problem: { ...err.problem, path: err.path } };
    throw err;
  }
}

class Converter {
  readonly aliasTargets = new Map<Alias, Node>();
  readonly mergeSources = new Map<YAMLMap, YAMLMap[]>();
  readonly keys = new Map<YAMLMap, Map<string, Pair>>();
  private readonly anchors = new Map<string, Node>();
  private readonly unfinished = new Set<Node>();
  /** Converted values of anchored nodes, shared by their aliases. */
  private readonly converted = new Map<Node, unknown>();
  private readonly shapes = new WeakMap<object, Shape>();
  /** The path of the node being converted (copied only for a problem). */
  private readonly path: PathSegment[] = [];

  constructor(private readonly limits: SpecLimits, private readonly count: ValueCount) {}

  /** `level`: maps and lists above the node. */
  convert(node: unknown, level: number): unknown {
    if (isAlias(node)) {
      const { value, shape } = this.resolve(node);
      this.expand(node, shape, level);
      return value;
    }
    this.add(node);
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return null;
    if (node.anchor !== undefined) this.anchors.set(node.anchor, node);
    let value: unknown;
    if (isScalar(node)) {
      this.checkString(node.value, node);
      value = node.value;
    } else {
      this.unfinished.add(node);
      value = isMap(node) ? this.map(node, level + 1) : this.seq(node.items, level + 1);
      this.unfinished.delete(node);
    }
    if (node.anchor !== undefined) this.converted.set(node, value);
    return value;
  }

  /** The value an alias stands for: its anchor's, which must be complete before it. */
  private resolve(alias: Alias): { target: Node; value: unknown; shape: Shape } {
    const target = this.anchors.get(alias.source);
    if (target === undefined) {
      throw this.stop(alias, `alias *${alias.source} has no anchor &${alias.source} before it`, 'define the anchor (&name) on a value above the alias, or fix the name');
    }
    if (this.unfinished.has(target)) {
      throw this.stop(alias, `alias *${alias.source} is inside the value of its own anchor &${alias.source} (it would contain itself)`, 'an alias can only repeat a value that is complete before it');
    }
    this.aliasTargets.set(alias, target);
    const value = this.converted.get(target);
    return { target, value, shape: this.shapeOf(value) };
  }

  /** Counts what an alias copies in at `level`. */
  private expand(alias: Alias, shape: Shape, level: number): void {
    if (this.count.used + shape.size > this.limits.maxValues) {
      throw this.stop(alias, `expanding alias *${alias.source} makes the file hold more than ${this.limits.maxValues} values (each alias copies its anchor's whole value)`, `use fewer aliases of large values, or raise ${limitSetting('maxValues')}`);
    }
    this.count.used += shape.size;
    if (level + shape.depth > this.limits.maxDepth) {
      throw this.stop(alias, `alias *${alias.source} nests maps and lists more than ${this.limits.maxDepth} levels deep`, `check what the anchor &${alias.source} holds, or raise ${limitSetting('maxDepth')}`);
    }
  }

  private seq(items: readonly unknown[], level: number): unknown[] {
    const out: unknown[] = [];
    let size = 1;
    let depth = 0;
    items.forEach((item, i) => {
      this.path.push(i);
      const value = this.convert(item, level);
      this.path.pop();
      out.push(value);
      const shape = this.shapeOf(value);
      size += shape.size;
      depth = Math.max(depth, shape.depth);
    });
    this.shapes.set(out, { size, depth: depth + 1 });
    return out;
  }

  private map(map: YAMLMap, level: number): Record<string, unknown> {
    const entries = new Map<string, unknown>();
    /** Values merged in through an alias, counted here (an inline merged map was counted as written). */
    const copied = new Map<string, number>();
    const explicit = new Map<string, Pair>();
    const merged: YAMLMap[] = [];
    for (const pair of map.items) {
      if (isMergeKey(pair.key)) {
        this.path.push('<<');
        for (const source of this.mergeSourcesOf(pair.value, level)) {
          merged.push(source.node);
          for (const [k, v] of Object.entries(source.value)) {
            if (entries.has(k)) continue;
            entries.set(k, v);
            if (source.alias === undefined) continue;
            const shape = this.shapeOf(v);
            this.expand(source.alias, { size: 1 + shape.size, depth: shape.depth }, level);
            copied.set(k, 1 + shape.size);
          }
        }
        this.path.pop();
        continue;
      }
      const key = this.keyOf(pair.key);
      if (explicit.has(key)) {
        throw this.stop(pair.key, 'YAML syntax error: Map keys must be unique', 'each key may appear once per map: remove or rename the repeated one', key);
      }
      explicit.set(key, pair);
      this.path.push(key);
      const value = this.convert(pair.value, level);
      this.path.pop();
      this.count.used -= copied.get(key) ?? 0; // the merged value this key replaces
      copied.delete(key);
      entries.set(key, value);
    }
    this.keys.set(map, explicit);
    if (merged.length > 0) this.mergeSources.set(map, merged);
    const out: Record<string, unknown> = {};
    let size = 1;
    let depth = 0;
    for (const [k, v] of entries) {
      // `__proto__` is an ordinary key in YAML: keep it an own property, never the object's prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
      const shape = this.shapeOf(v);
      size += 1 + shape.size;
      depth = Math.max(depth, shape.depth);
    }
    this.shapes.set(out, { size, depth: depth + 1 });
    return out;
  }

  /** The maps a `<<` value names: a map, an alias of one, or a list of those (earlier ones win). */
  private mergeSourcesOf(value: unknown, level: number): { node: YAMLMap; value: Record<string, unknown>; alias?: Alias }[] {
    const items: readonly unknown[] = isSeq(value) ? value.items : [value];
    return items.map((item) => {
      if (isAlias(item)) {
        const resolved = this.resolve(item);
        if (isMap(resolved.target)) return { node: resolved.target, value: resolved.value as Record<string, unknown>, alias: item };
      } else if (isMap(item)) {
        return { node: item, value: this.convert(item, level) as Record<string, unknown> };
      }
      throw this.stop(item ?? value, 'a merge key (<<) takes a map, an alias of a map, or a list of those', 'write e.g. <<: *defaults, or <<: [*defaults, *team]');
    });
  }

  private keyOf(key: unknown): string {
    if (key === null || key === undefined) {
      this.add(key);
      return '';
    }
    const node = isAlias(key) ? this.resolve(key).target : key;
    if (!isScalar(node)) throw this.stop(key, 'a map key must be a name, not a map or a list', 'write the key as plain text');
    if (isAlias(key)) this.add(key);
    return keyText(isAlias(key) ? node.value : this.convert(key, 0));
  }

  private checkString(value: unknown, node: Node): void {
    if (typeof value !== 'string' || value.length <= this.limits.maxStringLength) return;
    throw this.stop(node, `a string of ${value.length} characters: at most ${this.limits.maxStringLength}`, `shorten it (link to a document for long text), or raise ${limitSetting('maxStringLength')}`);
  }

  /** Counts one value written in the file. */
  private add(node: unknown): void {
    this.count.used += 1;
    if (this.count.used > this.limits.maxValues) throw new Stop(valuesProblem(offsetOf(node), this.limits), [...this.path]);
  }

  private shapeOf(value: unknown): Shape {
    return value !== null && typeof value === 'object' ? (this.shapes.get(value) ?? SCALAR_SHAPE) : SCALAR_SHAPE;
  }

  private stop(node: unknown, message: string, hint: string, last?: PathSegment): Stop {
    return new Stop({ offset: offsetOf(node), message, hint }, last === undefined ? [...this.path] : [...this.path, last]);
  }
}

/** A scalar key as JavaScript names it (YAML 1.2 core scalars are strings, numbers, booleans or null). */
function keyText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return value === null || value === undefined ? '' : (JSON.stringify(value) ?? '');
  }
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.value === '<<' && key.type === 'PLAIN' && key.tag === undefined;
}

function offsetOf(node: unknown): number {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: readonly number[] | null }).range;
    if (range) return range[0] ?? 0;
  }
  return 0;
}
