import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sampleNotification } from '../../test/support/notification.js';
import type { FiringAlert } from '../alerting/sink.js';
import { buildRouteTree } from '../routing/route.js';
import { openDb } from '../store/db.js';
import { OutboxStore } from '../store/outbox.js';
import { backoffMs, DEFAULT_RETRY_POLICY, Dispatcher } from './dispatcher.js';
import type { AlertNotification, Notifier, SendOutcome } from './notifier.js';
import { Outbox, routerFor } from './outbox.js';
import { recordingLogger, silentLogger as quiet } from '../../test/support/logger.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');

function notification(alertKey: string, status: 'firing' | 'resolved', atMs: number, over: Partial<AlertNotification> = {}): AlertNotification {
  return sampleNotification(alertKey, status, atMs, T0, over);
}

/** A firing alert as the engine hands it to the outbox's heartbeat. */
function firingAlert(n: AlertNotification): FiringAlert {
  return { alertKey: n.alertKey, labels: n.labels, notification: () => n };
}

/** A receiver that answers from a script (then ok), recording what it got. */
class ScriptedNotifier implements Notifier {
  readonly kind = 'scripted';
  readonly got: { status: string; alertKey: string; previousRef?: string }[] = [];
  constructor(readonly name: string, private readonly script: SendOutcome[] = []) {}
  send(n: AlertNotification, ctx: { previousRef?: string }): Promise<SendOutcome> {
    this.got.push({ status: n.status, alertKey: n.alertKey, ...(ctx.previousRef === undefined ? {} : { previousRef: ctx.previousRef }) });
    return Promise.resolve(this.script.shift() ?? { ok: true, externalRef: `ref-${this.got.length}` });
  }
}

const fail = (retryable: boolean, retryAfterMs?: number): SendOutcome => ({ ok: false, retryable, reason: retryable ? 'server-error' : 'client-error', ...(retryAfterMs === undefined ? {} : { retryAfterMs }), error: new Error(retryable ? 'HTTP 503' : 'HTTP 400 invalid event') });

/** A notifier whose sends of the alerts in `holds` hang until `release()`; the others succeed at once. */
function hangingNotifier(name: string, holds: readonly string[]): Notifier & { got: string[]; release(): void } {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const got: string[] = [];
  return {
    kind: 'scripted',
    name,
    got,
    release: () => release(),
    async send(n) {
      got.push(n.alertKey);
      if (holds.includes(n.alertKey)) await held;
      return { ok: true };
    },
  };
}

/** Routes each notification to the receiver `to` names for its `alert` label. */
const routeByAlert = (to: Readonly<Record<string, string>>) => (labels: Readonly<Record<string, string>>) =>
  [{ receiver: to[labels['alert'] ?? ''] ?? 'none', kind: 'scripted', groupKey: '{}', groupWaitMs: 0, groupIntervalMs: 300_000, repeatIntervalMs: 3_600_000 }];

/** Timers stepped by hand: `fire(now)` runs the callbacks due by then. */
function manualSchedule() {
  const timers: { fn: () => void; at: number; cancelled: boolean }[] = [];
  let now = T0;
  return {
    now: () => now,
    schedule: (fn: () => void, ms: number) => {
      const timer = { fn, at: now + ms, cancelled: false };
      timers.push(timer);
      return { cancel: () => { timer.cancelled = true; } };
    },
    /** Moves the clock to `t` and runs the timers due by then (once each). */
    fire(t: number) {
      now = t;
      for (const timer of timers.splice(0)) {
        if (timer.cancelled) continue;
        if (timer.at <= t) timer.fn();
        else timers.push(timer);
      }
    },
    pending: () => timers.filter((t) => !t.cancelled).map((t) => t.at - now),
  };
}

