import type { Statement } from 'better-sqlite3';
import type { SumReader, WindowSum } from '../slo/evaluate.js';
import { EMPTY_SUM, minus } from '../slo/evaluate.js';
import type { Db } from './db.js';
import { labelsKey } from '../slo/labels.js';

/**
 * The event-weighted error-budget ledger. For each SLO instance (one per `groupBy` label set) it keeps, at the
 * end of each evaluation slot with data, the CUMULATIVE sums since the instance appeared: bad and total events,
 * bad and complete slices, and slots with data. Any window sum is then the difference of two rows, so
 * evaluating a 3-day or 30-day window costs two indexed lookups instead of a re-scan.
 *
 * Rows are thinned as they age (see `rollup`): thinning deletes rows but never changes the values of those that
 * stay, so sums stay exact at the kept boundaries; window edges that fall between two kept rows are
 * interpolated linearly.
 */

export interface SlotIncrement {
  readonly bad: number;
  readonly total: number;
  readonly sliceBad: number;
  readonly slices: number;
  /** Whether the slot had data (samples present), even if no events happened. */
  readonly data: boolean;
}

/** A stored row, as the table holds it (both stores). */
export interface LedgerRow {
  slot_ms: number;
  bad: number;
  total: number;
  slice_bad: number;
  slices: number;
  data_slots: number;
}

/** A stored row: the instance's sums from its first slot up to and including `slotMs`. */
export interface CumulativeRow {
  readonly slotMs: number;
  readonly sum: WindowSum;
}

/** How far an SLO's ledger is written (from its first slot to its last), and for which indicator. */
export interface LedgerCursor {
  /** `ledgerFingerprint`: a ledger written for another indicator is rebuilt. */
  readonly fingerprint: string;
  readonly firstSlotMs: number;
  readonly lastSlotMs: number;
}

/** The first and last slot the ledger holds for an instance. */
export interface LedgerExtent {
  readonly firstSlotMs: number;
  readonly lastSlotMs: number;
}

export interface Instance {
  readonly id: number;
  readonly sloId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly key: string;
  /** The first slot of the instance (it does not exist before). */
  readonly createdSlotMs: number;
}

/**
 * A value the ledger refuses to store. Sums are cumulative, so one Inf or NaN would spoil every window over
 * every later row (an SLO whose budget stays at 1, or goes to -7, for good): the caller must leave such a
 * sample out, and the ledger refuses it as a last line of defence.
 */
export class LedgerValueError extends Error {
  override readonly name = 'LedgerValueError';
  constructor(
    message: string,
    readonly instanceId: number,
    readonly slotMs: number,
    /** The non-finite value is in a stored row (written by an earlier version), not in the new increment. */
    readonly inStoredRow: boolean,
  ) {
    super(message);
  }
}

/** The first field of `values` that is not a finite number. */
function nonFinite(values: Readonly<Record<string, number>>): [string, number] | undefined {
  for (const [field, value] of Object.entries(values)) if (typeof value !== 'number' || !Number.isFinite(value)) return [field, value];
  return undefined;
}

/** Age thresholds of the thinning: newer rows keep every slot, then 5-minute, then hourly boundaries. */
export const FINE_RETENTION_MS = 7 * 3_600_000;
export const MEDIUM_RETENTION_MS = 73 * 3_600_000;
export const MEDIUM_STEP_MS = 5 * 60_000;
export const COARSE_STEP_MS = 3_600_000;

export class Ledger {
  private readonly last = new Map<number, LedgerRow>();
  private readonly instanceCache = new Map<string, Instance>();
  private readonly stmt: {
    insertInstance: Statement;
    findInstance: Statement;
    instancesOf: Statement;
    latest: Statement;
    floor: Statement;
    ceil: Statement;
    insertRow: Statement;
    cursor: Statement;
    setCursor: Statement;
    deleteSlo: Statement;
    deleteSloInstances: Statement;
    thin: Statement;
    expire: Statement;
    allCursors: Statement;
    rowsOf: Statement;
    countRows: Statement;
    between: Statement;
    extent: Statement;
  };

