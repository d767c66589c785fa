import { describe, expect, it } from 'vitest';
import { defineAsyncCommand, defineCommand } from './command.js';
import type { CliIo } from './io.js';
import { UsageError } from './io.js';

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: '.', env: {}, now: () => new Date(0) };
  return { io, out: () => out, err: () => err };
}

const spec = { name: 'demo', usage: 'Usage: burnwatch demo [--level N] [names...]', positionals: true, options: { level: { type: 'string' } } } as const;

const demo = defineCommand(spec, ({ values, positionals }, io) => {
  if (values.level === 'bad') throw new UsageError('--level must be a number');
  if (values.level === 'boom') throw new Error('internal');
  io.out(`${values.level ?? '-'} ${positionals.join(',')}\n`);
  return 0;
});

describe('defineCommand', () => {
  it('hands the parsed options and positionals to the body and returns its exit code', () => {
    const c = capture();
    expect(demo(['--level', '3', 'a', 'b'], c.io)).toBe(0);
    expect(c.out()).toBe('3 a,b\n');
  });

  it.each([['--nope'], ['--level']])('answers a parse error (%s) with the message and the usage on stderr, exit 2', (arg) => {
    const c = capture();
    expect(demo([arg], c.io)).toBe(2);
    expect(c.err()).toMatch(/^burnwatch demo: .*\n\nUsage: burnwatch demo/);
    expect(c.out()).toBe('');
  });

  it.each([['--help'], ['-h']])('prints the usage on stdout for %s, exit 0, without running the body', (arg) => {
    const c = capture();
    expect(demo([arg, '--level', 'boom'], c.io)).toBe(0);
    expect(c.out()).toBe(`${spec.usage}\n`);
  });

  it('prints a usage error the body throws like a parse error', () => {
    const c = capture();
    expect(demo(['--level', 'bad'], c.io)).toBe(2);
    expect(c.err()).toBe(`burnwatch demo: --level must be a number\n\n${spec.usage}\n`);
  });

  it('lets any other error through, unless the command turns it into an exit code', () => {
    expect(() => demo(['--level', 'boom'], capture().io)).toThrow('internal');
    const handled = defineCommand({ ...spec, failure: (err, io) => { io.err(`handled ${(err as Error).message}\n`); return 1; } }, () => {
      throw new Error('disk full');
    });
    const c = capture();
    expect(handled([], c.io)).toBe(1);
    expect(c.err()).toBe('handled disk full\n');
  });

  it('without --help, takes --help for an unknown option', () => {
    const c = capture();
    expect(defineCommand({ ...spec, help: false }, () => 0)(['--help'], c.io)).toBe(2);
    expect(c.err()).toContain("Unknown option '--help'");
  });

  it('refuses positionals unless the command takes them', () => {
    const c = capture();
    expect(defineCommand({ name: 'x', usage: 'Usage: x', options: {} }, () => 0)(['extra'], c.io)).toBe(2);
  });
});

describe('defineAsyncCommand', () => {
  it('prints a usage error the body rejects with, exit 2', async () => {
    const c = capture();
    const slow = defineAsyncCommand(spec, async () => {
      await Promise.resolve();
      throw new UsageError('--level is too high');
    });
    await expect(slow([], c.io)).resolves.toBe(2);
    expect(c.err()).toBe(`burnwatch demo: --level is too high\n\n${spec.usage}\n`);
  });

  it('rejects with any other error', async () => {
    const slow = defineAsyncCommand(spec, () => Promise.reject(new Error('internal')));
    await expect(slow([], capture().io)).rejects.toThrow('internal');
  });
});
