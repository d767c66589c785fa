import { describe, expect, it } from 'vitest';
import { silentLogger as quiet } from '../../test/support/logger.js';
import { sampleNotification } from '../../test/support/notification.js';
import { STORE_KINDS, storeUnavailable, useStores } from '../../test/support/stores.js';
import { shardOf } from '../cluster/shards.js';
import { buildRouteTree } from '../routing/route.js';
import type { Store } from '../store/store.js';
import type { DeliveryShards } from './dispatcher.js';
import { DEFAULT_RETRY_POLICY, Dispatcher } from './dispatcher.js';
import type { AlertNotification, Notifier, SendOutcome } from './notifier.js';
import { Outbox, routerFor } from './outbox.js';

/**
 * Replicas sharing one outbox: each delivers only the rows of the SLOs whose shards it holds, asks right before
 * each send, and re-queues rows another replica left `sending` only once that replica's sends are surely over.
 */

const T0 = Date.parse('2026-12-07T10:00:00Z');
const KEY = 'checkout/{}/page';

/** Shards held by hand. */
function heldShards(shards: number[]): DeliveryShards & { shards: Set<number> } {
  const set = new Set(shards);
  return { shards: set, owns: (id) => set.has(shardOf(id)), held: () => [...set].sort((a, b) => a - b) };
}

class RecordingNotifier implements Notifier {
  readonly kind = 'scripted';
  readonly name = 'slack';
  readonly got: { status: string; previousRef?: string }[] = [];
  send(n: AlertNotification, ctx: { previousRef?: string }): Promise<SendOutcome> {
    this.got.push({ status: n.status, ...(ctx.previousRef === undefined ? {} : { previousRef: ctx.previousRef }) });
    return Promise.resolve({ ok: true, externalRef: `ts-${this.got.length}` });
  }
}

function dispatcher(store: Store, notifier: Notifier, shards: DeliveryShards, clock: { now: number }): Dispatcher {
  return new Dispatcher({ store, notifiers: () => new Map([[notifier.name, notifier]]), now: () => clock.now, random: () => 0.5, logger: quiet, shards });
}

async function enqueue(store: Store, n: AlertNotification): Promise<void> {
  const outbox = new Outbox(routerFor(buildRouteTree({ receiver: 'slack', groupWaitMs: 0 }), () => 'scripted'));
  await store.transaction((tx) => outbox.enqueue(tx, [n], n.createdAt.getTime()));
}

const stateOf = async (store: Store): Promise<string | undefined> => (await store.outbox.lastOf(KEY, 'slack'))?.state;

describe.each(STORE_KINDS)('notify/dispatcher among replicas (%s)', (kind) => {
  const stores = useStores(kind);
  const test = it.skipIf(storeUnavailable(kind) !== undefined);
  const shard = shardOf('checkout');

  test('a replica that does not hold the shard sends nothing, even a row it claimed, and leaves it to the holder', async () => {
    const store = await stores.open();
    const other = await stores.reopen(store);
    const clock = { now: T0 };
    await enqueue(store, sampleNotification(KEY, 'firing', T0, T0));
    const [lost, holder] = [new RecordingNotifier(), new RecordingNotifier()];
    // It lists the shard (as when it held it at the claim) but no longer holds it when it is about to send.
    const stale = { owns: () => false, held: () => [shard] };
    expect(await dispatcher(store, lost, stale, clock).pass()).toBe(0);
    expect(lost.got).toEqual([]);
    expect(await stateOf(store)).toBe('pending');
    // A replica whose shards do not include it does not even claim it.
    const elsewhere = heldShards([(shard + 1) % 64]);
    expect(await dispatcher(store, lost, elsewhere, clock).pass()).toBe(0);
    expect(await dispatcher(other, holder, heldShards([shard]), clock).pass()).toBe(1);
    expect(holder.got).toEqual([{ status: 'firing' }]);
    expect(await stateOf(store)).toBe('delivered');
  });

  test('re-queues a row another replica left being sent once the shard has been held longer than a send may take, then edits the same message', async () => {
    const store = await stores.open();
    const clock = { now: T0 };
    await enqueue(store, sampleNotification(KEY, 'firing', T0, T0));
    const first = new RecordingNotifier();
    expect(await dispatcher(store, first, heldShards([shard]), clock).pass()).toBe(1);
    await enqueue(store, sampleNotification(KEY, 'resolved', T0 + 60_000, T0));
    // The first holder claims the resolve and dies before sending it.
    const row = (await store.outbox.due(T0 + 60_000, 10))[0];
    expect(row?.status).toBe('resolved');
    expect(await store.outbox.claim(row?.id ?? -1)).toBe(true);
    clock.now = T0 + 61_000;
    const next = new RecordingNotifier();
    const taker = dispatcher(await stores.reopen(store), next, heldShards([shard]), clock);
    expect(await taker.pass()).toBe(0);
    clock.now += DEFAULT_RETRY_POLICY.sendTimeoutMs;
    expect(await taker.pass()).toBe(0);
    expect(await stateOf(store)).toBe('sending');
    clock.now += 1;
    expect(await taker.pass()).toBe(1);
    expect(next.got).toEqual([{ status: 'resolved', previousRef: 'ts-1' }]);
    expect(await stateOf(store)).toBe('delivered');
  });
});
