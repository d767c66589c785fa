import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import type { Slo } from '../slo/model.js';
import { loadSpecs, loadSpecTexts } from '../formats/load.js';
import { convertCommand } from './convert.js';
import type { CliIo } from './io.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const pyrra = fileURLToPath(new URL('../../../shared/corpus/pyrra', import.meta.url));

function run(args: readonly string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: repo, env: {}, now: () => new Date() };
  const code = convertCommand(args, io);
  return { code, out, err };
}

function withoutSource(slo: Slo): Omit<Slo, 'source'> {
  const { source: _source, ...rest } = slo;
  return rest;
}

describe('burnwatch convert', () => {
  const inputs = [join(pyrra, 'examples/nginx.yaml'), join(pyrra, 'kubernetes-slos'), join(repo, 'slos/search-latency.yaml')];

  it('prints one burnwatch/v1 document per SLO, each after a comment naming its source, separated by ---', () => {
    const { code, out } = run(inputs);
    expect(code).toBe(0);
    const docs = out.split(/^---$/m);
    expect(docs).toHaveLength(2 + 14 + 1);
    // Sorted by file, then document: slos/ comes before ../shared/corpus.
    expect(docs[0]).toMatch(/^# search-latency: converted from .*slos\/search-latency\.yaml, document 1 \(burnwatch\/v1\)\napiVersion: burnwatch\/v1\n/);
    expect(docs[1]).toMatch(/^\n# monitoring\.nginx-api-errors: converted from .*nginx\.yaml, document 1 \(pyrra\/v1alpha1\)\napiVersion: burnwatch\/v1\n/);
    expect(docs[2]).toMatch(/^\n# monitoring\.nginx-api-latency: converted from .*nginx\.yaml, document 2 \(pyrra\/v1alpha1\)\napiVersion: burnwatch\/v1\n/);
  });

  it('prints a stream that loads back to the same SLOs', () => {
    const { out } = run(inputs);
    const original = loadSpecs(inputs, { cwd: repo, runbookRoot: repo }).slos;
    const back = loadSpecTexts([{ file: 'converted.yaml', text: out }], { cwd: repo, runbookRoot: repo });
    expect(back.errors).toEqual([]);
    const byId = (list: readonly Slo[]) => Object.fromEntries(list.map((s) => [s.id, withoutSource(s)]));
    expect(byId(back.slos)).toStrictEqual(byId(original));
    expect(back.slos.every((s) => s.source.format === 'burnwatch/v1')).toBe(true);
  });

  it('passes warnings on to stderr and still exits 0', () => {
    const { code, err } = run([join(pyrra, 'examples/nginx.yaml')]);
    expect(code).toBe(0);
    expect(err).toMatch(/nginx\.yaml:26:11: warning: spec\.target: Pyrra's 14x alert/);
  });

  it('exits 1 and prints located errors on stderr when the input has errors', () => {
    const { code, out, err } = run(['test/fixtures/broken/05-misspelt-objective.yaml', 'slos/search-latency.yaml']);
    expect(code).toBe(1);
    expect(err).toContain('test/fixtures/broken/05-misspelt-objective.yaml:9:3: spec.objetive: unknown field "objetive" (hint: did you mean "objective"?)');
    expect(err).toContain('1 problem; converted 1 of 1 SLO');
    expect(out).toMatch(/^# search-latency: converted from slos\/search-latency\.yaml/); // the valid file is still converted
  });

  it.each([
    [[], 'give the SLO files or folders to convert'],
    [['no-such-folder/'], 'no such file or folder: no-such-folder/'],
    [['--bogus', 'slos/'], 'Unknown option'],
    [['--default-slo-period', 'a month', 'slos/'], '--default-slo-period must be a duration such as 30d, not "a month"'],
  ])('exits 2 on a usage error: %j', (args, message) => {
    const { code, out, err } = run(args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err).toContain('Usage: burnwatch convert');
  });

  it('is a command of the burnwatch binary', async () => {
    let out = '';
    const code = await main(['convert', '--help'], { out: (t) => { out += t; }, err: () => undefined, cwd: repo, env: {}, now: () => new Date() });
    expect(code).toBe(0);
    expect(out).toContain('Usage: burnwatch convert');
  });
});
