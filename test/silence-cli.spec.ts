import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silenceCommand } from '../src/cli/silence.js';
import type { CliIo } from '../src/cli/io.js';
import { openDb } from '../src/store/db.js';
import { openPgStore } from '../src/store/postgres/pg-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { freePort } from './support/free-port.js';
import { STORE_KINDS, storeUnavailable, useStores } from './support/stores.js';

/**
 * `burnwatch silence` on the database the daemon's settings file names: SQLite (`database.path`) or PostgreSQL
 * (`database.url`, its password from `database.password`). What the command writes is read back through a
 * store of its own, as the daemon reads silences every cycle; a database that cannot be used exits 1 naming it
 * (a URL without its password) and what to do.
 */

const NOW = new Date('2026-12-07T10:00:00Z');
const PASSWORD = 's3cret-pg-password';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd, env: { USER: 'alice', ...env }, now: () => NOW };
  const code = await silenceCommand(args, io);
  return { code, out, err };
}

describe.each(STORE_KINDS)('burnwatch silence on the database of the settings file (%s)', (kind) => {
  const unavailable = storeUnavailable(kind);
  const stores = useStores(kind);

  /** A folder with burnwatch.yaml naming a fresh database, and a store of its own on that database. */
  async function setup(): Promise<{ dir: string; config: string; reader: () => Promise<Store> }> {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-silence-'));
    dirs.push(dir);
    const config = join(dir, 'burnwatch.yaml');
    if (kind === 'sqlite') {
      writeFileSync(config, 'database:\n  path: ./state/bw.db\n');
      const file = join(dir, 'state', 'bw.db');
      return { dir, config, reader: () => Promise.resolve(new SqliteStore(openDb(file), file)) };
    }
    const url = await stores.newDatabaseUrl();
    writeFileSync(config, `database:\n  url: ${url}\n  password: { env: BW_DB_PASSWORD }\n`);
    return { dir, config, reader: () => openPgStore({ url }) };
  }

  it.skipIf(unavailable !== undefined)('adds, lists and expires a silence where the daemon reads it', async () => {
    const { dir, config, reader } = await setup();
    const env = { BW_DB_PASSWORD: PASSWORD };
    const added = await run(['add', '--config', config, '--matcher', 'slo="checkout"', '--matcher', 'severity=~"page|ticket"', '--duration', '2h', '--comment', 'deploy 42'], dir, env);
    expect(added.err).toBe('silenced slo="checkout", severity=~"page|ticket" from 2026-12-07T10:00:00.000Z until 2026-12-07T12:00:00.000Z\n');
    expect(added.code).toBe(0);
    const id = added.out.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const store = await reader();
    try {
      const current = await store.silences.current(NOW.getTime());
      expect(current.map((s) => [s.id, s.createdBy, s.comment, s.endsAt.toISOString()])).toEqual([[id, 'alice', 'deploy 42', '2026-12-07T12:00:00.000Z']]);
    } finally {
      await store.close();
    }
    // PostgreSQL: nothing written to a SQLite file (the default ./data/burnwatch.db included).
    if (kind === 'postgres') expect(existsSync(join(dir, 'data'))).toBe(false);

    // BURNWATCH_CONFIG names the same file, as in the container image.
    const listed = await run(['list', '--format', 'json'], dir, { ...env, BURNWATCH_CONFIG: config });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([{ id, matchers: ['slo="checkout"', 'severity=~"page|ticket"'], startsAt: '2026-12-07T10:00:00.000Z', endsAt: '2026-12-07T12:00:00.000Z', state: 'active', createdBy: 'alice', comment: 'deploy 42' }]);
    const table = await run(['list', '--config', config], dir, env);
    expect(table.out.split('\n')[0]).toMatch(/^ID\s+STATE\s+MATCHERS\s+STARTS\s+ENDS\s+LEFT\s+CREATED BY\s+COMMENT$/);
    expect(table.out).toMatch(new RegExp(`^${id}\\s+active\\s+slo="checkout",severity=~"page\\|ticket"\\s+\\S+\\s+\\S+\\s+2h\\s+alice\\s+deploy 42$`, 'm'));

    const expired = await run(['expire', id, '--config', config], dir, env);
    expect([expired.code, expired.err]).toEqual([0, `silence ${id} expired\n`]);
    expect((await run(['list', '--config', config], dir, env)).out.trim().split('\n')).toHaveLength(1);
    const all = JSON.parse((await run(['list', '--all', '--format', 'json', '--config', config], dir, env)).out) as { id: string; state: string }[];
    expect(all.map((s) => [s.id, s.state])).toEqual([[id, 'expired']]);
    const again = await run(['expire', id, '--config', config], dir, env);
    expect([again.code, again.err]).toEqual([1, `burnwatch silence: no active or pending silence with id ${id}\n`]);
  }, 60_000);

  it.skipIf(unavailable !== undefined)('a database that cannot be used: exit 1 naming it and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-silence-'));
    dirs.push(dir);
    const config = join(dir, 'burnwatch.yaml');
    let named: string;
    if (kind === 'sqlite') {
      // A folder where the file should be.
      mkdirSync(join(dir, 'bw.db'));
      writeFileSync(config, 'database:\n  path: ./bw.db\n');
      named = join(dir, 'bw.db');
    } else {
      // Nothing listens on the port. Shown without credentials, as the daemon's logs show it.
      const port = await freePort();
      named = `postgres://127.0.0.1:${port}/burnwatch`;
      writeFileSync(config, `database:\n  url: postgres://burnwatch@127.0.0.1:${port}/burnwatch\n  password: { env: BW_DB_PASSWORD }\n`);
    }
    for (const args of [['list'], ['add', '--matcher', 'slo="checkout"', '--comment', 'deploy'], ['expire', 'abc']]) {
      const r = await run([...args, '--config', config], dir, { BW_DB_PASSWORD: PASSWORD });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^burnwatch silence: /);
      expect(r.err).toContain(named);
      expect(r.err).toMatch(kind === 'sqlite' ? /\n {2}\S/ : /\n {2}the database server cannot be reached: check that it is up and that database.url, its password and the network allow the connection\n$/);
      expect(r.err).not.toContain(PASSWORD);
      expect(r.err).not.toContain(' at ');
      expect(r.out).toBe('');
    }
  }, 60_000);

  it.skipIf(kind !== 'postgres' || unavailable !== undefined)('a password reference that cannot be read: exit 1 naming database.password', async () => {
    const { dir, config } = await setup();
    const r = await run(['list', '--config', config], dir, {});
    expect(r.code).toBe(1);
    expect(r.err).toContain('database.password: environment variable BW_DB_PASSWORD is not set or empty');
    expect(r.err).toContain(config);
  });
});
