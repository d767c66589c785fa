import { SHARD_COUNT } from './shards.js';

/**
 * The fair share of the shards and what a replica must lock or unlock to reach it: a pure decision from what
 * the replica sees in PostgreSQL at one lease tick (the live replicas, its own locks, the locks of the others).
 * cluster/lease.ts carries it out; every replica runs the same rule, so they converge without talking.
 */

export interface ShardView {
  /** This replica's id. */
  readonly self: string;
  /** The ids of the live replicas (their lock session is open), this one included or not. */
  readonly live: readonly string[];
  /** The shards this replica holds. */
  readonly held: readonly number[];
  /** The shards other sessions hold (live replicas, or a session not yet seen as a replica). */
  readonly lockedByOthers: readonly number[];
  readonly shardCount?: number;
}

export interface ShardPlan {
  /** How many shards this replica should hold. */
  readonly target: number;
  /** Shards to try to lock, lowest first (free now; another replica may still win one). */
  readonly acquire: readonly number[];
  /** Shards to unlock, highest first. */
  readonly release: readonly number[];
}

/**
 * The share of replica `index` among `replicas` (sorted by id): floor(count / n), plus one for the first
 * count mod n replicas. 64 shards over 3 replicas: 22, 21, 21.
 */
export function fairShare(index: number, replicas: number, shardCount = SHARD_COUNT): number {
  if (replicas <= 0) return 0;
  return Math.floor(shardCount / replicas) + (index < shardCount % replicas ? 1 : 0);
}

/**
 * What to lock and unlock now: above its share a replica unlocks its highest shards; below it, it locks the
 * lowest free ones until at its share. This replica counts as live even when the others do not see it yet.
 */
export function planShards(view: ShardView): ShardPlan {
  const shardCount = view.shardCount ?? SHARD_COUNT;
  const live = [...new Set([...view.live, view.self])].sort(compareIds);
  const target = fairShare(live.indexOf(view.self), live.length, shardCount);
  const held = [...new Set(view.held)].sort((a, b) => a - b);
  if (held.length > target) return { target, acquire: [], release: held.slice(target).reverse() };
  const taken = new Set([...held, ...view.lockedByOthers]);
  const free: number[] = [];
  for (let shard = 0; shard < shardCount && free.length < target - held.length; shard++) {
    if (!taken.has(shard)) free.push(shard);
  }
  return { target, acquire: free, release: [] };
}

/** Replica ids in code-unit order (the same on every replica, whatever its locale). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
