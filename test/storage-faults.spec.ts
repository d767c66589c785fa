import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../src/store/db.js';
import { runCli, TSX_LOADER } from './support/cli.js';
import { corruptTablePage } from './support/corrupt-db.js';
import { freePort } from './support/free-port.js';

/**
 * `burnwatch run` as a process on a broken database: the exit code and what it prints. No Prometheus is
 * needed (nothing gets that far, or the daemon stops for its database before a cycle matters).
 */

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

const SLO = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: shop, service: shop }
spec:
  objective: 99
  indicator:
    events:
      errors: shop_requests_total{code="500"}
      total: shop_requests_total
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** SLOs, a config (an unreachable Prometheus, an API token from $TOKEN) and a free port. */
async function workspace(): Promise<{ dir: string; db: string; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-storage-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'slos'));
  writeFileSync(join(dir, 'slos', 'shop.yaml'), SLO);
  const port = await freePort();
  writeFileSync(join(dir, 'burnwatch.yaml'), `slos: { path: ./slos }
prometheus: { url: "http://127.0.0.1:1" }
database: { path: ./data/burnwatch.db }
evaluation: { interval: 10s }
server: { host: 127.0.0.1, port: ${port}, apiToken: { env: TOKEN } }
delivery: { shutdownGrace: 1s }
`);
  return { dir, db: join(dir, 'data', 'burnwatch.db'), port };
}

/** A line of a Node stack trace, or the class name of an error nobody caught. */
const STACK = /^\s+at .+:\d+:\d+\)?$|SqliteError/m;

describe('burnwatch run on a broken database', () => {
  it('exits 1 at start on a corrupted page, naming the file and how to recover, without a stack trace', async () => {
    const { dir, db } = await workspace();
    const conn = openDb(db);
    conn.prepare(`INSERT INTO alerts (alert_key, slo_id, instance_labels, kind, severity, state, updated_ms) VALUES ('k', 'shop', '{}', 'burn', 'page', '{"phase":"inactive"}', 0)`).run();
    conn.pragma('wal_checkpoint(TRUNCATE)');
    conn.close();
    // Garbage over the page of the alerts table (which start-up reads).
    corruptTablePage(db, 'alerts');

    const run = runCli(['run', '--config', join(dir, 'burnwatch.yaml')], { cwd: dir, env: { TOKEN: 't0ken' }, timeoutMs: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).not.toMatch(STACK);
    expect(run.stderr).toContain(db);
    expect(run.stderr).toMatch(/corrupt/);
    expect(run.stderr).toMatch(/restore the file from a backup, or move it away.*ledger is rebuilt from Prometheus.*silences and alert states are lost/);
    expect(run.stderr).toMatch(/burnwatch run: cannot start/);
  }, 90_000);

  it('burnwatch silence on a corrupted database exits 1 naming the file and how to recover, without a stack trace', async () => {
    const { dir, db } = await workspace();
    const conn = openDb(db);
    conn.pragma('wal_checkpoint(TRUNCATE)');
    conn.close();
    corruptTablePage(db, 'silences');
    for (const args of [['silence', 'list', '--db', db], ['silence', 'add', '--db', db, '--matcher', 'slo="shop"', '--comment', 'deploy']]) {
      const run = runCli(args, { cwd: dir, timeoutMs: 60_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).not.toMatch(STACK);
      expect(run.stderr).toContain(db);
      expect(run.stderr).toMatch(/restore the file from a backup, or move it away/);
    }
  }, 90_000);

  it('exits 1 when its database file is deleted while it runs, after answering not-ready and refusing a silence', async () => {
    const { dir, db, port } = await workspace();
    let stderr = '';
    const proc = spawn(process.execPath, ['--import', TSX_LOADER, cli, 'run', '--config', join(dir, 'burnwatch.yaml')], { cwd: dir, env: { ...process.env, TOKEN: 't0ken' } });
    proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      await until(async () => (await fetch(`${base}/healthz`).then((r) => r.status, () => 0)) === 200, 60_000, () => stderr);
      unlinkSync(db);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      const checks = ((await ready.json()) as { checks: Record<string, { ok: boolean; detail: string }> }).checks;
      expect(checks['database']?.ok).toBe(false);
      expect(checks['database']?.detail).toContain(`${db} was deleted or replaced`);
      const silence = await fetch(`${base}/api/v1/silences`, { method: 'POST', headers: { Authorization: 'Bearer t0ken', 'Content-Type': 'application/json' }, body: JSON.stringify({ matchers: ['slo="shop"'], comment: 'deploy' }) }).then(async (r) => ({ status: r.status, body: await r.text() }), () => ({ status: 0, body: '' }));
      // The daemon is stopping by now: the server may answer (503) or may have closed.
      expect([503, 0]).toContain(silence.status);
      if (silence.status === 503) expect(silence.body).toContain('deleted or replaced');
      const code = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 30_000))]);
      expect(code).toBe(1);
      expect(stderr).toContain(`burnwatch run: stopping: the database file ${db} was deleted or replaced while burnwatch was running`);
      expect(stderr).not.toMatch(STACK);
    } finally {
      proc.kill('SIGKILL');
    }
  }, 120_000);
});

async function until(ok: () => Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out\n--- stderr ---\n${log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
