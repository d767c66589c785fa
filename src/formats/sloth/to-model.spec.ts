import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { burnRateConditions } from '../../rules/inspect.js';
import { DAY, formatDuration, parseDuration } from '../../slo/duration.js';
import type { Slo } from '../../slo/model.js';
import type { DetectedObject, ReadOptions } from '../readers.js';
import { loadSpecs } from '../load.js';
import type { LocatedProblem } from '../located.js';
import { parseYamlFile } from '../located.js';
import { detectSloth, slothReader } from './index.js';

const SLOTH = fileURLToPath(new URL('../../../../shared/corpus/sloth/', import.meta.url));
const corpus = (path: string): string => `${SLOTH}${path}`;
const isError = (e: LocatedProblem): boolean => e.severity !== 'warning';
const errorsOf = (r: { errors: readonly LocatedProblem[] }): LocatedProblem[] => r.errors.filter(isError);
const warningsOf = (r: { errors: readonly LocatedProblem[] }): LocatedProblem[] => r.errors.filter((e) => !isError(e));

/** Reads YAML text with the Sloth reader only, as `loadSpecs` would (pure: no files). */
function readText(text: string, options: ReadOptions = {}, file = 'inline.yaml'): { slos: Slo[]; errors: LocatedProblem[] } {
  const parsed = parseYamlFile(file, text);
  const objects: DetectedObject[] = parsed.documents.map((doc) => {
    const value = doc.value() as Record<string, unknown>;
    const format = detectSloth(value);
    if (format === undefined) throw new Error('not a Sloth object');
    return { doc, format, value };
  });
  const r = slothReader.read(objects, options);
  return { slos: r.slos.map((l) => l.slo), errors: [...parsed.errors, ...r.errors] };
}

/** 1-based line numbers of the lines containing `marker` in a corpus file. */
function linesWith(path: string, marker: string): number[] {
  return readFileSync(path, 'utf8').split('\n').flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));
}

/** Every plugin id a Sloth file refers to (`sli.plugin.id`, `*plugins.chain[].id`), read from the YAML itself. */
function pluginIds(path: string): string[] {
  const ids = new Set<string>();
  const walk = (v: unknown, parent: string): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, parent));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'id' && typeof x === 'string' && (parent === 'plugin' || parent === 'chain')) ids.add(x);
        walk(x, k === 'id' ? parent : k);
      }
    }
  };
  for (const doc of readFileSync(path, 'utf8').split(/^---$/m)) walk(parse(doc), '');
  return [...ids];
}

const PLUGIN_SPEC = /^(plugin-|slo-plugin-|contrib-)|^victoria-metrics\.yml$/;

describe('Sloth example specs (corpus sloth/specs)', () => {
  const files = readdirSync(corpus('specs')).filter((f) => /\.ya?ml$/.test(f)).sort();

  it('leaves the OpenSLO examples to the OpenSLO reader', () => {
    for (const f of files.filter((x) => x.startsWith('openslo-'))) {
      const docs = readFileSync(corpus(`specs/${f}`), 'utf8').split(/^---$/m).map((d) => parse(d) as unknown).filter((d) => d !== null);
      for (const d of docs) expect(detectSloth(d as Record<string, unknown>), f).toBeUndefined();
    }
  });

  it.each(files.filter((f) => !f.startsWith('openslo-') && !PLUGIN_SPEC.test(f)))('%s loads without errors', (f) => {
    const r = loadSpecs([corpus(`specs/${f}`)]);
    expect(errorsOf(r)).toEqual([]);
    expect(r.slos.length).toBeGreaterThan(0);
    expect(r.slos.every((s) => s.source.format.startsWith('sloth/'))).toBe(true);
  });

  it.each(files.filter((f) => PLUGIN_SPEC.test(f)))('%s is rejected as using an unsupported plugin, naming each plugin id', (f) => {
    const r = loadSpecs([corpus(`specs/${f}`)]);
    expect(r.slos).toEqual([]);
    const ids = pluginIds(corpus(`specs/${f}`));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const e = errorsOf(r).find((x) => x.message.includes(`"${id}"`));
      expect(e, `an error names ${id}`).toBeDefined();
      expect(e?.message).toMatch(/plugin .* is not supported/);
      expect(linesWith(corpus(`specs/${f}`), id)).toContain(e?.line);
    }
  });
});

