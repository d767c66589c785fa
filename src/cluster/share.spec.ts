import { describe, expect, it } from 'vitest';
import { fairShare, planShards } from './share.js';

/**
 * A cluster as PostgreSQL would see it: one lock table (a shard has at most one holder, as advisory locks
 * guarantee) and the replicas whose sessions are open. Each replica's tick plans from what it sees and tries
 * the locks; the timelines below step the ticks by hand.
 */
class Cluster {
  readonly locks = new Map<number, string>();
  readonly live = new Set<string>();

  join(id: string): void {
    this.live.add(id);
  }

  /** The session ends: PostgreSQL frees every lock it held. */
  die(id: string): void {
    this.live.delete(id);
    for (const [shard, holder] of this.locks) if (holder === id) this.locks.delete(shard);
  }

  held(id: string): number[] {
    return [...this.locks].filter(([, holder]) => holder === id).map(([shard]) => shard).sort((a, b) => a - b);
  }

  tick(id: string): void {
    const plan = planShards({
      self: id,
      live: [...this.live],
      held: this.held(id),
      lockedByOthers: [...this.locks].filter(([, holder]) => holder !== id).map(([shard]) => shard),
    });
    for (const shard of plan.release) this.locks.delete(shard);
    for (const shard of plan.acquire) if (!this.locks.has(shard)) this.locks.set(shard, id);
  }

  round(...ids: string[]): void {
    for (const id of ids) this.tick(id);
  }

  counts(): Record<string, number> {
    return Object.fromEntries([...this.live].sort().map((id) => [id, this.held(id).length]));
  }
}

describe('fairShare', () => {
  it.each([
    [1, [64]],
    [2, [32, 32]],
    [3, [22, 21, 21]],
    [5, [13, 13, 13, 13, 12]],
    [64, Array.from({ length: 64 }, () => 1)],
    [65, [...Array.from({ length: 64 }, () => 1), 0]],
  ])('splits 64 shards over %i replicas as %j', (n, shares) => {
    expect(Array.from({ length: n }, (_, i) => fairShare(i, n))).toEqual(shares);
  });
});

describe('planShards', () => {
  it('locks the lowest free shards up to the share', () => {
    const plan = planShards({ self: 'b', live: ['a', 'b'], held: [], lockedByOthers: [0, 1, 2, 5] });
    expect(plan.target).toBe(32);
    expect(plan.acquire.slice(0, 4)).toEqual([3, 4, 6, 7]);
    expect(plan.acquire).toHaveLength(32);
    expect(plan.release).toEqual([]);
  });

  it('unlocks the highest extras above the share', () => {
    const plan = planShards({ self: 'a', live: ['a', 'b', 'c'], held: Array.from({ length: 64 }, (_, i) => i), lockedByOthers: [] });
    expect(plan.target).toBe(22);
    expect(plan.release).toEqual(Array.from({ length: 42 }, (_, i) => 63 - i));
    expect(plan.acquire).toEqual([]);
  });

  it('counts itself live before the others see it, and takes no shard that is locked', () => {
    const plan = planShards({ self: 'b', live: ['a'], held: [], lockedByOthers: Array.from({ length: 64 }, (_, i) => i) });
    expect(plan).toEqual({ target: 32, acquire: [], release: [] });
  });

  it('orders replicas by id, not by the order it is told them', () => {
    expect(planShards({ self: 'pod-c', live: ['pod-c', 'pod-a', 'pod-b'], held: [], lockedByOthers: [] }).target).toBe(21);
    expect(planShards({ self: 'pod-a', live: ['pod-c', 'pod-b', 'pod-a'], held: [], lockedByOthers: [] }).target).toBe(22);
  });
});

describe('timelines', () => {
  it('one replica alone takes all 64 shards in one tick', () => {
    const c = new Cluster();
    c.join('a');
    c.round('a');
    expect(c.held('a')).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it('join: the holder gives up its highest shards, the newcomer takes them on its next tick', () => {
    const c = new Cluster();
    c.join('a');
    c.round('a');
    c.join('b');
    c.round('b');
    expect(c.counts()).toEqual({ a: 64, b: 0 });
    c.round('a');
    expect(c.counts()).toEqual({ a: 32, b: 0 });
    c.round('b');
    expect(c.counts()).toEqual({ a: 32, b: 32 });
    expect(c.held('a')).toEqual(Array.from({ length: 32 }, (_, i) => i));
    c.join('c');
    c.round('a', 'b', 'c', 'a', 'b', 'c');
    expect(c.counts()).toEqual({ a: 22, b: 21, c: 21 });
    expect(c.locks.size).toBe(64);
  });

  it('death: the survivors hold every shard after one tick each', () => {
    const c = new Cluster();
    for (const id of ['a', 'b', 'c']) c.join(id);
    c.round('a', 'b', 'c');
    expect(c.counts()).toEqual({ a: 22, b: 21, c: 21 });
    c.die('b');
    c.round('c', 'a');
    expect(c.counts()).toEqual({ a: 32, c: 32 });
    expect(c.locks.size).toBe(64);
  });

  it('session loss: the replica drops everything, the others take it, and it gets its share back after reconnecting', () => {
    const c = new Cluster();
    c.join('a');
    c.join('b');
    c.round('a', 'b');
    c.die('a');
    c.round('b');
    expect(c.counts()).toEqual({ b: 64 });
    c.join('a');
    c.round('a', 'b', 'a');
    expect(c.counts()).toEqual({ a: 32, b: 32 });
    expect(c.locks.size).toBe(64);
  });

  it('settles at the fair shares covering every shard after random joins, deaths and ticks', () => {
    const c = new Cluster();
    const ids = ['r1', 'r2', 'r3', 'r4'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let step = 0; step < 400; step++) {
      const id = ids[next() % ids.length] ?? 'r1';
      const roll = next() % 10;
      if (roll === 0) c.die(id);
      else if (roll === 1) c.join(id);
      else if (c.live.has(id)) c.tick(id);
      for (const holder of c.locks.values()) expect(c.live.has(holder)).toBe(true);
    }
    // Quiet: two rounds of every live replica reach the fair shares and cover every shard.
    const live = [...c.live].sort();
    c.round(...live, ...live);
    if (live.length > 0) expect(c.locks.size).toBe(64);
    expect(Object.values(c.counts())).toEqual(live.map((_, i) => fairShare(i, live.length)));
  });
});