  constructor(private readonly db: Db) {
    this.stmt = {
      insertInstance: db.prepare('INSERT INTO slo_instances (slo_id, labels, created_slot_ms) VALUES (?, ?, ?)'),
      findInstance: db.prepare('SELECT id, created_slot_ms FROM slo_instances WHERE slo_id = ? AND labels = ?'),
      instancesOf: db.prepare('SELECT id, labels, created_slot_ms FROM slo_instances WHERE slo_id = ? ORDER BY id'),
      latest: db.prepare('SELECT slot_ms, bad, total, slice_bad, slices, data_slots FROM ledger WHERE instance_id = ? ORDER BY slot_ms DESC LIMIT 1'),
      floor: db.prepare('SELECT slot_ms, bad, total, slice_bad, slices, data_slots FROM ledger WHERE instance_id = ? AND slot_ms <= ? ORDER BY slot_ms DESC LIMIT 1'),
      ceil: db.prepare('SELECT slot_ms, bad, total, slice_bad, slices, data_slots FROM ledger WHERE instance_id = ? AND slot_ms > ? ORDER BY slot_ms ASC LIMIT 1'),
      insertRow: db.prepare('INSERT OR REPLACE INTO ledger (instance_id, slot_ms, bad, total, slice_bad, slices, data_slots) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      cursor: db.prepare('SELECT fingerprint, first_slot_ms, last_slot_ms FROM slo_cursors WHERE slo_id = ?'),
      setCursor: db.prepare('INSERT INTO slo_cursors (slo_id, fingerprint, first_slot_ms, last_slot_ms) VALUES (?, ?, ?, ?) ON CONFLICT (slo_id) DO UPDATE SET fingerprint = excluded.fingerprint, last_slot_ms = excluded.last_slot_ms'),
      deleteSlo: db.prepare('DELETE FROM slo_cursors WHERE slo_id = ?'),
      deleteSloInstances: db.prepare('DELETE FROM slo_instances WHERE slo_id = ?'),
      // Keep rows on step boundaries and the newest row of each instance; drop the rest in an age band.
      thin: db.prepare(`DELETE FROM ledger WHERE slot_ms < ? AND slot_ms >= ? AND slot_ms % ? != 0
        AND slot_ms != (SELECT MAX(l2.slot_ms) FROM ledger l2 WHERE l2.instance_id = ledger.instance_id)`),
      expire: db.prepare(`DELETE FROM ledger WHERE instance_id IN (SELECT id FROM slo_instances WHERE slo_id = ?) AND slot_ms < ?
        AND slot_ms != (SELECT MAX(l2.slot_ms) FROM ledger l2 WHERE l2.instance_id = ledger.instance_id AND l2.slot_ms < ?)`),
      allCursors: db.prepare('SELECT slo_id FROM slo_cursors'),
      rowsOf: db.prepare('SELECT COUNT(*) AS n FROM ledger WHERE instance_id IN (SELECT id FROM slo_instances WHERE slo_id = ?)'),
      countRows: db.prepare('SELECT COUNT(*) AS n FROM ledger'),
      // The rows in [from, to] plus the kept row at or before `from` and the one after `to` (interpolation bounds).
      between: db.prepare(`SELECT slot_ms, bad, total, slice_bad, slices, data_slots FROM ledger WHERE instance_id = @id
        AND slot_ms >= COALESCE((SELECT MAX(slot_ms) FROM ledger WHERE instance_id = @id AND slot_ms <= @from), @from)
        AND slot_ms <= COALESCE((SELECT MIN(slot_ms) FROM ledger WHERE instance_id = @id AND slot_ms > @to), @to)
        ORDER BY slot_ms`).raw(true),
      extent: db.prepare('SELECT MIN(slot_ms) AS first, MAX(slot_ms) AS last FROM ledger WHERE instance_id = ?'),
    };
  }

  /** The instance for an SLO and label set, created on first use. */
  instance(sloId: string, labels: Readonly<Record<string, string>>, slotMs: number): Instance {
    const key = labelsKey(labels);
    const cacheKey = `${sloId}\u0000${key}`;
    const cached = this.instanceCache.get(cacheKey);
    if (cached) return cached;
    const found = this.stmt.findInstance.get(sloId, key) as { id: number; created_slot_ms: number } | undefined;
    const id = found?.id ?? Number(this.stmt.insertInstance.run(sloId, key, slotMs).lastInsertRowid);
    const inst: Instance = { id, sloId, labels, key, createdSlotMs: found?.created_slot_ms ?? slotMs };
    this.instanceCache.set(cacheKey, inst);
    return inst;
  }

  instancesOf(sloId: string): Instance[] {
    return (this.stmt.instancesOf.all(sloId) as { id: number; labels: string; created_slot_ms: number }[]).map((r) => ({
      id: r.id,
      sloId,
      labels: JSON.parse(r.labels) as Record<string, string>,
      key: r.labels,
      createdSlotMs: r.created_slot_ms,
    }));
  }

  private latestRow(instanceId: number): LedgerRow | undefined {
    const cached = this.last.get(instanceId);
    if (cached) return cached;
    const row = this.stmt.latest.get(instanceId) as LedgerRow | undefined;
    if (row) this.last.set(instanceId, row);
    return row;
  }

  /** Appends one slot's increments (slots must come in time order per instance). */
  append(instanceId: number, slotMs: number, inc: SlotIncrement): void {
    const prev = this.latestRow(instanceId);
    if (prev && slotMs <= prev.slot_ms) {
      if (slotMs === prev.slot_ms) {
        // The same slot again (a replayed cycle after a crash): replace it on top of the row before.
        this.last.delete(instanceId);
        const before = this.stmt.floor.get(instanceId, slotMs - 1) as LedgerRow | undefined;
        this.write(instanceId, slotMs, before, inc);
      }
      return;
    }
    this.write(instanceId, slotMs, prev, inc);
  }

  appendAll(instanceId: number, slots: readonly { readonly slotMs: number; readonly inc: SlotIncrement }[]): void {
    for (const s of slots) this.append(instanceId, s.slotMs, s.inc);
  }

  private write(instanceId: number, slotMs: number, prev: LedgerRow | undefined, inc: SlotIncrement): void {
    const at = new Date(slotMs).toISOString();
    const bad = nonFinite({ bad: inc.bad, total: inc.total, sliceBad: inc.sliceBad, slices: inc.slices });
    // The caller's transaction rolls back on the throw: rows cached during it may not be stored.
    if (bad !== undefined) {
      this.last.clear();
      throw new LedgerValueError(`the ledger refuses ${bad[0]} = ${bad[1]} for instance ${instanceId} at ${at}: only finite sums are stored`, instanceId, slotMs, false);
    }
    const stored = prev && nonFinite({ bad: prev.bad, total: prev.total, sliceBad: prev.slice_bad, slices: prev.slices });
    if (prev !== undefined && stored !== undefined) {
      this.last.clear();
      throw new LedgerValueError(
        `the stored row of instance ${instanceId} at ${new Date(prev.slot_ms).toISOString()} holds ${stored[0]} = ${stored[1]} (written by an earlier version): nothing can be added to it at ${at}; the SLO's ledger must be rebuilt`,
        instanceId, slotMs, true,
      );
    }
    const row = addIncrement(prev, slotMs, inc);
    this.stmt.insertRow.run(instanceId, slotMs, row.bad, row.total, row.slice_bad, row.slices, row.data_slots);
    this.last.set(instanceId, row);
  }

  /** Cumulative values at an instant: the last row at or before it, interpolated towards the next kept row when thinned. */
  private cumulativeAt(instanceId: number, atMs: number, interpolate: boolean): WindowSum {
    const floor = this.stmt.floor.get(instanceId, atMs) as LedgerRow | undefined;
    if (!interpolate || !floor || floor.slot_ms === atMs) return toSum(floor);
    return interpolateRows(floor, this.stmt.ceil.get(instanceId, atMs) as LedgerRow | undefined, atMs);
  }

  /** Window sums of an instance as seen at `atMs` (only rows up to `atMs` count). */
  sums(instanceId: number, atMs: number): SumReader {
    const end = this.cumulativeAt(instanceId, atMs, false);
    const cache = new Map<number, WindowSum>();
    const since = (startMs: number): WindowSum => {
      const hit = cache.get(startMs);
      if (hit) return hit;
      // Edges inside the thinned region (older than the fine retention) are interpolated.
      const start = this.cumulativeAt(instanceId, startMs, interpolatesAt(atMs, startMs));
      const sum = diff(end, start);
      cache.set(startMs, sum);
      return sum;
    };
    return { window: (ms) => since(atMs - ms), since };
  }

  /** The sums over (start, atMs] for each start (the store boundary's read: see store.ts). */
  sumsSince(instanceId: number, atMs: number, startsMs: readonly number[]): Map<number, WindowSum> {
    const reader = this.sums(instanceId, atMs);
    return new Map(startsMs.map((s) => [s, reader.since(s)]));
  }

  cursor(sloId: string): LedgerCursor | undefined {
    const row = this.stmt.cursor.get(sloId) as { fingerprint: string; first_slot_ms: number; last_slot_ms: number } | undefined;
    return row && { fingerprint: row.fingerprint, firstSlotMs: row.first_slot_ms, lastSlotMs: row.last_slot_ms };
  }

  /** Moves an SLO's cursor to `lastSlotMs`; `firstSlotMs` is set by the first write of a ledger and kept after it. */
  setCursor(sloId: string, fingerprint: string, firstSlotMs: number, lastSlotMs: number): void {
    this.stmt.setCursor.run(sloId, fingerprint, firstSlotMs, lastSlotMs);
  }

  /** Drops an SLO's ledger (removed SLO, or its indicator changed and the ledger must be rebuilt). */
  dropSlo(sloId: string): void {
    for (const inst of this.instancesOf(sloId)) this.last.delete(inst.id);
    for (const [k, v] of this.instanceCache) if (v.sloId === sloId) this.instanceCache.delete(k);
    this.stmt.deleteSloInstances.run(sloId);
    this.stmt.deleteSlo.run(sloId);
  }

  sloIds(): string[] {
    return (this.stmt.allCursors.all() as { slo_id: string }[]).map((r) => r.slo_id);
  }

  /**
   * Thins aged rows and expires rows beyond each SLO's retention: every slot for the last 7 hours (the longest
   * default short window is 6 h), 5-minute boundaries up to 73 hours (the 3-day ticket window), hourly
   * boundaries beyond. `retentionMs(sloId)` is how far back an SLO needs sums (its period plus its longest
   * window); the newest row before the cut-off is kept as the base of the oldest window.
   */
  rollup(nowMs: number, retention: ReadonlyMap<string, number>): void {
    this.db.transaction(() => {
      this.stmt.thin.run(nowMs - FINE_RETENTION_MS, nowMs - MEDIUM_RETENTION_MS, MEDIUM_STEP_MS);
      this.stmt.thin.run(nowMs - MEDIUM_RETENTION_MS, 0, COARSE_STEP_MS);
      for (const [sloId, ms] of retention) {
        const cut = nowMs - ms;
        this.stmt.expire.run(sloId, cut, cut);
      }
    })();
    // Give freed pages back (databases created with incremental auto-vacuum).
    this.db.pragma('incremental_vacuum');
  }

  /**
   * The stored cumulative rows of an instance covering [fromMs, toMs], with the kept row at or before `fromMs`
   * and the first one after `toMs`, oldest first (for reading many instants at once, e.g. a chart).
   */
  cumulativeRows(instanceId: number, fromMs: number, toMs: number): CumulativeRow[] {
    // Rows as arrays (the statement is raw): a 30-day chart reads thousands, and naming each row's columns was
    // half of the read.
    const rows = this.stmt.between.all({ id: instanceId, from: fromMs, to: toMs }) as [number, number, number, number, number, number][];
    return rows.map(([slotMs, bad, total, sliceBad, slices, dataSlots]) => ({ slotMs, sum: { bad, total, sliceBad, slices, dataSlots } }));
  }

  /** The first and last slot the ledger holds for an instance (undefined: no rows). */
  extent(instanceId: number): LedgerExtent | undefined {
    const r = this.stmt.extent.get(instanceId) as { first: number | null; last: number | null } | undefined;
    return r?.first == null || r.last == null ? undefined : { firstSlotMs: r.first, lastSlotMs: r.last };
  }

  rowCount(sloId?: string): number {
    const row = (sloId === undefined ? this.stmt.countRows.get() : this.stmt.rowsOf.get(sloId)) as { n: number };
    return row.n;
  }

  /**
   * Forgets cached rows and instances (after another writer or a rollback: a rolled-back transaction leaves
   * them pointing at rows that do not exist).
   */
  resetCache(): void {
    this.last.clear();
    this.instanceCache.clear();
  }
}

/**
 * Window sums of an instance as seen at `atMs`, from its rows read beforehand (`cumulativeRows` over a range
 * that holds `atMs` and every window start asked for): the same figures as `Ledger.sums` reads from the table
 * (the last row at or before the instant; a window start in the thinned region interpolated towards the next
 * row), for a reader that must not wait on the database for each window (a report's many instants).
 */
export function ledgerSumsFromRows(rows: readonly CumulativeRow[], atMs: number): SumReader {
  const floorIndex = (t: number): number => {
    let lo = 0;
    let hi = rows.length - 1;
    let floor = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((rows[mid]?.slotMs ?? Infinity) <= t) {
        floor = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return floor;
  };
  const asRow = (r: CumulativeRow): LedgerRow => ({ slot_ms: r.slotMs, bad: r.sum.bad, total: r.sum.total, slice_bad: r.sum.sliceBad, slices: r.sum.slices, data_slots: r.sum.dataSlots });
  const cumulativeAt = (t: number, interpolate: boolean): WindowSum => {
    const i = floorIndex(t);
    const floor = rows[i];
    if (!floor) return EMPTY_SUM;
    if (!interpolate || floor.slotMs === t) return floor.sum;
    const ceil = rows[i + 1];
    return interpolateRows(asRow(floor), ceil && asRow(ceil), t);
  };
  const end = cumulativeAt(atMs, false);
  const since = (startMs: number): WindowSum => diff(end, cumulativeAt(startMs, interpolatesAt(atMs, startMs)));
  return { window: (ms) => since(atMs - ms), since };
}

/** The cumulative row of a slot: the row before it (none: the instance's first) plus the slot's increments. */
export function addIncrement(prev: LedgerRow | undefined, slotMs: number, inc: SlotIncrement): LedgerRow {
  return {
    slot_ms: slotMs,
    bad: (prev?.bad ?? 0) + inc.bad,
    total: (prev?.total ?? 0) + inc.total,
    slice_bad: (prev?.slice_bad ?? 0) + inc.sliceBad,
    slices: (prev?.slices ?? 0) + inc.slices,
    data_slots: (prev?.data_slots ?? 0) + (inc.data ? 1 : 0),
  };
}

/** Whether a window edge at `startMs`, read at `atMs`, lies in the thinned region (interpolated between kept rows). */
export function interpolatesAt(atMs: number, startMs: number): boolean {
  return atMs - startMs > FINE_RETENTION_MS - 3_600_000;
}

/** Cumulative values at `atMs` between the kept row at or before it and the next kept row (linear). */
export function interpolateRows(floor: LedgerRow, ceil: LedgerRow | undefined, atMs: number): WindowSum {
  if (!ceil || floor.slot_ms === atMs) return toSum(floor);
  const f = (atMs - floor.slot_ms) / (ceil.slot_ms - floor.slot_ms);
  const mix = (a: number, b: number): number => a + (b - a) * f;
  return {
    bad: mix(floor.bad, ceil.bad),
    total: mix(floor.total, ceil.total),
    sliceBad: mix(floor.slice_bad, ceil.slice_bad),
    slices: mix(floor.slices, ceil.slices),
    dataSlots: floor.data_slots + Math.floor((ceil.data_slots - floor.data_slots) * f),
  };
}

export function toSum(row: LedgerRow | undefined): WindowSum {
  if (!row) return EMPTY_SUM;
  return { bad: row.bad, total: row.total, sliceBad: row.slice_bad, slices: row.slices, dataSlots: row.data_slots };
}

/** Sums over (b, a]: the difference of two cumulative rows (never negative). */
export const diff: (a: WindowSum, b: WindowSum) => WindowSum = minus;