describe('Sloth validate fixtures (corpus sloth/validate)', () => {
  const good = readdirSync(corpus('validate/good')).filter((f) => !f.includes('openslo')).sort();

  it.each(good)('good/%s loads', (f) => {
    const r = loadSpecs([corpus(`validate/good/${f}`)]);
    expect(errorsOf(r)).toEqual([]);
    expect(r.slos.length).toBeGreaterThan(0);
  });

  it('reports the camelCase pageAlert/ticketAlert of a prometheus/v1 file as ignored fields, with a did-you-mean hint', () => {
    const path = corpus('validate/good/good-aa.yaml');
    const r = loadSpecs([path]);
    const warnings = warningsOf(r);
    expect(warnings.map((w) => [w.line, w.path, w.hint])).toEqual([
      [linesWith(path, 'pageAlert:')[0], 'slos[0].alerting.pageAlert', 'did you mean "page_alert"?'],
      [linesWith(path, 'ticketAlert:')[0], 'slos[0].alerting.ticketAlert', 'did you mean "ticket_alert"?'],
    ]);
    // Ignored as Sloth ignores them: the page alert has only the common label.
    const slo = r.slos.find((s) => s.name === 'slo1');
    expect(slo?.alerting.page.labels).toEqual({});
    expect(slo?.alerting.labels).toEqual({ alert01k1: 'alert01v1' });
  });

  // [file, cause (corpus README), SLOs still loaded from the file's other, valid document]
  const bad: [string, RegExp, number][] = [
    ['bad-aa.yaml', /objective 101 is above 100/, 0],
    ['bad-ab.yaml', /objective 101 is above 100/, 0],
    ['bad-ba.yaml', /objective 101 is above 100/, 0],
    ['bad-k8s.yaml', /service is empty/, 0],
    ['bad-multi-k8s.yaml', /alerting\.name is required/, 2],
    ['bad-multi.yaml', /the SLI is empty/, 2],
  ];
  it.each(bad)('bad/%s fails on its "# BAD!" line', (f, message, valid) => {
    const path = corpus(`validate/bad/${f}`);
    const r = loadSpecs([path]);
    expect(r.slos).toHaveLength(valid);
    const errors = errorsOf(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(message);
    expect(errors[0]?.line).toBe(linesWith(path, '# BAD!')[0]);
    expect(errors[0]?.hint).toBeTruthy();
  });

  const duplicates = [['prom'], ['k8s'], ['bad-prom-multi-duplicates.yaml']];
  it.each(duplicates)('duplicates/%s yields duplicate-id errors for <service>-<name>', (p) => {
    const r = loadSpecs([corpus(`validate/duplicates/${p}`)]);
    const dup = errorsOf(r).filter((e) => e.message.startsWith('duplicate SLO id'));
    expect(dup.map((e) => /"([^"]+)"/.exec(e.message)?.[1]).sort()).toEqual(['svc01-slo02', 'svc01-slo1']);
  });
});

describe('Sloth integration inputs (corpus sloth/integration)', () => {
  it.each(['in-base.yaml', 'in-base-k8s.yaml', 'in-multifile.yaml', 'in-multifile-k8s.yaml'])('%s loads', (f) => {
    const r = loadSpecs([corpus(`integration/${f}`)]);
    expect(errorsOf(r)).toEqual([]);
    expect(r.slos.length).toBeGreaterThan(0);
  });

  it.each(['in-sli-plugin.yaml', 'in-slo-plugin.yaml', 'in-slo-plugin-k8s.yaml'])('%s is rejected as using an unsupported plugin', (f) => {
    const r = loadSpecs([corpus(`integration/${f}`)]);
    expect(r.slos).toEqual([]);
    for (const id of pluginIds(corpus(`integration/${f}`))) {
      expect(errorsOf(r).some((e) => e.message.includes(`plugin "${id}" is not supported`)), id).toBe(true);
    }
  });

  it('rejects version prometheus/v999 at the version line, naming the versions burnwatch reads', () => {
    const r = loadSpecs([corpus('integration/in-invalid-version.yaml')]);
    expect(r.slos).toEqual([]);
    const errors = errorsOf(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 1, path: 'version' });
    expect(errors[0]?.message).toContain('"prometheus/v999"');
    expect(errors[0]?.hint).toContain('prometheus/v1');
    expect(errors[0]?.hint).toContain('sloth.slok.dev/v1');
  });
});

