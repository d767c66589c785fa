import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, SCHEMA_VERSION, StoreError } from './db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'burnwatch-db-'));
  dirs.push(d);
  return d;
}

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
    expect(() => openDb(path)).toThrow(StoreError);
    expect(() => openDb(path)).toThrow(new RegExp(`${path}.*not a burnwatch database or is corrupt`));
  });

  it('refuses a database written by a newer burnwatch', () => {
    const path = join(tmp(), 'burnwatch.db');
    const db = openDb(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openDb(path)).toThrow(/newer than this burnwatch/);
  });

  it('says where the folder cannot be created', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => openDb(join(dir, 'file', 'burnwatch.db'))).toThrow(/cannot create the folder of the database/);
  });
});
