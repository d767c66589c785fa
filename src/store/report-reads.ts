import Database from 'better-sqlite3';
import type { AlertPhase } from '../alerting/state.js';
import type { Db } from './db.js';
import { keepAlive, storageFault, StoreError } from './db.js';

/**
 * What `burnwatch report --db` and the daemon's digests read besides the ledger: the alert history of an SLO
 * around a range, and how far back an instance's ledger reaches. Reads only; a daemon may be writing the file
 * meanwhile (WAL lets readers in).
 */

/** The oldest schema that has everything a report reads (the ledger, alert states and their history). */
const REPORT_SCHEMA = 2;

/**
 * Opens a burnwatch database for reading only (never created, never migrated): a missing file, another kind
 * of file or one too old is a StoreError naming the file and what to do.
 */
export function openDbForReading(path: string): Db {
  let db: Db;
  try {
    db = keepAlive(new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 }));
  } catch (err) {
    const fault = storageFault(err, path);
    if (fault) throw fault;
    throw new StoreError('io', path, `cannot open the database ${path}: ${(err as Error).message}`, 'give the path of the database of burnwatch run (database.path, BURNWATCH_DB)', { cause: err });
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < REPORT_SCHEMA) {
      throw new StoreError('schema', path, `the database ${path} has schema version ${version}: it holds no ledger and alert history yet`, 'give the database of a burnwatch run that has evaluated SLOs (database.path, BURNWATCH_DB)');
    }
  } catch (err) {
    db.close();
    throw storageFault(err, path) ?? err;
  }
  return db;
}

export interface HistoryRow {
  readonly alertKey: string;
  readonly atMs: number;
  readonly from: AlertPhase;
  readonly to: AlertPhase;
}

interface RawHistory {
  alert_key: string;
  at_ms: number;
  from_phase: string;
  to_phase: string;
}

const toRow = (r: RawHistory): HistoryRow => ({ alertKey: r.alert_key, atMs: r.at_ms, from: r.from_phase as AlertPhase, to: r.to_phase as AlertPhase });

/** Prepared once per database. */
const statements = new WeakMap<Db, { within: Database.Statement; lastBefore: Database.Statement; firstRow: Database.Statement }>();

function prepared(db: Db) {
  let s = statements.get(db);
  if (!s) {
    s = {
      within: db.prepare('SELECT alert_key, at_ms, from_phase, to_phase FROM alert_history WHERE slo_id = ? AND at_ms > ? AND at_ms <= ? ORDER BY at_ms, id'),
      // Per alert, its last change at or before the instant other than to `nodata` (which keeps an episode as it was).
      lastBefore: db.prepare(`SELECT alert_key, at_ms, from_phase, to_phase FROM (
          SELECT alert_key, at_ms, from_phase, to_phase, ROW_NUMBER() OVER (PARTITION BY alert_key ORDER BY at_ms DESC, id DESC) AS n
          FROM alert_history WHERE slo_id = ? AND at_ms <= ? AND to_phase != 'nodata')
        WHERE n = 1 ORDER BY at_ms`),
      firstRow: db.prepare('SELECT MIN(slot_ms) AS first, MAX(slot_ms) AS last FROM ledger WHERE instance_id = ?'),
    };
    statements.set(db, s);
  }
  return s;
}

/**
 * The alert changes of an SLO that matter for (fromMs, toMs]: every change inside it, oldest first, preceded by
 * each alert's last change before it (so an alert that was firing when the range began is known to be).
 */
export function alertHistoryAround(db: Db, sloId: string, fromMs: number, toMs: number): HistoryRow[] {
  const s = prepared(db);
  const before = (s.lastBefore.all(sloId, fromMs) as RawHistory[]).map(toRow);
  const within = (s.within.all(sloId, fromMs, toMs) as RawHistory[]).map(toRow);
  return [...before, ...within];
}

/** The first and last slot the ledger holds for an instance (undefined: no rows). */
export function ledgerExtent(db: Db, instanceId: number): { firstSlotMs: number; lastSlotMs: number } | undefined {
  const r = prepared(db).firstRow.get(instanceId) as { first: number | null; last: number | null } | undefined;
  return r?.first == null || r.last == null ? undefined : { firstSlotMs: r.first, lastSlotMs: r.last };
}