describe('burn-rate tiers equal Sloth\'s factors to the last float digit', () => {
  /** (severity, short, long) -> factor, from the alert rules of a Sloth expected output. */
  function expectedFactors(tpl: string): Map<string, number> {
    const text = readFileSync(corpus(`integration/${tpl}`), 'utf8').replace(/\{\{[^}]*\}\}"?\}?\}?/g, 'x');
    const out = new Map<string, number>();
    const docs = text.split(/^---$/m).map((d) => parse(d) as { groups?: { rules: { alert?: string; expr: string; labels?: Record<string, string> }[] }[] } | null);
    for (const d of docs) {
      for (const g of d?.groups ?? []) {
        for (const r of g.rules) {
          if (r.alert === undefined || r.labels?.['sloth_id'] !== undefined) continue;
          for (const c of burnRateConditions(r.expr)) out.set(`${r.labels?.['sloth_severity']} ${c.shortWindow}/${c.longWindow}`, c.factor);
        }
      }
    }
    return out;
  }

  const cases: [string, string[], number][] = [
    ['out-base.yaml.tpl', ['in-base.yaml'], 30],
    ['out-base-28d.yaml.tpl', ['in-base.yaml'], 28],
    ['out-base-custom-windows-7d.yaml.tpl', ['in-base.yaml', 'windows/7d.yaml'], 7],
  ];
  it.each(cases)('%s', (tpl, inputs, days) => {
    const want = expectedFactors(tpl);
    expect(want.size).toBe(4);
    const r = loadSpecs(inputs.map((f) => corpus(`integration/${f}`)), { defaultPeriodMs: days * DAY });
    expect(errorsOf(r)).toEqual([]);
    const slo = r.slos.find((s) => s.id === 'svc01-slo1');
    const got = new Map(slo?.alerting.tiers.map((t) => [`${t.severity} ${formatDuration(t.shortMs)}/${formatDuration(t.longMs)}`, t.factor]));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, factor] of want) expect(Object.is(got.get(k), factor), `${k}: ${got.get(k)} vs ${factor}`).toBe(true);
    expect(slo?.period).toEqual({ kind: 'rolling', durationMs: days * DAY });
  });

  it('reads a custom 30d catalog (examples/windows/custom-30d.yaml) loaded with the spec', () => {
    const r = loadSpecs([corpus('specs/getting-started.yml'), corpus('specs/windows/custom-30d.yaml')]);
    expect(errorsOf(r)).toEqual([]);
    const tiers = r.slos[0]?.alerting.tiers.map((t) => [t.severity, formatDuration(t.shortMs), formatDuration(t.longMs), t.factor]);
    // Factors from the corpus README table for custom-30d.yaml: 14.4, 4.8, 3, 1.
    expect(tiers).toHaveLength(4);
    const expected: [string, string, string, number][] = [['page', '2m', '30m', 14.4], ['page', '15m', '3h', 4.8], ['ticket', '1h', '12h', 3], ['ticket', '3h', '1d12h', 1]];
    expected.forEach(([sev, short, long, factor], i) => {
      expect(tiers?.[i]?.slice(0, 3)).toEqual([sev, short, long]);
      expect(tiers?.[i]?.[3]).toBeCloseTo(factor, 12);
    });
    // The catalog's windows point at the catalog file for tier messages.
    expect(r.loaded[0]?.at['tier:page-30m-2m']?.file).toContain('custom-30d.yaml');
  });

  it('fails clearly for a period without a catalog, like Sloth', () => {
    const r = loadSpecs([corpus('integration/in-base.yaml')], { defaultPeriodMs: 7 * DAY });
    const errors = errorsOf(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('window period 7d missing');
    expect(errors[0]?.hint).toContain('AlertWindows');
  });
});

