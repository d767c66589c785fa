import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSX_LOADER } from './support/cli.js';
import { freePort } from './support/free-port.js';
import { hasBinary, startPrometheus, toOpenMetrics } from './support/prometheus.js';
import type { OpenMetricsSeries, RunningPrometheus } from './support/prometheus.js';

/**
 * `burnwatch gate` as a pipeline step runs it: the CLI as a child process against `burnwatch run` (a child
 * process too) reading a real Prometheus that holds six hours of history of two services at 10 requests/s.
 * checkout never fails. payments fails 10 % of its requests from 90 to 60 minutes before the end of the
 * history. By hand (objective 99 %, rolling 1 d, so the budget is an error ratio of 1 %): at the end payments
 * has 1,800 bad of 216,000 requests, 1 - 0.8333 = 16.7 % of its budget left. x seconds into the incident it
 * has x bad of 10 x (16,200 + x) requests, so its budget is below 25 % from x > 1,313.5 s on (0.925 x > 1,215):
 * the first evaluation below lands in the next 10 s slot after that, give or take one 15 s scrape.
 */

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const STEP = 15_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const END = Math.floor(Date.now() / STEP) * STEP;
const START = END - 6 * HOUR;
const INCIDENT = END - 90 * MIN;
const CROSSING = INCIDENT + 1_313.5 * 1000;

/** Counters of one service: 10 requests/s, `errorShare(t)` of them failing, a sample every 15 s from START to END. */
function service(name: string, errorShare: (tMs: number) => number): OpenMetricsSeries[] {
  const ok: [number, number][] = [];
  const bad: [number, number][] = [];
  let good = 0;
  let errors = 0;
  for (let t = START; t <= END; t += STEP) {
    if (t > START) {
      const share = errorShare(t);
      good += 150 * (1 - share);
      errors += 150 * share;
    }
    ok.push([t, good]);
    bad.push([t, errors]);
  }
  return [
    { name: 'http_requests_total', type: 'counter', labels: { service: name, code: '200' }, samples: ok },
    { name: 'http_requests_total', type: 'counter', labels: { service: name, code: '500' }, samples: bad },
  ];
}

const slo = (name: string, extra = ''): string => `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${name}-availability, service: ${name}, labels: { team: ${name} } }
spec:
  objective: 99
  period: 1d
  indicator:
    events:
      errors: http_requests_total{service="${name}",code="500"}
      total: http_requests_total{service="${name}"}
  alerting:
    runbook: https://runbooks.example.com/${name}
    defaultTiers: false
    tiers:
      - { severity: page, long: 1h, short: 5m, burnRate: 14.4 }
    exhaustion: { disabled: true }
${extra}`;

interface Daemon {
  readonly proc: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

let prom: RunningPrometheus | undefined;
let dir = '';
let port = 0;
let daemon: Daemon | undefined;

function startDaemon(): Daemon {
  let err = '';
  const proc = spawn(process.execPath, ['--import', TSX_LOADER, cli, 'run', '--config', join(dir, 'burnwatch.yaml')], { cwd: dir, env: { ...process.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-20_000); });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, stderr: () => err, exited };
}

async function stopDaemon(): Promise<void> {
  const d = daemon;
  daemon = undefined;
  if (d === undefined) return;
  d.proc.kill('SIGTERM');
  expect(await d.exited).toBe(0);
}

