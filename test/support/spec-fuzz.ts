import fc from 'fast-check';
import type { LoadResult } from '../../src/formats/load.js';
import type { LocatedProblem } from '../../src/formats/located.js';

/**
 * Hostile SLO folders for the loader: the files people break by hand (real SLO files with lines lost,
 * duplicated, re-indented, truncated, stray characters) and the ones written to hurt (alias bombs, merge
 * keys, deep nesting, huge scalars, binary garbage, thousands of documents, other encodings, tabs, symlink
 * loops, FIFOs). Shared by the property spec (small cases, in memory) and `npm run fuzz` (folders on disk).
 */

/** One entry of a generated SLO folder. Link targets are relative to the folder, or absolute. */
export type FuzzEntry =
  | { readonly kind: 'file'; readonly name: string; readonly content: string | Uint8Array }
  | { readonly kind: 'link'; readonly name: string; readonly target: string }
  | { readonly kind: 'fifo'; readonly name: string };

export interface FuzzCase {
  /** What the case attacks, for the figures (`mutated example`, `alias bomb`, ...). */
  readonly attack: string;
  readonly entries: readonly FuzzEntry[];
}

const SPECIAL = [':', '-', '{', '}', '[', ']', '"', "'", '\t', ' ', '#', '|', '>', '&', '*', '!', '%', '@', '`', ',', '?', '\n', '\\', '0', '-1', 'null', '~', '{{.window}}', 'NaN', '1e400', '<<: *a', '&a', '*a', '\uFEFF', '\u0000', '\r'];

type Mutation = (lines: string[]) => string[];

const at = (i: number, lines: readonly string[]): number => i % Math.max(1, lines.length);

/** Ways files get broken by hand: a line lost, doubled, swapped, re-indented, cut; a character replaced. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i): Mutation => (l) => l.filter((_, j) => j !== at(i, l))),
  fc.nat().map((i): Mutation => (l) => [...l.slice(0, at(i, l) + 1), l[at(i, l)] ?? '', ...l.slice(at(i, l) + 1)]),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...SPECIAL)).map(([i, c, s]): Mutation => (l) => {
    const line = l[at(i, l)] ?? '';
    const col = c % (line.length + 1);
    return l.map((x, j) => (j === at(i, l) ? line.slice(0, col) + s + line.slice(col + 1) : x));
  }),
  fc.tuple(fc.nat(), fc.string({ maxLength: 40 })).map(([i, s]): Mutation => (l) => l.map((x, j) => (j === at(i, l) ? x + s : x))),
  fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })).map(([i, d]): Mutation => (l) =>
    l.map((x, j) => (j !== at(i, l) ? x : d >= 0 ? ' '.repeat(d) + x : x.replace(new RegExp(`^ {0,${-d}}`), '')))),
  fc.nat().map((i): Mutation => (l) => l.slice(0, i % (l.length + 1))),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Mutation => (l) => {
    const out = [...l];
    [out[at(a, l)], out[at(b, l)]] = [l[at(b, l)] ?? '', l[at(a, l)] ?? ''];
    return out;
  }),
  fc.tuple(fc.nat(), fc.double()).map(([i, n]): Mutation => (l) => l.map((x, j) => (j === at(i, l) ? x.replace(/\d+(\.\d+)?/, String(n)) : x))),
  // An anchor on one value and an alias of it on another, or a merge of it.
  fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([a, b, merge]): Mutation => (l) => l.map((x, j) => {
    if (j === at(a, l)) return x.replace(/:\s/, ': &a ');
    if (j === at(b, l)) return merge ? x.replace(/^(\s*)(\S.*)$/, '$1<<: *a') : x.replace(/:\s.*$/, ': *a');
    return x;
  })),
);

/** A text broken by `min` to `max` mutations. */
export function mutated(texts: readonly string[], max = 4, min = 1): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...texts), fc.array(mutation, { minLength: min, maxLength: max })).map(([text, ms]) => ms.reduce((acc, m) => m(acc), text.split('\n')).join('\n'));
}

/** `levels` levels of `width` aliases of the level below (the "billion laughs"), as lists or maps. */
export const aliasBomb: fc.Arbitrary<string> = fc.record({ levels: fc.integer({ min: 2, max: 14 }), width: fc.integer({ min: 2, max: 12 }), maps: fc.boolean() }).map(({ levels, width, maps }) => billionLaughs(levels, width, maps));

