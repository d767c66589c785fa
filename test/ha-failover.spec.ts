import { afterAll, describe, expect, it } from 'vitest';
import {
  BURNING, SERVICES, TIMING, burningPage, expectEverySlotInTime, expectOnePageResolved, holderOf, pagerDutyEvents, resolveDelivered,
  slackRootMessages, slotsBetween, startHaCluster, startIncident, uncovered, writerRuns,
} from './support/ha-cluster.js';
import type { HaCluster } from './support/ha-cluster.js';
import { postgresBinDir } from './support/postgres.js';
import { hasBinary } from './support/prometheus.js';

/**
 * Issue 16, failover: three `burnwatch run` replicas share one PostgreSQL database and split the SLOs by shard
 * (advisory locks). The replica holding a burning SLO pages, then is killed with SIGKILL; the two others take
 * its shards within the failover timeout, continue the episode from the store (no second page) and resolve
 * it by editing the same Slack message and resolving the same PagerDuty incident. The ledger shows every slot
 * of every SLO written once, by one replica at a time, and none later than the failover timeout allows.
 */

let cluster: HaCluster | undefined;
afterAll(async () => {
  await cluster?.close();
});

describe.skipIf(!hasBinary('prometheus') || postgresBinDir() === undefined)('three replicas on one PostgreSQL: a replica killed during an incident', () => {
  it('hands its shards to the others within the failover timeout, with one page, one resolve and a ledger written once per slot', async () => {
    cluster = await startHaCluster({ databaseProxies: false });
    const c = cluster;
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
