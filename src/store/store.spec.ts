import { describe, expect, it } from 'vitest';
import { sampleNotification } from '../../test/support/notification.js';
import { STORE_KINDS, storeUnavailable, useStores } from '../../test/support/stores.js';
import type { StoredAlert } from '../alerting/cycle.js';
import type { AlertInstance } from '../alerting/state.js';
import { parseMatchers } from '../routing/matchers.js';
import { StoreError } from './db.js';
import { openPgStore } from './postgres/pg-store.js';
import pg from 'pg';
import { shardOf } from '../cluster/shards.js';

/**
 * The store boundary, the same cases on SQLite and PostgreSQL: alert states and their history, silences, and
 * the transactional outbox (an alert's state change and its notification commit together or not at all).
 */

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MINUTE = 60_000;

function alert(key: string, phase: 'pending' | 'firing', notified: boolean, atMs: number): StoredAlert {
  const state: AlertInstance = phase === 'firing'
    ? { phase, since: { fast: atMs - MINUTE }, firedAtMs: atMs, changedAtMs: atMs }
    : { phase, since: { fast: atMs }, changedAtMs: atMs };
  return {
    alertKey: key,
    sloId: key.slice(0, key.indexOf('/')),
    instanceLabels: { route: '/pay' },
    kind: 'burn',
    severity: 'page',
    state,
    notified,
    ...(phase === 'firing' ? { budgetAtFire: 0.25 } : {}),
    updatedMs: atMs,
  };
}

function matchers(text: string) {
  const parsed = parseMatchers(text);
  if (!parsed.ok) throw new Error(`bad matchers ${text}`);
  return parsed.value;
}

