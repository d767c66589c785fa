import { describe, expect, it } from 'vitest';
import { backtestCommand } from './backtest.js';
import { evaluateCommand } from './evaluate.js';
import type { CliIo } from './io.js';

async function run(command: typeof backtestCommand, args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const io: CliIo = { out: () => undefined, err: (t) => { err += t; }, cwd: process.cwd(), env: {}, now: () => new Date('2026-11-20T10:00:00Z') };
  const code = await command(args, io);
  return { code, err };
}

describe('--interval of evaluate and backtest', () => {
  it.each([
    ['evaluate', evaluateCommand, []],
    ['backtest', backtestCommand, ['--from', 'now-1h', '--to', 'now']],
  ] as const)('%s refuses an interval below 1s with a usage error (exit 2)', async (_name, command, extra) => {
    const r = await run(command, [...extra, '--interval', '1ms']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--interval 1ms is below the minimum of 1s');
    // 1s passes that check (and stops at the next one: no --prometheus).
    const ok = await run(command, [...extra, '--interval', '1s']);
    expect(ok.err).not.toContain('below the minimum');
    expect(ok.err).toContain('--prometheus URL is required');
  });
});
