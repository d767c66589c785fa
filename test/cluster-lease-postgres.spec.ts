import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LeaseTick } from '../src/cluster/lease.js';
import { SHARD_LOCK_CLASS, ShardLease } from '../src/cluster/lease.js';
import { SHARD_COUNT, shardOf } from '../src/cluster/shards.js';
import { openPgStore } from '../src/store/postgres/pg-store.js';
import { silentLogger } from './support/logger.js';
import { postgresBinDir, startPostgres } from './support/postgres.js';
import type { RunningPostgres } from './support/postgres.js';

/**
 * Shard leases on a real PostgreSQL server: replicas converge to their fair shares, take a dead replica's
 * shards within one tick, and drop everything the moment their own lock session fails. Who holds what is read
 * from pg_locks by the test's own connection, not from the leases.
 */

let server: RunningPostgres | undefined;
let admin: pg.Client | undefined;
let databases = 0;
const leases: ShardLease[] = [];

beforeAll(async () => {
  if (postgresBinDir() === undefined) return;
  server = await startPostgres();
});

afterEach(async () => {
  await Promise.all(leases.splice(0).map((l) => l.stop()));
  await admin?.end();
  admin = undefined;
});

afterAll(async () => {
  await server?.stop();
});

/** A fresh database with the schema migrated, and the test's own connection to it. */
async function database(): Promise<string> {
  if (server === undefined) throw new Error('no PostgreSQL');
  const url = await server.createDatabase(`lease_${++databases}`);
  const store = await openPgStore({ url });
  await store.close();
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return url;
}

interface Replica {
  readonly lease: ShardLease;
  readonly adopted: number[][];
  readonly released: number[][];
  tick(): Promise<void>;
}

function replica(url: string, id: string): Replica {
  const lease = new ShardLease({ url, replicaId: id, version: 'test', leaseIntervalMs: 2_000, failoverTimeoutMs: 6_000, now: () => Date.now(), logger: silentLogger });
  leases.push(lease);
  const adopted: number[][] = [];
  const released: number[][] = [];
  const hooks: LeaseTick = {
    exclusive: (fn) => fn(),
    onAcquired: (shards) => {
      adopted.push([...shards]);
      return Promise.resolve();
    },
    onReleased: (shards) => {
      released.push([...shards]);
    },
  };
  return { lease, adopted, released, tick: () => lease.tick(hooks) };
}

