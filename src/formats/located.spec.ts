import { describe, expect, it } from 'vitest';
import { loadSpecTexts } from './load.js';
import type { LocatedProblem } from './located.js';
import { parseYamlFile } from './located.js';

/** The value of the only document of `text`, or the errors when there is none. */
function valueOf(text: string): unknown {
  const parsed = parseYamlFile('f.yaml', text);
  expect(parsed.errors).toEqual([]);
  expect(parsed.documents).toHaveLength(1);
  return parsed.documents[0]?.value();
}

function onlyError(text: string, limits: Parameters<typeof parseYamlFile>[2] = {}): LocatedProblem {
  const parsed = parseYamlFile('f.yaml', text, limits);
  expect(parsed.errors).toHaveLength(1);
  return parsed.errors[0]!;
}

/** A burnwatch/v1 SLO with `labels` written into its metadata (from line 6) and `spec` lines after the indicator. */
function nativeSlo(labels: string, spec = ''): string {
  return `apiVersion: burnwatch/v1
kind: SLO
metadata:
  name: checkout
  service: checkout
${labels}spec:
  objective: 99.9
  indicator:
    events:
      errors: http_requests_total{code="500"}
      total: http_requests_total
${spec}`;
}

/** `[[[...]]]`, `depth` lists inside each other. */
const flowNest = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}\n`;
/** `- - - x`, `depth` block lists on one line. */
const blockNest = (depth: number): string => `${'- '.repeat(depth)}x\n`;
/** `a:` lines, each indented one more: `depth` maps, each the value of the key above. */
const indentNest = (depth: number): string => Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n';

/** The "billion laughs": ten levels of nine aliases of the level below, 9^10 strings once expanded. */
function billionLaughs(): string {
  let text = 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i <= 10; i++) text += `a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]\n`;
  return text;
}

describe('spec/located: aliases and merge keys mean what YAML says', () => {
  it('reads an alias as the value of its anchor', () => {
    expect(valueOf('common: &common { team: payments, tier: critical }\nlabels: *common\n')).toEqual({
      common: { team: 'payments', tier: 'critical' },
      labels: { team: 'payments', tier: 'critical' },
    });
  });

  it('reads an alias of a scalar and of a list, and an alias used as a key', () => {
    expect(valueOf('name: &n checkout\nlist: &l [a, b]\nservice: *n\nagain: *l\n*n : key\n')).toEqual({
      name: 'checkout', list: ['a', 'b'], service: 'checkout', again: ['a', 'b'], checkout: 'key',
    });
  });

  it('takes the latest anchor of a name before the alias', () => {
    expect(valueOf('a: &x 1\nb: *x\nc: &x 2\nd: *x\n')).toEqual({ a: 1, b: 1, c: 2, d: 2 });
  });

  it('merges << maps: the map\'s own keys win wherever they are written, earlier merged maps win over later', () => {
    const text = [
      'base: &base { team: core, tier: low, region: eu }',
      'team: &team { team: payments, owner: ann }',
      'labels:',
      '  tier: critical',
      '  <<: [*team, *base]',
      '  region: us',
      '',
    ].join('\n');
    expect((valueOf(text) as { labels: unknown }).labels).toEqual({ tier: 'critical', team: 'payments', owner: 'ann', region: 'us' });
  });

  it('merges a single alias and an inline map; a quoted "<<" is an ordinary key', () => {
    expect(valueOf('d: &d { a: 1 }\nx: { <<: *d, b: 2 }\ny: { <<: { c: 3 } }\nz: { "<<": 4 }\n')).toEqual({
      d: { a: 1 }, x: { a: 1, b: 2 }, y: { c: 3 }, z: { '<<': 4 },
    });
  });

  it('loads routing labels written through an alias and a merge key as the SLO\'s labels', () => {
    const text = nativeSlo('  labels: &common\n    team: payments\n    tier: critical\n', [
      '  alerting:',
      '    labels: *common',
      '    page:',
      '      labels:',
      '        <<: *common',
      '        tier: page-now',
      '',
    ].join('\n'));
    const result = loadSpecTexts([{ file: 'slos/checkout.yaml', text }]);
    expect(result.errors).toEqual([]);
    const slo = result.slos[0]!;
    expect(slo.labels).toEqual({ team: 'payments', tier: 'critical' });
    expect(slo.alerting.labels).toEqual({ team: 'payments', tier: 'critical' });
    expect(slo.alerting.page.labels).toEqual({ team: 'payments', tier: 'page-now' });
  });

  it('locates a bad value merged in at the line where it is written', () => {
    const text = nativeSlo('  labels:\n    <<: &common\n      team: payments\n      bad-name: x\n');
    const result = loadSpecTexts([{ file: 'slos/checkout.yaml', text }]);
    expect(result.errors.map((e) => [e.line, e.path])).toEqual([[9, 'metadata.labels.bad-name']]);
  });

  it('refuses an alias without an anchor before it, and an alias inside its own anchor', () => {
    expect(onlyError('a: *nowhere\n')).toMatchObject({ line: 1, col: 4, path: 'a', message: expect.stringContaining('no anchor &nowhere') });
    expect(onlyError('a: &loop\n  b: [1, *loop]\n')).toMatchObject({ line: 2, col: 10, path: 'a.b[1]', message: expect.stringContaining('inside the value of its own anchor') });
  });

  it('refuses a merge of something that is not a map', () => {
    expect(onlyError('s: &s text\nm: { <<: *s }\n')).toMatchObject({ line: 2, message: expect.stringContaining('merge key (<<) takes a map') });
  });

  it('keeps a "__proto__" key an ordinary key', () => {
    const value = valueOf('__proto__: { polluted: true }\n') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('reports a key written twice at the second one, also when one is quoted', () => {
    expect(onlyError('a: 1\nb: 2\n"a": 3\n')).toMatchObject({ line: 3, col: 1, path: 'a', message: 'YAML syntax error: Map keys must be unique' });
  });
});

describe('spec/located: bounded', () => {
  it('refuses a "billion laughs" at the alias that crosses the value bound', () => {
    const e = onlyError(billionLaughs());
    expect(e.message).toMatch(/^expanding alias \*a\d+ makes the file hold more than 100000 values/);
    expect(e.hint).toContain('slos.limits.maxValues');
    expect(e.line).toBeGreaterThan(1);
  });

  it('counts what aliases and merges copy in against the value bound', () => {
    const text = 'a: &a [1, 2, 3, 4]\nb: [*a, *a]\n'; // map, a, list + 4, b, list + 2 x 5 = 19 values
    expect(parseYamlFile('f.yaml', text, { maxValues: 19 }).errors).toEqual([]);
    expect(onlyError(text, { maxValues: 18 })).toMatchObject({ line: 2, col: 9, message: expect.stringContaining('expanding alias *a') });
    const merged = 'a: &a { x: 1, y: 2 }\nb: { <<: *a }\n'; // map, a, map + x, 1, y, 2, b, map + x, 1, y, 2 = 13
    expect(parseYamlFile('f.yaml', merged, { maxValues: 13 }).errors).toEqual([]);
    expect(onlyError(merged, { maxValues: 12 }).message).toContain('expanding alias *a');
  });

  it.each([
    ['flow lists', flowNest],
    ['block lists', blockNest],
    ['indented maps', indentNest],
  ])('refuses 10,000 levels of %s with a located message, not a stack overflow', (_, nest) => {
    const e = onlyError(nest(10_000));
    expect(e.message).toBe('maps and lists are nested more than 64 levels deep');
    expect(e.hint).toContain('slos.limits.maxDepth');
  });

  it.each([
    ['flow lists', flowNest],
    ['block lists', blockNest],
    ['indented maps', indentNest],
  ])('takes exactly maxDepth levels of %s, and refuses one more', (_, nest) => {
    expect(parseYamlFile('f.yaml', nest(8), { maxDepth: 8 }).errors).toEqual([]);
    expect(onlyError(nest(9), { maxDepth: 8 }).message).toBe('maps and lists are nested more than 8 levels deep');
  });

  it('refuses nesting made deep by aliases', () => {
    const text = 'a: &a [[[1]]]\nb: &b [[[*a]]]\nc: [[[*b]]]\n';
    expect(parseYamlFile('f.yaml', text, { maxDepth: 10 }).errors).toEqual([]);
    expect(onlyError(text, { maxDepth: 9 })).toMatchObject({ line: 3, col: 7, message: expect.stringContaining('alias *b nests maps and lists more than 9 levels') });
  });

  it('refuses more documents than maxDocuments, located at the first one too many', () => {
    const text = 'a: 1\n---\nb: 2\n---\nc: 3\n';
    expect(parseYamlFile('f.yaml', text, { maxDocuments: 3 }).documents).toHaveLength(3);
    expect(onlyError(text, { maxDocuments: 2 })).toMatchObject({ line: 4, col: 1, message: 'the file holds more than 2 YAML documents' });
  });

  it('refuses a file of more values than maxValues before parsing all of it', () => {
    const text = `list: [${Array.from({ length: 5000 }, (_, i) => i).join(', ')}]\n`;
    expect(onlyError(text, { maxValues: 1000 }).message).toBe('the file holds more than 1000 values (keys, strings, numbers, maps and lists)');
    expect(onlyError(text, { maxValues: 4000 }).message).toBe('the file holds more than 4000 values (keys, strings, numbers, maps and lists)');
  });

  it('refuses a string longer than maxStringLength where it is written', () => {
    const text = `metadata:\n  name: x\n  description: ${'d'.repeat(101)}\n`;
    expect(parseYamlFile('f.yaml', text, { maxStringLength: 101 }).errors).toEqual([]);
    expect(onlyError(text, { maxStringLength: 100 })).toMatchObject({
      line: 3, col: 16, path: 'metadata.description', message: 'a string of 101 characters: at most 100',
    });
  });

  it('keeps the documents within bounds when another one of the file is not', () => {
    const parsed = parseYamlFile('f.yaml', `a: 1\n---\n${flowNest(100)}---\nb: 2\n`);
    expect(parsed.documents.map((d) => d.value())).toEqual([{ a: 1 }, { b: 2 }]);
    expect(parsed.errors.map((e) => e.line)).toEqual([3]);
  });
});
