import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DAY } from '../slo/duration.js';
import { loadSpecs } from '../formats/load.js';
import { burnRateConditions, evaluateConstant, promqlShape, sliWindow } from './inspect.js';
import type { BurnRateCondition } from './inspect.js';
import { rulesForSlos } from './prometheus.js';
import type { RulesOptions } from './prometheus.js';
import { renderRules } from './render.js';

/**
 * Our rules for every Sloth spec of the corpus that burnwatch loads, compared with the rules Sloth generated
 * for it (corpus `sloth/generated/*` and `sloth/integration/out-*.yaml.tpl`), by meaning: the window pairs,
 * factors and error budgets parsed out of each alert expression (exact float64), the recorded windows, the
 * recording expressions' parse trees, the budget and period values, and the labels. Our own title/summary
 * annotations and `sloth_slo_info`'s mode/version labels differ from Sloth's on purpose and are not compared.
 */

const SLOTH = fileURLToPath(new URL('../../../shared/corpus/sloth/', import.meta.url));
const DAYS = (n: number): number => n * DAY;

interface Group { name: string; rules: RuleLike[] }
interface RuleLike {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Sloth's expected output: `{{ .version }}` -> dev, `{{"..."}}` -> its literal text (corpus README). */
function readExpected(path: string): Group[] {
  const text = readFileSync(path, 'utf8')
    .replace(/\{\{ *\.version *\}\}/g, 'dev')
    .replace(/\{\{"((?:[^"\\]|\\.)*)"\}\}/g, (_, body: string) => JSON.parse(`"${body}"`) as string);
  return groupsOf(text);
}

function groupsOf(text: string): Group[] {
  const groups: Group[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (!('toJS' in doc)) continue;
    const value = doc.toJS() as { groups?: Group[]; spec?: { groups?: Group[] } } | null;
    groups.push(...(value?.groups ?? value?.spec?.groups ?? []));
  }
  return groups;
}

function ours(files: readonly string[], defaultPeriodMs: number | undefined, options: RulesOptions): { groups: Group[]; errors: string[] } {
  const loaded = loadSpecs(files, defaultPeriodMs === undefined ? {} : { defaultPeriodMs });
  const errors = loaded.errors.filter((e) => e.severity !== 'warning').map((e) => `${e.file}:${e.line}: ${e.message}`);
  const { groups } = rulesForSlos(loaded.slos, options);
  return { groups: groupsOf(renderRules('prometheus', groups)), errors };
}

interface SloRules {
  windows: string[];
  recordings: Map<string, RuleLike>;
  alerts: Map<string, RuleLike>;
  hasAlertGroup: boolean;
}

/** The rules of each SLO id, found by Sloth's group names. */
function bySlo(groups: readonly Group[]): Map<string, SloRules> {
  const out = new Map<string, SloRules>();
  for (const g of groups) {
    const m = /^sloth-slo-(sli-recordings|meta-recordings|alerts)-(.+)$/.exec(g.name);
    if (!m?.[1] || !m[2]) throw new Error(`unexpected group name ${g.name}`);
    const entry: SloRules = out.get(m[2]) ?? { windows: [], recordings: new Map(), alerts: new Map(), hasAlertGroup: false };
    out.set(m[2], entry);
    for (const r of g.rules) {
      if (r.record !== undefined) {
        entry.recordings.set(r.record, r);
        const w = sliWindow(r.record);
        if (w !== undefined) entry.windows.push(w);
      } else {
        entry.hasAlertGroup = true;
        const severity = r.labels?.['sloth_severity'] ?? '';
        expect(entry.alerts.has(severity), `one alert rule per severity in ${g.name}`).toBe(false);
        entry.alerts.set(severity, r);
      }
    }
  }
  return out;
}

const key = (c: BurnRateCondition): string => `${c.shortWindow}/${c.longWindow}`;
function conditions(expr: string): Map<string, BurnRateCondition> {
  return new Map(burnRateConditions(expr).map((c) => [key(c), c]));
}

/** Sloth's own default title/summary (its wording, not the user's), which ours replaces with our wording. */
function slothDefault(name: string, value: string): boolean {
  return (name === 'title' || name === 'summary') && value.includes('SLO error budget burn rate');
}

let conditionsCompared = 0;

function compare(expected: Group[], actual: Group[]): string[] {
  const want = bySlo(expected);
  const got = bySlo(actual);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [id, w] of want) {
    const g = got.get(id);
    if (!g) throw new Error(`no rules for ${id}`);
    expect(new Set(g.windows), `${id}: recorded windows`).toEqual(new Set(w.windows));
    expect([...g.recordings.keys()].sort(), `${id}: recording rules`).toEqual([...w.recordings.keys()].sort());
    for (const [record, wr] of w.recordings) {
      const gr = g.recordings.get(record);
      expect(gr, `${id}: ${record}`).toBeDefined();
      if (!gr) continue;
      const wShape = promqlShape(wr.expr);
      expect(wShape, `${id}: Sloth's ${record} parses`).toBeDefined();
      expect(promqlShape(gr.expr), `${id}: ${record} expression`).toBe(wShape);
      const labels = { ...wr.labels };
      const gotLabels = { ...gr.labels };
      if (record === 'sloth_slo_info') {
        for (const l of ['sloth_mode', 'sloth_version']) {
          expect(gotLabels[l], `${id}: sloth_slo_info has ${l}`).toBeDefined();
          delete labels[l];
          delete gotLabels[l];
        }
      }
      expect(gotLabels, `${id}: ${record} labels`).toEqual(labels);
    }
    for (const record of ['slo:error_budget:ratio', 'slo:time_period:days', 'slo:objective:ratio']) {
      const wr = w.recordings.get(record);
      if (!wr) continue;
      const value = evaluateConstant(wr.expr);
      expect(value, `${id}: Sloth's ${record} is a constant`).toBeTypeOf('number');
      expect(Object.is(evaluateConstant(g.recordings.get(record)?.expr ?? ''), value), `${id}: ${record} = ${value}`).toBe(true);
    }

    expect(g.hasAlertGroup, `${id}: alert group present`).toBe(w.hasAlertGroup);
    expect([...g.alerts.keys()].sort(), `${id}: severities`).toEqual([...w.alerts.keys()].sort());
    for (const [severity, wa] of w.alerts) {
      const ga = g.alerts.get(severity);
      if (!ga) continue;
      expect(ga.alert, `${id}: ${severity} alert name`).toBe(wa.alert);
      const wc = conditions(wa.expr);
      const gc = conditions(ga.expr);
      expect(wc.size, `${id}: Sloth's ${severity} alert has burn-rate conditions`).toBeGreaterThan(0);
      expect([...gc.keys()].sort(), `${id}: ${severity} window pairs`).toEqual([...wc.keys()].sort());
      for (const [pair, c] of wc) {
        const mine = gc.get(pair);
        // Exact float64 equality, not toBeCloseTo: Prometheus compares with strict >.
        expect(Object.is(mine?.factor, c.factor), `${id}: ${severity} ${pair} factor ${mine?.factor} vs ${c.factor}`).toBe(true);
        expect(Object.is(mine?.errorBudget, c.errorBudget), `${id}: ${severity} ${pair} budget ${mine?.errorBudget} vs ${c.errorBudget}`).toBe(true);
        conditionsCompared++;
      }
      // Ours adds the SLO's id labels to alert rules (see prometheus.ts); everything else must match.
      expect(ga.labels, `${id}: ${severity} labels`).toEqual({ ...wa.labels, sloth_id: id, sloth_service: ga.labels?.['sloth_service'], sloth_slo: ga.labels?.['sloth_slo'] });
      expect(`${ga.labels?.['sloth_service']}-${ga.labels?.['sloth_slo']}`).toBe(id);
      for (const [name, value] of Object.entries(wa.annotations ?? {})) {
        if (slothDefault(name, value)) continue;
        expect(ga.annotations?.[name], `${id}: ${severity} annotation ${name}`).toBe(value);
      }
    }
  }
  return [...want.keys()];
}

