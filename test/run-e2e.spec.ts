import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSX_LOADER } from './support/cli.js';
import { freePort } from './support/free-port.js';
import { hasBinary, startPrometheus } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';

/**
 * `burnwatch run` as deployed: a real Prometheus scraping a live exporter, the daemon as a child process.
 * Checks /readyz, /metrics and the API, reloads a broken and then a fixed SLO file, restarts the process
 * during an incident, and sees exactly one page and one resolve.
 */

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** A service exporting request counters; `errorShare` is switched by the test. */
class Exporter {
  errorShare = 0;
  private ok = 0;
  private errors = 0;
  private last = Date.now();
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((_req, res) => {
      const now = Date.now();
      const n = ((now - this.last) / 1000) * 50;
      this.last = now;
      this.errors += n * this.errorShare;
      this.ok += n * (1 - this.errorShare);
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(`# TYPE shop_requests_total counter\nshop_requests_total{code="200"} ${this.ok}\nshop_requests_total{code="500"} ${this.errors}\n`);
    });
    await new Promise<void>((r) => this.server?.listen(this.port, '127.0.0.1', r));
  }

  close(): Promise<void> {
    return new Promise((r) => this.server?.close(() => r()) ?? r());
  }
}

const SLO = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: shop-availability, service: shop }
spec:
  objective: 99
  period: 1d
  indicator:
    events:
      errors: shop_requests_total{code="500"}
      total: shop_requests_total
  alerting:
    runbook: https://runbooks.example.com/shop-availability
    defaultTiers: false
    tiers:
      - { severity: page, long: 2m, short: 30s, burnRate: 10 }
    exhaustion: { disabled: true }
`;

interface Daemon {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

let prom: RunningPrometheus | undefined;
const exporter = new Exporter();
let dir = '';
let port = 0;

function startDaemon(): Daemon {
  let out = '';
  let err = '';
  const proc = spawn(process.execPath, ['--import', TSX_LOADER, cli, 'run', '--config', join(dir, 'burnwatch.yaml')], { cwd: dir, env: { ...process.env } });
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, daemon?: Daemon): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${daemon ? `\n--- stderr ---\n${daemon.stderr().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function get(path: string): Promise<{ status: number; text: string }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: r.status, text: await r.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

function notifications(d: Daemon): { status: string; slo: { id: string } }[] {
  return d.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { status: string; slo: { id: string } });
}

describe.skipIf(!hasBinary('prometheus'))('burnwatch run end to end', () => {
  beforeAll(async () => {
    await exporter.start();
    prom = await startPrometheus({ global: { scrape_interval: '1s', evaluation_interval: '15s' }, scrapeConfigs: [{ job_name: 'shop', static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] }] });
    dir = mkdtempSync(join(tmpdir(), 'burnwatch-run-'));
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'shop.yaml'), SLO);
    port = await freePort();
    writeFileSync(join(dir, 'burnwatch.yaml'), `slos: { path: ./slos }
prometheus: { url: "${prom.url}" }
database: { path: ./data/burnwatch.db }
evaluation: { interval: 10s, rateWindow: 30s }
server: { host: 127.0.0.1, port: ${port} }
reload: { pollInterval: 1s }
delivery: { shutdownGrace: 5s }
`);
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await exporter.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('serves readiness, metrics and the API; reloads; survives a restart without a second page', async () => {
    const first = startDaemon();
    try {
      await until('/readyz 200', async () => ((await get('/readyz')).status === 200 ? true : undefined), 60_000, first);
      expect((await get('/healthz')).status).toBe(200);
      // The SLO instance appears with the first cycle that has samples of it (Prometheus has just started).
      const metrics = await until('the budget gauge', async () => {
        const text = (await get('/metrics')).text;
        return /^burnwatch_slo_budget_remaining_ratio\{/m.test(text) ? text : undefined;
      }, 60_000, first);
      expect(metrics).toMatch(/^burnwatch_slo_budget_remaining_ratio\{slo="shop-availability",service="shop",slo_instance=""\} 1$/m);
      expect(metrics).toMatch(/^burnwatch_slos_loaded 1$/m);
      const slos = JSON.parse((await get('/api/v1/slos')).text) as { id: string }[];
      expect(slos.map((s) => s.id)).toEqual(['shop-availability']);
      expect((await get('/api/v1/slos/nope')).status).toBe(404);

      // A broken file: the last good set keeps running, the failure is visible.
      writeFileSync(join(dir, 'slos', 'shop.yaml'), SLO.replace('objective: 99', 'objective: 101'));
      await until('reload failure metric', async () => (/^burnwatch_reload_failed 1$/m.test((await get('/metrics')).text) ? true : undefined), 20_000, first);
      expect((await get('/readyz')).status).toBe(200);
      expect(first.stderr()).toMatch(/"line":5,"col":14,"field":"spec.objective".*must be below 100/);
      // Fixed.
      writeFileSync(join(dir, 'slos', 'shop.yaml'), SLO);
      await until('reload success', async () => (/^burnwatch_reload_failed 0$/m.test((await get('/metrics')).text) ? true : undefined), 20_000, first);

      // An incident pages (console receiver: one JSON line on stdout).
      exporter.errorShare = 0.5;
      await until('a page', () => (notifications(first).some((n) => n.status === 'firing') ? true : undefined), 120_000, first);
      const alerts = JSON.parse((await get('/api/v1/alerts')).text) as { state?: string; phase?: string }[];
      expect(alerts.length).toBeGreaterThan(0);
    } finally {
      first.proc.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain('burnwatch stopped');

    // Restart during the incident: the alert stays firing, no second page; then it resolves.
    const second = startDaemon();
    try {
      await until('/readyz 200 after restart', async () => ((await get('/readyz')).status === 200 ? true : undefined), 60_000, second);
      await new Promise((r) => setTimeout(r, 25_000));
      expect(notifications(second).filter((n) => n.status === 'firing')).toEqual([]);
      exporter.errorShare = 0;
      await until('the resolve', () => (notifications(second).some((n) => n.status === 'resolved') ? true : undefined), 150_000, second);
      expect(notifications(second).map((n) => n.status)).toEqual(['resolved']);
    } finally {
      second.proc.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
    expect(notifications(first).map((n) => n.status)).toEqual(['firing']);
  }, 420_000);
});
