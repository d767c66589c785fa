import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { rulesCommand } from './rules.js';

const SLOTH = fileURLToPath(new URL('../../../shared/corpus/sloth/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'burnwatch-rules-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: tmp, env: {}, now: () => new Date() };
  const code = rulesCommand(args, io);
  return { code, out, err };
}

interface RuleFile { groups: { name: string; rules: { record?: string; alert?: string }[] }[] }

describe('burnwatch rules', () => {
  it('prints a Prometheus rule file for valid SLO files (exit 0)', () => {
    const r = run(`${SLOTH}specs/getting-started.yml`);
    expect(r.code).toBe(0);
    const file = parse(r.out) as RuleFile;
    expect(file.groups.map((g) => g.name)).toEqual([
      'sloth-slo-sli-recordings-myservice-requests-availability',
      'sloth-slo-meta-recordings-myservice-requests-availability',
      'sloth-slo-alerts-myservice-requests-availability',
    ]);
    expect(r.err).toContain('ok: 3 rule groups for 1 SLO');
  });

  it('wraps the groups in a PrometheusRule with --format prometheus-operator', () => {
    const r = run(`${SLOTH}specs/k8s-getting-started.yml`, '--format', 'prometheus-operator', '--name', 'slos', '--namespace', 'monitoring');
    expect(r.code).toBe(0);
    expect(parse(r.out)).toMatchObject({ kind: 'PrometheusRule', metadata: { name: 'slos', namespace: 'monitoring' }, spec: { groups: [{}, {}, {}] } });
  });

  it('reads --default-slo-period, --disable-alerts and --extra-labels like sloth generate', () => {
    const r = run(`${SLOTH}integration/in-base.yaml`, '--default-slo-period', '28d', '--disable-alerts', '-l', 'env=prod');
    expect(r.code).toBe(0);
    const file = parse(r.out) as RuleFile;
    expect(file.groups.flatMap((g) => g.rules).map((x) => x.record)).toContain('slo:sli_error:ratio_rate4w');
    expect(file.groups.flatMap((g) => g.rules).some((x) => x.alert !== undefined)).toBe(false);
    expect(r.out).toContain('env: prod');
  });

  it('writes to --out', () => {
    const r = run(`${SLOTH}specs/no-alerts.yml`, '--out', 'rules.yaml');
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect((parse(readFileSync(join(tmp, 'rules.yaml'), 'utf8')) as RuleFile).groups).toHaveLength(2);
  });

  it('prints warnings but still succeeds', () => {
    const r = run(`${SLOTH}validate/good/good-aa.yaml`);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/good-aa\.yaml:21:7: warning: slos\[0\]\.alerting\.pageAlert: unknown field "pageAlert"/);
  });

  it('exits 1 with located errors on stderr and no rules when a file is invalid', () => {
    const r = run(`${SLOTH}integration/in-invalid-version.yaml`);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('in-invalid-version.yaml:1:10: version: unsupported Sloth spec version "prometheus/v999"');
    expect(r.err).toContain('no rules written');
  });

  it.each([
    [['--format', 'thanos']],
    [['--default-slo-period', 'monthly']],
    [['-l', 'no-equals-sign']],
    [['--name', 'Upper_Case']],
    [['--no-such-flag']],
    [['does/not/exist.yaml']],
  ])('exits 2 on a usage error: %j', (args) => {
    const r = run(...(args[0] === 'does/not/exist.yaml' ? args : [`${SLOTH}specs/getting-started.yml`, ...args]));
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: burnwatch rules');
  });
});