/** Shard locks as PostgreSQL grants them: holder pid by shard, and every (shard, pid) row. */
async function locks(): Promise<{ byShard: Map<number, number>; rows: { shard: number; pid: number }[] }> {
  const rows = (await admin!.query<{ shard: number; pid: number }>(
    `SELECT objid::int AS shard, pid FROM pg_locks
     WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [SHARD_LOCK_CLASS],
  )).rows;
  return { byShard: new Map(rows.map((r) => [r.shard, r.pid])), rows };
}

/** How many shards each lease's session holds, by pg_locks. */
async function counts(...replicas: Replica[]): Promise<number[]> {
  const { rows } = await locks();
  return replicas.map((r) => rows.filter((row) => row.pid === r.lease.sessionPid()).length);
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A TCP relay to PostgreSQL whose connections can be cut. */
async function tcpRelay(targetPort: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = createServer((inbound) => {
    const outbound = createConnection(targetPort, '127.0.0.1');
    for (const [from, to] of [[inbound, outbound], [outbound, inbound]] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as { port: number }).port;
  const cut = (): void => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return { port, cut, close: () => new Promise((resolve) => { cut(); relay.close(() => resolve()); }) };
}

const ALL = Array.from({ length: SHARD_COUNT }, (_, i) => i);

describe.skipIf(postgresBinDir() === undefined)('shard leases on PostgreSQL', () => {
  it('one replica takes all 64; a second and a third joining converge to 32/32 and 22/21/21, never two holders of a shard', async () => {
    const url = await database();
    const a = replica(url, 'pod-a');
    await a.tick();
    expect(await counts(a)).toEqual([64]);
    expect(a.lease.held()).toEqual(ALL);
    expect(a.adopted).toEqual([ALL]);

    const b = replica(url, 'pod-b');
    for (let i = 0; i < 3; i++) {
      await b.tick();
      await a.tick();
      const { rows } = await locks();
      expect(new Set(rows.map((r) => r.shard)).size).toBe(rows.length);
    }
    await b.tick();
    expect(await counts(a, b)).toEqual([32, 32]);
    // The one who joined gets the highest shards the holder gave up.
    expect(a.lease.held()).toEqual(ALL.slice(0, 32));
    expect(b.lease.held()).toEqual(ALL.slice(32));
    expect(a.released).toEqual([ALL.slice(32).reverse()]);
    // Shards a live replica gave up are a rebalance, not a failover.
    expect((await b.lease.status()).failovers).toBe(0);

    const c = replica(url, 'pod-c');
    for (let i = 0; i < 3; i++) {
      for (const r of [c, a, b]) {
        await r.tick();
        const { rows } = await locks();
        expect(new Set(rows.map((row) => row.shard)).size).toBe(rows.length);
      }
    }
    expect(await counts(a, b, c)).toEqual([22, 21, 21]);
    expect((await locks()).byShard.size).toBe(64);
    // owns() follows the hash: an SLO is owned by exactly one of them.
    for (const id of ['checkout-availability', 'search-latency', 'é-payments']) {
      expect([a, b, c].filter((r) => r.lease.owns(id))).toHaveLength(1);
      expect([a, b, c].find((r) => r.lease.owns(id))?.lease.held()).toContain(shardOf(id));
    }
    const status = await a.lease.status();
    expect(status.replica).toBe('pod-a');
    expect(status.replicas.map((r) => [r.id, r.shards.length])).toEqual([['pod-a', 22], ['pod-b', 21], ['pod-c', 21]]);
    expect(status.replicas.flatMap((r) => r.shards).sort((x, y) => x - y)).toEqual(ALL);
  });

  it('a replica whose session is killed drops every shard at once; the others hold all 64 after one tick each', async () => {
    const url = await database();
    const [a, b, c] = [replica(url, 'pod-a'), replica(url, 'pod-b'), replica(url, 'pod-c')];
    for (let i = 0; i < 3; i++) for (const r of [a, b, c]) await r.tick();
    expect(await counts(a, b, c)).toEqual([22, 21, 21]);
    const bShards = [...b.lease.held()];
    const bOwned = ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5', 'svc-6', 'svc-7'].find((id) => b.lease.owns(id));
    expect(bOwned).toBeDefined();

    await admin!.query('SELECT pg_terminate_backend($1)', [b.lease.sessionPid()]);
    // No query of b's is running: the client's own events tell it.
    await until(() => b.lease.held().length === 0, 'the killed replica to drop its shards');
    expect(b.lease.owns(bOwned ?? '')).toBe(false);
    const lost = await b.lease.status();
    expect(lost.session.ok).toBe(false);
    expect(lost.shardsHeld).toBe(0);
    expect(lost.lockLosses).toBe(21);
    expect(lost.replicas.flatMap((r) => r.shards)).toEqual([]);

    await c.tick();
    await a.tick();
    expect(await counts(a, c)).toEqual([32, 32]);
    expect((await locks()).byShard.size).toBe(64);
    const [sa, sc] = [await a.lease.status(), await c.lease.status()];
    expect(sa.failovers + sc.failovers).toBe(21);
    expect([...a.lease.held(), ...c.lease.held()].filter((s) => bShards.includes(s)).sort((x, y) => x - y)).toEqual(bShards);

    // b's next tick tells its engine what it dropped, reconnects as a new session, and rebalancing gives it its share back.
    await b.tick();
    expect(b.released).toContainEqual(bShards);
    expect(b.lease.sessionPid()).toBeDefined();
    for (let i = 0; i < 3; i++) for (const r of [a, b, c]) await r.tick();
    expect(await counts(a, b, c)).toEqual([22, 21, 21]);
    expect((await b.lease.status()).session.ok).toBe(true);
  });

  it('a replica whose connection is cut holds nothing at once, and the other takes over on its next tick', async () => {
    const url = await database();
    const relay = await tcpRelay(server!.port);
    try {
      const a = replica(url, 'pod-a');
      const b = replica(url.replace(`:${server!.port}/`, `:${relay.port}/`), 'pod-b');
      for (let i = 0; i < 3; i++) for (const r of [a, b]) await r.tick();
      expect(await counts(a, b)).toEqual([32, 32]);
      // Both directions of b's connection cut, as when its node goes away: its client sees the socket end.
      relay.cut();
      await until(() => b.lease.sessionPid() === undefined, 'the cut session to be seen closed');
      expect(b.lease.held()).toEqual([]);
      expect(b.lease.owns('svc-1') || b.lease.owns('svc-2') || b.lease.owns('svc-3')).toBe(false);
      // PostgreSQL sees the socket close too and frees b's locks.
      for (let i = 0; i < 200 && (await locks()).rows.length > 32; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      await a.tick();
      expect(await counts(a)).toEqual([64]);
      expect((await a.lease.status()).replicas).toEqual([{ id: 'pod-a', shards: ALL }]);
    } finally {
      await relay.close();
    }
  });

  it('a replica that stops ticking (cut off, frozen) loses its session after the failover timeout, and the other takes its shards', async () => {
    const url = await database();
    const frozen = new ShardLease({ url, replicaId: 'pod-a', version: 'test', leaseIntervalMs: 500, failoverTimeoutMs: 1_500, now: () => Date.now(), logger: silentLogger });
    leases.push(frozen);
    await frozen.tick({ exclusive: (fn) => fn(), onAcquired: () => Promise.resolve(), onReleased: () => undefined });
    expect(frozen.held()).toEqual(ALL);
    const b = replica(url, 'pod-b');
    await b.tick();
    expect(b.lease.held()).toEqual([]);
    // No statement on pod-a's session from now on: PostgreSQL ends it (idle_session_timeout) and frees its locks.
    await until(() => frozen.sessionPid() === undefined, 'the idle lock session to be ended by the server', 10_000);
    expect(frozen.held()).toEqual([]);
    await b.tick();
    expect(await counts(b)).toEqual([64]);
  });

  it('answers a burst of status reads with one look at pg_locks, so probes cannot crowd the lock session', async () => {
    const url = await database();
    const a = replica(url, 'pod-a');
    await a.tick();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    try {
      const all = await Promise.all(Array.from({ length: 100 }, () => a.lease.status()));
      expect(all.every((st) => st.shardsHeld === 64 && st.replicas.length === 1)).toBe(true);
      // One look: the live replicas and the shard locks.
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('stop gives every shard up and deletes the replica row; a second replica with the same live id is refused', async () => {
    const url = await database();
    const a = replica(url, 'pod-a');
    await a.tick();
    const twin = replica(url, 'pod-a');
    await twin.tick();
    expect(twin.lease.held()).toEqual([]);
    expect((await twin.lease.status()).session).toEqual({ ok: false, detail: expect.stringContaining('another live replica already uses the replica id "pod-a"') as unknown });
    expect(await counts(a)).toEqual([64]);

    await a.lease.stop();
    expect(a.lease.owns('anything')).toBe(false);
    expect((await locks()).rows).toEqual([]);
    expect((await admin!.query('SELECT id FROM cluster_replicas')).rows).toEqual([]);
    // Now the id is free: the twin registers on its next tick and takes everything.
    await twin.tick();
    expect(twin.lease.held()).toEqual(ALL);
  });
});