const EXAMPLES_GEN_OPTIONS: RulesOptions = { extraLabels: { cmd: 'examplesgen.sh' } };

/** sloth/specs files that are Sloth formats and that burnwatch loads (plugin specs and OpenSLO files excluded). */
function loadableSpecs(): string[] {
  return readdirSync(`${SLOTH}specs`).filter((f) => /\.ya?ml$/.test(f)).filter((f) => {
    const r = loadSpecs([`${SLOTH}specs/${f}`]);
    const slothOnly = r.files.every((file) => file.formats.length > 0 && file.formats.every((fmt) => fmt.startsWith('sloth/')));
    return slothOnly && !r.errors.some((e) => e.severity !== 'warning');
  }).sort();
}

/** The corpus README's mapping of `sloth generate` flags to expected outputs (plugin and OpenSLO rows excluded). */
const INTEGRATION: { input: string[]; periodDays?: number; options?: RulesOptions; expected: string }[] = [
  { input: ['in-base.yaml'], expected: 'out-base.yaml.tpl' },
  { input: ['in-base.yaml'], periodDays: 28, expected: 'out-base-28d.yaml.tpl' },
  { input: ['in-base.yaml', 'windows/7d.yaml'], periodDays: 7, expected: 'out-base-custom-windows-7d.yaml.tpl' },
  { input: ['in-base.yaml'], options: { alerts: false }, expected: 'out-base-no-alerts.yaml.tpl' },
  { input: ['in-base.yaml'], options: { recordings: false }, expected: 'out-base-no-recordings.yaml.tpl' },
  { input: ['in-base.yaml'], options: { extraLabels: { exk1: 'exv1', exk2: 'exv2' } }, expected: 'out-base-extra-labels.yaml.tpl' },
  { input: ['in-base-k8s.yaml'], expected: 'out-base-k8s.yaml.tpl' },
  { input: ['in-multifile.yaml'], expected: 'out-multifile.yaml.tpl' },
  { input: ['in-multifile-k8s.yaml'], expected: 'out-multifile-k8s.yaml.tpl' },
];

