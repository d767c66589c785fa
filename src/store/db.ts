import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order inside one transaction each; `PRAGMA user_version` records how many ran.
 * Never edit a released migration: add a new one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the error-budget ledger.
  `
  CREATE TABLE slo_instances (
    id INTEGER PRIMARY KEY,
    slo_id TEXT NOT NULL,
    labels TEXT NOT NULL,
    created_slot_ms INTEGER NOT NULL,
    UNIQUE (slo_id, labels)
  );
  -- Cumulative sums per instance at the end of each slot (rows only for slots with data; older rows thinned).
  CREATE TABLE ledger (
    instance_id INTEGER NOT NULL REFERENCES slo_instances(id) ON DELETE CASCADE,
    slot_ms INTEGER NOT NULL,
    bad REAL NOT NULL,
    total REAL NOT NULL,
    slice_bad REAL NOT NULL,
    slices REAL NOT NULL,
    data_slots INTEGER NOT NULL,
    PRIMARY KEY (instance_id, slot_ms)
  ) WITHOUT ROWID;
  -- How far each SLO's ledger is complete, and what defined its content.
  CREATE TABLE slo_cursors (
    slo_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    first_slot_ms INTEGER NOT NULL,
    last_slot_ms INTEGER NOT NULL
  );
  `,
  // 2: alert states and the transactional outbox.
  `
  CREATE TABLE alerts (
    alert_key TEXT PRIMARY KEY,
    slo_id TEXT NOT NULL,
    instance_labels TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    notified INTEGER NOT NULL DEFAULT 0,
    budget_at_fire REAL,
    updated_ms INTEGER NOT NULL
  );
  CREATE INDEX alerts_by_slo ON alerts (slo_id);
  CREATE TABLE alert_history (
    id INTEGER PRIMARY KEY,
    alert_key TEXT NOT NULL,
    slo_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    from_phase TEXT NOT NULL,
    to_phase TEXT NOT NULL
  );
  CREATE INDEX alert_history_by_slo ON alert_history (slo_id, at_ms);
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    alert_key TEXT NOT NULL,
    receiver TEXT NOT NULL,
    status TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    next_attempt_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    delivered_ms INTEGER,
    external_ref TEXT
  );
  CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
  CREATE INDEX outbox_by_alert ON outbox (alert_key, receiver, id);
  CREATE TABLE silences (
    id TEXT PRIMARY KEY,
    matchers TEXT NOT NULL,
    starts_ms INTEGER NOT NULL,
    ends_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_ms INTEGER NOT NULL
  );
  `,
  // 3: idempotent enqueue (a replayed cycle adds no second copy) and grouping per receiver.
  `
  ALTER TABLE outbox ADD COLUMN notification_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE outbox ADD COLUMN group_key TEXT NOT NULL DEFAULT '';
  ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'state';
  CREATE UNIQUE INDEX outbox_idempotent ON outbox (notification_id, receiver);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/**
 * Opens (creating if needed) the SQLite file: WAL, `synchronous=NORMAL` set explicitly (survives process
 * crashes; the last commits may roll back after a power loss), foreign keys on, a busy timeout for a second
 * process reading it, then migrations. `:memory:` gives a private in-memory database (tests, backtests).
 */
export function openDb(path: string): Db {
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new StoreError(`cannot create the folder of the database ${path}: ${(err as Error).message}; set the database path to a writable location`, { cause: err });
    }
  }
  let db: Db;
  try {
    db = keepAlive(new Database(path, { timeout: 5000 }));
  } catch (err) {
    throw new StoreError(`cannot open the database ${path}: ${(err as Error).message}; check the path and its permissions`, { cause: err });
  }
  try {
    // Incremental auto-vacuum (set before the first table exists) lets housekeeping give the pages that
    // ledger thinning frees back to the file system.
    if ((db.pragma('user_version', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // A cheap integrity check of the header and schema (a full quick_check reads the whole file: seconds for a
    // large ledger at every start).
    const check = db.pragma('schema_version', { simple: true }) === undefined ? 'unreadable' : 'ok';
    if (check !== 'ok') throw new StoreError(`the database ${path} is corrupt (quick_check: ${String(check)}); restore it from a backup or move it away to start a new ledger`);
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const message = (err as Error).message;
    const hint = /locked|busy/i.test(message)
      ? 'another process holds the database: burnwatch needs a single writer (one replica)'
      : /not a database|malformed|corrupt/i.test(message)
        ? 'the file is not a burnwatch database or is corrupt: restore it from a backup or move it away'
        : 'check the path and its permissions';
    throw new StoreError(`cannot use the database ${path}: ${message}; ${hint}`, { cause: err });
  }
  return db;
}

/**
 * better-sqlite3 12 on Node 24 aborts the process (`RemoveEnvironmentCleanupHook: (env) != nullptr`) when a
 * Statement or Database object is garbage-collected outside a JavaScript context, e.g. by V8's memory reducer
 * between two cycles or at exit. better-sqlite3 13 fixes it (N-API) but needs Node 22 or later, and burnwatch
 * runs on Node 20 too. So every database and every statement we make, including those `pragma()` prepares, is
 * kept for the life of the process (statements are prepared once per store, so this is a bounded set), and
 * the CLI ends with process.exit, before any heap teardown.
 */
const KEPT: unknown[] = [];

function keepAlive(db: Db): Db {
  KEPT.push(db);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const stmt = prepare(source);
    KEPT.push(stmt);
    return stmt;
  }) as Db['prepare'];
  const pragmas = new Map<string, Database.Statement>();
  const statementFor = (key: string, source: string): Database.Statement => {
    let stmt = pragmas.get(key);
    if (!stmt) {
      stmt = db.prepare(`PRAGMA ${source}`);
      pragmas.set(key, stmt);
    }
    return stmt;
  };
  db.pragma = ((source: string, options?: { simple?: boolean }) => {
    const simple = options?.simple === true;
    const stmt = statementFor(`${simple ? 's' : 'a'}:${source}`, source);
    if (!stmt.reader) {
      stmt.run();
      return simple ? undefined : [];
    }
    return simple ? stmt.pluck().get() : stmt.all();
  });
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new StoreError(`the database has schema version ${current}, newer than this burnwatch (${MIGRATIONS.length}); run a newer burnwatch or restore an older backup`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
