import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AlertTransition, StoredAlert } from '../../alerting/cycle.js';
import { formatMatcher } from '../../routing/matchers.js';
import type { Silence } from '../../routing/silence.js';
import type { WindowSum } from '../../slo/evaluate.js';
import { EMPTY_SUM } from '../../slo/evaluate.js';
import { labelsKey } from '../../slo/labels.js';
import { redactUrl } from '../../redact-url.js';
import type { ReportDigest } from '../../report/digest.js';
import type { HistoryRow, RawHistory } from '../alerts.js';
import { alertRow, HISTORY_LAST_BEFORE, HISTORY_WITHIN, toHistoryRow, toStoredAlert, toTransition } from '../alerts.js';
import type { CumulativeRow, Instance, LedgerCursor, LedgerExtent, LedgerRow, SlotIncrement } from '../ledger.js';
import { addIncrement, COARSE_STEP_MS, diff, FINE_RETENTION_MS, interpolateRows, interpolatesAt, LedgerValueError, MEDIUM_RETENTION_MS, MEDIUM_STEP_MS, toSum } from '../ledger.js';
import type { NewOutboxRow, OutboxRow, OutboxRowHead, OutboxStats, RawDelivery, RawHead, RawRow, SloDelivery } from '../outbox.js';
import { outboxValues, toDelivery, toHead, toRow } from '../outbox.js';
import { toSilence } from '../silences.js';
import type { AlertStates, InFlightScope, LedgerStore, NewSilence, OutboxQueue, Silences, SlotAppend, Store, StoreTx } from '../store.js';
import { pgFault, pgStoreError } from './errors.js';
import { DB_NOW_MS, MIGRATION_LOCK_KEY, PG_MIGRATIONS } from './schema.js';

/**
 * The PostgreSQL store: the same tables and the same answers as SQLite's (the store specs run against both),
 * for several replicas sharing one database. Statements are named, so each connection prepares them once.
 * Every failure is a StoreError naming the database (without its password) and what to do.
 */

export interface PgStoreOptions {
  /** `postgres://user@host:port/db`; the password comes separately (a secret reference in the settings). */
  readonly url: string;
  readonly password?: string;
  /** Connections kept (default 10). */
  readonly maxConnections?: number;
  /** How long a connection may take to open, and a statement to run, before it fails (default 10 s, 30 s). */
  readonly connectTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
  /** This replica's id, written into the ledger rows and the outbox claims it makes (default: none). */
  readonly replica?: string;
  /** An idle connection failed (the server went away): the next statement reports it. */
  readonly onIdleError?: (err: Error) => void;
}

/** BIGINT and NUMERIC come back as numbers: every value burnwatch stores is a safe integer or a double. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string): unknown => (oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text') as unknown)) as typeof pg.types.getTypeParser,
};

/** A connection or the pool: what statements run on. */
interface Conn {
  run<R extends pg.QueryResultRow = Record<string, unknown>>(name: string, text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

/** Opens the pool and migrates the schema (under an advisory lock: replicas starting together take turns). */
export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  const location = redactUrl(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    ...(options.password === undefined ? {} : { password: options.password }),
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    keepAlive: true,
    types: TYPES,
    application_name: 'burnwatch',
  });
  pool.on('error', (err) => options.onIdleError?.(err));
  try {
    await migrate(pool, location);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw pgFault(err, location, 'migrating the schema');
  }
  return new PgStore(pool, location, options.replica);
}

