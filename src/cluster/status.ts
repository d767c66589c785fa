import { SHARD_COUNT } from './shards.js';

/**
 * Who holds which shard, as one replica sees it: what `GET /api/v1/cluster`, `/readyz` and the cluster metrics
 * show. On PostgreSQL it comes from the shard lease (cluster/lease.ts); on SQLite one replica holds every shard.
 */
export interface ClusterStatus {
  /** This replica's id. */
  readonly replica: string;
  readonly shardCount: number;
  /** The live replicas, sorted by id, each with the shards it holds (ascending). */
  readonly replicas: readonly { readonly id: string; readonly shards: readonly number[] }[];
  /** The lock session answers (always true on SQLite); when false, this replica holds no shard. */
  readonly session: { readonly ok: boolean; readonly detail: string };
  /** Shards this replica holds now. */
  readonly shardsHeld: number;
  /** Shard locks this replica lost without giving them up (its lock session failed), since it started. */
  readonly lockLosses: number;
  /** Shards this replica took over from a replica that died, since it started. */
  readonly failovers: number;
}

/** One replica alone (SQLite): it holds all the shards. */
export function singleReplicaStatus(replica: string): ClusterStatus {
  const all = Array.from({ length: SHARD_COUNT }, (_, i) => i);
  return {
    replica,
    shardCount: SHARD_COUNT,
    replicas: [{ id: replica, shards: all }],
    session: { ok: true, detail: 'one replica (SQLite) holds every shard' },
    shardsHeld: SHARD_COUNT,
    lockLosses: 0,
    failovers: 0,
  };
}