describe.each(STORE_KINDS)('store boundary (%s)', (kind) => {
  const stores = useStores(kind);
  const test = it.skipIf(storeUnavailable(kind) !== undefined);

  test('keeps alert states across a restart, the last save of each key winning, and their history newest first', async () => {
    const store = await stores.open();
    await store.alerts.save(alert('pay/{}/page', 'pending', false, T0));
    await store.alerts.save(alert('pay/{}/page', 'firing', true, T0 + MINUTE));
    await store.alerts.save(alert('cart/{}/page', 'pending', false, T0));
    await store.alerts.record({ alertKey: 'pay/{}/page', sloId: 'pay', atMs: T0, from: 'inactive', to: 'pending' });
    await store.alerts.record({ alertKey: 'pay/{}/page', sloId: 'pay', atMs: T0 + MINUTE, from: 'pending', to: 'firing' });
    const again = await stores.reopen(store);
    const loaded = (await again.alerts.loadAll()).sort((a, b) => a.alertKey.localeCompare(b.alertKey));
    expect(loaded).toEqual([alert('cart/{}/page', 'pending', false, T0), alert('pay/{}/page', 'firing', true, T0 + MINUTE)]);
    expect((await again.alerts.history('pay')).map((t) => `${t.from}>${t.to}@${(t.atMs - T0) / MINUTE}`)).toEqual(['pending>firing@1', 'inactive>pending@0']);
    expect(await again.alerts.history('pay', 1)).toHaveLength(1);
    // What a report of (T0 + 1 min, T0 + 3 min] reads: each alert's last change up to its start other than to
    // nodata, then the changes inside it.
    await again.alerts.record({ alertKey: 'pay/{}/ticket', sloId: 'pay', atMs: T0, from: 'inactive', to: 'firing' });
    await again.alerts.record({ alertKey: 'pay/{}/ticket', sloId: 'pay', atMs: T0 + MINUTE, from: 'firing', to: 'nodata' });
    await again.alerts.record({ alertKey: 'pay/{}/page', sloId: 'pay', atMs: T0 + 2 * MINUTE, from: 'firing', to: 'inactive' });
    await again.alerts.record({ alertKey: 'pay/{}/page', sloId: 'pay', atMs: T0 + 4 * MINUTE, from: 'inactive', to: 'pending' });
    await again.alerts.record({ alertKey: 'cart/{}/page', sloId: 'cart', atMs: T0 + 2 * MINUTE, from: 'inactive', to: 'pending' });
    expect((await again.alerts.historyAround('pay', T0 + MINUTE, T0 + 3 * MINUTE)).map((h) => `${h.alertKey} ${h.from}>${h.to}@${(h.atMs - T0) / MINUTE}`)).toEqual([
      'pay/{}/ticket inactive>firing@0', 'pay/{}/page pending>firing@1', 'pay/{}/page firing>inactive@2',
    ]);
    await again.alerts.removeSlo('pay');
    await again.alerts.remove('cart/{}/page');
    expect(await again.alerts.loadAll()).toEqual([]);
  });

  test('reads the stored alerts of some SLOs only (what a replica taking over their shard continues from)', async () => {
    const store = await stores.open();
    await store.alerts.save(alert('pay/{}/page', 'firing', true, T0));
    await store.alerts.save(alert('pay/{}/ticket', 'pending', false, T0));
    await store.alerts.save(alert('cart/{}/page', 'firing', true, T0));
    await store.alerts.save(alert('search/{}/page', 'pending', false, T0));
    const keys = async (ids: string[]) => (await store.alerts.ofSlos(ids)).map((a) => a.alertKey).sort();
    expect(await keys(['pay', 'search'])).toEqual(['pay/{}/page', 'pay/{}/ticket', 'search/{}/page']);
    expect(await store.alerts.ofSlos(['cart'])).toEqual([alert('cart/{}/page', 'firing', true, T0)]);
    expect(await keys([])).toEqual([]);
    expect(await keys(['nope'])).toEqual([]);
  });

  test('puts rows left being sent back to pending, but the ones the caller is sending itself', async () => {
    const store = await stores.open();
    const row = (key: string) => ({ notification: sampleNotification(key, 'firing', T0, T0), receiver: 'pager', groupKey: '{}', kind: 'state' as const, notBeforeMs: T0 });
    await store.outbox.insert([row('pay/{"a":"1"}/page'), row('pay/{"a":"2"}/page')]);
    const [a, b] = await store.outbox.due(T0, 10);
    for (const r of [a, b]) expect(await store.outbox.claim(r?.id ?? -1)).toBe(true);
    expect(await store.outbox.recoverInFlight({ shards: [shardOf('pay')], except: [b?.id ?? -1] })).toBe(1);
    expect((await store.outbox.due(T0, 10)).map((r) => r.id)).toEqual([a?.id]);
    expect(await store.outbox.recoverInFlight()).toBe(1);
  });

  test('keeps silences: current ones until they end, expired once, pruned after', async () => {
    const { silences } = await stores.open();
    const s = await silences.add({ matchers: matchers('{slo="pay",severity=~"page|ticket"}'), startsAt: new Date(T0), endsAt: new Date(T0 + 60 * MINUTE), createdBy: 'ana', comment: 'deploy' }, T0);
    const later = await silences.add({ matchers: matchers('{slo="cart"}'), startsAt: new Date(T0 + 30 * MINUTE), endsAt: new Date(T0 + 90 * MINUTE), createdBy: 'bo', comment: 'load test' }, T0);
    expect(await silences.get(s.id)).toEqual(s);
    expect((await silences.current(T0 + 59 * MINUTE)).map((x) => x.id)).toEqual([s.id, later.id]);
    expect((await silences.current(T0 + 60 * MINUTE)).map((x) => x.id)).toEqual([later.id]);
    expect(await silences.expire(later.id, T0 + 40 * MINUTE)).toBe(true);
    expect(await silences.expire(later.id, T0 + 41 * MINUTE)).toBe(false);
    expect(await silences.expire('no-such-id', T0)).toBe(false);
    expect((await silences.list()).map((x) => [x.id, x.endsAt.getTime() - T0])).toEqual([[s.id, 60 * MINUTE], [later.id, 40 * MINUTE]]);
    expect(await silences.prune(T0 + 50 * MINUTE)).toBe(1);
    expect(await silences.get(later.id)).toBeUndefined();
  });

  test('commits a state change and its notification together, and neither when the transaction fails', async () => {
    const store = await stores.open();
    const firing = alert('pay/{}/page', 'firing', true, T0);
    const row = { notification: sampleNotification('pay/{}/page', 'firing', T0, T0), receiver: 'pager', groupKey: '{}', kind: 'state' as const, notBeforeMs: T0 };
    await expect(store.transaction(async (tx) => {
      await tx.alerts.save(firing);
      await tx.outbox.insert([row]);
      throw new Error('the cycle failed after deciding');
    })).rejects.toThrow('the cycle failed after deciding');
    expect([await store.alerts.loadAll(), (await store.outbox.stats()).pending]).toEqual([[], 0]);
    const inserted = await store.transaction(async (tx) => {
      await tx.alerts.save(firing);
      return tx.outbox.insert([row]);
    });
    expect(inserted).toHaveLength(1);
    expect([(await store.alerts.loadAll()).map((a) => a.alertKey), (await store.outbox.stats()).pending]).toEqual([['pay/{}/page'], 1]);
  });

  test('runs a call from outside an open transaction after it, not inside it (a rollback does not take it along)', async () => {
    const store = await stores.open();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const failing = store.transaction(async (tx) => {
      await tx.alerts.save(alert('pay/{}/page', 'firing', true, T0));
      await gate;
      throw new Error('rolled back');
    });
    // Saved from outside while the transaction is open: it must survive the rollback.
    const outside = store.alerts.save(alert('cart/{}/page', 'pending', false, T0));
    release();
    await expect(failing).rejects.toThrow('rolled back');
    await outside;
    expect((await store.alerts.loadAll()).map((a) => a.alertKey)).toEqual(['cart/{}/page']);
  });
});

