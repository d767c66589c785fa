import pg from 'pg';
import type { Logger } from '../logger.js';
import { redactUrl } from '../redact-url.js';
import { planShards } from './share.js';
import type { ShardOwnership } from './shards.js';
import { SHARD_COUNT, shardOf } from './shards.js';
import type { ClusterStatus } from './status.js';

/**
 * The shard lease of one replica on PostgreSQL: it holds the advisory locks of its shards on one dedicated
 * session (a `pg.Client`, never the pool), registers itself in `cluster_replicas`, and on each tick checks the
 * session, heartbeats and moves towards its fair share (cluster/share.ts). PostgreSQL is the referee: a shard
 * lock has one holder, and a replica whose session ends (killed, crashed, cut off) loses its locks at once.
 *
 * Ownership changes only inside a tick's `exclusive` section (never during an evaluation cycle or a reload),
 * except one: when the session fails, this replica drops every shard at once (`owns()` is false before any
 * await), since it can no longer prove it holds them; the engine hears of it on the next tick.
 */

/** `pg_try_advisory_lock(int4 classid, int4 objid)`: classid "bw" + 1, objid the shard. */
export const SHARD_LOCK_CLASS = 0x62770001;

/** The application name of lock sessions: a replica row is live only while a session of this name has its pid. */
export const LEASE_APPLICATION = 'burnwatch-lease';

/** status() reads pg_locks at most this often. */
const STATUS_READ_MS = 1_000;

export interface ShardLeaseOptions {
  /** `postgres://user@host:port/db` (the store's `database.url`) and its password. */
  readonly url: string;
  readonly password?: string;
  readonly replicaId: string;
  readonly version: string;
  /** How often the daemon ticks; a statement on the lock session may take at most this long (and 5 s). */
  readonly leaseIntervalMs: number;
  /**
   * PostgreSQL ends a lock session idle this long (`idle_session_timeout`), freeing its locks: a replica cut off
   * from the database gives its shards up within this time even when the server never sees its socket close.
   */
  readonly failoverTimeoutMs: number;
  readonly now: () => number;
  readonly logger: Logger;
}

export interface LeaseTick {
  /** Runs `fn` when no evaluation cycle or reload is running (the daemon's exclusive section). */
  readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
  /** This replica now holds these shards (engine.adoptShards): continue their SLOs from the store. */
  readonly onAcquired: (shards: readonly number[]) => Promise<void>;
  /** This replica no longer holds these shards (engine.releaseShards). */
  readonly onReleased: (shards: readonly number[]) => void;
}

interface Session {
  readonly client: pg.Client;
  readonly pid: number;
}

interface Seen {
  /** Live replica id by lock-session pid. */
  readonly live: ReadonlyMap<number, string>;
  /** Holder pid by shard. */
  readonly locks: ReadonlyMap<number, number>;
}

const LIVE_REPLICAS = `
  SELECT r.id, r.backend_pid AS pid FROM cluster_replicas r
  JOIN pg_stat_activity a ON a.pid = r.backend_pid AND a.application_name = '${LEASE_APPLICATION}'`;

