import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { rulesForSlos } from '../src/rules/prometheus.js';
import { renderRules, RULES_FORMATS } from '../src/rules/render.js';
import type { RulesFormat } from '../src/rules/render.js';
import { DAY, HOUR, MINUTE } from '../src/slo/duration.js';
import type { Slo } from '../src/slo/model.js';
import { loadSpecs } from '../src/formats/load.js';

/**
 * `promtool check rules` (Prometheus's own rule-file checker: YAML shape, PromQL, label and template syntax)
 * on what `burnwatch rules` writes for every corpus spec that loads, every SLO file in slos/, and an SLO
 * using every burnwatch/v1 feature the export has to translate (for, minEvents, keepFiringFor, exhaustion,
 * no data, groupBy), in both output formats. For prometheus-operator, the PrometheusRule's spec.groups are
 * written to a rule file and checked.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../shared/corpus/', import.meta.url));
const SLOS = join(ROOT, 'slos');
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.error === undefined && promtool.status === 0;
if (!hasPromtool) console.warn('promtool not found: skipping the promtool rule checks (install the Debian package "prometheus" or put promtool on PATH)');

const tmp = mkdtempSync(join(tmpdir(), 'burnwatch-promtool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.(ya?ml|json)$/.test(name) ? [path] : [];
  });
}

interface Case {
  readonly name: string;
  readonly slos: readonly Slo[];
}

/** Every file (alone) that loads without errors and holds at least one SLO. */
function loadable(files: readonly string[], base: string, defaultPeriodMs?: number): Case[] {
  return files.flatMap((file) => {
    const r = loadSpecs([file], defaultPeriodMs === undefined ? {} : { defaultPeriodMs });
    if (r.slos.length === 0 || r.errors.some((e) => e.severity !== 'warning')) return [];
    return [{ name: relative(base, file), slos: r.slos }];
  });
}

const every: Slo = {
  id: 'checkout-route-availability',
  name: 'route-availability',
  service: 'checkout',
  labels: { team: 'payments' },
  objective: 99.5,
  period: { kind: 'calendar', unit: 'month', timezone: 'Europe/Berlin' },
  budgeting: { kind: 'occurrences' },
  indicator: {
    kind: 'events',
    count: 'bad',
    events: { kind: 'selector', selector: 'http_requests_total{job="checkout",code=~"5.."}' },
    total: { kind: 'selector', selector: 'http_requests_total{job="checkout"}' },
  },
  groupBy: ['route'],
  alerting: {
    name: 'CheckoutRouteBurn',
    runbook: 'runbooks/checkout-availability.md',
    labels: { team: 'payments' },
    annotations: { description: '{{ $labels.route }} burns at {{ $value | humanize }}' },
    minEvents: 100,
    noDataAfterMs: 30 * MINUTE,
    keepFiringForMs: 10 * MINUTE,
    tiers: [
      { name: 'page-1h-5m', severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 2 * MINUTE },
      { name: 'page-6h-30m', severity: 'page', longMs: 6 * HOUR, shortMs: 30 * MINUTE, factor: 6, forMs: 15 * MINUTE },
      { name: 'ticket-3d-6h', severity: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 1, forMs: HOUR },
    ],
    page: { enabled: true, labels: { channel: '#pay-oncall' }, annotations: {} },
    ticket: { enabled: true, labels: {}, annotations: {} },
    exhaustion: { threshold: 0, severity: 'ticket' },
  },
  maintenance: [],
  source: { file: 'slos/checkout.yaml', document: 0, format: 'burnwatch/v1' },
};

const cases: Case[] = [
  ...loadable(walk(CORPUS), CORPUS),
  // The corpus README's period flags for Sloth's integration input.
  ...loadable([join(CORPUS, 'sloth/integration/in-base.yaml')], CORPUS, 28 * DAY).map((c) => ({ ...c, name: `${c.name} (28d)` })),
  ...(() => {
    const r = loadSpecs([join(CORPUS, 'sloth/integration/in-base.yaml'), join(CORPUS, 'sloth/integration/windows/7d.yaml')], { defaultPeriodMs: 7 * DAY });
    return r.slos.length > 0 ? [{ name: 'sloth/integration/in-base.yaml (7d windows)', slos: r.slos }] : [];
  })(),
  ...loadable(walk(SLOS), ROOT),
  { name: 'every burnwatch/v1 feature', slos: [every] },
];

function ruleFile(format: RulesFormat, c: Case, index: number): string {
  const text = renderRules(format, rulesForSlos(c.slos).groups);
  const groups = format === 'prometheus' ? text : stringify({ groups: (parse(text) as { spec: { groups: unknown } }).spec.groups });
  const path = join(tmp, `${index}-${format}.yaml`);
  writeFileSync(path, groups);
  return path;
}

describe.skipIf(!hasPromtool)('promtool check rules accepts every export', () => {
  const accepted: string[] = [];

  it('has corpus specs to check', () => {
    expect(cases.filter((c) => c.name.startsWith('sloth/')).length).toBeGreaterThanOrEqual(9);
  });

  const table = cases.flatMap((c, i) => RULES_FORMATS.map((format) => ({ c, i, format })));
  it.each(table)('$c.name ($format)', ({ c, i, format }) => {
    const path = ruleFile(format, c, i);
    const r = spawnSync('promtool', ['check', 'rules', path], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
    accepted.push(`${c.name} (${format})`);
  });

  it('checked every file', () => {
    expect(accepted).toHaveLength(table.length);
    console.log(`promtool accepted ${accepted.length} rule files (${cases.length} SLO sets x ${RULES_FORMATS.length} formats)`);
  });
});
