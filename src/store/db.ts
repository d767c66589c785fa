import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, statfsSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
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

/**
 * What went wrong with the database, as far as an operator can act on it. `moved`: the file was deleted or
 * replaced while open; `schema`: written by a newer burnwatch; `other`: an SQLite error with no storage cause.
 */
export type StorageFault = 'corrupt' | 'full' | 'read_only' | 'locked' | 'io' | 'moved' | 'schema' | 'other';

export const STORAGE_FAULTS: readonly StorageFault[] = ['corrupt', 'full', 'read_only', 'locked', 'io', 'moved', 'schema', 'other'];

/** A database problem: names the file (in the message) and what to do (the hint). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(readonly fault: StorageFault, readonly path: string, message: string, readonly hint: string, options?: ErrorOptions) {
    super(message, options);
  }
}

const REBUILD = 'restore the file from a backup, or move it away (with its -wal and -shm files) so that burnwatch starts a new one: the ledger is rebuilt from Prometheus, but silences and alert states are lost';

const HINTS: Readonly<Record<StorageFault, string>> = {
  corrupt: REBUILD,
  full: 'free space on the volume or grow it; meanwhile burnwatch sends no notification it could not record, and retries',
  read_only: 'mount the volume read-write and let burnwatch\'s user write the file and its folder (SQLite writes the -wal and -shm files beside it)',
  locked: 'another process holds the database: burnwatch needs a single writer; stop the other process (a second burnwatch, a sqlite3 shell with an open transaction)',
  io: 'check the volume (kernel log, disk health); if it persists, restore the file from a backup',
  moved: 'burnwatch stops, to start again on the file now at that path (a new one if there is none: the ledger is rebuilt from Prometheus, silences and alert states are lost; restore a backup first if the file was removed by mistake); what was written since the change is lost',
  schema: 'run a newer burnwatch, or restore a backup written by this version',
  other: 'the burnwatch log has the details; report it if it persists',
};

function faultOfCode(code: string): StorageFault {
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return 'corrupt';
  if (code === 'SQLITE_FULL') return 'full';
  if (code === 'SQLITE_READONLY_DBMOVED') return 'moved';
  if (/^SQLITE_(READONLY|PERM|AUTH)/.test(code)) return 'read_only';
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return 'locked';
  if (/^SQLITE_(IOERR|CANTOPEN|PROTOCOL|NOLFS)/.test(code)) return 'io';
  return 'other';
}

function faultMessage(fault: StorageFault, path: string, detail: string): string {
  switch (fault) {
    case 'corrupt': return `the database ${path} is corrupt (${detail})`;
    case 'full': return `the disk holding the database ${path} is full (${detail})`;
    case 'read_only': return `the database ${path} is read-only (${detail})`;
    case 'locked': return `the database ${path} is locked by another process (${detail})`;
    case 'io': return `reading or writing the database ${path} failed (${detail})`;
    case 'moved': return `the database file ${path} was deleted or replaced while burnwatch was running (${detail})`;
    case 'schema': return `the database ${path} has an unexpected schema (${detail})`;
    case 'other': return `a database operation on ${path} failed (${detail})`;
  }
}

/** Whether an error comes from the database (SQLite or our checks of its file), not from anything else. */
export function isStorageError(err: unknown): boolean {
  return err instanceof StoreError || err instanceof Database.SqliteError;
}

/**
 * The storage fault behind an error, naming the file: a StoreError as it is, an SQLite error classified by its
 * result code; undefined for anything else (not a storage problem).
 */
export function storageFault(err: unknown, path: string): StoreError | undefined {
  if (err instanceof StoreError) return err;
  if (!(err instanceof Database.SqliteError)) return undefined;
  let fault = faultOfCode(err.code);
  let detail = `${err.code}: ${err.message}`;
  if (fault === 'io') {
    // SQLite reports as I/O errors some writes that fail for lack of space (growing the -shm file, for one),
    // on a read-only volume (it cannot create the -wal and -shm files at open; one remounted read-only later).
    const denied = writeDenied(path);
    if (noSpaceLeft(path)) fault = 'full';
    else if (denied !== undefined) {
      fault = 'read_only';
      detail = `${denied}; ${detail}`;
    }
  }
  return new StoreError(fault, path, faultMessage(fault, path, detail), HINTS[fault], { cause: err });
}