async function migrate(pool: pg.Pool, location: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS burnwatch_schema (version INTEGER NOT NULL)');
      const rows = (await client.query<{ version: number }>('SELECT version FROM burnwatch_schema')).rows;
      const current = rows[0]?.version ?? 0;
      if (rows.length === 0) await client.query('INSERT INTO burnwatch_schema (version) VALUES (0)');
      if (current > PG_MIGRATIONS.length) {
        throw pgStoreError('schema', location, `the database ${location} has burnwatch schema version ${current}, newer than this burnwatch (${PG_MIGRATIONS.length})`);
      }
      for (let v = current; v < PG_MIGRATIONS.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(PG_MIGRATIONS[v] ?? '');
          await client.query('UPDATE burnwatch_schema SET version = $1', [v + 1]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

export class PgStore implements Store {
  readonly backend = 'postgres' as const;
  readonly ledger: LedgerStore;
  readonly alerts: AlertStates;
  readonly outbox: OutboxQueue;
  readonly silences: Silences;
  /** Instances never change once created: shared by every view of this store. */
  private readonly instances = new Map<string, Instance>();

  constructor(private readonly pool: pg.Pool, readonly location: string, private readonly replica: string | null = null) {
    ({ ledger: this.ledger, alerts: this.alerts, outbox: this.outbox, silences: this.silences } = this.views(this.conn(pool)));
  }

  private conn(on: pg.Pool | pg.PoolClient): Conn {
    const location = this.location;
    return {
      async run<R extends pg.QueryResultRow>(name: string, text: string, values: readonly unknown[] = []) {
        try {
          return await on.query<R>({ name, text, values: [...values] });
        } catch (err) {
          throw pgFault(err, location, name);
        }
      },
    };
  }

  private views(conn: Conn): Omit<StoreTx, 'afterCommit'> {
    return { ledger: new PgLedger(conn, this.instances, this.replica), alerts: new PgAlerts(conn), outbox: new PgOutbox(conn, this.replica), silences: new PgSilences(conn) };
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw pgFault(err, this.location, 'connecting');
    }
    let broken: Error | undefined;
    const committed: (() => void)[] = [];
    let result: T;
    try {
      await client.query('BEGIN');
      result = await fn({ ...this.views(this.conn(client)), afterCommit: (hook) => committed.push(hook) });
      await client.query('COMMIT');
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
      throw pgFault(err, this.location, 'a transaction');
    } finally {
      client.release(broken);
    }
    for (const hook of committed) hook();
    return result;
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (err) {
      throw pgFault(err, this.location, 'a readiness check');
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const LEDGER_COLUMNS = 'slot_ms, bad, total, slice_bad, slices, data_slots';

class PgLedger implements LedgerStore {
  constructor(private readonly conn: Conn, private readonly cache: Map<string, Instance>, private readonly replica: string | null) {}

  async instance(sloId: string, labels: Readonly<Record<string, string>>, slotMs: number): Promise<Instance> {
    const key = labelsKey(labels);
    const cacheKey = `${sloId}\u0000${key}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    // Another replica may create it at the same moment: the unique key decides, and both read the one row.
    const { rows } = await this.conn.run<{ id: number; created_slot_ms: number }>('ledger.instance', `
      WITH ins AS (INSERT INTO slo_instances (slo_id, labels, created_slot_ms) VALUES ($1, $2, $3)
        ON CONFLICT (slo_id, labels) DO NOTHING RETURNING id, created_slot_ms)
      SELECT id, created_slot_ms FROM ins UNION ALL SELECT id, created_slot_ms FROM slo_instances WHERE slo_id = $1 AND labels = $2`, [sloId, key, slotMs]);
    const row = rows[0];
    if (row === undefined) throw new Error(`no instance row for ${sloId} ${key} after inserting it`);
    const inst: Instance = { id: row.id, sloId, labels, key, createdSlotMs: row.created_slot_ms };
    this.cache.set(cacheKey, inst);
    return inst;
  }

  async instancesOf(sloId: string): Promise<Instance[]> {
    const { rows } = await this.conn.run<{ id: number; labels: string; created_slot_ms: number }>('ledger.instancesOf',
      'SELECT id, labels, created_slot_ms FROM slo_instances WHERE slo_id = $1 ORDER BY id', [sloId]);
    return rows.map((r) => ({ id: r.id, sloId, labels: JSON.parse(r.labels) as Record<string, string>, key: r.labels, createdSlotMs: r.created_slot_ms }));
  }

  /**
   * One statement: the new row is the increment on top of the instance's last row before the slot (the same
   * slot again replaces its row; a slot older than the newest row is ignored, as SQLite's ledger does).
   */
  async append(instanceId: number, slotMs: number, inc: SlotIncrement): Promise<void> {
    refuseNonFinite(instanceId, slotMs, inc);
    await this.conn.run('ledger.append', `
      INSERT INTO ledger (instance_id, slot_ms, bad, total, slice_bad, slices, data_slots, replica, written_ms)
      SELECT $1, $2, COALESCE(p.bad, 0) + $3, COALESCE(p.total, 0) + $4, COALESCE(p.slice_bad, 0) + $5,
        COALESCE(p.slices, 0) + $6, COALESCE(p.data_slots, 0) + $7, $8, ${DB_NOW_MS}
      FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT bad, total, slice_bad, slices, data_slots FROM ledger
        WHERE instance_id = $1 AND slot_ms < $2 ORDER BY slot_ms DESC LIMIT 1) p ON true
      WHERE NOT EXISTS (SELECT 1 FROM ledger WHERE instance_id = $1 AND slot_ms > $2)
      ON CONFLICT (instance_id, slot_ms) DO UPDATE SET bad = excluded.bad, total = excluded.total,
        slice_bad = excluded.slice_bad, slices = excluded.slices, data_slots = excluded.data_slots,
        replica = excluded.replica, written_ms = excluded.written_ms`,
    [instanceId, slotMs, inc.bad, inc.total, inc.sliceBad, inc.slices, inc.data ? 1 : 0, this.replica]);
  }

  /**
   * Cumulative rows worked out here from the newest stored row, written in one statement (the same rows as
   * `append` slot by slot would write).
   */
  async appendAll(instanceId: number, slots: readonly SlotAppend[]): Promise<void> {
    if (slots.length === 0) return;
    let newest = (await this.conn.run<LedgerRow>('ledger.latest', `SELECT ${LEDGER_COLUMNS} FROM ledger WHERE instance_id = $1 ORDER BY slot_ms DESC LIMIT 1`, [instanceId])).rows[0];
    const rows: LedgerRow[] = [];
    for (const { slotMs, inc } of slots) {
      refuseNonFinite(instanceId, slotMs, inc);
      if (newest && slotMs < newest.slot_ms) continue;
      const base = newest && slotMs === newest.slot_ms ? await this.floorBefore(instanceId, slotMs, rows) : newest;
      newest = addIncrement(base, slotMs, inc);
      if (rows.at(-1)?.slot_ms === slotMs) rows.pop();
      rows.push(newest);
    }
    const column = (f: keyof LedgerRow): number[] => rows.map((r) => r[f]);
    await this.conn.run('ledger.appendAll', `INSERT INTO ledger (instance_id, slot_ms, bad, total, slice_bad, slices, data_slots, replica, written_ms)
      SELECT $1, u.*, $8, ${DB_NOW_MS} FROM unnest($2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::bigint[]) AS u
      ON CONFLICT (instance_id, slot_ms) DO UPDATE SET bad = excluded.bad, total = excluded.total,
        slice_bad = excluded.slice_bad, slices = excluded.slices, data_slots = excluded.data_slots,
        replica = excluded.replica, written_ms = excluded.written_ms`,
    [instanceId, column('slot_ms'), column('bad'), column('total'), column('slice_bad'), column('slices'), column('data_slots'), this.replica]);
  }

  /** The row before `slotMs`: among those about to be written, else the stored one. */
  private async floorBefore(instanceId: number, slotMs: number, pending: readonly LedgerRow[]): Promise<LedgerRow | undefined> {
    const local = pending.filter((r) => r.slot_ms < slotMs).at(-1);
    if (local) return local;
    return (await this.conn.run<LedgerRow>('ledger.floor', `SELECT ${LEDGER_COLUMNS} FROM ledger WHERE instance_id = $1 AND slot_ms < $2 ORDER BY slot_ms DESC LIMIT 1`, [instanceId, slotMs])).rows[0];
  }

  /** The kept rows at or before, and after, `atMs` and each start, in one statement. */
  async sumsSince(instanceId: number, atMs: number, startsMs: readonly number[]): Promise<Map<number, WindowSum>> {
    const points = [atMs, ...startsMs];
    const { rows } = await this.conn.run<Record<string, number | null>>('ledger.sumsSince', `
      SELECT p.at, f.slot_ms AS f_slot_ms, f.bad AS f_bad, f.total AS f_total, f.slice_bad AS f_slice_bad, f.slices AS f_slices, f.data_slots AS f_data_slots,
        c.slot_ms AS c_slot_ms, c.bad AS c_bad, c.total AS c_total, c.slice_bad AS c_slice_bad, c.slices AS c_slices, c.data_slots AS c_data_slots
      FROM unnest($2::bigint[]) AS p(at)
      LEFT JOIN LATERAL (SELECT ${LEDGER_COLUMNS} FROM ledger WHERE instance_id = $1 AND slot_ms <= p.at ORDER BY slot_ms DESC LIMIT 1) f ON true
      LEFT JOIN LATERAL (SELECT ${LEDGER_COLUMNS} FROM ledger WHERE instance_id = $1 AND slot_ms > p.at ORDER BY slot_ms LIMIT 1) c ON true`,
    [instanceId, points]);
    const at = new Map(rows.map((r) => [Number(r['at']), { floor: rowOf(r, 'f_'), ceil: rowOf(r, 'c_') }]));
    const end = toSum(at.get(atMs)?.floor);
    const out = new Map<number, WindowSum>();
    for (const start of startsMs) {
      const around = at.get(start);
      const floor = around?.floor;
      const sum = floor === undefined ? EMPTY_SUM : interpolatesAt(atMs, start) ? interpolateRows(floor, around?.ceil, start) : toSum(floor);
      out.set(start, diff(end, sum));
    }
    return out;
  }

  async cursor(sloId: string): Promise<LedgerCursor | undefined> {
    const { rows } = await this.conn.run<{ fingerprint: string; first_slot_ms: number; last_slot_ms: number }>('ledger.cursor',
      'SELECT fingerprint, first_slot_ms, last_slot_ms FROM slo_cursors WHERE slo_id = $1', [sloId]);
    const row = rows[0];
    return row && { fingerprint: row.fingerprint, firstSlotMs: row.first_slot_ms, lastSlotMs: row.last_slot_ms };
  }

  async setCursor(sloId: string, fingerprint: string, firstSlotMs: number, lastSlotMs: number): Promise<void> {
    await this.conn.run('ledger.setCursor', `INSERT INTO slo_cursors (slo_id, fingerprint, first_slot_ms, last_slot_ms) VALUES ($1, $2, $3, $4)
      ON CONFLICT (slo_id) DO UPDATE SET fingerprint = excluded.fingerprint, last_slot_ms = excluded.last_slot_ms`, [sloId, fingerprint, firstSlotMs, lastSlotMs]);
  }

  async dropSlo(sloId: string): Promise<void> {
    for (const [k, v] of this.cache) if (v.sloId === sloId) this.cache.delete(k);
    await this.conn.run('ledger.dropInstances', 'DELETE FROM slo_instances WHERE slo_id = $1', [sloId]);
    await this.conn.run('ledger.dropCursor', 'DELETE FROM slo_cursors WHERE slo_id = $1', [sloId]);
  }

  async sloIds(): Promise<string[]> {
    const { rows } = await this.conn.run<{ slo_id: string }>('ledger.sloIds', 'SELECT slo_id FROM slo_cursors');
    return rows.map((r) => r.slo_id);
  }

  async rollup(nowMs: number, retention: ReadonlyMap<string, number>): Promise<void> {
    const thin = `DELETE FROM ledger l WHERE l.slot_ms < $1 AND l.slot_ms >= $2 AND l.slot_ms % $3 != 0
      AND l.slot_ms != (SELECT MAX(l2.slot_ms) FROM ledger l2 WHERE l2.instance_id = l.instance_id)`;
    await this.conn.run('ledger.thin', thin, [nowMs - FINE_RETENTION_MS, nowMs - MEDIUM_RETENTION_MS, MEDIUM_STEP_MS]);
    await this.conn.run('ledger.thin', thin, [nowMs - MEDIUM_RETENTION_MS, 0, COARSE_STEP_MS]);
    for (const [sloId, ms] of retention) {
      const cut = nowMs - ms;
      await this.conn.run('ledger.expire', `DELETE FROM ledger l WHERE l.instance_id IN (SELECT id FROM slo_instances WHERE slo_id = $1) AND l.slot_ms < $2
        AND l.slot_ms != (SELECT MAX(l2.slot_ms) FROM ledger l2 WHERE l2.instance_id = l.instance_id AND l2.slot_ms < $2)`, [sloId, cut]);
    }
  }

  async cumulativeRows(instanceId: number, fromMs: number, toMs: number): Promise<CumulativeRow[]> {
    const { rows } = await this.conn.run<LedgerRow>('ledger.between', `SELECT ${LEDGER_COLUMNS} FROM ledger WHERE instance_id = $1
      AND slot_ms >= COALESCE((SELECT MAX(slot_ms) FROM ledger WHERE instance_id = $1 AND slot_ms <= $2), $2)
      AND slot_ms <= COALESCE((SELECT MIN(slot_ms) FROM ledger WHERE instance_id = $1 AND slot_ms > $3), $3)
      ORDER BY slot_ms`, [instanceId, fromMs, toMs]);
    return rows.map((r) => ({ slotMs: r.slot_ms, sum: toSum(r) }));
  }

  async extent(instanceId: number): Promise<LedgerExtent | undefined> {
    const { rows } = await this.conn.run<{ first: number | null; last: number | null }>('ledger.extent', 'SELECT MIN(slot_ms) AS first, MAX(slot_ms) AS last FROM ledger WHERE instance_id = $1', [instanceId]);
    const r = rows[0];
    return r?.first == null || r.last == null ? undefined : { firstSlotMs: r.first, lastSlotMs: r.last };
  }

  async rowCount(sloId?: string): Promise<number> {
    const { rows } = sloId === undefined
      ? await this.conn.run<{ n: number }>('ledger.count', 'SELECT COUNT(*) AS n FROM ledger')
      : await this.conn.run<{ n: number }>('ledger.countOf', 'SELECT COUNT(*) AS n FROM ledger WHERE instance_id IN (SELECT id FROM slo_instances WHERE slo_id = $1)', [sloId]);
    return rows[0]?.n ?? 0;
  }

  resetCache(): void {
    this.cache.clear();
  }
}

/** Sums are cumulative: one Inf or NaN would spoil every later window (see LedgerValueError). */
function refuseNonFinite(instanceId: number, slotMs: number, inc: SlotIncrement): void {
  for (const [field, value] of Object.entries({ bad: inc.bad, total: inc.total, sliceBad: inc.sliceBad, slices: inc.slices })) {
    if (!Number.isFinite(value)) {
      throw new LedgerValueError(`the ledger refuses ${field} = ${value} for instance ${instanceId} at ${new Date(slotMs).toISOString()}: only finite sums are stored`, instanceId, slotMs, false);
    }
  }
}

function rowOf(r: Record<string, number | null>, prefix: string): LedgerRow | undefined {
  const slot = r[`${prefix}slot_ms`];
  if (slot === null || slot === undefined) return undefined;
  const n = (field: string): number => Number(r[`${prefix}${field}`]);
  return { slot_ms: slot, bad: n('bad'), total: n('total'), slice_bad: n('slice_bad'), slices: n('slices'), data_slots: n('data_slots') };
}

class PgAlerts implements AlertStates {
  constructor(private readonly conn: Conn) {}

  async loadAll(): Promise<StoredAlert[]> {
    const { rows } = await this.conn.run('alerts.all', 'SELECT alert_key, slo_id, instance_labels, kind, severity, state, notified, budget_at_fire, updated_ms FROM alerts');
    return rows.map(toStoredAlert);
  }

  async ofSlos(sloIds: readonly string[]): Promise<StoredAlert[]> {
    if (sloIds.length === 0) return [];
    const { rows } = await this.conn.run('alerts.ofSlos', 'SELECT alert_key, slo_id, instance_labels, kind, severity, state, notified, budget_at_fire, updated_ms FROM alerts WHERE slo_id = ANY($1::text[])', [[...sloIds]]);
    return rows.map(toStoredAlert);
  }

  async save(alert: StoredAlert): Promise<void> {
    const r = alertRow(alert);
    await this.conn.run('alerts.upsert', `INSERT INTO alerts (alert_key, slo_id, instance_labels, kind, severity, state, notified, budget_at_fire, updated_ms)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
      ON CONFLICT (alert_key) DO UPDATE SET state = excluded.state, notified = excluded.notified,
        budget_at_fire = excluded.budget_at_fire, updated_ms = excluded.updated_ms`,
    [r.alertKey, r.sloId, r.instanceLabels, r.kind, r.severity, r.state, r.notified, r.budgetAtFire, r.updatedMs]);
  }

  async record(t: AlertTransition): Promise<void> {
    await this.conn.run('alerts.record', 'INSERT INTO alert_history (alert_key, slo_id, at_ms, from_phase, to_phase) VALUES ($1, $2, $3, $4, $5)', [t.alertKey, t.sloId, t.atMs, t.from, t.to]);
  }

  async history(sloId: string, limit = 100): Promise<AlertTransition[]> {
    const { rows } = await this.conn.run('alerts.history', 'SELECT alert_key, slo_id, at_ms, from_phase, to_phase FROM alert_history WHERE slo_id = $1 ORDER BY at_ms DESC, id DESC LIMIT $2', [sloId, limit]);
    return rows.map(toTransition);
  }

  async historyAround(sloId: string, fromMs: number, toMs: number): Promise<HistoryRow[]> {
    const before = await this.conn.run<RawHistory>('alerts.historyLastBefore', HISTORY_LAST_BEFORE, [sloId, fromMs]);
    const within = await this.conn.run<RawHistory>('alerts.historyWithin', HISTORY_WITHIN, [sloId, fromMs, toMs]);
    return [...before.rows.map(toHistoryRow), ...within.rows.map(toHistoryRow)];
  }

  async remove(alertKey: string): Promise<void> {
    await this.conn.run('alerts.remove', 'DELETE FROM alerts WHERE alert_key = $1', [alertKey]);
  }

  async removeSlo(sloId: string): Promise<void> {
    await this.conn.run('alerts.removeSlo', 'DELETE FROM alerts WHERE slo_id = $1', [sloId]);
  }
}

const HEAD_COLUMNS = 'id, notification_id, alert_key, receiver, group_key, kind, status, created_ms, next_attempt_ms, attempts, last_error, state, delivered_ms, external_ref';

class PgOutbox implements OutboxQueue {
  constructor(private readonly conn: Conn, private readonly replica: string | null) {}

  private async insertOne(v: { notificationId: string; alertKey: string; receiver: string; groupKey: string; kind: string; status: string; payload: string; createdMs: number; nextAttemptMs: number }): Promise<boolean> {
    const result = await this.conn.run('outbox.insert', `INSERT INTO outbox (notification_id, alert_key, receiver, group_key, kind, status, payload, created_ms, next_attempt_ms)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (notification_id, receiver) DO NOTHING`,
    [v.notificationId, v.alertKey, v.receiver, v.groupKey, v.kind, v.status, v.payload, v.createdMs, v.nextAttemptMs]);
    return (result.rowCount ?? 0) > 0;
  }

  async insert(rows: readonly NewOutboxRow[]): Promise<NewOutboxRow[]> {
    const inserted: NewOutboxRow[] = [];
    for (const r of rows) {
      const added = await this.insertOne(outboxValues(r));
      if (added) inserted.push(r);
    }
    return inserted;
  }

  insertDigest(digest: ReportDigest, alertKey: string, receiver: string, createdMs: number): Promise<boolean> {
    return this.insertOne({ notificationId: digest.id, alertKey, receiver, groupKey: '', kind: 'digest', status: 'firing', payload: JSON.stringify(digest), createdMs, nextAttemptMs: createdMs });
  }

  async receiversOf(notificationId: string): Promise<string[]> {
    const { rows } = await this.conn.run<{ receiver: string }>('outbox.receiversOf', 'SELECT receiver FROM outbox WHERE notification_id = $1 ORDER BY id', [notificationId]);
    return rows.map((r) => r.receiver);
  }

  async waitingFor(alertKey: string): Promise<number> {
    const { rows } = await this.conn.run<{ n: number }>('outbox.waitingFor', `SELECT COUNT(*) AS n FROM outbox WHERE alert_key = $1 AND state IN ('pending', 'sending')`, [alertKey]);
    return rows[0]?.n ?? 0;
  }

  /** `shards` null: every shard. A queue's rows share an alert key, so its head is in the same shard as its rows. */
  async due(nowMs: number, limit: number, shards?: readonly number[]): Promise<OutboxRow[]> {
    const { rows } = await this.conn.run<RawRow>('outbox.due', `SELECT * FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_ms <= $1
      AND ($3::int[] IS NULL OR o.shard = ANY($3::int[]))
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.alert_key = o.alert_key AND p.receiver = o.receiver
        AND p.state IN ('pending', 'sending') AND p.id < o.id)
      ORDER BY o.next_attempt_ms, o.id LIMIT $2`, [nowMs, limit, shards === undefined ? null : [...shards]]);
    return rows.map(toRow);
  }

  async nextDueMs(shards?: readonly number[]): Promise<number | undefined> {
    const { rows } = await this.conn.run<{ t: number | null }>('outbox.nextDue', `SELECT MIN(next_attempt_ms) AS t FROM outbox WHERE state = 'pending'
      AND ($1::int[] IS NULL OR shard = ANY($1::int[]))`, [shards === undefined ? null : [...shards]]);
    return rows[0]?.t ?? undefined;
  }

  async claim(id: number): Promise<boolean> {
    const r = await this.conn.run('outbox.claim', `UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_by = $2, claimed_ms = ${DB_NOW_MS}
      WHERE id = $1 AND state = 'pending'`, [id, this.replica]);
    return r.rowCount === 1;
  }

  async markDelivered(id: number, atMs: number, externalRef: string | undefined): Promise<void> {
    await this.conn.run('outbox.delivered', `UPDATE outbox SET state = 'delivered', delivered_ms = $1, external_ref = $2, last_error = NULL WHERE id = $3`, [atMs, externalRef ?? null, id]);
  }

  async markRetry(id: number, nextAttemptMs: number, error: string): Promise<void> {
    await this.conn.run('outbox.retry', `UPDATE outbox SET state = 'pending', next_attempt_ms = $1, last_error = $2 WHERE id = $3`, [nextAttemptMs, error, id]);
  }

  async markDead(id: number, error: string): Promise<void> {
    await this.conn.run('outbox.dead', `UPDATE outbox SET state = 'dead', last_error = $1 WHERE id = $2`, [error, id]);
  }

  async recoverInFlight(scope?: InFlightScope): Promise<number> {
    if (scope === undefined) return (await this.conn.run('outbox.recover', `UPDATE outbox SET state = 'pending' WHERE state = 'sending'`)).rowCount ?? 0;
    const r = await this.conn.run('outbox.recoverScoped', `UPDATE outbox SET state = 'pending' WHERE state = 'sending' AND shard = ANY($1::int[])
      AND NOT (id = ANY($2::bigint[]))`, [[...scope.shards], [...scope.except]]);
    return r.rowCount ?? 0;
  }

  async lastFiringRef(alertKey: string, receiver: string): Promise<string | undefined> {
    const { rows } = await this.conn.run<{ external_ref: string }>('outbox.lastFiringRef', `SELECT external_ref FROM outbox WHERE alert_key = $1 AND receiver = $2 AND status = 'firing'
      AND state = 'delivered' AND external_ref IS NOT NULL ORDER BY id DESC LIMIT 1`, [alertKey, receiver]);
    return rows[0]?.external_ref;
  }

  async lastOf(alertKey: string, receiver: string): Promise<OutboxRowHead | undefined> {
    const { rows } = await this.conn.run<RawHead>('outbox.lastOf', `SELECT ${HEAD_COLUMNS} FROM outbox WHERE alert_key = $1 AND receiver = $2 ORDER BY id DESC LIMIT 1`, [alertKey, receiver]);
    const r = rows[0];
    return r && toHead(r);
  }

  async groupActive(receiver: string, groupKey: string, alertKey: string, sinceMs: number): Promise<boolean> {
    const { rows } = await this.conn.run('outbox.groupActive', `SELECT 1 FROM outbox WHERE receiver = $1 AND group_key = $2 AND alert_key != $3 AND created_ms > $4 LIMIT 1`, [receiver, groupKey, alertKey, sinceMs]);
    return rows.length > 0;
  }

  async stats(): Promise<OutboxStats> {
    const { rows } = await this.conn.run<{ pending: number; oldest: number | null; dead: number }>('outbox.stats', `SELECT
      COUNT(*) FILTER (WHERE state IN ('pending', 'sending')) AS pending,
      MIN(created_ms) FILTER (WHERE state IN ('pending', 'sending')) AS oldest,
      COUNT(*) FILTER (WHERE state = 'dead') AS dead FROM outbox`);
    const r = rows[0];
    return { pending: r?.pending ?? 0, ...(r?.oldest == null ? {} : { oldestPendingMs: r.oldest }), dead: r?.dead ?? 0 };
  }

  async recent(limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.conn.run<RawRow>('outbox.recent', 'SELECT * FROM outbox ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map(toRow);
  }

  async ofSlo(sloId: string, fromMs: number, toMs: number, limit: number): Promise<SloDelivery[]> {
    // Alert keys start with `<slo id>/`; starts_with does not depend on the database's collation.
    const { rows } = await this.conn.run<RawDelivery>('outbox.ofSlo', `SELECT alert_key, receiver, kind, status, state, created_ms, delivered_ms, last_error FROM outbox
      WHERE starts_with(alert_key, $1) AND created_ms >= $2 AND created_ms <= $3 ORDER BY id DESC LIMIT $4`, [`${sloId}/`, fromMs, toMs, limit]);
    return rows.map(toDelivery);
  }

  async prune(beforeMs: number): Promise<number> {
    const r = await this.conn.run('outbox.prune', `DELETE FROM outbox WHERE state IN ('delivered', 'dead') AND created_ms < $1
      AND id NOT IN (SELECT MAX(id) FROM outbox GROUP BY alert_key, receiver, status)`, [beforeMs]);
    return r.rowCount ?? 0;
  }
}

class PgSilences implements Silences {
  constructor(private readonly conn: Conn) {}

  async add(s: NewSilence, nowMs: number): Promise<Silence> {
    const id = randomUUID();
    await this.conn.run('silences.insert', 'INSERT INTO silences (id, matchers, starts_ms, ends_ms, created_by, comment, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [id, JSON.stringify(s.matchers.map(formatMatcher)), s.startsAt.getTime(), s.endsAt.getTime(), s.createdBy, s.comment, nowMs]);
    return { id, matchers: s.matchers, startsAt: s.startsAt, endsAt: s.endsAt, createdBy: s.createdBy, comment: s.comment };
  }

  async list(): Promise<Silence[]> {
    return (await this.conn.run('silences.all', 'SELECT * FROM silences ORDER BY starts_ms, id')).rows.map(toSilence);
  }

  async current(nowMs: number): Promise<Silence[]> {
    return (await this.conn.run('silences.current', 'SELECT * FROM silences WHERE ends_ms > $1 ORDER BY starts_ms, id', [nowMs])).rows.map(toSilence);
  }

  async get(id: string): Promise<Silence | undefined> {
    const r = (await this.conn.run('silences.get', 'SELECT * FROM silences WHERE id = $1', [id])).rows[0];
    return r && toSilence(r);
  }

  async expire(id: string, nowMs: number): Promise<boolean> {
    return (await this.conn.run('silences.expire', 'UPDATE silences SET ends_ms = $1 WHERE id = $2 AND ends_ms > $1', [nowMs, id])).rowCount === 1;
  }

  async prune(beforeMs: number): Promise<number> {
    return (await this.conn.run('silences.prune', 'DELETE FROM silences WHERE ends_ms < $1', [beforeMs])).rowCount ?? 0;
  }
}
