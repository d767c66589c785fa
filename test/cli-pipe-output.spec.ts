import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot, TSX_LOADER } from './support/cli.js';
import { removeDir, trackDir } from './support/process.js';
import type { OpenMetricsSeries } from './support/prometheus.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';

/**
 * The CLI's output through a pipe that a slow reader drains: nothing may be cut off when the command exits
 * (the kernel's pipe holds 64 KiB; the rest waits in the process until the reader takes it). Each command
 * runs twice: once into a file, once into the slow pipe; the bytes must be the same, and the content is
 * checked on its own terms too (every SLO present, every backtest step present).
 */

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const SLO_COUNT = 600;
/**
 * Node's child-process "pipes" are socket pairs that hold about 256 KiB, not 64 KiB: long paths make
 * `validate --format json` (which prints each path twice) well larger than that.
 */
const LONG_FOLDER = `slo-files-${'of-the-storefront-team'.repeat(9)}`;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function spawnCli(args: readonly string[], stdout: 'pipe' | number) {
  return spawn(process.execPath, ['--import', TSX_LOADER, CLI, ...args], { cwd: repoRoot, stdio: ['ignore', stdout, 'pipe'] });
}

function collect(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (d: Buffer) => { text += d.toString('utf8'); });
    stream.on('end', () => resolve(text));
  });
}

/** Runs the CLI with standard output a pipe the parent reads slowly: `bytesPerTick` every `tickMs`. */
async function runThroughSlowPipe(args: readonly string[], bytesPerTick = 64 * 1024, tickMs = 25): Promise<Run> {
  const child = spawnCli(args, 'pipe');
  const out = child.stdout;
  if (out === null || child.stderr === null) throw new Error('no pipes');
  const stderr = collect(child.stderr);
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((resolve) => out.once('end', resolve));
  // No 'data' listener: the stream stays paused and only what `read` takes leaves the pipe.
  out.on('readable', () => undefined);
  const timer = setInterval(() => {
    let taken = 0;
    while (taken < bytesPerTick) {
      const chunk = out.read() as Buffer | null;
      if (chunk === null) break;
      chunks.push(chunk);
      taken += chunk.length;
    }
  }, tickMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    await ended;
  } finally {
    clearInterval(timer);
  }
  const { code, signal } = await exited;
  return { code, signal, stdout: Buffer.concat(chunks), stderr: await stderr };
}

/** Runs the CLI and closes the read end of its standard output after the first chunk, as `| head -1` does. */
async function runIntoClosedPipe(args: readonly string[]): Promise<Run> {
  const child = spawnCli(args, 'pipe');
  const stderr = collect(child.stderr!);
  let first: Buffer = Buffer.alloc(0);
  child.stdout!.once('data', (chunk: Buffer) => {
    first = chunk;
    child.stdout!.destroy();
  });
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s })));
  return { code, signal, stdout: first, stderr: await stderr };
}

/** What a crash prints: a stack frame or an error name. */
const CRASH = /^\s+at |EPIPE|Error\b/m;

/** Runs the CLI with standard output a file (writes to files are synchronous: the reference output). */
async function runIntoFile(args: readonly string[], file: string): Promise<Run> {
  const fd = openSync(file, 'w');
  try {
    const child = spawnCli(args, fd);
    const stderr = collect(child.stderr!);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s })));
    return { code, signal, stdout: readFileSync(file), stderr: await stderr };
  } finally {
    closeSync(fd);
  }
}

let dir = '';
let slos = '';
const files: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'burnwatch-pipe-'));
  trackDir(dir);
  slos = join(dir, 'slos');
  await mkdir(join(slos, LONG_FOLDER), { recursive: true });
  const template = await readFile(join(repoRoot, 'slos/checkout-availability.yaml'), 'utf8');
  for (let i = 1; i <= SLO_COUNT; i++) {
    const text = template.replace('name: checkout-availability', `name: checkout-availability-${i}`).replace(/^\s*runbook:.*\n/m, '');
    const file = join(slos, LONG_FOLDER, `checkout-availability-of-the-storefront-number-${i}.yaml`);
    await writeFile(file, text);
    files.push(file);
  }
});

afterAll(async () => {
  await removeDir(dir);
});

