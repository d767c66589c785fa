import type { Engine } from '../../src/engine/engine.js';
import type { AlertStore } from '../../src/store/alerts.js';
import type { Ledger } from '../../src/store/ledger.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';

/** The synchronous SQLite classes behind an engine's store, for specs that read its ledger and alerts directly. */
export function sqliteOf(engine: Engine): { ledger: Ledger; alerts: AlertStore } {
  const { store } = engine;
  if (!(store instanceof SqliteStore)) throw new Error('sqliteOf: the engine does not run on SQLite');
  return store.sync;
}
