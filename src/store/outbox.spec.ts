import { describe, expect, it } from 'vitest';
import { sampleNotification } from '../../test/support/notification.js';
import type { AlertNotification } from '../alerting/notification.js';
import { STORE_KINDS, storeUnavailable, useStores } from '../../test/support/stores.js';
import type { AlertOutboxKind, NewOutboxRow } from './outbox.js';
import { parseNotification, serializeNotification } from './outbox.js';
import type { OutboxQueue } from './store.js';

/**
 * The outbox table: rows per receiver, delivered strictly in order per alert and receiver, at most once per
 * notification and receiver. Every expected row below is worked out from the rows the test inserts.
 */

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MINUTE = 60_000;

function notification(alertKey: string, status: 'firing' | 'resolved', atMs: number): AlertNotification {
  return sampleNotification(alertKey, status, atMs, T0, { annotations: { summary: 'burning' } });
}

function row(alertKey: string, status: 'firing' | 'resolved', atMs: number, over: { receiver?: string; kind?: AlertOutboxKind; notBeforeMs?: number; groupKey?: string } = {}): NewOutboxRow {
  return { notification: notification(alertKey, status, atMs), receiver: over.receiver ?? 'chat', groupKey: over.groupKey ?? '{}', kind: over.kind ?? 'state', notBeforeMs: over.notBeforeMs ?? atMs };
}

/** The due rows as `alert:status@receiver`. */
async function due(s: OutboxQueue, atMs: number, limit = 10): Promise<string[]> {
  return (await s.due(atMs, limit)).map((r) => `${r.alertKey}:${r.status}@${r.receiver}`);
}

describe('store/outbox: payloads', () => {
  it('keeps a notification through the table, its three dates as dates', () => {
    const resolved = notification('checkout/{}/page', 'resolved', T0 + 5 * MINUTE);
    const back = parseNotification(serializeNotification(resolved));
    expect(back).toEqual(resolved);
    expect([back.startsAt, back.endsAt, back.createdAt].map((d) => d instanceof Date)).toEqual([true, true, true]);
    expect(back.endsAt?.getTime()).toBe(T0 + 5 * MINUTE);
  });
});