describe('mapping a Sloth SLO to the model', () => {
  it('maps getting-started.yml as Sloth does', () => {
    const [slo] = loadSpecs([corpus('specs/getting-started.yml')]).slos;
    expect(slo).toMatchObject({
      id: 'myservice-requests-availability',
      name: 'requests-availability',
      service: 'myservice',
      objective: 99.9,
      description: 'Common SLO based on availability for HTTP request responses.',
      labels: { owner: 'myteam', repo: 'myorg/myservice', tier: '2' },
      period: { kind: 'rolling', durationMs: 30 * DAY },
      budgeting: { kind: 'occurrences' },
      groupBy: [],
      indicator: {
        kind: 'events',
        count: 'bad',
        events: { kind: 'template', template: 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))' },
        total: { kind: 'template', template: 'sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))' },
      },
      alerting: {
        name: 'MyServiceHighErrorRate',
        labels: { category: 'availability' },
        annotations: { summary: 'High error rate on \'myservice\' requests responses' },
        minEvents: 0,
        keepFiringForMs: 0,
        page: { enabled: true, labels: { severity: 'pageteam', routing_key: 'myteam' }, annotations: {} },
        ticket: { enabled: true, labels: { severity: 'slack', slack_channel: '#alerts-myteam' }, annotations: {} },
      },
      source: { document: 0, format: 'sloth/prometheus-v1' },
    });
    expect(slo?.alerting.tiers.every((t) => t.forMs === 0)).toBe(true);
    expect(slo?.alerting.noDataAfterMs).toBeUndefined();
    expect(slo?.alerting.exhaustion).toBeUndefined();
  });

  it('merges service labels with SLO labels (the SLO wins) and takes runbook annotations as the runbook', () => {
    const slos = loadSpecs([corpus('specs/kubernetes-apiserver.yml')]).slos;
    const latency = slos.find((s) => s.name === 'requests-latency');
    expect(latency?.labels).toEqual({ cluster: 'valhalla', component: 'kubernetes', category: 'latency' });
    expect(latency?.alerting.runbook).toBe('https://github.com/kubernetes-monitoring/kubernetes-mixin/tree/master/runbook.md#alert-name-kubeapilatencyhigh');
    expect(latency?.indicator.kind).toBe('events');
  });

  it('reads raw SLIs as error-ratio indicators and disabled alerts as no alerts', () => {
    const slos = loadSpecs([corpus('integration/in-base-k8s.yaml')]).slos;
    const raw = slos.find((s) => s.id === 'svc01-slo02');
    expect(raw?.indicator).toMatchObject({ kind: 'ratio', meaning: 'error' });
    expect(raw?.alerting.page.enabled).toBe(false);
    expect(raw?.alerting.ticket.enabled).toBe(false);
    expect(raw?.source.format).toBe('sloth/kubernetes-v1');
    expect(slos.find((s) => s.id === 'svc01-slo1')?.alerting.page.labels).toEqual({ alert03k1: 'alert03v1' });
  });
});

const SPEC = (slo: string, extra = ''): string => `version: prometheus/v1
service: svc
${extra}slos:
${slo}`;
const EVENTS = `    sli:
      events:
        error_query: sum(rate(errors_total[{{.window}}]))
        total_query: sum(rate(requests_total[{{.window}}]))
`;
const ALERTING = `    alerting:
      name: SvcBurn
`;