export interface OpenOptions {
  /**
   * Check the whole file (`PRAGMA quick_check`, which reads every page) and that it can be written. For the
   * daemon's start; short commands skip it.
   */
  readonly verify?: boolean;
  /** How long a statement waits for another process's lock before failing (default 5 s). */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the SQLite file: WAL, `synchronous=NORMAL` set explicitly (survives process
 * crashes; the last commits may roll back after a power loss), foreign keys on, a busy timeout for a second
 * process reading it, then migrations. `:memory:` gives a private in-memory database (tests, backtests).
 * Every failure is a StoreError naming the file and what to do.
 */
export function openDb(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new StoreError('io', path, `cannot create the folder of the database ${path}: ${(err as Error).message}`, 'set the database path to a writable location', { cause: err });
    }
  }
  let db: Db;
  try {
    db = keepAlive(new Database(path, { timeout: options.busyTimeoutMs ?? 5000 }));
  } catch (err) {
    throw openFailure(err, path);
  }
  try {
    // Incremental auto-vacuum (set before the first table exists) lets housekeeping give the pages that
    // ledger thinning frees back to the file system.
    if ((db.pragma('user_version', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (options.verify === true) verify(db, path);
    migrate(db, path);
  } catch (err) {
    db.close();
    throw openFailure(err, path);
  }
  return db;
}

/** The file's pages (quick_check: structure, not index contents) and a write lock (read-only, locked). */
function verify(db: Db, path: string): void {
  const problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new StoreError('corrupt', path, faultMessage('corrupt', path, `quick_check: ${problems.join('; ')}`), HINTS.corrupt);
  }
  // A write, rolled back: a read-only file opens without complaint and fails only here; a lock held by another
  // process makes this wait for the busy timeout, then fail.
  const version = db.pragma('user_version', { simple: true }) as number;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${version}`);
  } finally {
    db.exec('ROLLBACK');
  }
}

function openFailure(err: unknown, path: string): StoreError {
  const fault = storageFault(err, path);
  if (fault === undefined) return new StoreError('other', path, faultMessage('other', path, (err as Error).message), HINTS.other, { cause: err });
  if (fault.cause instanceof Database.SqliteError && fault.cause.code === 'SQLITE_NOTADB') {
    return new StoreError('corrupt', path, `the file ${path} is not an SQLite database (SQLITE_NOTADB)`, `point database.path at the burnwatch database, or ${REBUILD}`, { cause: err });
  }
  return fault;
}

function noSpaceLeft(path: string): boolean {
  if (path === ':memory:') return false;
  try {
    return statfsSync(dirname(path)).bavail === 0;
  } catch {
    return false;
  }
}

/** Why this process may not write the file or its folder (read-only file system, permissions), if it may not. */
function writeDenied(path: string): string | undefined {
  if (path === ':memory:') return undefined;
  for (const target of [path, dirname(path)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      return `${target}: ${code === 'EROFS' ? 'read-only file system' : code === 'EACCES' ? 'permission denied' : String(code)}`;
    }
  }
  return undefined;
}

/** Identity of an open database file, checked against what its path names now. */
export interface DbFile {
  /** A `moved` StoreError when the path no longer names the file that was opened (deleted or replaced). */
  check(): StoreError | undefined;
}

/**
 * SQLite keeps writing into a database file that was deleted or replaced under it (the old inode): nothing
 * fails, and everything written is lost at the next start. This records the file's device and inode right
 * after opening and compares them with the path's on each check.
 */
export function trackDbFile(path: string): DbFile {
  if (path === ':memory:') return { check: () => undefined };
  const opened = statSync(path);
  return {
    check() {
      let now: Stats;
      try {
        now = statSync(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
        return new StoreError('moved', path, faultMessage('moved', path, 'the file was deleted'), HINTS.moved, { cause: err });
      }
      if (now.ino === opened.ino && now.dev === opened.dev) return undefined;
      return new StoreError('moved', path, faultMessage('moved', path, 'another file was put in its place'), HINTS.moved);
    },
  };
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

export function keepAlive(db: Db): Db {
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

function migrate(db: Db, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new StoreError('schema', path, `the database ${path} has schema version ${current}, newer than this burnwatch (${MIGRATIONS.length})`, HINTS.schema);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
