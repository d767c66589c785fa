import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/support/cli.js';
import type { CliIo } from './io.js';
import { reportCommand } from './report.js';

/** Usage errors of `burnwatch report` (exit 2) and a database that is not there (exit 1): no backend needed. */

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: repoRoot, env: {}, now: () => new Date('2026-12-07T10:00:00Z') };
  const code = await reportCommand(args, io);
  return { code, out, err };
}

describe('burnwatch report: usage', () => {
  it.each([
    [['--db', 'x.db'], 'give the range as --from TIME --to TIME, --month 2026-11 or --quarter 2026-Q4'],
    [['--db', 'x.db', '--month', '2026-11', '--quarter', '2026-Q4'], 'one of them'],
    [['--db', 'x.db', '--month', '2026-13'], '--month must be a month such as 2026-11, not "2026-13"'],
    [['--db', 'x.db', '--month', '2026-11', '--timezone', 'Europe/Nowhere'], 'unknown time zone "Europe/Nowhere"'],
    [['--db', 'x.db', '--from', 'now-2y', '--to', 'now'], 'the range is longer than 367 days'],
    [['--db', 'x.db', '--from', 'now', '--to', 'now-1d'], '--to must be after --from'],
    [['--month', '2026-11'], 'give either --prometheus URL (replay history) or --db FILE'],
    [['--db', 'x.db', '--prometheus', 'http://127.0.0.1:9', '--month', '2026-11'], 'not both'],
    [['--db', 'x.db', '--month', '2026-11', '--format', 'pdf'], '--format must be markdown, html, csv or json, not "pdf"'],
    [['--db', 'x.db', '--month', '2026-11', '--group-by', 'team name'], '--group-by must be service or a label name'],
    [['--db', 'x.db', '--month', '2026-11', '--interval', '10ms'], '--interval 10ms is below the minimum of 1s'],
    [['--db', 'x.db', '--month', '2026-11', '--bogus'], "Unknown option '--bogus'"],
    [['--db', 'x.db', '--month', '2026-11', 'slos/'], "Unexpected argument 'slos/'"],
  ])('%j: exit 2, %s', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain('Usage: burnwatch report');
  });

  it('prints its usage with --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: burnwatch report /);
    expect(r.err).toBe('');
  });

  it('a database file that does not exist: exit 1, naming it, nothing created', async () => {
    const r = await run(['--db', 'no-such-dir/burnwatch.db', '--slos', 'slos/checkout-availability.yaml', '--month', '2026-11']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no-such-dir/burnwatch.db');
    expect(r.out).toBe('');
  });
});
