/**
 * The PostgreSQL schema: the same tables and columns as SQLite's (db.ts), times as BIGINT epoch milliseconds,
 * sums as DOUBLE PRECISION. `burnwatch_schema` holds how many migrations ran. Never edit a released migration:
 * add a new one.
 */
export const PG_MIGRATIONS: readonly string[] = [
  // 1: the ledger, alert states and history, the outbox (idempotent per notification and receiver), silences.
  `
  CREATE TABLE slo_instances (
    id BIGSERIAL PRIMARY KEY,
    slo_id TEXT NOT NULL,
    labels TEXT NOT NULL,
    created_slot_ms BIGINT NOT NULL,
    UNIQUE (slo_id, labels)
  );
  CREATE TABLE ledger (
    instance_id BIGINT NOT NULL REFERENCES slo_instances(id) ON DELETE CASCADE,
    slot_ms BIGINT NOT NULL,
    bad DOUBLE PRECISION NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    slice_bad DOUBLE PRECISION NOT NULL,
    slices DOUBLE PRECISION NOT NULL,
    data_slots BIGINT NOT NULL,
    PRIMARY KEY (instance_id, slot_ms)
  );
  CREATE TABLE slo_cursors (
    slo_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    first_slot_ms BIGINT NOT NULL,
    last_slot_ms BIGINT NOT NULL
  );
  CREATE TABLE alerts (
    alert_key TEXT PRIMARY KEY,
    slo_id TEXT NOT NULL,
    instance_labels TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    notified INTEGER NOT NULL DEFAULT 0,
    budget_at_fire DOUBLE PRECISION,
    updated_ms BIGINT NOT NULL
  );
  CREATE INDEX alerts_by_slo ON alerts (slo_id);
  CREATE TABLE alert_history (
    id BIGSERIAL PRIMARY KEY,
    alert_key TEXT NOT NULL,
    slo_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    from_phase TEXT NOT NULL,
    to_phase TEXT NOT NULL
  );
  CREATE INDEX alert_history_by_slo ON alert_history (slo_id, at_ms);
  CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    notification_id TEXT NOT NULL,
    alert_key TEXT NOT NULL,
    receiver TEXT NOT NULL,
    group_key TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'state',
    status TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    next_attempt_ms BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    delivered_ms BIGINT,
    external_ref TEXT,
    UNIQUE (notification_id, receiver)
  );
  CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
  CREATE INDEX outbox_by_alert ON outbox (alert_key, receiver, id);
  CREATE TABLE silences (
    id TEXT PRIMARY KEY,
    matchers TEXT NOT NULL,
    starts_ms BIGINT NOT NULL,
    ends_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_ms BIGINT NOT NULL
  );
  `,
  // 2: the replicas sharing the database (cluster/lease.ts): one row per replica, live while its lock session
  // (backend_pid) is in pg_stat_activity.
  `
  CREATE TABLE cluster_replicas (
    id TEXT PRIMARY KEY,
    backend_pid INTEGER NOT NULL,
    started_ms BIGINT NOT NULL,
    heartbeat_ms BIGINT NOT NULL,
    version TEXT NOT NULL
  );
  `,
  // 3 (shards): who wrote each ledger row and when (by the database's clock, one clock for every replica); the
  // shard of each outbox row (the same FNV-1a as cluster/shards.ts, so a replica reads only its shards' rows),
  // and who claimed a row being sent and when (a replica that takes over a shard re-queues only stale claims).
  `
  ALTER TABLE ledger ADD COLUMN replica TEXT;
  ALTER TABLE ledger ADD COLUMN written_ms BIGINT;
  CREATE FUNCTION burnwatch_shard(slo_id TEXT) RETURNS INTEGER LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  DECLARE
    h BIGINT := 2166136261;
    b BYTEA := convert_to(slo_id, 'UTF8');
  BEGIN
    FOR i IN 0 .. length(b) - 1 LOOP
      h := ((h # get_byte(b, i)) * 16777619) % 4294967296;
    END LOOP;
    RETURN (h % 64)::INTEGER;
  END
  $fn$;
  ALTER TABLE outbox ADD COLUMN shard INTEGER GENERATED ALWAYS AS (burnwatch_shard(split_part(alert_key, '/', 1))) STORED;
  ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
  ALTER TABLE outbox ADD COLUMN claimed_ms BIGINT;
  CREATE INDEX outbox_sending ON outbox (shard) WHERE state = 'sending';
  `,
];

/** Epoch milliseconds by the database's clock (SQL): what `written_ms` and `claimed_ms` hold. */
export const DB_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT';

/**
 * The key of the session advisory lock held while migrating (`pg_advisory_lock(bigint)`): replicas that start
 * together on an empty database take turns, and the ones after the first find the schema done. The value is
 * the ASCII bytes of "burnwatc" read as a big-endian 64-bit integer.
 */
export const MIGRATION_LOCK_KEY = '7094702606766928995';
