import { afterAll, describe, expect, it } from 'vitest';
import {
  BURNING, SERVICES, TIMING, burningPage, expectEverySlotInTime, expectOnePageResolved, holderOf, pagerDutyEvents, resolveDelivered,
  slackRootMessages, slotsBetween, startHaCluster, startIncident, uncovered, until, writerRuns,
} from './support/ha-cluster.js';
import type { HaCluster, Replica } from './support/ha-cluster.js';
import { postgresBinDir } from './support/postgres.js';
import { hasBinary } from './support/prometheus.js';
import type { TcpProxy } from './support/tcp-proxy.js';

// Issue 16 end to end: two scenarios of three replicas, PostgreSQL, Prometheus and both emulators each. They are
// in one file so that they run one after the other (each starts six processes and times a failover).

/**
 * Issue 16, failover: three `burnwatch run` replicas share one PostgreSQL database and split the SLOs by shard
 * (advisory locks). The replica holding a burning SLO pages, then is killed with SIGKILL; the two others take
 * its shards within the failover timeout, continue the episode from the store (no second page) and resolve
 * it by editing the same Slack message and resolving the same PagerDuty incident. The ledger shows every slot
 * of every SLO written once, by one replica at a time, and none later than the failover timeout allows.
 */

let killed: HaCluster | undefined;

describe.skipIf(!hasBinary('prometheus') || postgresBinDir() === undefined)('three replicas on one PostgreSQL: a replica killed during an incident', () => {
  // Stopped before the next scenario starts.
  afterAll(async () => {
    await killed?.close();
  });

  it('hands its shards to the others within the failover timeout, with one page, one resolve and a ledger written once per slot', async () => {
    killed = await startHaCluster({ databaseProxies: false });
    const c = killed;
    const { before, settledAt, holder: victim, others: survivors, firing } = await startIncident(c);
    const victimId = victim.id;
    // The SLOs are spread: more than one replica evaluates some.
    expect(new Set(SERVICES.map((s) => holderOf(before, s))).size).toBeGreaterThanOrEqual(2);
    // Only the holder talked to Slack and PagerDuty.
    expect(victim.slackProxy.sent.length).toBeGreaterThan(0);
    expect(victim.pdProxy.sent.length).toBeGreaterThan(0);
    for (const id of survivors) expect([c.replicas.get(id)!.slackProxy.sent.length, c.replicas.get(id)!.pdProxy.sent.length], id).toEqual([0, 0]);
    expect(firing?.state).toBe('firing');

    // kill -9: PostgreSQL ends its sessions as the kernel closes its sockets, which frees its locks.
    const killedAt = Date.now();
    const killedPerf = performance.now();
    await victim.kill();
    const [afterKill] = await c.settled(survivors, 30_000, uncovered);
    const failoverMs = performance.now() - killedPerf;
    expect(failoverMs, 'every shard held by the survivors').toBeLessThanOrEqual(TIMING.failoverTimeoutMs + TIMING.leaseIntervalMs);
    const after = (await c.settled(survivors, 30_000))[0]!;
    const newHolderId = holderOf(after, BURNING)!;
    expect(survivors).toContain(newHolderId);
    expect(holderOf(afterKill!, BURNING)).toBe(newHolderId);
    // The others keep what they held: only the dead replica's shards move.
    for (const s of SERVICES) if (holderOf(before, s) !== victimId) expect(holderOf(after, s), s).toBe(holderOf(before, s));

    // The alert continues: same episode, firing, and no second page while the burn goes on for three more cycles.
    await new Promise((resolve) => setTimeout(resolve, 3 * TIMING.intervalMs));
    const continued = await burningPage(c.replicas.get(newHolderId)!);
    expect(continued).toMatchObject({ state: 'firing', firedAt: firing?.firedAt });
    expect(slackRootMessages(c.slack)).toHaveLength(1);
    expect(pagerDutyEvents(c.pd).map(([action]) => action)).toEqual(['trigger']);

    // The burn stops: the new holder resolves the same Slack message and PagerDuty incident.
    c.exporter.setErrorShare(BURNING, 0);
    await resolveDelivered(c, 120_000);
    const endedAt = Date.now();
    expectOnePageResolved(c);
    const newHolder = c.replicas.get(newHolderId)!;
    expect(newHolder.slackProxy.sent.length, 'the new holder sent the Slack edit').toBeGreaterThan(0);
    expect(newHolder.pdProxy.sent.length, 'the new holder sent the PagerDuty resolve').toBeGreaterThan(0);
    const other = c.replicas.get(survivors.find((id) => id !== newHolderId)!)!;
    expect([other.slackProxy.sent.length, other.pdProxy.sent.length], other.id).toEqual([0, 0]);

    // The ledger, from the settled cluster to the end (slots whose cycle has surely run).
    const slots = slotsBetween(settledAt, endedAt - TIMING.intervalMs - TIMING.schedulerDelayMs);
    const ledger = await c.ledger();
    for (const s of SERVICES) {
      const rows = expectEverySlotInTime(ledger, s, slots);
      // One writer at a time: the writer changes only at the kill, from the dead replica to the new holder.
      const expected = holderOf(before, s) === victimId ? [victimId, holderOf(after, s)] : [holderOf(before, s)];
      expect(writerRuns(rows), `${s}: writers in slot order`).toEqual(expected);
      if (holderOf(before, s) === victimId) {
        const firstNew = rows.find((r) => r.replica !== victimId)!;
        expect(firstNew.slotMs, `${s}: the dead replica wrote no slot after the kill`).toBeGreaterThan(killedAt - TIMING.intervalMs - TIMING.schedulerDelayMs);
        expect(firstNew.slotMs).toBeLessThanOrEqual(killedAt + TIMING.failoverTimeoutMs + TIMING.intervalMs);
      }
    }
    console.log(`failover: shards held by the survivors ${Math.round(failoverMs)} ms after the kill; ${slots.length} slots checked per SLO`);
  }, 300_000);
});