describe.each(STORE_KINDS)('store/outbox: rows (%s)', (kind) => {
  const stores = useStores(kind);
  const store = async (): Promise<OutboxQueue> => (await stores.open()).outbox;

  it.skipIf(storeUnavailable(kind) !== undefined)('stores a notification once per receiver: a replayed cycle inserts nothing', async () => {
    const s = await store();
    const first = await s.insert([row('a/{}/page', 'firing', T0), row('a/{}/page', 'firing', T0, { receiver: 'pager' })]);
    const again = await s.insert([row('a/{}/page', 'firing', T0), row('a/{}/page', 'firing', T0, { receiver: 'mail' })]);
    expect(first.map((r) => r.receiver)).toEqual(['chat', 'pager']);
    expect(again.map((r) => r.receiver)).toEqual(['mail']);
    expect(await s.receiversOf('a/{}/page@' + String(T0) + '/firing')).toEqual(['chat', 'pager', 'mail']);
    expect(await s.stats()).toEqual({ pending: 3, oldestPendingMs: T0, dead: 0 });
  });

  it.skipIf(storeUnavailable(kind) !== undefined)('hands out only the head of each alert and receiver queue, once it is due, oldest attempt first', async () => {
    const s = await store();
    await s.insert([
      row('a/{}/page', 'firing', T0, { notBeforeMs: T0 + MINUTE }), // group_wait: not due before T0 + 1 min
      row('a/{}/page', 'resolved', T0 + 30_000), // behind a's firing: waits for it
      row('b/{}/page', 'firing', T0),
      row('b/{}/page', 'firing', T0, { receiver: 'pager' }),
    ]);
    const cases: readonly (readonly [number, string[]])[] = [
      [T0 - 1, []],
      [T0, ['b/{}/page:firing@chat', 'b/{}/page:firing@pager']],
      [T0 + MINUTE, ['b/{}/page:firing@chat', 'b/{}/page:firing@pager', 'a/{}/page:firing@chat']],
    ];
    for (const [at, want] of cases) expect(await due(s, at)).toEqual(want);
    expect(await due(s, T0 + MINUTE, 1)).toEqual(['b/{}/page:firing@chat']);
  });

  it.skipIf(storeUnavailable(kind) !== undefined)('lets the next row of a queue go only when the one before is delivered or dead', async () => {
    const s = await store();
    await s.insert([row('a/{}/page', 'firing', T0), row('a/{}/page', 'resolved', T0 + MINUTE)]);
    const [firing] = await s.due(T0 + MINUTE, 10);
    const id = firing?.id ?? -1;
    expect(await s.claim(id)).toBe(true);
    expect(await s.claim(id)).toBe(false); // another pass cannot claim it too
    expect(await due(s, T0 + MINUTE)).toEqual([]); // the resolve waits behind the firing being sent
    await s.markRetry(id, T0 + 2 * MINUTE, 'HTTP 503');
    expect(await due(s, T0 + MINUTE)).toEqual([]); // the firing waits for its retry, and the resolve behind it
    expect((await s.due(T0 + 2 * MINUTE, 10)).map((r) => [r.status, r.attempts, r.lastError])).toEqual([['firing', 1, 'HTTP 503']]);
    await s.markDead(id, 'HTTP 400');
    expect(await due(s, T0 + 2 * MINUTE)).toEqual(['a/{}/page:resolved@chat']);
    expect(await s.stats()).toEqual({ pending: 1, oldestPendingMs: T0 + MINUTE, dead: 1 });
  });

  it.skipIf(storeUnavailable(kind) !== undefined)('sends again after a crash what was being sent (at-least-once)', async () => {
    const s = await store();
    await s.insert([row('a/{}/page', 'firing', T0), row('b/{}/page', 'firing', T0)]);
    for (const r of await s.due(T0, 10)) await s.claim(r.id);
    expect(await due(s, T0)).toEqual([]);
    expect(await s.recoverInFlight()).toBe(2);
    expect(await due(s, T0)).toEqual(['a/{}/page:firing@chat', 'b/{}/page:firing@chat']);
  });

  it.skipIf(storeUnavailable(kind) !== undefined)('remembers the receiver\'s reference of the last delivered firing, not of a resolve or an undelivered row', async () => {
    const s = await store();
    await s.insert([row('a/{}/page', 'firing', T0)]);
    const [first] = await s.due(T0, 10);
    await s.claim(first?.id ?? -1);
    await s.markDelivered(first?.id ?? -1, T0 + 1_000, '{"channel":"C1","ts":"1.1"}');
    await s.insert([row('a/{}/page', 'firing', T0 + MINUTE, { kind: 'reminder' })]);
    await s.insert([row('a/{}/page', 'resolved', T0 + 2 * MINUTE)]);
    expect(await s.lastFiringRef('a/{}/page', 'chat')).toBe('{"channel":"C1","ts":"1.1"}');
    expect(await s.lastFiringRef('a/{}/page', 'pager')).toBeUndefined();
    const last = await s.lastOf('a/{}/page', 'chat');
    expect(last).toMatchObject({ status: 'resolved', kind: 'state', state: 'pending', createdMs: T0 + 2 * MINUTE, attempts: 0 });
    expect(last).not.toHaveProperty('notification');
    expect(await s.waitingFor('a/{}/page')).toBe(2);
  });

  it.skipIf(storeUnavailable(kind) !== undefined)('says whether other alerts of a group were notified to the receiver within the group interval', async () => {
    const s = await store();
    await s.insert([row('a/{}/page', 'firing', T0, { groupKey: 'g' }), row('b/{}/page', 'firing', T0 + MINUTE, { groupKey: 'g', receiver: 'pager' })]);
    const cases: readonly (readonly [string, string, string, number, boolean])[] = [
      // receiver, group, alert asking, since, active?
      ['chat', 'g', 'c/{}/page', T0 - 1, true], // a was notified after `since`
      ['chat', 'g', 'c/{}/page', T0, false], // ... not after T0 itself
      ['chat', 'g', 'a/{}/page', T0 - 1, false], // a's own rows do not count
      ['chat', 'h', 'c/{}/page', T0 - 1, false], // another group
      ['pager', 'g', 'c/{}/page', T0, true],
    ];
    for (const [receiver, group, alert, since, want] of cases) expect(await s.groupActive(receiver, group, alert, since)).toBe(want);
  });

  it.skipIf(storeUnavailable(kind) !== undefined)('lists the rows of one SLO only, not of an SLO whose id it prefixes', async () => {
    const s = await store();
    await s.insert([row('pay/{}/page', 'firing', T0), row('pay-eu/{}/page', 'firing', T0), row('pay0/{}/page', 'firing', T0), row('pay/{}/ticket', 'firing', T0 + MINUTE)]);
    expect((await s.ofSlo('pay', T0, T0 + MINUTE, 10)).map((r) => r.alertKey)).toEqual(['pay/{}/ticket', 'pay/{}/page']);
    expect((await s.ofSlo('pay', T0 + 1, T0 + MINUTE, 10)).map((r) => r.alertKey)).toEqual(['pay/{}/ticket']);
    expect((await s.ofSlo('pay', T0, T0 + MINUTE, 1)).map((r) => r.alertKey)).toEqual(['pay/{}/ticket']);
  });

  it.skipIf(storeUnavailable(kind) !== undefined)('prunes finished rows older than the cut, keeping the last of each alert, receiver and status', async () => {
    const s = await store();
    await s.insert([row('a/{}/page', 'firing', T0), row('a/{}/page', 'firing', T0 + MINUTE, { kind: 'reminder' }), row('a/{}/page', 'resolved', T0 + 2 * MINUTE), row('b/{}/page', 'firing', T0)]);
    for (let r = await s.due(T0 + 3 * MINUTE, 10); r.length > 0; r = await s.due(T0 + 3 * MINUTE, 10)) {
      for (const x of r) {
        if (x.alertKey === 'b/{}/page') {
          await s.claim(x.id); // b stays in flight: never pruned
          continue;
        }
        await s.claim(x.id);
        await s.markDelivered(x.id, T0 + 3 * MINUTE, undefined);
      }
    }
    // a's first firing is the only finished row that is not the last of its alert, receiver and status.
    expect(await s.prune(T0 + 10 * MINUTE)).toBe(1);
    // Newest first (ids 4, 3, 2; id 1 is gone).
    expect((await s.recent(10)).map((r) => `${r.alertKey}:${r.kind}:${r.status}`)).toEqual(['b/{}/page:state:firing', 'a/{}/page:state:resolved', 'a/{}/page:reminder:firing']);
  });
});