describe('CLI output through a slowly read pipe is complete', () => {
  it.each([
    ['validate --format json', ['validate', '--format', 'json']],
    ['convert', ['convert']],
    ['rules', ['rules']],
  ])('%s', async (name, command) => {
    // rules prints about 12 KiB per SLO, convert 1.3 KiB: part of the files are plenty.
    const expected = command[0] === 'rules' ? 100 : command[0] === 'convert' ? 400 : SLO_COUNT;
    const args = expected === SLO_COUNT ? [...command, slos] : [...command, ...files.slice(0, expected)];
    const reference = await runIntoFile(args, join(dir, `${name.replace(/\W+/g, '-')}.out`));
    expect(reference.code, reference.stderr).toBe(0);
    expect(reference.stdout.length).toBeGreaterThan(400 * 1024);

    const piped = await runThroughSlowPipe(args);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout.length).toBe(reference.stdout.length);
    expect(piped.stdout.equals(reference.stdout)).toBe(true);

    // The content on its own terms: every generated SLO is there.
    const text = piped.stdout.toString('utf8');
    if (command[0] === 'validate') {
      expect((JSON.parse(text) as { slos: unknown[] }).slos).toHaveLength(expected);
    } else if (command[0] === 'convert') {
      expect(parseAllDocuments(text)).toHaveLength(expected);
    } else {
      const groups = (parse(text) as { groups: { name: string }[] }).groups;
      expect(groups).toHaveLength(3 * expected);
      expect(new Set(groups.map((g) => g.name.replace(/^sloth-slo-(sli-recordings|meta-recordings|alerts)-/, '')))).toHaveProperty('size', expected);
    }
  }, 120_000);

  it('a reader that goes away early (| head -1): no stack trace, the usual exit status', async () => {
    const run = await runIntoClosedPipe(['convert', slos]);
    expect(run.stdout.toString('utf8')).toMatch(/^# checkout-availability-/);
    expect(run.stderr).not.toMatch(CRASH);
    expect(run.code).toBe(0);
  }, 120_000);
});

const HOUR = 3_600_000;
const T_END = Date.UTC(2026, 10, 12, 12);
const T_START = T_END - 4 * HOUR;
const ROUTES = 24;

function routeSeries(): OpenMetricsSeries[] {
  const out: OpenMetricsSeries[] = [];
  for (let r = 0; r < ROUTES; r++) {
    for (const [code, perSecond] of [['200', 5], ['500', 0.01]] as const) {
      const samples: [number, number][] = [];
      for (let t = T_START, v = 0; t <= T_END; t += 30_000, v += perSecond * 30) samples.push([t, v]);
      out.push({ name: 'http_requests_total', type: 'counter', labels: { service: 'storefront', route: `/r${r}`, code }, samples });
    }
  }
  return out;
}

const BACKTEST_FROM = T_START + 2 * HOUR;
const backtestArgs = (url: string): string[] => ['backtest', '--prometheus', url, '--slos', 'slos/api-routes-availability.yaml', '--from', new Date(BACKTEST_FROM).toISOString(), '--to', new Date(T_END).toISOString(), '--step', '60s'];

let prom: RunningPrometheus | undefined;

describe.skipIf(!hasBinary('prometheus') || !hasBinary('promtool'))('backtest output through a slowly read pipe is complete', () => {
  beforeAll(async () => {
    prom = await startPrometheus({ openMetrics: () => toOpenMetrics(routeSeries()) });
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('backtest --format jsonl: one line per step and route, all of them', async () => {
    if (!prom) throw new Error('no prometheus');
    const piped = await runThroughSlowPipe(backtestArgs(prom.url), 16 * 1024, 50);
    expect(piped.code, piped.stderr).toBe(0);
    const lines = piped.stdout.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    // Both ends of the range count: 2 h at 60 s is 121 steps, for each of the routes.
    expect(lines).toHaveLength(ROUTES * ((T_END - BACKTEST_FROM) / 60_000 + 1));
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(piped.stdout.length).toBeGreaterThan(256 * 1024);
  }, 180_000);

  it('backtest | head -1: no stack trace, the usual exit status', async () => {
    if (!prom) throw new Error('no prometheus');
    const closed = await runIntoClosedPipe(backtestArgs(prom.url));
    expect(closed.stdout.toString('utf8')).toMatch(/^\{"time":/);
    expect(closed.stderr).not.toMatch(CRASH);
    expect(closed.code).toBe(0);
  }, 180_000);
});