/** Enqueues `n` in a transaction that then fails (the rest of the cycle failed), so it is rolled back. */
function enqueueRolledBack(db: ReturnType<typeof openDb>, outbox: Outbox, n: AlertNotification): void {
  expect(() => db.transaction(() => {
    outbox.enqueue([n], T0);
    throw new Error('the rest of the cycle failed');
  })()).toThrow('the rest of the cycle failed');
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

function setup(notifiers: Notifier[], route = buildRouteTree({ receiver: notifiers[0]?.name ?? 'a', groupWaitMs: 0 })) {
  const db = openDb(':memory:');
  const store = new OutboxStore(db);
  const outbox = new Outbox(store, routerFor(route, () => 'scripted'));
  let now = T0;
  const map = new Map(notifiers.map((n) => [n.name, n]));
  const dispatcher = new Dispatcher({ store, notifiers: () => map, now: () => now, random: () => 0.5, logger: quiet });
  const enqueue = (ns: AlertNotification[]) => db.transaction(() => outbox.enqueue(ns, now))();
  return { db, store, outbox, dispatcher, enqueue, advance: (ms: number) => { now += ms; }, now: () => now };
}

describe('notify/dispatcher: the outbox and its one retry owner', () => {
  it('backs off exponentially with full jitter, capped, and never sooner than Retry-After', () => {
    const p = DEFAULT_RETRY_POLICY;
    expect([1, 2, 3, 4].map((a) => backoffMs(p, a, 1))).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(backoffMs(p, 1, 0)).toBe(1_000);
    expect(backoffMs(p, 30, 1)).toBe(p.maxDelayMs);
    expect(backoffMs(p, 1, 1, 60_000)).toBe(60_000);
  });

  it('delivers in order per alert: a resolve waits until its trigger is delivered, and carries its ref', async () => {
    const slack = new ScriptedNotifier('slack', [fail(true), fail(true)]);
    const s = setup([slack]);
    s.enqueue([notification('checkout/{}/page', 'firing', T0)]);
    s.advance(1_000);
    s.enqueue([notification('checkout/{}/page', 'resolved', T0 + 1_000)]);
    await s.dispatcher.pass(); // firing fails (retry in ~3 s); the resolve is not even tried
    expect(slack.got.map((g) => g.status)).toEqual(['firing']);
    s.advance(60_000);
    await s.dispatcher.pass(); // firing fails again
    s.advance(60_000);
    await s.dispatcher.pass(); // firing delivered
    await s.dispatcher.pass(); // now the resolve
    expect(slack.got.map((g) => g.status)).toEqual(['firing', 'firing', 'firing', 'resolved']);
    expect(slack.got[3]?.previousRef).toBe('ref-3');
  });

  it('dead-letters a permanent failure at once and goes on with the next notification of that alert', async () => {
    const pd = new ScriptedNotifier('pd', [fail(false)]);
    const s = setup([pd]);
    s.enqueue([notification('a', 'firing', T0)]);
    s.enqueue([notification('a', 'resolved', T0 + 5)]);
    await s.dispatcher.pass();
    await s.dispatcher.pass();
    expect(pd.got.map((g) => g.status)).toEqual(['firing', 'resolved']);
    expect(s.store.stats()).toEqual({ pending: 0, dead: 1 });
    expect(s.store.recent(10).find((r) => r.state === 'dead')?.lastError).toContain('HTTP 400');
  });

  it('gives a retryable failure up after the maximum age', async () => {
    const down = new ScriptedNotifier('down', Array.from({ length: 100 }, () => fail(true)));
    const s = setup([down]);
    s.enqueue([notification('a', 'firing', T0)]);
    for (let i = 0; i < 40 && s.store.stats().pending > 0; i++) {
      await s.dispatcher.pass();
      s.advance(DEFAULT_RETRY_POLICY.maxDelayMs * 10);
    }
    expect(s.store.stats()).toMatchObject({ pending: 0, dead: 1 });
  });

  it('keeps other receivers going while one is down', async () => {
    const down = new ScriptedNotifier('down', Array.from({ length: 10 }, () => fail(true, 600_000)));
    const up = new ScriptedNotifier('up');
    const route = buildRouteTree({ receiver: 'down', groupWaitMs: 0, routes: [{ receiver: 'up', matchers: [], continue: true }, { receiver: 'down', matchers: [] }] });
    const s = setup([down, up], route);
    s.enqueue([notification('a', 'firing', T0), notification('b', 'firing', T0)]);
    await s.dispatcher.pass();
    expect(up.got.map((g) => g.alertKey).sort()).toEqual(['a', 'b']);
    expect(s.store.stats().pending).toBe(2);
  });

  it('keeps a few sends per receiver in flight: a slow one holds up its own lane only', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inFlight = 0;
    let most = 0;
    const got: string[] = [];
    const notifier: Notifier = {
      kind: 'scripted',
      name: 'x',
      async send(n) {
        got.push(n.alertKey);
        inFlight++;
        most = Math.max(most, inFlight);
        if (n.alertKey === 'a') await slow;
        else await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return { ok: true };
      },
    };
    const db = openDb(':memory:');
    const store = new OutboxStore(db);
    const outbox = new Outbox(store, routerFor(buildRouteTree({ receiver: 'x', groupWaitMs: 0 }), () => 'scripted'));
    db.transaction(() => outbox.enqueue(['a', 'b', 'c', 'd', 'e'].map((k) => notification(k, 'firing', T0)), T0))();
    const dispatcher = new Dispatcher({ store, notifiers: () => new Map([['x', notifier]]), now: () => T0, random: () => 0.5, logger: quiet }, DEFAULT_RETRY_POLICY, { perReceiver: 2 });
    const pass = dispatcher.pass();
    for (let i = 0; i < 50 && store.stats().pending > 1; i++) await new Promise((resolve) => setImmediate(resolve));
    // b..e went through the other lane while a is still being sent.
    expect(got).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(store.stats().pending).toBe(1);
    release();
    expect(await pass).toBe(5);
    expect(most).toBe(2);
    expect(store.stats().pending).toBe(0);
  });

  it('does not wait for the sends of an earlier pass: a row due while another send hangs goes out at once, on a free lane', async () => {
    const slow = hangingNotifier('slow', ['a']);
    const fast = hangingNotifier('fast', []);
    const db = openDb(':memory:');
    const store = new OutboxStore(db);
    const outbox = new Outbox(store, routeByAlert({ a: 'slow', b: 'fast', c: 'slow' }));
    const dispatcher = new Dispatcher({ store, notifiers: () => new Map([['slow', slow], ['fast', fast]]), now: () => T0, random: () => 0.5, logger: quiet }, DEFAULT_RETRY_POLICY, { perReceiver: 1 });
    const enqueue = (key: string) => db.transaction(() => outbox.enqueue([notification(key, 'firing', T0, { labels: { alert: key } })], T0))();

    enqueue('a');
    const first = dispatcher.pass(); // slow's only lane hangs on a
    await settle();
    enqueue('b');
    enqueue('c');
    const second = dispatcher.pass();
    await settle();
    expect(fast.got).toEqual(['b']); // not held up by a
    expect(slow.got).toEqual(['a']); // c waits for slow's lane (one send at a time), whichever pass claimed it
    slow.release();
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(slow.got).toEqual(['a', 'c']);
    expect(store.stats()).toEqual({ pending: 0, dead: 0 });
  });

  it('wakes up as soon as the enqueuing transaction has committed, not on a timer, and never sends what is not committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-dispatcher-'));
    const path = join(dir, 'outbox.db');
    const db = openDb(path);
    const reader = new Database(path, { readonly: true });
    try {
      const store = new OutboxStore(db);
      const committedWhenSent: number[] = [];
      const notifier: Notifier = {
        kind: 'scripted',
        name: 'x',
        send(n) {
          // What another connection sees: only a committed row.
          committedWhenSent.push((reader.prepare('SELECT COUNT(*) AS n FROM outbox WHERE notification_id = ?').get(n.id) as { n: number }).n);
          return Promise.resolve({ ok: true });
        },
      };
      const timers = manualSchedule();
      const dispatcher = new Dispatcher({ store, notifiers: () => new Map([['x', notifier]]), now: timers.now, random: () => 0.5, logger: quiet, schedule: timers.schedule });
      const outbox = new Outbox(store, routerFor(buildRouteTree({ receiver: 'x', groupWaitMs: 0 }), () => 'scripted'), { onEnqueue: () => dispatcher.wake() });

      enqueueRolledBack(db, outbox, notification('a', 'firing', T0));
      await settle();
      expect(committedWhenSent).toEqual([]);

      db.transaction(() => outbox.enqueue([notification('b', 'firing', T0)], T0))();
      await settle(); // no timer has fired
      expect(committedWhenSent).toEqual([1]);
      expect(store.stats().pending).toBe(0);
      await dispatcher.stop(1_000);
    } finally {
      reader.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps its timer going while a send hangs: a retry of another receiver goes out when due', async () => {
    const slow = hangingNotifier('slow', ['a']);
    const flaky = new ScriptedNotifier('flaky', [fail(true)]);
    const db = openDb(':memory:');
    const store = new OutboxStore(db);
    const timers = manualSchedule();
    const dispatcher = new Dispatcher({ store, notifiers: () => new Map<string, Notifier>([['slow', slow], ['flaky', flaky]]), now: timers.now, random: () => 0.5, logger: quiet, schedule: timers.schedule });
    const outbox = new Outbox(store, routeByAlert({ a: 'slow', b: 'flaky' }), { onEnqueue: () => dispatcher.wake() });
    db.transaction(() => outbox.enqueue(['a', 'b'].map((key) => notification(key, 'firing', T0, { labels: { alert: key } })), T0))();
    db.transaction(() => outbox.enqueue([notification('a', 'resolved', T0, { labels: { alert: 'a' } })], T0))();
    await settle();
    expect(flaky.got.map((g) => g.alertKey)).toEqual(['b']); // failed; retry 1.5 s later (backoff with random 0.5)
    // The timer is set for that retry; the resolve of a, due but behind a's hanging send, does not make it spin.
    expect(Math.min(...timers.pending())).toBe(1_500);
    timers.fire(T0 + 1_500);
    await settle();
    expect(flaky.got.map((g) => g.alertKey)).toEqual(['b', 'b']); // while a still hangs
    expect(slow.got).toEqual(['a']);
    slow.release();
    await settle();
    timers.fire(T0 + 1_550); // a's send is over: its resolve is due
    await settle();
    expect(slow.got).toEqual(['a', 'a']);
    expect(store.stats()).toEqual({ pending: 0, dead: 0 });
    await dispatcher.stop(1_000);
  });

  it('enqueues a notification once even when a cycle is replayed', () => {
    const s = setup([new ScriptedNotifier('x')]);
    const n = notification('a', 'firing', T0);
    s.enqueue([n]);
    s.enqueue([n]);
    expect(s.store.stats().pending).toBe(1);
  });

  it('sends again what was in flight when the process died (at-least-once)', async () => {
    const s = setup([new ScriptedNotifier('x')]);
    s.enqueue([notification('a', 'firing', T0)]);
    const [row] = s.store.due(T0, 10);
    expect(s.store.claim(row?.id ?? -1)).toBe(true); // claimed, then the process is killed
    const again = new ScriptedNotifier('x');
    const d2 = new Dispatcher({ store: s.store, notifiers: () => new Map([['x', again]]), now: s.now, random: () => 0.5, logger: quiet });
    await d2.pass();
    expect(again.got.map((g) => g.alertKey)).toEqual(['a']);
  });

  it('waits group_wait before the first notification of a new group, not for resolves', () => {
    const route = buildRouteTree({ receiver: 'x', groupBy: ['slo'], groupWaitMs: 30_000 });
    const s = setup([new ScriptedNotifier('x')], route);
    s.enqueue([notification('a', 'firing', T0)]);
    expect(s.store.due(T0 + 29_000, 10)).toHaveLength(0);
    expect(s.store.due(T0 + 30_000, 10)).toHaveLength(1);
  });

  it('logs each queued notification once its transaction is committed: SLO, alert, state, receivers; nothing for a rollback or a replay', async () => {
    const route = buildRouteTree({ receiver: 'chat', groupWaitMs: 30_000, routes: [{ receiver: 'chat', matchers: [], continue: true }, { receiver: 'pager', matchers: [] }] });
    const db = openDb(':memory:');
    const store = new OutboxStore(db);
    const { logger, lines } = recordingLogger();
    const outbox = new Outbox(store, routerFor(route, () => 'scripted'), { logger });
    const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    enqueueRolledBack(db, outbox, notification('a', 'firing', T0));
    await settled();
    expect(lines).toEqual([]);

    const firing = notification('checkout/{"route":"/cart"}/page', 'firing', T0, { instance: { route: '/cart' } });
    db.transaction(() => outbox.enqueue([firing], T0))();
    db.transaction(() => outbox.enqueue([firing], T0))(); // a replayed cycle queues nothing
    await settled();
    expect(lines).toEqual([{
      level: 'info',
      message: 'alert notification queued',
      fields: {
        slo: 'checkout',
        alert: 'checkout/{"route":"/cart"}/page',
        status: 'firing',
        severity: 'page',
        kind: 'burn',
        instance: { route: '/cart' },
        receivers: ['chat', 'pager'],
        at: '2026-11-24T10:00:00.000Z',
        notBefore: { chat: '2026-11-24T10:00:30.000Z', pager: '2026-11-24T10:00:30.000Z' },
      },
    }]);
  });

  it('re-sends a firing alert after repeat_interval (a reminder), and to Alertmanager every resend delay, also after it resolved', async () => {
    const route = buildRouteTree({ receiver: 'chat', groupWaitMs: 0, repeatIntervalMs: 3_600_000, routes: [{ receiver: 'chat', matchers: [], continue: true }, { receiver: 'am', matchers: [] }] });
    const db = openDb(':memory:');
    const store = new OutboxStore(db);
    const kinds: Record<string, string> = { chat: 'slack', am: 'alertmanager' };
    const outbox = new Outbox(store, routerFor(route, (r) => kinds[r]), { resendDelayMs: 60_000 });
    const chat = new ScriptedNotifier('chat');
    const am = new ScriptedNotifier('am');
    let now = T0;
    const dispatcher = new Dispatcher({ store, notifiers: () => new Map([['chat', chat], ['am', am]]), now: () => now, random: () => 0.5, logger: quiet });
    const cycle = async (firing: boolean): Promise<void> => {
      db.transaction(() => outbox.heartbeat(firing ? [firingAlert(notification('a', 'firing', now))] : [], now))();
      await dispatcher.pass();
    };
    db.transaction(() => outbox.enqueue([notification('a', 'firing', now)], now))();
    await dispatcher.pass();
    for (let i = 0; i < 61; i++) { now += 60_000; await cycle(true); } // an hour of firing
    expect(chat.got.map((g) => g.status)).toEqual(['firing', 'firing']); // the first and one reminder
    expect(am.got.length).toBeGreaterThanOrEqual(30); // re-posted about every minute (a post is due when > 1 min old)
    db.transaction(() => outbox.enqueue([notification('a', 'resolved', now)], now))();
    await dispatcher.pass();
    const before = am.got.length;
    for (let i = 0; i < 20; i++) { now += 60_000; await cycle(false); }
    const resolvedPosts = am.got.slice(before).filter((g) => g.status === 'resolved').length;
    expect(resolvedPosts).toBeGreaterThanOrEqual(5); // re-posted while within 15 minutes of the resolve
    expect(resolvedPosts).toBeLessThanOrEqual(9);
    expect(chat.got.map((g) => g.status)).toEqual(['firing', 'firing', 'resolved']);
  });

  it('sends the firing pages waiting at a busy receiver before its tickets and resolves, each alert still in order', async () => {
    const slack = hangingNotifier('slack', ['t1']);
    const db = openDb(':memory:');
    const store = new OutboxStore(db);
    const outbox = new Outbox(store, routerFor(buildRouteTree({ receiver: 'slack', groupWaitMs: 0 }), () => 'scripted'));
    const dispatcher = new Dispatcher({ store, notifiers: () => new Map([['slack', slack]]), now: () => T0, random: () => 0.5, logger: quiet }, DEFAULT_RETRY_POLICY, { perReceiver: 1 });
    const ticket = (key: string) => notification(key, 'firing', T0, { severity: 'ticket' });
    const enqueue = (ns: AlertNotification[]) => db.transaction(() => outbox.enqueue(ns, T0))();
    enqueue([ticket('t1'), ticket('t2'), notification('old', 'resolved', T0), notification('p1', 'firing', T0)]);
    const first = dispatcher.pass(); // the one lane takes p1, then hangs on t1
    await settle();
    enqueue([ticket('t3'), notification('p2', 'firing', T0), notification('p1', 'resolved', T0)]);
    const second = dispatcher.pass(); // p2 goes before t2 and old's resolve, waiting already, and t3 and p1's resolve
    await settle();
    slack.release();
    await Promise.all([first, second]);
    expect(slack.got).toEqual(['p1', 't1', 'p2', 't2', 'old', 't3', 'p1']);
    expect(store.stats()).toEqual({ pending: 0, dead: 0 });
  });

  it('claims the rows of a pass in one transaction (one commit, not one per row)', async () => {
    const s = setup([new ScriptedNotifier('x')]);
    s.enqueue(['a', 'b', 'c'].map((key) => notification(key, 'firing', T0)));
    const inTransaction: boolean[] = [];
    const claim = s.store.claim.bind(s.store);
    s.store.claim = (id) => {
      inTransaction.push(s.db.inTransaction);
      return claim(id);
    };
    expect(await s.dispatcher.pass()).toBe(3);
    expect(inTransaction).toEqual([true, true, true]);
  });

  it('on a failed write records a delivery at the next pass (no second send, the resolve behind it not held up), and sends nothing it could not claim', async () => {
    const slack = new ScriptedNotifier('slack');
    const db = openDb(':memory:');
    const store = new OutboxStore(db);
    const outbox = new Outbox(store, routerFor(buildRouteTree({ receiver: 'slack', groupWaitMs: 0 }), () => 'scripted'));
    const errors: string[] = [];
    const dispatcher = new Dispatcher({ store, notifiers: () => new Map([['slack', slack]]), now: () => T0, random: () => 0.5, logger: quiet, onError: (err) => errors.push((err as Error).message) });
    db.transaction(() => outbox.enqueue([notification('a', 'firing', T0), notification('b', 'firing', T0)], T0))();
    db.transaction(() => outbox.enqueue([notification('a', 'resolved', T0 + 1)], T0))();
    const full = () => new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    const markDelivered = store.markDelivered.bind(store);
    const claim = store.claim.bind(store);
    let failDelivered = 1;
    store.markDelivered = (id, at, ref) => {
      if (failDelivered-- > 0) throw full();
      markDelivered(id, at, ref);
    };
    store.claim = (id) => {
      if (store.lastOf('b', 'slack')?.id === id && errors.length < 2) throw full();
      return claim(id);
    };
    await dispatcher.pass(); // a: sent, its record fails; b: cannot be claimed, so not sent
    expect(slack.got.map((g) => `${g.alertKey}:${g.status}`).sort()).toEqual(['a:firing']);
    expect(errors).toEqual(['database or disk is full', 'database or disk is full']);
    await dispatcher.pass(); // a's delivery is recorded first, then the resolve and b go
    await dispatcher.pass();
    expect(slack.got.map((g) => `${g.alertKey}:${g.status}`).sort()).toEqual(['a:firing', 'a:resolved', 'b:firing']);
    expect(store.stats()).toEqual({ pending: 0, dead: 0 });
  });
});
