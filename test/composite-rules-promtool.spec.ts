import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { rulesCommand } from '../src/cli/rules.js';
import type { CliIo } from '../src/cli/io.js';

/**
 * `burnwatch rules` for composite SLOs: a weightedEvents composite of event-counting children is recorded as
 * Σ w x bad / Σ w x total of the children's rates, and Prometheus's own rule evaluation (`promtool test rules`)
 * gives the figure computed by hand; a composite PromQL cannot express gets no rules and a note on stderr.
 */

const tmp = mkdtempSync(join(tmpdir(), 'burnwatch-composite-rules-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const child = (name: string, countGood = false): string => `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${name}, service: shop }
spec:
  objective: 99.9
  indicator:
    events:
      ${countGood ? 'good' : 'errors'}: requests_total{job="${name}",code="${countGood ? '200' : '500'}"}
      total: requests_total{job="${name}"}
`;

const journey = (method: string, extra = ''): string => `apiVersion: burnwatch/v1
kind: CompositeSLO
metadata: { name: journey, service: shop }
spec:
  objective: 99.5
  method: ${method}
  children:
    - { slo: catalogue, weight: 1 }
    - { slo: payments, weight: 3 }
${extra}`;

function run(dir: string): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: tmp, env: {}, now: () => new Date(0) };
  return { code: rulesCommand([dir], io), out, err };
}

function folder(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

describe('burnwatch rules for a composite SLO', () => {
  it.skipIf(!hasPromtool)('records the weighted error ratio Prometheus evaluates to the hand figure', () => {
    const dir = folder('events', { 'c.yaml': child('catalogue'), 'p.yaml': child('payments', true), 'j.yaml': journey('weightedEvents', '  alerting: { inhibitChildren: true }\n') });
    const r = run(dir);
    expect(r.code, r.err).toBe(0);
    const file = parse(r.out) as { groups: { name: string }[] };
    expect(file.groups.map((g) => g.name)).toContain('sloth-slo-sli-recordings-journey');
    expect(r.err).toMatch(/note: journey: inhibitChildren is not a rule: in Alertmanager, add inhibit_rules: \[\{ source_matchers: \['sloth_id="journey"'/);
    const rules = join(tmp, 'rules.yaml');
    writeFileSync(rules, r.out);
    // catalogue: 10 req/s, 0.1 errors/s; payments: 1 req/s of which 0.5 good (0.5 bad/s), weight 3.
    // 5m ratio = (1 x 0.1 + 3 x 0.5) / (1 x 10 + 3 x 1) = 1.6 / 13.
    const test = `rule_files: [${rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - { series: 'requests_total{job="catalogue",code="200"}', values: '0+594x30' }
      - { series: 'requests_total{job="catalogue",code="500"}', values: '0+6x30' }
      - { series: 'requests_total{job="payments",code="200"}', values: '0+30x30' }
      - { series: 'requests_total{job="payments",code="500"}', values: '0+30x30' }
    promql_expr_test:
      - expr: slo:sli_error:ratio_rate5m{sloth_id="journey"}
        eval_time: 20m
        exp_samples:
          - labels: 'slo:sli_error:ratio_rate5m{sloth_id="journey", sloth_service="shop", sloth_slo="journey", sloth_window="5m"}'
            value: ${1.6 / 13}
`;
    const testFile = join(tmp, 'test.yaml');
    writeFileSync(testFile, test);
    const checked = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    const tested = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);
  });

  it.each([
    ['weightedRatio', journey('weightedRatio'), /note: journey: no rules for this composite SLO: it uses weightedRatio, a mean of each slot's ratios over the children with traffic, which PromQL rules cannot compute/],
    ['a child without an event rate', journey('weightedEvents').replace('slo: payments', 'slo: probe'), /note: journey: no rules for this composite SLO: its child probe has no event rate in PromQL \(a boolGauge indicator\)/],
  ])('writes no rules for a composite with %s, and says why on stderr', (_, text, note) => {
    const probe = 'apiVersion: burnwatch/v1\nkind: SLO\nmetadata: { name: probe, service: shop }\nspec:\n  objective: 99\n  indicator:\n    boolGauge: { selector: probe_success }\n';
    const dir = folder(`no-rules-${_.replace(/\W+/g, '-')}`, { 'c.yaml': child('catalogue'), 'p.yaml': child('payments'), 'probe.yaml': probe, 'j.yaml': text });
    const r = run(dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(note);
    const file = parse(r.out) as { groups: { name: string }[] };
    expect(file.groups.some((g) => g.name.endsWith('-journey'))).toBe(false);
    expect(file.groups.some((g) => g.name.endsWith('-catalogue'))).toBe(true);
  });
});