/**
 * Issue 16, a replica cut off from PostgreSQL: each of three `burnwatch run` replicas reaches the database
 * through its own TCP proxy. With the replica that holds a burning SLO's shard paging, its proxy is cut (every
 * connection destroyed, new ones refused): PostgreSQL ends its sessions and frees its locks, so another replica
 * takes the shard, while the cut replica can no longer prove it holds anything. It must send nothing from the
 * cut on (every byte each replica sends to Slack and PagerDuty goes through a proxy of its own, with its time)
 * and answer /readyz 503; the resolve comes from the new holder. When the link is back, the replica is ready
 * again and takes its share of shards, and nothing is paged a second time.
 */

interface ReadyzAnswer {
  ready?: boolean;
  checks?: Record<string, { ok: boolean; detail: string }>;
}

/** Whether a proxy carried bytes from its replica within `windowMs` before `at` (both `performance.now()`). */
const carried = (proxy: TcpProxy, at: number, windowMs = 2_000): boolean => proxy.sent.some((t) => t <= at && t >= at - windowMs);

let cut: HaCluster | undefined;

describe.skipIf(!hasBinary('prometheus') || postgresBinDir() === undefined)('three replicas on one PostgreSQL: a replica cut off from the database during an incident', () => {
  // Stopped before the next scenario starts.
  afterAll(async () => {
    await cut?.close();
  });

  it('stops sending at once, goes not ready, hands the shard over within the failover timeout, and comes back without a second page', async () => {
    cut = await startHaCluster({ databaseProxies: true });
    const c = cut;
    const { ids, settledAt, holder: cutOff, others: survivors, firing } = await startIncident(c);
    const cutId = cutOff.id;
    expect(firing?.state).toBe('firing');

    // The cut.
    const cutAt = Date.now();
    const cutPerf = performance.now();
    cutOff.dbProxy!.cut();

    const notReady = await until(`${cutId} /readyz 503`, async () => {
      const r = await cutOff.get('/readyz');
      return r.status === 503 ? (r.json as ReadyzAnswer) : undefined;
    }, TIMING.failoverTimeoutMs, c.outputs);
    const notReadyMs = performance.now() - cutPerf;
    const failing = Object.entries(notReady.checks ?? {}).filter(([, check]) => !check.ok).map(([name]) => name);
    expect(failing.filter((name) => name === 'database' || name === 'cluster'), `failing checks: ${failing.join(', ')}`).not.toEqual([]);

    const [afterCut] = await c.settled(survivors, 30_000, uncovered);
    const failoverMs = performance.now() - cutPerf;
    expect(failoverMs, 'every shard held by the others').toBeLessThanOrEqual(TIMING.failoverTimeoutMs + TIMING.leaseIntervalMs);
    const newHolderId = holderOf(afterCut!, BURNING)!;
    expect(survivors).toContain(newHolderId);
    const newHolder = c.replicas.get(newHolderId)!;
    expect(await burningPage(newHolder)).toMatchObject({ state: 'firing', firedAt: firing?.firedAt });

    // The burn stops while the replica is still cut off: the new holder resolves the episode.
    c.exporter.setErrorShare(BURNING, 0);
    await resolveDelivered(c, 120_000);
    const update = c.slack.calls('chat.update')[0]!;
    const resolve = c.pd.requests.find((r) => (r.json as { event_action?: string } | undefined)?.event_action === 'resolve')!;
    const senders = (pick: (r: Replica) => TcpProxy, at: number): string[] => ids.filter((id) => carried(pick(c.replicas.get(id)!), at));
    expect(senders((r) => r.slackProxy, update.receivedAt), 'who sent the Slack edit').toEqual([newHolderId]);
    expect(senders((r) => r.pdProxy, resolve.receivedAt), 'who sent the PagerDuty resolve').toEqual([newHolderId]);

    // The link is back: ready again, its share of shards again.
    cutOff.dbProxy!.restore();
    const restoredAt = Date.now();
    await until(`${cutId} /readyz 200 after the link is back`, async () => ((await cutOff.get('/readyz')).status === 200 ? true : undefined), 60_000, c.outputs);
    const [rejoined] = await c.settled(ids, 60_000);
    // Three more cycles with whoever holds the SLO now: nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 3 * TIMING.intervalMs));
    expectOnePageResolved(c);
    expect(await burningPage(cutOff), 'the page alert as the cut replica reads it: no longer active').toBeUndefined();
    // The cut replica sent nothing to Slack or PagerDuty from the cut on (nor after it came back: nothing was due).
    expect([cutOff.slackProxy.sent.filter((t) => t >= cutPerf).length, cutOff.pdProxy.sent.filter((t) => t >= cutPerf).length], `${cutId} sent after the cut`).toEqual([0, 0]);
    const endedAt = Date.now();

    // The ledger: every slot of every SLO written, none late; the writer changes only at the cut (to the new
    // holder) and, once the replica is back, when the shards are rebalanced.
    const slots = slotsBetween(settledAt, endedAt - TIMING.intervalMs - TIMING.schedulerDelayMs);
    const ledger = await c.ledger();
    for (const s of SERVICES) {
      const rows = expectEverySlotInTime(ledger, s, slots);
      const handovers = rows.flatMap((r, i) => (i > 0 && r.replica !== rows[i - 1]!.replica ? [{ slotMs: r.slotMs, from: rows[i - 1]!.replica, to: r.replica }] : []));
      for (const h of handovers) {
        const atCut = h.from === cutId && h.to === holderOf(afterCut!, s) && h.slotMs > cutAt - TIMING.intervalMs - TIMING.schedulerDelayMs && h.slotMs <= cutAt + TIMING.failoverTimeoutMs + TIMING.intervalMs;
        const atRejoin = h.slotMs >= restoredAt - TIMING.intervalMs && h.to === holderOf(rejoined!, s);
        expect(atCut || atRejoin, `${s}: handover ${JSON.stringify(h)} (cut at ${cutAt}, link back at ${restoredAt})`).toBe(true);
      }
      expect(rows.filter((r) => r.replica === cutId && r.writtenMs !== null && r.writtenMs > cutAt && r.writtenMs < restoredAt), `${s}: rows the cut replica wrote while cut off`).toEqual([]);
    }
    console.log(`network cut: /readyz 503 ${Math.round(notReadyMs)} ms and every shard held by the others ${Math.round(failoverMs)} ms after the cut`);
  }, 300_000);
});