describe.skipIf(storeUnavailable('postgres') !== undefined)('store/postgres', () => {
  const stores = useStores('postgres');

  it('lets replicas that start together on an empty database migrate it once, without a race on its schema', async () => {
    const url = await stores.newDatabaseUrl();
    const replicas = await Promise.all(Array.from({ length: 6 }, () => openPgStore({ url })));
    try {
      await replicas[0]?.ledger.setCursor('pay', 'f', T0, T0);
      const seen = await Promise.all(replicas.map((r) => r.ledger.cursor('pay')));
      expect(seen).toEqual(Array.from({ length: 6 }, () => ({ fingerprint: 'f', firstSlotMs: T0, lastSlotMs: T0 })));
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  /** A store of replica `replica` and a plain client on the same database, to read what the store hides. */
  async function replicaStore(replica: string) {
    const url = await stores.newDatabaseUrl();
    const store = await openPgStore({ url, replica });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return { store, client, url, close: async () => Promise.all([store.close(), client.end()]) };
  }

  const outboxRow = (key: string, atMs = T0) => ({ notification: sampleNotification(key, 'firing', atMs, atMs), receiver: 'pager', groupKey: '{}', kind: 'state' as const, notBeforeMs: atMs });

  it('files each outbox row under the shard of its SLO, by the same hash as cluster/shards.ts (UTF-8 bytes)', async () => {
    const { store, client, close } = await replicaStore('pod-a');
    try {
      const ids = [...Array.from({ length: 1000 }, (_, i) => `slo-${i}.api_v${i % 7}`), 'checkout-availability', 'x', 'zahlungen-\u00fcberweisung', '\u652f\u6255\u3044-\u{1f4b3}'];
      await store.outbox.insert(ids.map((id) => outboxRow(`${id}/{}/page`)));
      const { rows } = await client.query<{ alert_key: string; shard: number }>('SELECT alert_key, shard FROM outbox');
      const got = new Map(rows.map((r) => [r.alert_key.slice(0, r.alert_key.indexOf('/')), r.shard]));
      expect(ids.map((id) => [id, got.get(id)])).toEqual(ids.map((id) => [id, shardOf(id)]));
      expect(new Set(got.values()).size).toBe(64);
    } finally {
      await close();
    }
  });

  it('hands a replica only the due rows of its shards, notes who claimed a row, and re-queues claims of given shards but its own sends', async () => {
    const { store, client, close } = await replicaStore('pod-a');
    try {
      // Ids in three different shards.
      const [a, b, c] = ['alpha', 'bravo', 'charlie'];
      expect(new Set([shardOf(a), shardOf(b), shardOf(c)]).size).toBe(3);
      await store.outbox.insert([outboxRow(`${a}/{}/page`, T0), outboxRow(`${b}/{}/page`, T0 + 1000), outboxRow(`${c}/{}/page`, T0 + 2000)]);
      const dueKeys = async (shards?: number[]) => (await store.outbox.due(T0 + MINUTE, 10, shards)).map((r) => r.alertKey);
      expect(await dueKeys()).toEqual([`${a}/{}/page`, `${b}/{}/page`, `${c}/{}/page`]);
      expect(await dueKeys([shardOf(b), shardOf(c)])).toEqual([`${b}/{}/page`, `${c}/{}/page`]);
      expect(await dueKeys([])).toEqual([]);
      expect(await store.outbox.nextDueMs([shardOf(c)])).toBe(T0 + 2000);
      expect(await store.outbox.nextDueMs([])).toBeUndefined();
      const rows = await store.outbox.due(T0 + MINUTE, 10);
      const before = Number((await client.query<{ t: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT AS t')).rows[0]?.t);
      for (const r of rows) expect(await store.outbox.claim(r.id)).toBe(true);
      const claims = (await client.query<{ alert_key: string; claimed_by: string; claimed_ms: string }>('SELECT alert_key, claimed_by, claimed_ms FROM outbox ORDER BY id')).rows;
      expect(claims.map((r) => r.claimed_by)).toEqual(['pod-a', 'pod-a', 'pod-a']);
      for (const r of claims) expect(Number(r.claimed_ms)).toBeGreaterThanOrEqual(before);
      // Shards of a and b re-queued, but the row of b this replica is sending itself; c's shard is not given.
      const [ra, rb] = rows;
      expect(await store.outbox.recoverInFlight({ shards: [shardOf(a), shardOf(b)], except: [rb?.id ?? -1] })).toBe(1);
      const states = (await client.query<{ alert_key: string; state: string }>('SELECT alert_key, state FROM outbox ORDER BY id')).rows.map((r) => r.state);
      expect(states).toEqual(['pending', 'sending', 'sending']);
      expect(ra?.alertKey).toBe(`${a}/{}/page`);
    } finally {
      await close();
    }
  });

  it('records in each ledger row the replica that wrote it and when, by the database clock', async () => {
    const { store, client, close } = await replicaStore('pod-b');
    try {
      const dbNow = async () => Number((await client.query<{ t: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT AS t')).rows[0]?.t);
      const before = await dbNow();
      const inst = await store.ledger.instance('pay', {}, T0);
      await store.ledger.append(inst.id, T0, { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true });
      await store.ledger.appendAll(inst.id, [{ slotMs: T0 + 30_000, inc: { bad: 0, total: 10, sliceBad: 0, slices: 0, data: true } }, { slotMs: T0 + 60_000, inc: { bad: 2, total: 10, sliceBad: 0, slices: 0, data: true } }]);
      const after = await dbNow();
      const { rows } = await client.query<{ slot_ms: string; replica: string; written_ms: string }>('SELECT slot_ms, replica, written_ms FROM ledger ORDER BY slot_ms');
      expect(rows.map((r) => [Number(r.slot_ms) - T0, r.replica])).toEqual([[0, 'pod-b'], [30_000, 'pod-b'], [60_000, 'pod-b']]);
      for (const r of rows) {
        expect(Number(r.written_ms)).toBeGreaterThanOrEqual(before);
        expect(Number(r.written_ms)).toBeLessThanOrEqual(after);
      }
    } finally {
      await close();
    }
  });

  it('reports an unreachable server as a storage fault naming the database without its password', async () => {
    const err = await openPgStore({ url: 'postgres://burnwatch@127.0.0.1:1/burnwatch', password: 's3cret-pw', connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ fault: 'io', path: 'postgres://127.0.0.1:1/burnwatch' });
    expect(String((err as Error).message)).not.toContain('s3cret-pw');
    expect(String((err as StoreError).hint)).toContain('database.url');
  });
});
