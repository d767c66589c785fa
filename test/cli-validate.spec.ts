import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

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
