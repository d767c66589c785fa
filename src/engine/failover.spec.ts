import { describe, expect, it } from 'vitest';
import { counter, FakeMetrics } from '../../test/support/fake-metrics.js';
import { silentLogger as quiet } from '../../test/support/logger.js';
import { sloModel } from '../../test/support/slo-model.js';
import { STORE_KINDS, storeUnavailable, useStores } from '../../test/support/stores.js';
import type { ShardOwnership } from '../cluster/shards.js';
import { shardOf } from '../cluster/shards.js';
import { Dispatcher } from '../notify/dispatcher.js';
import type { AlertNotification, Notifier, SendOutcome } from '../notify/notifier.js';
import { Outbox, routerFor } from '../notify/outbox.js';
import { buildRouteTree } from '../routing/route.js';
import { HOUR, MINUTE } from '../slo/duration.js';
import type { Slo } from '../slo/model.js';
import type { Store } from '../store/store.js';
import { Engine } from './engine.js';

/**
 * Two replicas on one store split the SLOs by shard. The shard of an SLO whose page fires moves from one to the
 * other: the new holder continues the episode from the store (no second page) and its resolve edits the message
 * the first holder sent. Time is stepped by hand: each slot, both replicas ingest and evaluate, and both
 * dispatchers run a pass.
 */

const T0 = Date.parse('2026-12-07T00:00:00Z');
const SLOT = 30_000;

/** An SLO of service `id` with the workbook's fast tier alone: 50 % errors page after 0.001 / 0.5 x 60 min x 14.4 = 1.728 min. */
function slo(id: string): Slo {
  return sloModel({
    id,
    name: id,
    service: id,
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: `http_requests_total{service="${id}",code="500"}` },
      total: { kind: 'selector', selector: `http_requests_total{service="${id}"}` },
    },
  }, {
    tiers: [{ name: 'page-1h-5m', severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, forMs: 0 }],
    ticket: { enabled: false, labels: {}, annotations: {} },
  });
}

/** 10 requests/s of service `id`; half fail during the outage. */
function service(id: string, outage: (t: number) => boolean) {
  return [
    counter({ __name__: 'http_requests_total', service: id, code: '200' }, (t) => (outage(t) ? 5 : 10), { startMs: T0 - 8 * HOUR }),
    counter({ __name__: 'http_requests_total', service: id, code: '500' }, (t) => (outage(t) ? 5 : 0), { startMs: T0 - 8 * HOUR }),
  ];
}

/** Shards held by hand (what the lease manager holds in the daemon). */
class HeldShards implements ShardOwnership {
  readonly shards = new Set<number>();
  owns(sloId: string): boolean {
    return this.shards.has(shardOf(sloId));
  }
  held(): readonly number[] {
    return [...this.shards].sort((a, b) => a - b);
  }
}

/** A Slack-like receiver: each post answers a message ts; a resolve that carries one edits that message. */
class SlackLike implements Notifier {
  readonly kind = 'slack-like';
  readonly name = 'slack';
  readonly got: { alertKey: string; status: string; previousRef?: string; ts: string }[] = [];
  constructor(private readonly replica: string) {}
  send(n: AlertNotification, ctx: { previousRef?: string }): Promise<SendOutcome> {
    const ts = ctx.previousRef ?? `${this.replica}-ts-${this.got.length + 1}`;
    this.got.push({ alertKey: n.alertKey, status: n.status, ...(ctx.previousRef === undefined ? {} : { previousRef: ctx.previousRef }), ts });
    return Promise.resolve({ ok: true, externalRef: ts });
  }
}

interface Replica {
  readonly engine: Engine;
  readonly dispatcher: Dispatcher;
  readonly shards: HeldShards;
  readonly slack: SlackLike;
}

function replica(name: string, store: Store, source: FakeMetrics, clock: { now: number }): Replica {
  const shards = new HeldShards();
  const slack = new SlackLike(name);
  const outbox = new Outbox(routerFor(buildRouteTree({ receiver: 'slack', groupWaitMs: 0 }), () => 'slack-like'));
  const engine = new Engine({ source, store, logger: quiet, sink: outbox, ownership: shards }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 6 * HOUR });
  const dispatcher = new Dispatcher({ store, notifiers: () => new Map([[slack.name, slack]]), now: () => clock.now, random: () => 0.5, logger: quiet, shards });
  return { engine, dispatcher, shards, slack };
}