/** Runs `burnwatch gate ...` as a pipeline would (asynchronously, so this process keeps reading the daemon's output). */
function gate(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX_LOADER, cli, 'gate', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ status, stdout, stderr, ms: Date.now() - started });
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n--- daemon stderr ---\n${daemon?.stderr().slice(-3000) ?? ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until the daemon has evaluated both SLOs (the gate answers 200 for them). */
async function evaluated(): Promise<void> {
  await until('both SLOs evaluated', async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/gate?service=checkout&service=payments`);
      return r.status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  }, 90_000);
}

const url = (): string => `http://127.0.0.1:${port}`;
const sinceIn = (stdout: string): number => Date.parse(/since (\S+) \(/.exec(stdout)?.[1] ?? '');

describe.skipIf(!hasBinary('prometheus') || !hasBinary('promtool'))('burnwatch gate in a pipeline, against burnwatch run and a real Prometheus', () => {
  beforeAll(async () => {
    prom = await startPrometheus({
      openMetrics: () => toOpenMetrics([
        ...service('checkout', () => 0),
        ...service('payments', (t) => (t > INCIDENT && t <= INCIDENT + 30 * MIN ? 0.1 : 0)),
      ]),
    });
    dir = mkdtempSync(join(tmpdir(), 'burnwatch-gate-'));
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'checkout.yaml'), slo('checkout'));
    writeFileSync(join(dir, 'slos', 'payments.yaml'), slo('payments', '  policy: { freezeBelow: 20% }\n'));
    port = await freePort();
    writeFileSync(join(dir, 'burnwatch.yaml'), `slos: { path: ./slos }
prometheus: { url: "${prom.url}" }
database: { path: ./data/burnwatch.db }
evaluation: { interval: 10s, rateWindow: 30s }
server: { host: 127.0.0.1, port: ${port} }
log: { level: warn }
delivery: { shutdownGrace: 2s }
`);
    daemon = startDaemon();
    await evaluated();
  }, 180_000);

  afterAll(async () => {
    daemon?.proc.kill('SIGKILL');
    await prom?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('allows the deploy of a service with budget: exit 0', async () => {
    const r = await gate(['--url', url(), '--service', 'checkout', '--min-budget', '25%']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('deploy allowed: 1 SLO instance has enough error budget\n  checkout-availability: 100% of the error budget left, not below 25% (requested)\n');
  }, 60_000);

  it('freezes the deploy after an incident: exit 1, saying which SLO, the budget left and since when', async () => {
    const r = await gate(['--url', url(), '--service', 'payments', '--service', 'checkout', '--min-budget', '25%']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^deploy frozen: 1 of 2 SLO instances is below its error-budget threshold\n {2}payments-availability: 16\.7% of the error budget left, below 25% \(requested\) since \S+ \(1h\d{1,2}m ago\)\n {2}checkout-availability: 100% of the error budget left, not below 25% \(requested\)\n$/);
    const since = sinceIn(r.stdout);
    expect(since).toBeGreaterThanOrEqual(CROSSING);
    expect(since).toBeLessThanOrEqual(CROSSING + 10_000 + STEP);
  }, 60_000);

  it('judges by the SLO\'s policy.freezeBelow unless --min-budget is given', async () => {
    const byPolicy = await gate(['--url', url(), '--slo', 'payments-availability']);
    expect(byPolicy.status).toBe(1);
    expect(byPolicy.stdout).toContain('payments-availability: 16.7% of the error budget left, below 20% (policy.freezeBelow) since');
    const lower = await gate(['--url', url(), '--slo', 'payments-availability', '--min-budget', '10%']);
    expect(lower.status).toBe(0);
    const api = (await (await fetch(`${url()}/api/v1/slos`)).json()) as { id: string; gate: unknown }[];
    expect(api.map((s) => [s.id, s.gate])).toEqual([
      ['checkout-availability', { state: 'allowed', freezeBelow: 0, thresholdFrom: 'default' }],
      ['payments-availability', { state: 'frozen', freezeBelow: 0.2, thresholdFrom: 'policy' }],
    ]);
  }, 60_000);

  it('cannot tell for an SLO it does not know: exit 2', async () => {
    const r = await gate(['--url', url(), '--slo', 'nope-availability']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('burnwatch gate: cannot tell: no SLO with id "nope-availability" (HTTP 404)');
  }, 60_000);

  it('tells the same "since when" after a restart: it is read from the ledger, not from memory', async () => {
    const before = sinceIn((await gate(['--url', url(), '--slo', 'payments-availability', '--min-budget', '25%'])).stdout);
    await stopDaemon();
    daemon = startDaemon();
    await evaluated();
    const after = await gate(['--url', url(), '--slo', 'payments-availability', '--min-budget', '25%']);
    expect(after.status).toBe(1);
    expect(sinceIn(after.stdout)).toBe(before);
  }, 180_000);

  it('cannot tell when burnwatch is down: exit 2, within the time limit', async () => {
    await stopDaemon();
    const r = await gate(['--url', url(), '--service', 'checkout', '--timeout', '5s']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`burnwatch gate: cannot tell: cannot reach burnwatch at ${url()}: ECONNREFUSED`);
  }, 60_000);
});
