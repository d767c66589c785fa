import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../slo/duration.js';
import type { Slo, SpecFormat, Tier } from '../../slo/model.js';
import { isWarning } from '../located.js';
import { loadSpecs, loadSpecTexts, SPEC_EXTENSIONS } from '../load.js';
import { toNativeDocument, toNativeYaml } from './to-yaml.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const corpus = fileURLToPath(new URL('../../../../shared/corpus', import.meta.url));
const schema = JSON.parse(readFileSync(join(repo, 'schema/burnwatch-v1.json'), 'utf8')) as Record<string, unknown>;
const validateJson = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

/** Every folder that directly holds SLO files (each is loaded on its own: OpenSLO refers across files). */
function specFolders(dir: string): { folder: string; files: string[] }[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const files = entries.filter((e) => e.isFile() && SPEC_EXTENSIONS.has(e.name.slice(e.name.lastIndexOf('.')).toLowerCase())).map((e) => join(dir, e.name));
  const below = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).flatMap((e) => specFolders(join(dir, e.name)));
  return files.length > 0 ? [{ folder: dir, files }, ...below] : below;
}

function withoutSource(slo: Slo): Omit<Slo, 'source'> {
  const { source: _source, ...rest } = slo;
  return rest;
}

/** The SLOs that load without error (anything not in a file with errors), from whatever readers exist today. */
function loadable(): Slo[] {
  const sources = [
    ...specFolders(corpus),
    ...(existsSync(join(repo, 'slos')) ? specFolders(join(repo, 'slos')) : []),
  ];
  return sources.flatMap(({ files }) => {
    const result = loadSpecs(files, { cwd: repo, runbookRoot: repo });
    const bad = new Set(result.errors.filter((e) => !isWarning(e)).map((e) => e.file));
    return result.slos.filter((s) => !bad.has(s.source.file));
  });
}

const slos = loadable();
const cases = slos.map((s) => [`${relative(join(repo, '..'), s.source.file)}#${s.source.document + 1} ${s.id}`, s] as const);

function reload(text: string) {
  return loadSpecTexts([{ file: 'converted.yaml', text }], { cwd: repo, runbookRoot: repo });
}

describe('spec/native: model -> burnwatch/v1 -> model', () => {
  it('has SLOs to convert from the native format and from Pyrra', () => {
    const count = (format: SpecFormat): number => slos.filter((s) => s.source.format === format).length;
    expect(count('burnwatch/v1')).toBeGreaterThanOrEqual(5); // slos/
    expect(count('pyrra/v1alpha1')).toBe(29); // every Pyrra SLO of the corpus
  });

  it.each(cases)('round-trips %s', (_name, slo) => {
    const converted = toNativeYaml(slo);
    expect(converted.problems).toEqual([]);
    const text = converted.text ?? '';
    expect(validateJson(parse(text)), JSON.stringify(validateJson.errors)).toBe(true);
    const back = reload(text);
    expect(back.errors.filter((e) => !isWarning(e))).toEqual([]);
    expect(back.slos).toHaveLength(1);
    const [again] = back.slos;
    expect(again && withoutSource(again)).toStrictEqual(withoutSource(slo));
    // Where the converted SLO names itself: metadata.id when it has one, else metadata.name.
    const lines = text.split('\n');
    const idLine = lines.indexOf(`  id: ${slo.id}`) + 1;
    expect(again?.source).toEqual({ file: 'converted.yaml', document: 0, line: idLine > 0 ? idLine : lines.indexOf(`  name: ${slo.name}`) + 1, format: 'burnwatch/v1' });
  });
});

describe('spec/native: what convert writes', () => {
  const pyrra = slos.find((s) => s.id === 'monitoring.kubelet-request-errors');
  const native = slos.find((s) => s.id === 'checkout-availability');

  it('keeps a runbook path a path', () => {
    expect(native?.alerting.runbook).toBe('runbooks/checkout-availability.md');
    const text = native ? toNativeYaml(native).text ?? '' : '';
    expect(text).toMatch(/^ {4}runbook: runbooks\/checkout-availability\.md$/m);
    expect(reload(text).slos[0]?.alerting.runbook).toBe('runbooks/checkout-availability.md');
  });

  it('writes Pyrra\'s tiers explicitly, with their burn rate and for, and no exhaustion alert', () => {
    const spec = (pyrra ? toNativeDocument(pyrra).value?.['spec'] : undefined) as { alerting: Record<string, unknown> } | undefined;
    expect(spec?.alerting).toMatchObject({
      name: 'ErrorBudgetBurn',
      defaultTiers: false,
      tiers: [
        { severity: 'page', long: '30m', short: '3m', burnRate: 14, for: '1m' },
        { severity: 'page', long: '3h', short: '15m', burnRate: 7, for: '8m' },
        { severity: 'ticket', long: '12h', short: '1h', burnRate: 2, for: '30m' },
        { severity: 'ticket', long: '2d', short: '3h', burnRate: 1, for: '1h30m' },
      ],
      exhaustion: { disabled: true },
      noData: { after: '5m' },
    });
    expect(pyrra && toNativeDocument(pyrra).value?.['metadata']).toEqual({ name: 'kubelet-request-errors', id: 'monitoring.kubelet-request-errors', service: 'monitoring' });
  });

  it('leaves default tiers and defaults out', () => {
    const search = slos.find((s) => s.id === 'search-latency'); // slos/search-latency.yaml writes no tiers
    const doc = search ? toNativeDocument(search).value : undefined;
    expect(doc).toBeDefined();
    const alerting = (doc?.['spec'] as { alerting?: Record<string, unknown> } | undefined)?.alerting ?? {};
    expect(alerting['tiers']).toBeUndefined();
    expect(alerting['defaultTiers']).toBeUndefined();
    expect(alerting['exhaustion']).toBeUndefined();
  });

  // 28 d tiers from a budget share: 5 % over 6 h is 5.6000000000000005 (Sloth's google-28d literal, corpus/README.md).
  it('keeps a float factor exact and a budget share as such', () => {
    const base = native ?? slos[0];
    if (!base) throw new Error('no SLO');
    const tiers: Tier[] = [
      { name: 'page-6h-30m', severity: 'page', longMs: 6 * HOUR, shortMs: 30 * MINUTE, factor: 5.6000000000000005, budgetPercent: 5, forMs: 0 },
      { name: 'ticket-3d-6h', severity: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 0.9333333333333333, forMs: 5 * MINUTE },
    ];
    const slo: Slo = { ...base, period: { kind: 'rolling', durationMs: 28 * DAY }, alerting: { ...base.alerting, tiers } };
    const text = toNativeYaml(slo).text ?? '';
    expect(text).toContain('budgetPercent: 5');
    expect(text).toContain('burnRate: 0.9333333333333333');
    expect(reload(text).slos[0]?.alerting.tiers).toStrictEqual(tiers);
  });

  it('reports what burnwatch/v1 cannot express instead of writing something else', () => {
    const base = native ?? slos[0];
    if (!base) throw new Error('no SLO');
    const mixed: Slo = { ...base, indicator: { kind: 'events', count: 'bad', events: { kind: 'selector', selector: 'errors_total' }, total: { kind: 'template', template: 'sum(rate(requests_total[{{.window}}]))' } } };
    expect(toNativeYaml(mixed)).toEqual({ problems: ['the indicator mixes a selector and a template query, which burnwatch/v1 cannot express'] });
  });
});
