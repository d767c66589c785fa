import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corruptTablePage } from '../../test/support/corrupt-db.js';
import { mountTmpfs } from '../../test/support/tmpfs.js';
import type { Tmpfs } from '../../test/support/tmpfs.js';
import { openDb, SCHEMA_VERSION, StoreError, storageFault, trackDbFile } from './db.js';
import type { Db } from './db.js';
import { SilenceStore } from './silences.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'burnwatch-db-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function tmpfs(sizeBytes: number): { ok: true; fs: Tmpfs } | { ok: false; reason: string } {
  const m = mountTmpfs(sizeBytes);
  if (m.ok) cleanups.push(() => m.fs.unmount());
  return m;
}

/** The error openDb throws (fails the test when it opens). */
function openError(path: string, options?: Parameters<typeof openDb>[1]): StoreError {
  try {
    openDb(path, options).close();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error(`openDb(${path}) did not fail`);
}

/** A real database with 2,000 silences (enough for the table to span many pages), closed and checkpointed. */
function populated(path: string): void {
  const db = openDb(path);
  const silences = new SilenceStore(db);
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) silences.add({ matchers: [], startsAt: new Date(0), endsAt: new Date(1e13), createdBy: 'test', comment: `silence ${i} `.padEnd(100, '.') }, 0);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

const RESTORE_HINT = /restore .*backup.* or move it .*away.*ledger is rebuilt from Prometheus.*silences and alert states? (are|is) lost/;

describe('store/db', () => {
  it('creates the file with WAL, synchronous=NORMAL, foreign keys and the current schema', () => {
    const db = openDb(join(tmp(), 'sub', 'burnwatch.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('names the file and what to do when it is not a database', () => {
    const path = join(tmp(), 'burnwatch.db');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    const err = openError(path);
    expect(err.fault).toBe('corrupt');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/not an SQLite database/);
    expect(err.hint).toMatch(RESTORE_HINT);
  });

  it('checks every page at start (quick_check): a page of garbage in a table that start-up does not read is found, naming the file', () => {
    const path = join(tmp(), 'burnwatch.db');
    populated(path);
    corruptTablePage(path, 'silences');

    const err = openError(path, { verify: true });
    expect(err.fault).toBe('corrupt');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/corrupt/);
    expect(err.hint).toMatch(RESTORE_HINT);
  });

  it('refuses a database written by a newer burnwatch, naming the file', () => {
    const path = join(tmp(), 'burnwatch.db');
    const db = openDb(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const err = openError(path);
    expect(err.fault).toBe('schema');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this burnwatch \\(${SCHEMA_VERSION}\\)`));
    expect(err.hint).toMatch(/newer burnwatch|older backup/);
  });

  it('says the database is read-only, naming the file, when its volume is mounted read-only (or, without root, its file and folder)', (ctx) => {
    const root = process.getuid?.() === 0;
    let dir: string;
    if (root) {
      const m = tmpfs(4 * 1024 * 1024);
      if (!m.ok) return ctx.skip(`read-only volume: ${m.reason}`);
      dir = m.fs.dir;
      populated(join(dir, 'burnwatch.db'));
      m.fs.remount(true);
    } else {
      dir = tmp();
      populated(join(dir, 'burnwatch.db'));
      chmodSync(join(dir, 'burnwatch.db'), 0o444);
      chmodSync(dir, 0o555);
      cleanups.push(() => chmodSync(dir, 0o755));
    }
    const path = join(dir, 'burnwatch.db');
    const err = openError(path, { verify: true });
    expect(err.fault).toBe('read_only');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/read-only/);
    expect(err.hint).toMatch(/read-write/);
    // A volume that turns read-only under a running daemon (ext4 errors=remount-ro): SQLite says I/O error.
    expect(storageFault(new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE'), path)?.fault).toBe('read_only');
  });

  it('says another process holds the database when it stays locked', () => {
    const path = join(tmp(), 'burnwatch.db');
    openDb(path).close();
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const err = openError(path, { verify: true, busyTimeoutMs: 100 });
      expect(err.fault).toBe('locked');
      expect(err.message).toContain(path);
      expect(err.hint).toMatch(/another process/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('says where the folder cannot be created', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => openDb(join(dir, 'file', 'burnwatch.db'))).toThrow(/cannot create the folder of the database/);
  });

  it('classifies SQLite errors as storage faults naming the file; other errors are not storage faults', () => {
    const cases: [string, string][] = [
      ['SQLITE_FULL', 'full'],
      ['SQLITE_CORRUPT', 'corrupt'],
      ['SQLITE_NOTADB', 'corrupt'],
      ['SQLITE_READONLY', 'read_only'],
      ['SQLITE_READONLY_DBMOVED', 'moved'],
      ['SQLITE_BUSY', 'locked'],
      ['SQLITE_IOERR_WRITE', 'io'],
      ['SQLITE_CANTOPEN', 'io'],
      ['SQLITE_CONSTRAINT_UNIQUE', 'other'],
    ];
    for (const [code, fault] of cases) {
      const err = storageFault(new Database.SqliteError('boom', code), '/data/burnwatch.db');
      expect(err?.fault, code).toBe(fault);
      expect(err?.message, code).toContain('/data/burnwatch.db');
    }
    expect(storageFault(new Error('ECONNREFUSED'), '/data/burnwatch.db')).toBeUndefined();
  });

  it('names a full disk as such when a write fails for lack of space', (ctx) => {
    const m = tmpfs(1024 * 1024);
    if (!m.ok) return ctx.skip(`full disk: ${m.reason}`);
    const path = join(m.fs.dir, 'burnwatch.db');
    const db: Db = openDb(path);
    cleanups.push(() => db.close());
    m.fs.fill();
    const silences = new SilenceStore(db);
    let caught: unknown;
    try {
      db.transaction(() => {
        for (let i = 0; i < 5000; i++) silences.add({ matchers: [], startsAt: new Date(0), endsAt: new Date(1e13), createdBy: 'test', comment: 'x'.repeat(200) }, 0);
      })();
    } catch (err) {
      caught = err;
    }
    const fault = storageFault(caught, path);
    expect(fault?.fault).toBe('full');
    expect(fault?.message).toContain(path);
    expect(fault?.hint).toMatch(/free space|grow the volume/);
  });

  it('names a full disk at start too, where SQLite reports an I/O error (it cannot grow the -shm file)', (ctx) => {
    const m = tmpfs(4 * 1024 * 1024);
    if (!m.ok) return ctx.skip(`full disk: ${m.reason}`);
    const path = join(m.fs.dir, 'burnwatch.db');
    populated(path);
    m.fs.fill();
    const err = openError(path, { verify: true });
    expect(err.fault).toBe('full');
    expect(err.message).toContain(path);
    expect(err.hint).toMatch(/free space/);
  });

  it('notices when the file it opened is deleted or replaced (SQLite itself writes on into the old inode)', () => {
    const dir = tmp();
    const path = join(dir, 'burnwatch.db');
    for (const change of ['delete', 'replace'] as const) {
      const db = openDb(path);
      const file = trackDbFile(path);
      expect(file.check()).toBeUndefined();
      if (change === 'delete') {
        unlinkSync(path);
      } else {
        copyFileSync(path, `${path}.new`);
        renameSync(`${path}.new`, path);
      }
      const err = file.check();
      expect(err?.fault, change).toBe('moved');
      expect(err?.message, change).toContain(path);
      expect(err?.message, change).toMatch(change === 'delete' ? /deleted/ : /replaced/);
      db.close();
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
    }
  });
});
