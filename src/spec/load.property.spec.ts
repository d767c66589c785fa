import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadSpecTexts } from './load.js';
import type { LoadResult } from './load.js';

/**
 * The loader is fed by people typing YAML: whatever it gets, it returns a model or located errors and never
 * throws. Inputs are the example SLOs mutated the way files get broken (lines lost, duplicated or
 * re-indented, stray characters, truncation) and plain garbage.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const examples = readdirSync(join(repo, 'slos')).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(repo, 'slos', f), 'utf8'));
const SPECIAL = [':', '-', '{', '}', '[', ']', '"', "'", '\t', ' ', '#', '|', '>', '&', '*', '!', '%', '@', '`', ',', '?', '\n', '\\', '0', '-1', 'null', '~', '{{.window}}', 'NaN', '1e400'];

type Mutation = (lines: string[]) => string[];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i): Mutation => (l) => l.filter((_, j) => j !== i % Math.max(1, l.length))),
  fc.nat().map((i): Mutation => (l) => { const k = i % Math.max(1, l.length); return [...l.slice(0, k + 1), l[k] ?? '', ...l.slice(k + 1)]; }),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...SPECIAL)).map(([i, c, s]): Mutation => (l) => {
    const k = i % Math.max(1, l.length);
    const line = l[k] ?? '';
    const at = c % (line.length + 1);
    return l.map((x, j) => (j === k ? line.slice(0, at) + s + line.slice(at + 1) : x));
  }),
  fc.tuple(fc.nat(), fc.string()).map(([i, s]): Mutation => (l) => { const k = i % Math.max(1, l.length); return l.map((x, j) => (j === k ? x + s : x)); }),
  fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })).map(([i, d]): Mutation => (l) => {
    const k = i % Math.max(1, l.length);
    return l.map((x, j) => (j !== k ? x : d >= 0 ? ' '.repeat(d) + x : x.replace(new RegExp(`^ {0,${-d}}`), '')));
  }),
  fc.nat().map((i): Mutation => (l) => l.slice(0, i % (l.length + 1))),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Mutation => (l) => {
    const x = a % Math.max(1, l.length); const y = b % Math.max(1, l.length);
    const out = [...l]; [out[x], out[y]] = [l[y] ?? '', l[x] ?? '']; return out;
  }),
  fc.tuple(fc.nat(), fc.double()).map(([i, n]): Mutation => (l) => l.map((x, j) => (j === i % Math.max(1, l.length) ? x.replace(/\d+(\.\d+)?/, String(n)) : x))),
);

function assertModelOrLocatedErrors(result: LoadResult, file: string): void {
  expect(result.errors.length > 0 || result.slos.length > 0).toBe(true);
  for (const e of result.errors) {
    expect(e.file).toBe(file);
    expect(Number.isInteger(e.line) && e.line >= 1).toBe(true);
    expect(Number.isInteger(e.col) && e.col >= 1).toBe(true);
    expect(e.message.length).toBeGreaterThan(0);
  }
}

function load(text: string): LoadResult {
  return loadSpecTexts([{ file: 'slos/fuzzed.yaml', text }], { cwd: repo });
}

describe('spec loader under mutated and garbage input', () => {
  it('returns a model or located errors for mutated example files, never throws', () => {
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.array(mutation, { minLength: 1, maxLength: 4 }), (text, mutations) => {
        const lines = mutations.reduce((acc, m) => m(acc), text.split('\n'));
        assertModelOrLocatedErrors(load(lines.join('\n')), 'slos/fuzzed.yaml');
      }),
      { numRuns: 1500 },
    );
  });

  it('returns located errors for garbage: random strings, random YAML values, random objects shaped like SLOs', () => {
    const sloLike = fc.record({
      apiVersion: fc.oneof(fc.constant('burnwatch/v1'), fc.string()),
      kind: fc.oneof(fc.constant('SLO'), fc.string()),
      metadata: fc.oneof(fc.record({ name: fc.string(), service: fc.string() }), fc.anything()),
      spec: fc.oneof(fc.record({ objective: fc.oneof(fc.double(), fc.string()), indicator: fc.anything(), period: fc.anything() }), fc.anything()),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue().map((v) => stringify(v)), sloLike.map((v) => stringify(v))), (text) => {
        const result = load(text);
        assertModelOrLocatedErrors(result, 'slos/fuzzed.yaml');
      }),
      { numRuns: 1500 },
    );
  });
});