/** The "billion laughs": `width` ^ `levels` strings once every alias is expanded. */
export function billionLaughs(levels: number, width: number, maps = false): string {
  let text = `l0: &l0 ${maps ? '{ a: lol, b: lol }' : '[lol, lol]'}\n`;
  for (let i = 1; i < levels; i++) {
    const refs = Array.from({ length: width }, (_, k) => (maps ? `k${k}: *l${i - 1}` : `*l${i - 1}`)).join(', ');
    text += `l${i}: &l${i} ${maps ? `{ ${refs} }` : `[${refs}]`}\n`;
  }
  return text;
}

/**
 * How big the generated attacks get: `full` for `npm run fuzz` (past every default bound: 100,000 levels,
 * 3 MB strings, 250,000 values), `small` for the property spec in the regular suite (fast, still past the
 * bounds the spec sets).
 */
export type Scale = 'small' | 'full';

const sized = (scale: Scale, small: readonly number[], full: readonly number[]): fc.Arbitrary<number> => fc.constantFrom(...(scale === 'small' ? small : full));

/** Aliases and merges gone wrong or taken far: cycles, missing anchors, merges of scalars, chains, keys. */
export const aliasTricks = (scale: Scale): fc.Arbitrary<string> => fc.oneof(
  fc.constant('a: &a [1, *a]\n'),
  fc.constant('a: &a { b: *a }\n'),
  fc.constant('a: *missing\n'),
  fc.constant('a: &s text\nb: { <<: *s }\n'),
  fc.constant('a: &l [1, 2]\nb: { <<: *l }\n'),
  fc.constant('a: &m { x: 1 }\n*m : key\n'),
  fc.constant('<<: { a: 1 }\n<<: { b: 2 }\n'),
  fc.constant('a: { <<: [] }\nb: { <<: ~ }\nc: { <<: [*nope] }\n'),
  sized(scale, [10, 70], [70, 300, 3_000]).map((n) => Array.from({ length: n }, (_, i) => `a${i}: &a${i} [${i === 0 ? '1' : `*a${i - 1}`}]`).join('\n')),
  sized(scale, [10, 70], [70, 300, 3_000]).map((n) => Array.from({ length: n }, (_, i) => `m${i}: &m${i} { <<: ${i === 0 ? '{ x: 1 }' : `*m${i - 1}`}, k${i}: ${i} }`).join('\n')),
  sized(scale, [10, 1_000], [1_000, 20_000, 60_000]).map((n) => `x: &x 1\nl: [${Array.from({ length: n }, () => '*x').join(', ')}]\n`),
  sized(scale, [10, 1_000], [1_000, 20_000]).map((n) => Array.from({ length: n }, (_, i) => `x${i}: &x${i} 1`).join('\n') + `\nl: [${Array.from({ length: n }, (_, i) => `*x${i}`).join(', ')}]\n`),
);

