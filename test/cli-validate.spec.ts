import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SLO = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: a, service: a }
spec:
  objective: 99.9
  indicator:
    events:
      errors: http_requests_total{service="a",code="500"}
      total: http_requests_total{service="a"}
`;

/** A readable temporary SLO folder holding a.yaml. */
function sloFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-validate-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'slos'));
  writeFileSync(join(dir, 'slos', 'a.yaml'), SLO);
  return join(dir, 'slos');
}

describe('burnwatch validate (CLI contract)', () => {
  it('exits 0 on the example SLOs, checking slos/ by default', () => {
    const run = runCli(['validate']);
    expect(run.stderr).toMatch(/^ok: 5 SLOs in 5 files/m);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('exits 1 and prints one path:line:col: message line per problem', () => {
    const run = runCli(['validate', 'test/fixtures/broken']);
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(44);
    for (const line of lines) expect(line).toMatch(/^test\/fixtures\/broken\/[\w.-]+\.yaml:\d+:\d+: \S/);
    expect(lines).toContain('test/fixtures/broken/09-objective-100.yaml:9:14: spec.objective: must be below 100 (hint: a 100 % objective leaves no error budget; use e.g. 99.99)');
  });

  it('prints machine-readable JSON with --format json', () => {
    const run = runCli(['validate', '--format', 'json', 'test/fixtures/broken/05-misspelt-objective.yaml', 'slos/checkout-availability.yaml']);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { valid: boolean; errors: { file: string; line: number; col: number; path: string; message: string; hint?: string }[]; slos: { id: string }[] };
    expect(report.valid).toBe(false);
    expect(report.errors).toEqual([{ file: 'test/fixtures/broken/05-misspelt-objective.yaml', line: 9, col: 3, path: 'spec.objetive', message: 'unknown field "objetive"', hint: 'did you mean "objective"?' }]);
    expect(report.slos.map((s) => s.id)).toEqual(['checkout-availability']);
  });

  it('reports a file and a folder it may not read, as path:1:1 lines, and checks the rest', () => {
    const slos = sloFolder();
    writeFileSync(join(slos, 'locked.yaml'), SLO.replace(/: a/g, ': b'));
    mkdirSync(join(slos, 'closed'));
    writeFileSync(join(slos, 'closed', 'c.yaml'), SLO.replace(/: a/g, ': c'));
    chmodSync(join(slos, 'locked.yaml'), 0o000);
    chmodSync(join(slos, 'closed'), 0o000);
    const run = runCli(['validate', slos], { withoutRootReads: true });
    chmodSync(join(slos, 'closed'), 0o755);
    expect(run.stdout.trim().split('\n')).toEqual([
      `${slos}/closed:1:1: cannot read the folder: permission denied (hint: let the user burnwatch runs as read it)`,
      `${slos}/locked.yaml:1:1: cannot read the file: permission denied (hint: let the user burnwatch runs as read it)`,
    ]);
    expect(run.stderr).toBe('2 problems in 1 of 2 files and 1 other path\n');
    expect(run.status).toBe(1);
  });

  it('prints a skipped symlink loop as a warning and stays valid', () => {
    const slos = sloFolder();
    symlinkSync('.', join(slos, 'loop'));
    const run = runCli(['validate', slos], { timeoutMs: 60_000 });
    expect(run.stdout).toBe(`${slos}/loop:1:1: warning: the same folder as ${slos}, already searched (a symlink loop, or a second link to it): skipped (hint: remove the extra link if it is not meant)\n`);
    expect(run.stderr).toBe('ok: 1 SLO in 1 file, 1 warning\n');
    expect(run.status).toBe(0);
  });

  it('warns at the line of an expression it samples (its budget cannot count scrape gaps), not at expressions it reads as counters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-validate-'));
    try {
      const slo = (name: string, indicator: string): string => `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${name}, service: shop }
spec:
  objective: 99.9
  indicator:
${indicator}`;
      writeFileSync(join(dir, 'counted.yaml'), slo('counted', `    ratio:
      errorRatio: sum by (route) (rate(http_requests_total{code="500"}[{{.window}}])) / sum by (route) (rate(http_requests_total[{{.window}}]))
`));
      writeFileSync(join(dir, 'sampled.yaml'), slo('sampled', `    events:
      errors: sum(rate(http_requests_total{code="500"}[{{.window}}]))
      total: sum(rate(http_requests_total[{{.window}}])) * 1
`));
      const run = runCli(['validate', dir]);
      expect(run.status).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual([
        `${join(dir, 'sampled.yaml')}:9:14: warning: spec.indicator.events.total: burnwatch samples this expression every evaluation over a short rate window, so its error budget cannot count the events of scrape gaps (hint: if it reads counters, write it as sum [by (...)] (rate(<counter selector>[{{.window}}])), or sums or a ratio of such terms: burnwatch then counts every increment of the counters)`,
      ]);
      expect(run.stderr).toMatch(/^ok: 2 SLOs in 2 files, 1 warning$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['validate', '--format', 'xml']],
    [['validate', '--no-such-flag']],
    [['validate', 'no/such/folder']],
    [['no-such-command']],
  ])('exits 2 on a usage error: %j', (args) => {
    const run = runCli(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/burnwatch/);
  });
});
