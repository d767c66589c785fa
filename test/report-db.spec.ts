import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, TSX_LOADER } from './support/cli.js';
import { freePort } from './support/free-port.js';
import { hasBinary, startPrometheus } from './support/prometheus.js';
import type { RunningPrometheus } from './support/prometheus.js';

/**
 * `burnwatch report --db` on the database of a real `burnwatch run`: a live exporter scraped by a real
 * Prometheus fails half its requests for a while, the daemon (a child process, console receiver) pages and
 * resolves, and is stopped; the report read from its database lists that page with the times the daemon's own
 * notifications gave.
 */

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

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
    minEvents: 0
    defaultTiers: false
    tiers:
      - { severity: page, long: 2m, short: 30s, burnRate: 10 }
    exhaustion: { disabled: true }
`;

let errorShare = 0;
let ok = 0;
let errors = 0;
let last = Date.now();
let server: Server | undefined;
let prom: RunningPrometheus | undefined;
let dir = '';
let port = 0;

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, stderr: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${stderr().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!hasBinary('prometheus'))('report --db on the database of a real daemon run', () => {
  beforeAll(async () => {
    const exporterPort = await freePort();
    server = createServer((_req, res) => {
      const now = Date.now();
      const n = ((now - last) / 1000) * 50;
      last = now;
      errors += n * errorShare;
      ok += n * (1 - errorShare);
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(`# TYPE shop_requests_total counter\nshop_requests_total{code="200"} ${ok}\nshop_requests_total{code="500"} ${errors}\n`);
    });
    await new Promise<void>((r) => server?.listen(exporterPort, '127.0.0.1', r));
    prom = await startPrometheus({ global: { scrape_interval: '1s', evaluation_interval: '15s' }, scrapeConfigs: [{ job_name: 'shop', static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }] });
    dir = mkdtempSync(join(tmpdir(), 'burnwatch-report-db-'));
    port = await freePort();
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'shop.yaml'), SLO);
    writeFileSync(join(dir, 'burnwatch.yaml'), `slos: { path: ./slos }
prometheus: { url: "${prom.url}" }
database: { path: ./data/burnwatch.db }
evaluation: { interval: 5s, rateWindow: 30s }
server: { host: 127.0.0.1, port: ${port} }
delivery: { shutdownGrace: 5s }
`);
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('lists the page the daemon sent, with its start and end, in json and csv', async () => {
    const from = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    let out = '';
    let err = '';
    const daemon = spawn(process.execPath, ['--import', TSX_LOADER, cli, 'run', '--config', join(dir, 'burnwatch.yaml')], { cwd: dir });
    daemon.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    daemon.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => daemon.on('exit', (code) => r(code)));
    const notes = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { status: string; startsAt: string; endsAt?: string });
    try {
      // The SLO's budget appears with the first cycle that has samples of it.
      await until('a cycle with data', async () => {
        const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
        return /^burnwatch_slo_budget_remaining_ratio\{/m.test(text) ? true : undefined;
      }, 60_000, () => err);
      errorShare = 0.5;
      await until('the page', () => notes().find((n) => n.status === 'firing'), 120_000, () => err);
      errorShare = 0;
      await until('the resolve', () => notes().find((n) => n.status === 'resolved'), 180_000, () => err);
    } finally {
      daemon.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const resolved = notes().find((n) => n.status === 'resolved')!;
    const to = new Date(Date.now() + 1000).toISOString();

    const json = runCli(['report', '--db', join(dir, 'data/burnwatch.db'), '--slos', join(dir, 'slos'), '--from', from, '--to', to, '--format', 'json']);
    expect(json.status, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { slos: { id: string; sli: number; budgetSpent: number; pages: { start: string; end: string; resolved: boolean }[]; tickets: unknown[] }[] };
    expect(report.slos.map((s) => s.id)).toEqual(['shop-availability']);
    const shop = report.slos[0]!;
    expect(shop.pages).toEqual([expect.objectContaining({ start: resolved.startsAt.replace('.000Z', 'Z'), end: resolved.endsAt!.replace('.000Z', 'Z'), resolved: true })]);
    expect(shop.tickets).toEqual([]);
    // Half the requests failed for a while: well below 100 % and over the 1 % budget of the range.
    expect(shop.sli).toBeLessThan(0.99);
    expect(shop.budgetSpent).toBeGreaterThan(1);

    const csv = runCli(['report', '--db', join(dir, 'data/burnwatch.db'), '--slos', join(dir, 'slos'), '--from', from, '--to', to, '--format', 'csv']);
    expect(csv.status, csv.stderr).toBe(0);
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true, record_delimiter: '\r\n' });
    expect(rows.map((r) => [r['slo'], r['pages'], r['page_firing_seconds']])).toEqual([['shop-availability', '1', String((Date.parse(resolved.endsAt!) - Date.parse(resolved.startsAt)) / 1000)]]);

    // A file that is not a burnwatch database is refused, naming it.
    writeFileSync(join(dir, 'not-a-db'), 'hello');
    const bad = runCli(['report', '--db', join(dir, 'not-a-db'), '--slos', join(dir, 'slos'), '--from', from, '--to', to]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('not-a-db');
  }, 420_000);
});
