import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { startDaemon } from '../src/wiring.js';
import { StartupError } from '../src/runtime/startup-error.js';
import { counter, FakeMetrics } from './support/fake-metrics.js';
import { silentLogger } from './support/logger.js';
import { ManualTimers } from './support/manual-timers.js';
import { postgresBinDir, startPostgres } from './support/postgres.js';
import type { RunningPostgres } from './support/postgres.js';

/**
 * `burnwatch run` with `database.url`: the daemon as wiring.ts builds it, on a real PostgreSQL server (its
 * password from the secret reference of the settings), pages through the console receiver, keeps its state in
 * PostgreSQL across a restart, and answers /readyz not ready when the server goes away.
 */

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MIN = 60_000;

const SLO = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: checkout, service: checkout }
spec:
  objective: 99.9
  indicator:
    events:
      errors: http_requests_total{service="checkout",code="500"}
      total: http_requests_total{service="checkout"}
  alerting:
    ticket: { disabled: true }
    exhaustion: { disabled: true }
`;

/** The service fails completely from T0 + 1 min. */
function source(): FakeMetrics {
  return new FakeMetrics([
    counter({ __name__: 'http_requests_total', service: 'checkout', code: '200' }, (t) => (t > T0 + MIN ? 0 : 10), { startMs: T0 - 8 * 3_600_000 }),
    counter({ __name__: 'http_requests_total', service: 'checkout', code: '500' }, (t) => (t > T0 + MIN ? 10 : 0), { startMs: T0 - 8 * 3_600_000 }),
  ]);
}

/**
 * Steps the hand-held clock to `t` 10 s at a time, letting the daemon's real database round trips finish
 * between steps (ManualTimers alone waits only for a few turns of the event loop).
 */
async function stepTo(timers: ManualTimers, t: number): Promise<void> {
  while (timers.now() < t) {
    await timers.advanceTo(Math.min(t, timers.now() + 10_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let server: RunningPostgres | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(postgresBinDir() === undefined)('the daemon on PostgreSQL (database.url)', () => {
  it('pages once, carries its alert over a restart, and is not ready while the database cannot be reached', async () => {
    server = await startPostgres();
    const url = await server.createDatabase('burnwatch_daemon');
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-daemon-pg-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'checkout.yaml'), SLO);
    writeFileSync(join(dir, 'burnwatch.yaml'), `database:\n  url: ${url}\n  password: { env: BURNWATCH_DB_PASSWORD }\n`);
    const loaded = loadConfig(join(dir, 'burnwatch.yaml'), { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_INTERVAL: '30s', BURNWATCH_MAX_BACKFILL: '6h' });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    let out = '';
    const host = (timers: ManualTimers, env: Record<string, string>) => ({ env, cwd: dir, timers, random: () => 0.5, logger: silentLogger, stdout: { write: (t: string) => { out += t; } }, version: 'test', source: source() });
    const statuses = () => out.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { status: string }).status);

    // The password's secret reference must resolve, as for SQLite's receivers: a missing one stops the start.
    await expect(startDaemon(loaded.config, host(new ManualTimers(T0 - 2 * MIN), {}))).rejects.toThrow(StartupError);

    const timers = new ManualTimers(T0 - 2 * MIN);
    const daemon = await startDaemon(loaded.config, host(timers, { BURNWATCH_DB_PASSWORD: 'unused-with-trust-auth' }));
    daemon.run();
    await stepTo(timers, T0 + 5 * MIN);
    expect(statuses()).toEqual(['firing']);
    const ready = await daemon.view.readiness();
    expect(ready.ready).toBe(true);
    expect(ready.checks['database']?.detail).toContain(`${new URL(url).host}/burnwatch_daemon`);
    await daemon.stop();
    expect(existsSync(join(dir, 'data'))).toBe(false); // nothing went to the SQLite default path

    // What it keeps is in PostgreSQL: the alert state and the delivered notification.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query<{ state: string }>("SELECT state FROM outbox")).rows.map((r) => r.state)).toEqual(['delivered']);
    } finally {
      await client.end();
    }

    // A restart on the same database carries the firing alert over: no second page.
    const again = new ManualTimers(T0 + 6 * MIN);
    const second = await startDaemon(loaded.config, host(again, { BURNWATCH_DB_PASSWORD: 'x' }));
    second.run();
    await stepTo(again, T0 + 10 * MIN);
    expect(statuses()).toEqual(['firing']);
    expect((await second.view.readiness()).ready).toBe(true);

    // The server goes away: /readyz says the database cannot be reached.
    await server.stop();
    const down = await second.view.readiness();
    expect(down.ready).toBe(false);
    expect(down.checks['database']).toMatchObject({ ok: false });
    expect(down.checks['database']?.detail).toMatch(/cannot be reached|ECONNREFUSED|terminat/);
    await second.stop();
  }, 120_000);
});