describe('Sloth validation rules, located', () => {
  it('accepts a minimal SLO', () => {
    const r = readText(SPEC(`  - name: api\n    objective: 99.5\n${EVENTS}${ALERTING}`));
    expect(r.errors).toEqual([]);
    expect(r.slos.map((s) => s.id)).toEqual(['svc-api']);
  });

  const invalid: [string, string, RegExp, number][] = [
    ['objective 100 (no budget)', `  - name: api\n    objective: 100\n${EVENTS}${ALERTING}`, /objective 100 leaves no error budget/, 5],
    ['objective 0', `  - name: api\n    objective: 0\n${EVENTS}${ALERTING}`, /must be above 0/, 5],
    ['a name Sloth rejects', `  - name: -api\n    objective: 99\n${EVENTS}${ALERTING}`, /name "-api" is not a valid name/, 4],
    ['both events and raw', `  - name: api\n    objective: 99\n${EVENTS}      raw:\n        error_ratio_query: x[{{.window}}]\n${ALERTING}`, /both events and raw/, 10],
    ['the same error and total query', `  - name: api\n    objective: 99\n    sli:\n      events:\n        error_query: sum(rate(x[{{.window}}]))\n        total_query: sum(rate(x[{{.window}}]))\n${ALERTING}`, /are the same query/, 9],
    ['a query without {{.window}}', `  - name: api\n    objective: 99\n    sli:\n      events:\n        error_query: sum(rate(errors_total[5m]))\n        total_query: sum(rate(requests_total[{{.window}}]))\n${ALERTING}`, /no \{\{\.window\}\} placeholder/, 8],
    ['a PromQL syntax error', `  - name: api\n    objective: 99\n    sli:\n      raw:\n        error_ratio_query: sum(rate(errors_total[{{.window}}])\n${ALERTING}`, /PromQL syntax error/, 8],
    ['an empty label value', `  - name: api\n    objective: 99\n    labels:\n      team: ""\n${EVENTS}${ALERTING}`, /label "team" has an empty value/, 7],
    ['alerts on without a name', `  - name: api\n    objective: 99\n${EVENTS}    alerting:\n      labels: {team: a}\n`, /alerting\.name is required/, 10],
  ];
  it.each(invalid)('rejects %s', (_, slo, message, line) => {
    const r = readText(SPEC(slo));
    expect(r.slos).toEqual([]);
    const e = errorsOf(r).find((x) => message.test(x.message));
    expect(e, errorsOf(r).map((x) => x.message).join('; ')).toBeDefined();
    expect(e?.line).toBe(line);
    expect(e?.file).toBe('inline.yaml');
  });

  it('reads numbers and booleans in labels as text, as Sloth does', () => {
    const r = readText(SPEC(`  - name: api\n    objective: 99\n    labels: {tier: 2, generated: true, le: 0.2}\n${EVENTS}${ALERTING}`));
    expect(r.errors).toEqual([]);
    expect(r.slos[0]?.labels).toEqual({ tier: '2', generated: 'true', le: '0.2' });
  });

  it('leaves out, with a warning, tiers that can never fire at a low objective (Sloth writes them anyway)', () => {
    const r = readText(SPEC(`  - name: api\n    objective: 90\n${EVENTS}${ALERTING}`));
    expect(errorsOf(r)).toEqual([]);
    // 90 %: budget 0.1; 14.4 x 0.1 is not below 1; 6, 3 and 1 x 0.1 are.
    expect(r.slos[0]?.alerting.tiers.map((t) => t.factor)).toEqual([6, 3, 1]);
    expect(warningsOf(r).map((w) => [w.line, w.message.slice(0, 38)])).toEqual([[5, 'the page alert on 5m/1h can never fire']]);
  });

  it('loads an SLO without alerting with no alerts, and warns that Sloth would reject it', () => {
    const r = readText(SPEC(`  - name: api\n    objective: 99\n${EVENTS}`));
    expect(errorsOf(r)).toEqual([]);
    expect(warningsOf(r)[0]?.message).toContain('no alerting section');
    expect(r.slos[0]?.alerting.page.enabled).toBe(false);
    expect(r.slos[0]?.alerting.ticket.enabled).toBe(false);
  });

  it('warns about unknown fields anywhere and still loads', () => {
    const r = readText(SPEC(`  - name: api\n    objective: 99\n    descripton: typo\n${EVENTS}${ALERTING}      page_alert:\n        disabled: true\n`, 'owner: me\n'));
    expect(errorsOf(r)).toEqual([]);
    expect(warningsOf(r).sort((a, b) => a.line - b.line).map((w) => [w.path, w.hint])).toEqual([
      ['owner', 'known fields here: version, service, labels, slo_plugins, slos'],
      ['slos[0].descripton', 'did you mean "description"?'],
      ['slos[0].alerting.page_alert.disabled', 'did you mean "disable"?'],
    ]);
    // `disabled` is ignored, as Sloth ignores it: the page alert stays on.
    expect(r.slos[0]?.alerting.page.enabled).toBe(true);
  });

  it('rejects other Sloth API versions and kinds clearly', () => {
    const v2 = readText('apiVersion: sloth.slok.dev/v2\nkind: PrometheusServiceLevel\nspec: {}\n');
    expect(errorsOf(v2)[0]).toMatchObject({ line: 1, path: 'apiVersion' });
    expect(errorsOf(v2)[0]?.message).toContain('sloth.slok.dev/v2');
    const kind = readText('apiVersion: sloth.slok.dev/v1\nkind: ServiceLevel\nspec: {}\n');
    expect(errorsOf(kind)[0]?.message).toContain('unknown Sloth kind "ServiceLevel"');
  });

  it('detects Sloth objects by header only', () => {
    expect(detectSloth({ version: 'prometheus/v1' })).toBe('sloth/prometheus-v1');
    expect(detectSloth({ version: 'prometheus/v999' })).toBe('sloth/prometheus-v1');
    expect(detectSloth({ apiVersion: 'sloth.slok.dev/v1', kind: 'PrometheusServiceLevel' })).toBe('sloth/kubernetes-v1');
    expect(detectSloth({ apiVersion: 'sloth.slok.dev/v1', kind: 'AlertWindows' })).toBe('sloth/alert-windows-v1');
    expect(detectSloth({ apiVersion: 'openslo/v1alpha', kind: 'SLO' })).toBeUndefined();
    expect(detectSloth({ apiVersion: 'burnwatch/v1', kind: 'SLO' })).toBeUndefined();
  });
});