const SHARD_LOCKS = `
  SELECT l.objid::int AS shard, l.pid FROM pg_locks l
  WHERE l.locktype = 'advisory' AND l.classid = ${SHARD_LOCK_CLASS} AND l.objsubid = 2 AND l.granted
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

export class ShardLease implements ShardOwnership {
  readonly replicaId: string;
  private session: Session | undefined;
  private readonly shards = new Set<number>();
  /** Shards dropped when the session failed, not yet told to the engine (it hears of them inside a tick). */
  private dropped: number[] = [];
  /** Who held each shard at the last look: a shard of a replica that is gone since is a failover. */
  private lastHolders = new Map<number, string>();
  private lastSeen: Seen | undefined;
  private lastLookMs = Number.NEGATIVE_INFINITY;
  /** A read for status() under way: callers share it (probes and scrapes must not crowd the lock session). */
  private looking: Promise<Seen> | undefined;
  private problem = 'not connected yet: the first lease tick opens the lock session';
  private lockLosses = 0;
  private failovers = 0;
  private stopped = false;
  /** The session being opened (ticks may overlap: one opens it). */
  private opening: Promise<Session> | undefined;
  /** A rebalance waiting for or inside the exclusive section: later ticks only heartbeat meanwhile. */
  private rebalancing: Promise<void> | undefined;
  private readonly location: string;
  private readonly log: Logger;

  constructor(private readonly options: ShardLeaseOptions) {
    this.replicaId = options.replicaId;
    this.location = redactUrl(options.url);
    this.log = options.logger.child({ component: 'cluster', replica: options.replicaId });
  }

  owns(sloId: string): boolean {
    return this.session !== undefined && this.shards.has(shardOf(sloId));
  }

  held(): readonly number[] {
    return this.session === undefined ? [] : [...this.shards].sort((a, b) => a - b);
  }

  /** The lock session's backend pid while it is open. */
  sessionPid(): number | undefined {
    return this.session?.pid;
  }

  /**
   * One lease tick: opens the session if there is none (and registers this replica), heartbeats, then inside
   * `exclusive` reads who is live and who holds what, and locks or unlocks towards the fair share. Never throws:
   * a failure is logged, leaves this replica without shards and not ready, and the next tick tries again.
   * Ticks may overlap (a long cycle holds the exclusive section): the later ones keep the session busy with
   * heartbeats, so PostgreSQL does not end it as idle, and leave the rebalance to the one waiting.
   */
  async tick(hooks: LeaseTick): Promise<void> {
    if (this.stopped) return;
    let session = this.session;
    try {
      session ??= await (this.opening ??= this.open().finally(() => {
        this.opening = undefined;
      }));
      await this.heartbeat(session);
    } catch (err) {
      if (session !== undefined) this.lose(session, err);
      else this.problem = `cannot open the lock session on ${this.location}: ${message(err)}`;
      this.log.warn({ database: this.location, err: message(err) }, 'shard lease tick failed; holding no shard until the next tick');
    }
    this.rebalancing ??= this.rebalanceExclusive(hooks).catch((err: unknown) => {
      this.log.error({ err: message(err) }, 'the engine failed to give up shards; the next tick tries again');
    }).finally(() => {
      this.rebalancing = undefined;
    });
    await this.rebalancing;
  }

  private rebalanceExclusive(hooks: LeaseTick): Promise<void> {
    return hooks.exclusive(async () => {
      this.tellDropped(hooks);
      const current = this.session;
      if (current === undefined || this.stopped) return;
      try {
        await this.rebalance(current, hooks);
      } catch (err) {
        this.lose(current, err);
        this.tellDropped(hooks);
        this.log.warn({ database: this.location, err: message(err) }, 'shard lease rebalance failed; holding no shard until the next tick');
      }
    });
  }

  /**
   * Who holds what: read when the session is open (at most once a second, shared by concurrent callers, so
   * that /readyz, /metrics and the API cannot crowd the lock session), else this replica alone with no shard.
   */
  async status(): Promise<ClusterStatus> {
    const session = this.session;
    let seen = this.lastSeen;
    if (session !== undefined && (this.looking !== undefined || this.options.now() - this.lastLookMs >= STATUS_READ_MS)) {
      try {
        seen = await (this.looking ??= this.look(session).finally(() => {
          this.looking = undefined;
        }));
      } catch {
        // the next tick decides whether the session failed; show the last look meanwhile
      }
    }
    const byId = new Map<string, number[]>();
    if (session !== undefined && seen !== undefined) {
      for (const id of seen.live.values()) byId.set(id, []);
      for (const [shard, pid] of seen.locks) {
        const id = seen.live.get(pid);
        if (id !== undefined && id !== this.replicaId) byId.get(id)?.push(shard);
      }
    }
    byId.set(this.replicaId, [...this.held()]);
    const replicas = [...byId].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, shards]) => ({ id, shards: shards.sort((a, b) => a - b) }));
    const held = this.held().length;
    return {
      replica: this.replicaId,
      shardCount: SHARD_COUNT,
      replicas,
      session: session === undefined
        ? { ok: false, detail: this.problem }
        : { ok: true, detail: `lock session open on ${this.location}: holding ${held} of ${SHARD_COUNT} shards, ${replicas.length} live replicas` },
      shardsHeld: held,
      lockLosses: this.lockLosses,
      failovers: this.failovers,
    };
  }

  /** SIGTERM: gives every shard up (so the others take them on their next tick), deletes this replica's row, closes the session. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const session = this.session;
    this.session = undefined;
    this.shards.clear();
    this.problem = 'stopped';
    if (session === undefined) return;
    try {
      await session.client.query('SELECT pg_advisory_unlock_all()');
      await session.client.query('DELETE FROM cluster_replicas WHERE id = $1 AND backend_pid = $2', [this.replicaId, session.pid]);
    } catch (err) {
      this.log.warn({ database: this.location, err: message(err) }, 'could not release the shard locks cleanly; closing the session releases them');
    }
    await session.client.end().catch(() => undefined);
  }

  private async open(): Promise<Session> {
    const statementMs = Math.min(this.options.leaseIntervalMs, 5_000);
    const client = new pg.Client({
      connectionString: this.options.url,
      ...(this.options.password === undefined ? {} : { password: this.options.password }),
      connectionTimeoutMillis: statementMs,
      statement_timeout: statementMs,
      query_timeout: statementMs + 1_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1_000,
      application_name: LEASE_APPLICATION,
    });
    // Until the session is ours, a failure is a failed open (the catch below); afterwards `lose` handles it.
    client.on('error', (err) => this.lostBy(client, err));
    client.on('end', () => this.lostBy(client, new Error('the lock session ended')));
    try {
      await client.connect();
      // Set here as well: an application_name in database.url would win over the connection option.
      await client.query(`SET application_name = '${LEASE_APPLICATION}'`);
      await this.limitIdle(client);
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      await this.register(client, pid);
      const session = { client, pid };
      if (this.stopped) {
        await client.end().catch(() => undefined);
        throw new Error('stopped');
      }
      this.session = session;
      this.log.info({ database: this.location, pid }, 'shard lease session open');
      return session;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  /** PostgreSQL 14 and later end the session after the failover timeout without a statement; older ones cannot. */
  private async limitIdle(client: pg.Client): Promise<void> {
    try {
      await client.query(`SET idle_session_timeout = ${Math.round(this.options.failoverTimeoutMs)}`);
    } catch (err) {
      if ((err as { code?: unknown }).code !== '42704') throw err;
      this.log.warn({ database: this.location }, 'PostgreSQL before 14 has no idle_session_timeout: a replica cut off from the database keeps its shards until the server notices its connection is gone (tcp_keepalives_*)');
    }
  }

  /**
   * Inserts or takes over this replica's row. A row of the same id whose session is still live belongs to
   * another replica with the same id: refused (two replicas with one id would compute the same share).
   */
  private async register(client: pg.Client, pid: number): Promise<void> {
    const now = this.options.now();
    const taken = await client.query(
      `INSERT INTO cluster_replicas (id, backend_pid, started_ms, heartbeat_ms, version) VALUES ($1, $2, $3, $3, $4)
       ON CONFLICT (id) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, started_ms = EXCLUDED.started_ms,
         heartbeat_ms = EXCLUDED.heartbeat_ms, version = EXCLUDED.version
       WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = cluster_replicas.backend_pid AND a.application_name = '${LEASE_APPLICATION}')`,
      [this.replicaId, pid, now, this.options.version],
    );
    if (taken.rowCount !== 1) {
      throw new Error(`another live replica already uses the replica id "${this.replicaId}": give each replica its own cluster.replicaId (or BURNWATCH_REPLICA_ID)`);
    }
  }

  /** The session answers and this replica's row is there (re-registered if someone deleted it); old rows of dead replicas go. */
  private async heartbeat(session: Session): Promise<void> {
    const updated = await session.client.query('UPDATE cluster_replicas SET heartbeat_ms = $3 WHERE id = $1 AND backend_pid = $2', [this.replicaId, session.pid, this.options.now()]);
    if (updated.rowCount !== 1) await this.register(session.client, session.pid);
    await session.client.query(`DELETE FROM cluster_replicas r WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.backend_pid AND a.application_name = '${LEASE_APPLICATION}')`);
  }

  private async look(session: Session): Promise<Seen> {
    const live = await session.client.query<{ id: string; pid: number }>(LIVE_REPLICAS);
    const locks = await session.client.query<{ shard: number; pid: number }>(SHARD_LOCKS);
    const seen: Seen = {
      live: new Map(live.rows.map((r) => [r.pid, r.id])),
      locks: new Map(locks.rows.filter((r) => r.shard >= 0 && r.shard < SHARD_COUNT).map((r) => [r.shard, r.pid])),
    };
    this.lastSeen = seen;
    this.lastLookMs = this.options.now();
    return seen;
  }

  private async rebalance(session: Session, hooks: LeaseTick): Promise<void> {
    const seen = await this.look(session);
    const liveIds = new Set(seen.live.values());
    const plan = planShards({
      self: this.replicaId,
      live: [...liveIds],
      held: [...this.shards],
      lockedByOthers: [...seen.locks].filter(([, pid]) => pid !== session.pid).map(([shard]) => shard),
    });
    if (plan.release.length > 0) {
      // Not ours any more before the unlock: nothing here evaluates or delivers them once another replica can.
      for (const shard of plan.release) this.shards.delete(shard);
      hooks.onReleased(plan.release);
      await session.client.query('SELECT pg_advisory_unlock($1, s) FROM unnest($2::int[]) AS s', [SHARD_LOCK_CLASS, plan.release]);
      this.log.info({ shards: plan.release, target: plan.target }, 'released shards to rebalance');
    }
    if (plan.acquire.length > 0) {
      const tried = await session.client.query<{ shard: number; ok: boolean }>('SELECT s AS shard, pg_try_advisory_lock($1, s) AS ok FROM unnest($2::int[]) AS s', [SHARD_LOCK_CLASS, plan.acquire]);
      const acquired = tried.rows.filter((r) => r.ok).map((r) => r.shard);
      if (acquired.length > 0) await this.adopt(session, acquired, liveIds, hooks);
    }
    const holders = new Map<number, string>();
    for (const [shard, pid] of seen.locks) {
      const id = seen.live.get(pid);
      if (id !== undefined && pid !== session.pid) holders.set(shard, id);
    }
    for (const shard of this.shards) holders.set(shard, this.replicaId);
    this.lastHolders = holders;
  }

  /** Hands locked shards to the engine, then owns them; if the engine cannot take them, they are unlocked again. */
  private async adopt(session: Session, acquired: readonly number[], liveIds: ReadonlySet<string>, hooks: LeaseTick): Promise<void> {
    try {
      await hooks.onAcquired(acquired);
    } catch (err) {
      this.log.warn({ shards: acquired, err: message(err) }, 'could not take over shards; unlocking them for the next tick');
      await session.client.query('SELECT pg_advisory_unlock($1, s) FROM unnest($2::int[]) AS s', [SHARD_LOCK_CLASS, acquired]);
      return;
    }
    if (this.session !== session) return;
    const fromDead = acquired.filter((shard) => {
      const previous = this.lastHolders.get(shard);
      return previous !== undefined && previous !== this.replicaId && !liveIds.has(previous);
    });
    for (const shard of acquired) this.shards.add(shard);
    this.failovers += fromDead.length;
    if (fromDead.length > 0) this.log.warn({ shards: fromDead }, 'took over the shards of a replica that is gone');
    this.log.info({ shards: acquired, held: this.shards.size }, 'acquired shards');
  }

  private lostBy(client: pg.Client, err: Error): void {
    const session = this.session;
    if (session !== undefined && session.client === client) this.lose(session, err);
  }

  /** The session failed: every shard is dropped at once (before any await), the client closed so its locks go. */
  private lose(session: Session, err: unknown): void {
    if (this.session !== session) return;
    this.session = undefined;
    const dropped = [...this.shards].sort((a, b) => a - b);
    this.shards.clear();
    this.dropped.push(...dropped);
    this.lockLosses += dropped.length;
    this.problem = this.stopped ? 'stopped' : `the lock session on ${this.location} failed (${message(err)}); reconnecting on the next lease tick`;
    if (!this.stopped) this.log.error({ database: this.location, shards: dropped.length, err: message(err) }, 'lost the shard lock session; holding no shard');
    void session.client.end().catch(() => undefined);
  }

  private tellDropped(hooks: LeaseTick): void {
    if (this.dropped.length === 0) return;
    const dropped = this.dropped;
    this.dropped = [];
    hooks.onReleased(dropped);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