describe('burnwatch rules against Sloth generate, for every loadable Sloth spec of the corpus', () => {
  const specs = loadableSpecs();
  const compared: string[] = [];

  it('finds the nine Sloth example specs that need no plugin', () => {
    expect(specs).toEqual([
      'getting-started.yml', 'home-wifi.yml', 'k8s-getting-started.yml', 'k8s-home-wifi.yml', 'k8s-multifile.yml',
      'kubernetes-apiserver.yml', 'multifile.yml', 'no-alerts.yml', 'raw-home-wifi.yml',
    ]);
  });

  it.each(specs)('sloth/specs/%s matches sloth/generated/ (30d, --extra-labels cmd=examplesgen.sh)', (file) => {
    const { groups, errors } = ours([`${SLOTH}specs/${file}`], undefined, EXAMPLES_GEN_OPTIONS);
    expect(errors).toEqual([]);
    const ids = compare(readExpected(`${SLOTH}generated/${file}`), groups);
    expect(ids.length).toBeGreaterThan(0);
    compared.push(`specs/${file}`);
  });

  it.each(INTEGRATION)('sloth/integration/$expected', ({ input, periodDays, options, expected }) => {
    const { groups, errors } = ours(input.map((f) => `${SLOTH}integration/${f}`), periodDays === undefined ? undefined : DAYS(periodDays), options ?? {});
    expect(errors).toEqual([]);
    const ids = compare(readExpected(`${SLOTH}integration/${expected}`), groups);
    expect(ids.length).toBeGreaterThan(0);
    compared.push(`integration/${expected}`);
  });

  it('compared every case', () => {
    expect(compared).toHaveLength(specs.length + INTEGRATION.length);
    expect(conditionsCompared).toBeGreaterThan(0);
    console.log(`compared ${compared.length} Sloth outputs (${specs.length} specs, ${INTEGRATION.length} integration cases), ${conditionsCompared} burn-rate conditions`);
  });
});