describe.each(STORE_KINDS)('engine: replicas split the SLOs by shard and continue each other\'s episodes (%s)', (kind) => {
  const stores = useStores(kind);
  const test = it.skipIf(storeUnavailable(kind) !== undefined);

  test('the shard of a firing page moves: the new holder sends no second page, and its resolve edits the first holder\'s message', async () => {
    const outage = (t: number): boolean => t > T0 && t <= T0 + 10 * MINUTE;
    const source = new FakeMetrics([...service('checkout', outage), ...service('search', () => false)]);
    const store = await stores.open();
    const clock = { now: T0 };
    const a = replica('a', store, source, clock);
    const b = replica('b', await stores.reopen(store), source, clock);
    const [checkout, search] = [shardOf('checkout'), shardOf('search')];
    expect(checkout).not.toBe(search);
    a.shards.shards.add(checkout);
    b.shards.shards.add(search);
    const slos = [slo('checkout'), slo('search')];
    await a.engine.setSlos(slos, T0);
    await b.engine.setSlos(slos, T0);
    const pageKey = 'checkout/{}/page';
    const step = async (t: number): Promise<void> => {
      clock.now = t;
      for (const r of [a, b]) {
        await r.engine.ingest(t);
        await r.engine.evaluateAt(t);
      }
      for (const r of [a, b]) await r.dispatcher.pass();
    };
    for (let t = T0 - 5 * MINUTE; t <= T0 + 5 * MINUTE; t += SLOT) await step(t);
    expect(a.slack.got.map((g) => [g.alertKey, g.status])).toEqual([[pageKey, 'firing']]);
    // B does not hold checkout, yet shows it as its holder evaluated it, from the shared store.
    expect(b.engine.firingAlerts().map((f) => f.alertKey)).toEqual([pageKey]);
    expect(b.engine.status('checkout')).toMatchObject({ state: 'ok', evaluatedAtMs: T0 + 5 * MINUTE, instances: [{ alerts: { page: 'firing' } }] });
    // A evaluates before B in each slot: it shows search at the slot B wrote last.
    expect(a.engine.status('search')).toMatchObject({ state: 'ok', evaluatedAtMs: T0 + 5 * MINUTE - SLOT });

    // The lease moves checkout's shard from A to B between two cycles.
    a.shards.shards.delete(checkout);
    a.engine.releaseShards([checkout]);
    b.shards.shards.add(checkout);
    await b.engine.adoptShards([checkout]);
    for (let t = T0 + 5 * MINUTE + SLOT; t <= T0 + 45 * MINUTE; t += SLOT) await step(t);

    expect(a.slack.got.map((g) => [g.alertKey, g.status])).toEqual([[pageKey, 'firing']]);
    expect(b.slack.got).toEqual([{ alertKey: pageKey, status: 'resolved', previousRef: 'a-ts-1', ts: 'a-ts-1' }]);
    expect(a.engine.firingAlerts()).toEqual([]);
    expect(b.engine.firingAlerts()).toEqual([]);
    // One stored alert of the episode, resolved by B, with its history written once per transition.
    const history = await store.alerts.history('checkout');
    expect(history.map((h) => `${h.from}>${h.to}`).reverse()).toEqual(['inactive>firing', 'firing>inactive']);
  }, 90_000); // 100 slots of two replicas: some 15 s on PostgreSQL alone

  test('in a rolling deploy, only the holder of a removed SLO\'s shard drops its ledger and resolves its alerts', async () => {
    const source = new FakeMetrics([...service('checkout', (t) => t > T0), ...service('search', () => false)]);
    const store = await stores.open();
    const clock = { now: T0 };
    const a = replica('a', store, source, clock);
    const b = replica('b', await stores.reopen(store), source, clock);
    a.shards.shards.add(shardOf('checkout'));
    b.shards.shards.add(shardOf('search'));
    for (const r of [a, b]) await r.engine.setSlos([slo('checkout'), slo('search')], T0);
    for (let t = T0 - MINUTE; t <= T0 + 5 * MINUTE; t += SLOT) {
      clock.now = t;
      for (const r of [a, b]) {
        await r.engine.ingest(t);
        await r.engine.evaluateAt(t);
      }
      for (const r of [a, b]) await r.dispatcher.pass();
    }
    expect((await store.alerts.ofSlos(['checkout'])).map((x) => x.state.phase)).toEqual(['firing']);
    // B runs the new version, without checkout: it does not hold checkout, so it leaves it alone.
    await b.engine.setSlos([slo('search')], T0 + 6 * MINUTE);
    expect(await store.ledger.cursor('checkout')).toBeDefined();
    expect((await store.alerts.ofSlos(['checkout'])).map((x) => x.state.phase)).toEqual(['firing']);
    // A gets the new version too: it holds checkout, so it resolves the page and drops the SLO.
    await a.engine.setSlos([slo('search')], T0 + 6 * MINUTE);
    clock.now = T0 + 6 * MINUTE;
    await a.dispatcher.pass();
    expect(await store.ledger.cursor('checkout')).toBeUndefined();
    expect(await store.alerts.ofSlos(['checkout'])).toEqual([]);
    expect(a.slack.got.map((g) => g.status)).toEqual(['firing', 'resolved']);
    expect(b.slack.got).toEqual([]);
  });
});