describe('AlertWindows catalogs', () => {
  const catalog = (period: string, pageQuickPercent: number): string => `apiVersion: sloth.slok.dev/v1
kind: AlertWindows
spec:
  sloPeriod: ${period}
  page:
    quick: {errorBudgetPercent: ${pageQuickPercent}, shortWindow: 5m, longWindow: 1h}
    slow: {errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}
  ticket:
    quick: {errorBudgetPercent: 10, shortWindow: 2h, longWindow: 1d}
    slow: {errorBudgetPercent: 10, shortWindow: 6h, longWindow: 3d}
`;
  const slo = SPEC(`  - name: api\n    objective: 99.9\n${EVENTS}${ALERTING}`);

  it('applies a loaded catalog to the SLOs of the same read, for its period', () => {
    const r = readText(`${catalog('14d', 4)}---\n${slo}`, { defaultPeriodMs: parseDuration('14d') ?? 0 });
    expect(errorsOf(r)).toEqual([]);
    // 4 % of 14 d (336 h) in 1 h: 4 x 336 / 100 / 1 = 13.44.
    expect(r.slos[0]?.alerting.tiers[0]).toMatchObject({ severity: 'page', shortMs: 5 * 60_000, longMs: 3_600_000, factor: 13.44, budgetPercent: 4 });
  });

  it('warns about an identical second catalog and rejects a different one', () => {
    const same = readText(`${catalog('14d', 4)}---\n${catalog('14d', 4)}`);
    expect(errorsOf(same)).toEqual([]);
    expect(warningsOf(same)[0]?.message).toContain('loaded twice');
    const differ = readText(`${catalog('14d', 4)}---\n${catalog('14d', 3)}`);
    expect(errorsOf(differ)[0]).toMatchObject({ line: 15, path: 'spec.sloPeriod' });
  });

  it('rejects a window without budget, as Sloth does', () => {
    const r = readText(catalog('14d', 0));
    expect(errorsOf(r)[0]).toMatchObject({ path: 'spec.page.quick.errorBudgetPercent', line: 6 });
  });
});
