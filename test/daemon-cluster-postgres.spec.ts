import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import type { Daemon } from '../src/runtime/daemon.js';
import { startDaemon } from '../src/wiring.js';
import type { InstantResult, RangeResult } from '../src/metrics/source.js';
import { counter, FakeMetrics } from './support/fake-metrics.js';
import { silentLogger } from './support/logger.js';
import { ManualTimers } from './support/manual-timers.js';
import { postgresBinDir, startPostgres } from './support/postgres.js';
import type { RunningPostgres } from './support/postgres.js';

/**
 * Two daemons as wiring.ts builds them on one PostgreSQL database: each ticks its shard lease every
 * cluster.leaseInterval, they split the 64 shards, the cluster view and /readyz follow the lock session, and
 * SIGTERM gives the shards and the replica row up.
 */

const T0 = Date.parse('2026-11-24T10:00:00Z');

let server: RunningPostgres | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Steps the hand-held clock 1 s at a time, letting the real database round trips finish between steps. */
async function stepBy(timers: readonly ManualTimers[], ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    for (const timer of timers) await timer.advanceTo(timer.now() + 1_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SLO = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: checkout, service: checkout }
spec:
  objective: 99.9
  indicator:
    events:
      errors: http_requests_total{service="checkout",code="500"}
      total: http_requests_total{service="checkout"}
`;

/** Metrics whose queries hang while `blocked`: an evaluation cycle that takes as long as the test wants. */
class BlockingMetrics extends FakeMetrics {
  blocked = false;
  waiting = 0;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  block(): void {
    this.blocked = true;
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  unblock(): void {
    this.blocked = false;
    this.open();
  }

  private async pass(): Promise<void> {
    if (!this.blocked) return;
    this.waiting++;
    await this.gate;
  }

  override async rawSamples(selector: string, start: Date, end: Date): Promise<RangeResult> {
    await this.pass();
    return super.rawSamples(selector, start, end);
  }

  override async instantQuery(expr: string, at: Date): Promise<InstantResult> {
    await this.pass();
    return super.instantQuery(expr, at);
  }

  override async rangeQuery(expr: string, start: Date, end: Date, stepMs: number): Promise<RangeResult> {
    await this.pass();
    return super.rangeQuery(expr, start, end, stepMs);
  }
}

async function held(daemon: Daemon): Promise<number> {
  return (await daemon.view.cluster()).shardsHeld;
}

/**
 * Steps the clocks until every daemon holds its `want`ed number of shards, at most `maxMs` of clock time: how
 * many 50 ms pauses the database's round trips need depends on the machine's load, the convergence does not.
 */
async function stepUntilHeld(timers: readonly ManualTimers[], daemons: readonly Daemon[], want: readonly number[], maxMs = 30_000): Promise<number[]> {
  const now = (): Promise<number[]> => Promise.all(daemons.map(held));
  for (let t = 0; t < maxMs && JSON.stringify(await now()) !== JSON.stringify(want); t += 1_000) await stepBy(timers, 1_000);
  return now();
}

describe.skipIf(postgresBinDir() === undefined)('daemons sharing PostgreSQL', () => {
  it('split the shards by lease ticks, go not ready while their lock session is lost, and give everything up on stop', async () => {
    server = await startPostgres();
    const url = await server.createDatabase('burnwatch_cluster');
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-cluster-pg-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'burnwatch.yaml'), `database:\n  url: ${url}\ncluster:\n  leaseInterval: 2s\n  failoverTimeout: 6s\n`);
    const start = async (replica: string): Promise<{ daemon: Daemon; timers: ManualTimers }> => {
      const loaded = loadConfig(join(dir, 'burnwatch.yaml'), { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_REPLICA_ID: replica });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      const timers = new ManualTimers(T0);
      const daemon = await startDaemon(loaded.config, { env: {}, cwd: dir, timers, random: () => 0.5, logger: silentLogger, stdout: { write: () => true }, version: 'test', source: new FakeMetrics([]) });
      daemon.run();
      return { daemon, timers };
    };
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const a = await start('pod-a');
      expect(await stepUntilHeld([a.timers], [a.daemon], [64])).toEqual([64]);
      expect((await a.daemon.view.readiness()).checks['cluster']).toMatchObject({ ok: true });

      const b = await start('pod-b');
      expect(await stepUntilHeld([a.timers, b.timers], [a.daemon, b.daemon], [32, 32])).toEqual([32, 32]);
      const view = await b.daemon.view.cluster();
      expect(view.replica).toBe('pod-b');
      expect(view.replicas.map((r) => [r.id, r.shards.length])).toEqual([['pod-a', 32], ['pod-b', 32]]);

      // b's lock session is killed: it holds nothing and is not ready at once; a's next tick takes everything.
      const bPid = (await admin.query<{ backend_pid: number }>("SELECT backend_pid FROM cluster_replicas WHERE id = 'pod-b'")).rows[0]?.backend_pid;
      await admin.query('SELECT pg_terminate_backend($1)', [bPid]);
      for (let i = 0; i < 100 && (await held(b.daemon)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const lost = await b.daemon.view.readiness();
      expect(lost.ready).toBe(false);
      expect(lost.checks['cluster']).toMatchObject({ ok: false, detail: expect.stringContaining('lock session') as unknown });
      expect(await stepUntilHeld([a.timers], [a.daemon], [64])).toEqual([64]);

      await b.daemon.stop();
      await a.daemon.stop();
      expect((await admin.query('SELECT id FROM cluster_replicas')).rows).toEqual([]);
      expect((await admin.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1651965953")).rows).toEqual([]);
    } finally {
      await admin.end();
    }
  }, 120_000);

  it('keeps its lock session through a cycle longer than the failover timeout: the lease keeps heartbeating', async () => {
    server ??= await startPostgres();
    const url = await server.createDatabase('burnwatch_long_cycle');
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-cluster-pg-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'checkout.yaml'), SLO);
    writeFileSync(join(dir, 'burnwatch.yaml'), `database:\n  url: ${url}\ncluster:\n  replicaId: pod-a\n  leaseInterval: 1s\n  failoverTimeout: 3s\n`);
    const loaded = loadConfig(join(dir, 'burnwatch.yaml'), { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_INTERVAL: '30s', BURNWATCH_MAX_BACKFILL: '1h' });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const timers = new ManualTimers(T0);
    const source = new BlockingMetrics([
      counter({ __name__: 'http_requests_total', service: 'checkout', code: '200' }, () => 10, { startMs: T0 - 3_600_000 }),
    ]);
    const daemon = await startDaemon(loaded.config, { env: {}, cwd: dir, timers, random: () => 0.5, logger: silentLogger, stdout: { write: () => true }, version: 'test', source });
    daemon.run();
    try {
      expect(await stepUntilHeld([timers], [daemon], [64])).toEqual([64]);
      expect((await daemon.view.cluster()).session.ok).toBe(true);
      // The next cycle hangs on its queries, holding the exclusive section.
      source.block();
      for (let i = 0; i < 90 && source.waiting === 0; i++) await stepBy([timers], 1_000);
      expect(source.waiting).toBeGreaterThan(0);
      // Twice the failover timeout of real time with the cycle stuck: ticks keep the session busy.
      for (let i = 0; i < 6; i++) {
        await timers.advanceTo(timers.now() + 1_000);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      expect(await held(daemon)).toBe(64);
      expect((await daemon.view.cluster()).lockLosses).toBe(0);
    } finally {
      source.unblock();
      await daemon.stop();
    }
  }, 120_000);
});