/** Maps and lists inside each other, written as flow, block, indentation, or a mix. */
export const deepNesting = (scale: Scale): fc.Arbitrary<string> => fc.record({ depth: sized(scale, [8, 63, 64, 65, 130, 131, 1_000], [64, 65, 130, 131, 1_000, 10_000, 100_000, 400_000]), shape: fc.constantFrom('flow-seq', 'flow-map', 'block-seq', 'indent', 'mixed', 'unclosed') }).map(({ depth, shape }) => {
  switch (shape) {
    case 'flow-seq':
      return `${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    case 'flow-map':
      return `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`;
    case 'block-seq':
      return `${'- '.repeat(depth)}x\n`;
    case 'indent':
      return Array.from({ length: Math.min(depth, 1500) }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' x\n';
    case 'mixed':
      return `a:\n  - b: ${'[{c: '.repeat(depth)}`;
    default:
      return '['.repeat(depth);
  }
});

/** A huge string where a description, a query or a key goes, plain, quoted or as a block. */
export function hugeScalar(examples: readonly string[], scale: Scale): fc.Arbitrary<string> {
  const lengths = sized(scale, [100, 16 * 1024, 16 * 1024 + 1, 100_000], [16 * 1024 + 1, 100_000, 1024 * 1024 - 64, 1024 * 1024 + 1, 3 * 1024 * 1024, 20 * 1024 * 1024]);
  return fc.record({ example: fc.constantFrom(...examples), length: lengths, style: fc.constantFrom('plain', 'quoted', 'block', 'key') }).map(({ example, length, style }) => {
    const s = 'x'.repeat(length);
    const value = style === 'quoted' ? `"${s}"` : style === 'block' ? `|\n    ${s}` : s;
    if (style === 'key') return `${example}\n${s}: 1\n`;
    return example.replace(/^(\s*)description:.*$/m, `$1description: ${value}`).replace(/^metadata:\n/m, `metadata:\n  description: ${value}\n`);
  });
}

/** Many YAML documents, empty or each an SLO. */
export function manyDocuments(examples: readonly string[], scale: Scale): fc.Arbitrary<string> {
  return fc.record({ n: sized(scale, [2, 50, 1_001], [999, 1_000, 1_001, 5_000, 100_000]), empty: fc.boolean(), example: fc.constantFrom(...examples) }).map(({ n, empty, example }) => (empty ? '---\n'.repeat(n) : Array.from({ length: Math.min(n, 2_000) }, () => example).join('\n---\n')));
}

/** Wide files: a map of many keys, a flow list of many values, many label entries. */
export const wide = (scale: Scale): fc.Arbitrary<string> => fc.record({ n: sized(scale, [100, 2_000], [1_000, 49_999, 50_001, 100_000, 250_000]), shape: fc.constantFrom('keys', 'list', 'objects') }).map(({ n, shape }) => {
  if (shape === 'keys') return Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join('\n') + '\n';
  if (shape === 'list') return `[${Array.from({ length: n }, (_, i) => i % 10).join(',')}]\n`;
  return `[${Array.from({ length: Math.min(n, 20_000) }, () => '{}').join(',')}]\n`;
});

/** Random bytes, or an SLO file with bytes that are not UTF-8 spliced in. */
export function binary(examples: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 4096 }),
    fc.record({ example: fc.constantFrom(...examples), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }).map(({ example, at: i, bytes }) => {
      const b = Buffer.from(example);
      const k = i % (b.length + 1);
      return Buffer.concat([b.subarray(0, k), Buffer.from(bytes.map((x) => x | 0x80)), b.subarray(k)]);
    }),
  );
}

/** An SLO file in another encoding, with another line ending, or with tabs. */
export function encodings(examples: readonly string[]): fc.Arbitrary<string | Uint8Array> {
  return fc.record({ example: fc.constantFrom(...examples), how: fc.constantFrom('utf16le-bom', 'utf16le', 'utf16be-bom', 'utf32-bom', 'utf8-bom', 'latin1', 'crlf', 'cr', 'tabs', 'tab-after-key', 'nul') }).map(({ example, how }): string | Uint8Array => {
    const accented = example.replace(/^(\s*)(description:.*)$/m, '$1$2 caf\u00e9 \u00fcber \u2603');
    switch (how) {
      case 'utf16le-bom':
        return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(example, 'utf16le')]);
      case 'utf16le':
        return Buffer.from(example, 'utf16le');
      case 'utf16be-bom':
        return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(example, 'utf16le').swap16()]);
      case 'utf32-bom':
        return Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x00]), ...[...example].map((ch) => { const b = Buffer.alloc(4); b.writeUInt32LE(ch.codePointAt(0) ?? 0); return b; })]);
      case 'utf8-bom':
        return `\uFEFF${accented}`;
      case 'latin1':
        return Buffer.from(accented, 'latin1');
      case 'crlf':
        return example.replace(/\n/g, '\r\n');
      case 'cr':
        return example.replace(/\n/g, '\r');
      case 'tabs':
        return example.replace(/^( {2})+/gm, (m) => '\t'.repeat(m.length / 2));
      case 'tab-after-key':
        return example.replace(/: /g, ':\t');
      default:
        return example.replace(/\n/, '\n\u0000');
    }
  });
}

/** Text attacks for one file (also what the property spec feeds the loader in memory). */
export function textAttacks(examples: readonly string[], scale: Scale): fc.Arbitrary<{ attack: string; content: string | Uint8Array }> {
  const tagged = <T extends string | Uint8Array>(attack: string, arb: fc.Arbitrary<T>) => arb.map((content) => ({ attack, content }));
  return fc.oneof(
    { weight: 30, arbitrary: tagged('example file, mutated or not', mutated(examples, 4, 0)) },
    { weight: 4, arbitrary: tagged('alias bomb', aliasBomb) },
    { weight: 4, arbitrary: tagged('alias and merge tricks', aliasTricks(scale)) },
    { weight: 4, arbitrary: tagged('deep nesting', deepNesting(scale)) },
    { weight: 3, arbitrary: tagged('huge scalar', hugeScalar(examples, scale)) },
    { weight: 2, arbitrary: tagged('many documents', manyDocuments(examples, scale)) },
    { weight: 2, arbitrary: tagged('wide file', wide(scale)) },
    { weight: 4, arbitrary: tagged('binary garbage', binary(examples)) },
    { weight: 5, arbitrary: tagged('encoding, line ends, tabs', encodings(examples)) },
    { weight: 4, arbitrary: tagged('random text', fc.string({ maxLength: 300 })) },
  );
}

/** Folder attacks: symlink loops and links out, dangling links, FIFOs, the same file twice. */
export function treeAttacks(examples: readonly string[]): fc.Arbitrary<FuzzCase> {
  const file = (name: string, content: string): FuzzEntry => ({ kind: 'file', name, content });
  return fc.record({ example: fc.constantFrom(...examples), which: fc.constantFrom('loop', 'parent', 'root', 'dangling', 'self', 'chain', 'twice', 'fifo', 'fifo-link', 'subfolder') }).map(({ example, which }): FuzzCase => {
    const base = file('a.yaml', example);
    const entries: Record<string, FuzzEntry[]> = {
      loop: [base, { kind: 'link', name: 'l1', target: '.' }, { kind: 'link', name: 'l2', target: '.' }],
      parent: [base, { kind: 'link', name: 'up', target: '..' }],
      root: [base, { kind: 'link', name: 'everything', target: '/' }],
      dangling: [base, { kind: 'link', name: 'gone.yaml', target: 'nothing.yaml' }, { kind: 'link', name: 'gone', target: 'nothing' }],
      self: [base, { kind: 'link', name: 'self.yaml', target: 'self.yaml' }],
      chain: [base, { kind: 'link', name: 'b.yaml', target: 'c.yaml' }, { kind: 'link', name: 'c.yaml', target: 'b.yaml' }],
      twice: [base, { kind: 'link', name: 'again.yaml', target: 'a.yaml' }, { kind: 'link', name: 'sub', target: '.' }],
      fifo: [base, { kind: 'fifo', name: 'pipe.yaml' }, { kind: 'fifo', name: 'pipe' }],
      'fifo-link': [base, { kind: 'fifo', name: 'pipe' }, { kind: 'link', name: 'p.yaml', target: 'pipe' }],
      subfolder: [base, file('team/b.yaml', example), { kind: 'link', name: 'team/loop', target: '..' }],
    };
    return { attack: `tree: ${which}`, entries: entries[which] ?? [base] };
  });
}

/** Whole cases for `npm run fuzz`: mostly single broken files, some several files, some folder attacks. */
export function fuzzCases(examples: readonly string[], corpus: readonly string[]): fc.Arbitrary<FuzzCase> {
  const one = textAttacks(examples, 'full').map(({ attack, content }): FuzzCase => ({ attack, entries: [{ kind: 'file', name: 'f.yaml', content }] }));
  const fromCorpus = corpus.length === 0 ? one : mutated(corpus, 3, 0).map((content): FuzzCase => ({ attack: 'corpus file, mutated or not', entries: [{ kind: 'file', name: 'f.yaml', content }] }));
  const several = fc.array(textAttacks(examples, 'small'), { minLength: 2, maxLength: 5 }).map((files): FuzzCase => ({
    attack: 'several files',
    entries: files.map(({ content }, i) => ({ kind: 'file', name: `d${i % 2}/f${i}.yaml`, content })),
  }));
  return fc.oneof({ weight: 50, arbitrary: one }, { weight: 25, arbitrary: fromCorpus }, { weight: 10, arbitrary: several }, { weight: 8, arbitrary: treeAttacks(examples) });
}

/** What became of one file of a load. */
export type FileOutcome = 'valid' | 'located' | 'skipped' | 'not an SLO file';

const LEAKED = /Maximum call stack|Cannot read propert|is not a function|is not iterable|undefined is not|\[object Object\]|RangeError|TypeError/;

/** Problems with an error itself: not located, empty, or an internal error leaking out. */
export function badError(e: LocatedProblem): string | undefined {
  if (typeof e.file !== 'string' || e.file === '') return 'an error without a file';
  if (!Number.isInteger(e.line) || e.line < 1 || !Number.isInteger(e.col) || e.col < 1) return `an error without a line and column: ${JSON.stringify(e)}`;
  if (typeof e.message !== 'string' || e.message.trim() === '') return `an error without a message: ${JSON.stringify(e)}`;
  if (LEAKED.test(e.message)) return `an internal error leaked out: ${e.message.slice(0, 200)}`;
  return undefined;
}

/**
 * A file is valid (read, no error at it), located (an error names it, with a line and column), skipped (a
 * warning names it: links) or not an SLO file (a name the search passes over). Anything else is a lie.
 */
export function outcomeOf(file: string, result: LoadResult, specFile: boolean): FileOutcome | undefined {
  if (result.errors.some((e) => e.file === file && e.severity !== 'warning')) return 'located';
  if (result.errors.some((e) => e.file === file)) return 'skipped';
  if (result.files.some((f) => f.file === file)) return 'valid';
  return specFile ? undefined : 'not an SLO file';
}
