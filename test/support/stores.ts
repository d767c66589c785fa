import { afterAll, afterEach, vi } from 'vitest';
import { openDb } from '../../src/store/db.js';
import type { Db } from '../../src/store/db.js';
import { openPgStore } from '../../src/store/postgres/pg-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { RunningPostgres } from './postgres.js';
import { postgresBinDir, startPostgres } from './postgres.js';

/**
 * Both stores for the same specs: `describe.each(STORE_KINDS)` and, inside, `useStores(kind)`. SQLite stores
 * are private in-memory databases; PostgreSQL ones are fresh databases on one server per spec file, started on
 * first use and stopped after the file. The PostgreSQL case is skipped, saying why, without its binaries.
 */

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Why a kind cannot run here (undefined: it can). */
export function storeUnavailable(kind: StoreKind): string | undefined {
  return kind === 'postgres' && postgresBinDir() === undefined ? 'no PostgreSQL server binaries (pg_config --bindir, /usr/lib/postgresql/*/bin)' : undefined;
}

let server: Promise<RunningPostgres> | undefined;
let databases = 0;

export interface TestStores {
  /** A new, empty store. */
  open(): Promise<Store>;
  /** A second store on the same data (a restart, or another replica). */
  reopen(store: Store): Promise<Store>;
  /** The server's URL of a new, empty database (PostgreSQL only). */
  newDatabaseUrl(): Promise<string>;
}

export function useStores(kind: StoreKind): TestStores {
  // A PostgreSQL case is round trips to a server sharing the machine's cores with the rest of the suite: on a
  // loaded CI runner thousands of them (a ledger's 80 hours of slots) outlast the 20 s unit-test default.
  if (kind === 'postgres') vi.setConfig({ testTimeout: 120_000 });
  const opened: Store[] = [];
  const urls = new Map<Store, string>();
  const dbs = new Map<Store, Db>();
  afterEach(async () => {
    for (const s of opened.splice(0)) if (s.backend === 'postgres') await s.close();
  });
  afterAll(async () => {
    const running = server;
    server = undefined;
    if (running) await (await running).stop();
  });
  const newDatabaseUrl = async (): Promise<string> => {
    server ??= startPostgres();
    return (await server).createDatabase(`burnwatch_test_${process.pid}_${++databases}`);
  };
  const track = (s: Store): Store => {
    opened.push(s);
    return s;
  };
  return {
    newDatabaseUrl,
    async open() {
      if (kind === 'sqlite') {
        const db = openDb(':memory:');
        const s = new SqliteStore(db, ':memory:');
        dbs.set(s, db);
        return track(s);
      }
      const url = await newDatabaseUrl();
      const s = await openPgStore({ url });
      urls.set(s, url);
      return track(s);
    },
    async reopen(store) {
      const db = dbs.get(store);
      if (db) return track(new SqliteStore(db, ':memory:'));
      const url = urls.get(store);
      if (url === undefined) throw new Error('reopen: not a store of this helper');
      return track(await openPgStore({ url }));
    },
  };
}
