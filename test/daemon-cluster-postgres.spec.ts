import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import type { Daemon } from '../src/runtime/daemon.js';
import { startDaemon } from '../src/wiring.js';
import { FakeMetrics } from './support/fake-metrics.js';
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

async function held(daemon: Daemon): Promise<number> {
  return (await daemon.view.cluster()).shardsHeld;
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
      await stepBy([a.timers], 1_000);
      expect(await held(a.daemon)).toBe(64);
      expect((await a.daemon.view.readiness()).checks['cluster']).toMatchObject({ ok: true });

      const b = await start('pod-b');
      await stepBy([a.timers, b.timers], 8_000);
      expect([await held(a.daemon), await held(b.daemon)]).toEqual([32, 32]);
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
      await stepBy([a.timers], 2_000);
      expect(await held(a.daemon)).toBe(64);

      await b.daemon.stop();
      await a.daemon.stop();
      expect((await admin.query('SELECT id FROM cluster_replicas')).rows).toEqual([]);
      expect((await admin.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1651965953")).rows).toEqual([]);
    } finally {
      await admin.end();
    }
  }, 120_000);
});
