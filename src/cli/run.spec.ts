import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import type { RunDeps } from './run.js';
import { RUN_USAGE, runCommand } from './run.js';

/** The command line of `burnwatch run`: it goes through the same skeleton as every other command. */

function capture(env: Record<string, string> = {}): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: '.', env, now: () => new Date(0) };
  return { io, out: () => out, err: () => err };
}

/** Deps that record whether the daemon was started; starting fails, so no test runs a daemon. */
function deps(): { deps: RunDeps; started: string[] } {
  const started: string[] = [];
  return {
    started,
    deps: {
      start: (config) => {
        started.push(config.slosPath);
        throw new Error('not in this test');
      },
      serve: () => Promise.reject(new Error('not in this test')),
      onSignal: () => undefined,
    },
  };
}

describe('burnwatch run: command line', () => {
  it.each([['--help'], ['-h']])('prints the usage on stdout for %s, exit 0, without starting', async (arg) => {
    const c = capture();
    const d = deps();
    expect(await runCommand([arg], c.io, d.deps)).toBe(0);
    expect(c.out()).toBe(`${RUN_USAGE}\n`);
    expect(d.started).toEqual([]);
  });

  it.each([['--bogus'], ['extra'], ['--config']])('answers %s with the message and the usage on stderr, exit 2, without starting', async (arg) => {
    const c = capture();
    const d = deps();
    expect(await runCommand([arg], c.io, d.deps)).toBe(2);
    expect(c.err()).toMatch(new RegExp(`^burnwatch run: .+\\n\\n${RUN_USAGE.split('\n')[0]?.replace(/[[\]]/g, '\\$&') ?? ''}`));
    expect(c.out()).toBe('');
    expect(d.started).toEqual([]);
  });

  it('reads the settings file named by --config (before BURNWATCH_CONFIG) and reports its problems, exit 1', async () => {
    const c = capture({ BURNWATCH_CONFIG: 'other.yaml' });
    const d = deps();
    expect(await runCommand(['--config', 'no-such-settings.yaml'], c.io, d.deps)).toBe(1);
    expect(c.err()).toContain('no-such-settings.yaml');
    expect(c.err()).not.toContain('other.yaml');
    expect(c.err()).toMatch(/burnwatch run: the settings have problems \(above\); fix them and start again\n$/);
    expect(d.started).toEqual([]);
  });
});
