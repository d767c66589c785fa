import Database from 'better-sqlite3';
import type { RawHistory } from './alerts.js';
import { HISTORY_LAST_BEFORE, HISTORY_WITHIN, toHistoryRow } from './alerts.js';
import type { Db } from './db.js';
import { keepAlive, storageFault, StoreError } from './db.js';
import { Ledger } from './ledger.js';
import type { ReportReads } from './store.js';

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

/**
 * The reads of a report on a database opened with `openDbForReading`: the ledger's own reads, and the alert
 * history with the statements both stores run (alerts.ts). Nothing is prepared that writes, nor that needs a
 * newer schema than the report's.
 */
export function sqliteReportReads(db: Db): ReportReads {
  const ledger = new Ledger(db);
  const within = db.prepare(HISTORY_WITHIN.replace(/\$\d/g, '?'));
  const lastBefore = db.prepare(HISTORY_LAST_BEFORE.replace(/\$\d/g, '?'));
  const read = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));
  return {
    ledger: {
      sloIds: () => read(() => ledger.sloIds()),
      cursor: (sloId) => read(() => ledger.cursor(sloId)),
      instancesOf: (sloId) => read(() => ledger.instancesOf(sloId)),
      extent: (instanceId) => read(() => ledger.extent(instanceId)),
      cumulativeRows: (instanceId, fromMs, toMs) => read(() => ledger.cumulativeRows(instanceId, fromMs, toMs)),
    },
    alerts: {
      historyAround: (sloId, fromMs, toMs) => read(() => [
        ...(lastBefore.all(sloId, fromMs) as RawHistory[]).map(toHistoryRow),
        ...(within.all(sloId, fromMs, toMs) as RawHistory[]).map(toHistoryRow),
      ]),
    },
  };
}
