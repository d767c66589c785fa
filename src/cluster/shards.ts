/**
 * Shards: how the SLOs are split between replicas that share one PostgreSQL database. Every SLO belongs to one
 * of `SHARD_COUNT` shards by a stable hash of its id; a replica evaluates and delivers the SLOs of the shards
 * whose advisory locks it holds (cluster/lease.ts), and serves the API for all of them from the shared store.
 */

/** How many shards the SLOs are hashed into (fixed: a changed count would move every SLO at once). */
export const SHARD_COUNT = 64;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The shard of an SLO: the 32-bit FNV-1a hash of the UTF-8 bytes of its id, modulo the shard count. Stable
 * across versions, platforms and restarts (documented in the README so others can compute it).
 */
export function shardOf(sloId: string, shardCount = SHARD_COUNT): number {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(sloId)) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h % shardCount;
}

/**
 * What the engine and the dispatcher ask of the shard leases: whether this replica holds an SLO's shard now.
 * One pod on SQLite holds every shard (`ALL_SHARDS`).
 */
export interface ShardOwnership {
  /** True while this replica holds the shard of `sloId` and can prove it (its lock session answers). */
  owns(sloId: string): boolean;
  /** The shards held now, ascending. */
  held(): readonly number[];
}

/** A single replica (SQLite, or PostgreSQL without sharding): it owns everything. */
export const ALL_SHARDS: ShardOwnership = {
  owns: () => true,
  held: () => Array.from({ length: SHARD_COUNT }, (_, i) => i),
};
