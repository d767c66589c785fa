import { AlertStore as SqliteAlerts } from './alerts.js';
import type { Db } from './db.js';
import { StoreError } from './db.js';
import { Ledger } from './ledger.js';
import { OutboxStore as SqliteOutbox } from './outbox.js';
import { SilenceStore as SqliteSilences } from './silences.js';
import type { AlertStates, LedgerStore, OutboxQueue, Silences, Store, StoreTx } from './store.js';

/**
 * The SQLite store: the synchronous better-sqlite3 classes of this folder behind the asynchronous Store
 * boundary. A call runs at once and its promise is already settled; only while a transaction is open does a
 * call from outside it wait (one connection: a statement run meanwhile would join the open transaction, and
 * roll back with it).
 */

type Sync<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K] };

/** Runs a synchronous store call, waiting for an open transaction first when the call is not part of it. */
type Runner = <R>(call: () => R) => Promise<R>;

/**
 * The asynchronous view of a synchronous object: each method named in `methods` runs through `run`. The
 * mapped type `Sync<I>` makes the compiler check that the object has every method of the interface with the
 * same parameters and results.
 */
function asyncView<I extends object>(target: Sync<I>, methods: readonly (keyof I & string)[], run: Runner): I {
  const view: Record<string, unknown> = {};
  const methodOf = (name: string) => (target as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
  // Looked up at each call: a spec may replace a method of the synchronous object (to make a write fail).
  for (const name of methods) view[name] = (...args: unknown[]) => run(() => methodOf(name).apply(target, args));
  return view as I;
}

const LEDGER = ['instance', 'instancesOf', 'append', 'appendAll', 'sumsSince', 'cursor', 'setCursor', 'dropSlo', 'sloIds', 'rollup', 'cumulativeRows', 'extent', 'rowCount'] as const satisfies readonly (keyof LedgerStore)[];
const ALERTS = ['loadAll', 'ofSlos', 'save', 'record', 'history', 'historyAround', 'remove', 'removeSlo'] as const satisfies readonly (keyof AlertStates)[];
const OUTBOX = [
  'insert', 'insertDigest', 'receiversOf', 'waitingFor', 'due', 'nextDueMs', 'claim', 'markDelivered', 'markRetry', 'markDead',
  'recoverInFlight', 'lastFiringRef', 'lastOf', 'groupActive', 'stats', 'recent', 'ofSlo', 'prune',
] as const satisfies readonly (keyof OutboxQueue)[];
const SILENCES = ['add', 'list', 'current', 'get', 'expire', 'prune'] as const satisfies readonly (keyof Silences)[];

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly ledger: LedgerStore;
  readonly alerts: AlertStates;
  readonly outbox: OutboxQueue;
  readonly silences: Silences;
  /** The synchronous classes, for code that stays SQLite-only (reports, backtests on a private database). */
  readonly sync: { readonly ledger: Ledger; readonly alerts: SqliteAlerts; readonly outbox: SqliteOutbox; readonly silences: SqliteSilences };
  private readonly inside: StoreTx;
  /** What the open transaction runs after its commit. */
  private committed: (() => void)[] = [];
  /** Settles when the open transaction ends; undefined when none is open. */
  private open: Promise<void> | undefined;

  constructor(readonly db: Db, readonly location: string) {
    const ledger = new Ledger(db);
    this.sync = { ledger, alerts: new SqliteAlerts(db), outbox: new SqliteOutbox(db), silences: new SqliteSilences(db) };
    const outside: Runner = async (call) => {
      while (this.open) await this.open;
      return call();
    };
    const within: Runner = (call) => new Promise((resolve) => resolve(call()));
    const views = (run: Runner): Omit<StoreTx, 'afterCommit'> => ({
      ledger: { ...asyncView<LedgerStore>(ledger, LEDGER, run), resetCache: () => ledger.resetCache() },
      alerts: asyncView<AlertStates>(this.sync.alerts, ALERTS, run),
      outbox: asyncView<OutboxQueue>(this.sync.outbox, OUTBOX, run),
      silences: asyncView<Silences>(this.sync.silences, SILENCES, run),
    });
    ({ ledger: this.ledger, alerts: this.alerts, outbox: this.outbox, silences: this.silences } = views(outside));
    this.inside = { ...views(within), afterCommit: (fn) => this.committed.push(fn) };
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    while (this.open) await this.open;
    let end = (): void => undefined;
    let result: T;
    let committed: (() => void)[] = [];
    this.open = new Promise<void>((resolve) => {
      end = resolve;
    });
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        result = await fn(this.inside);
        this.db.exec('COMMIT');
        committed = this.committed;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        // What the ledger cached of the rolled-back rows is not in the database.
        this.sync.ledger.resetCache();
        throw err;
      }
    } finally {
      this.committed = [];
      this.open = undefined;
      end();
    }
    for (const hook of committed) hook();
    return result;
  }

  /** The file is open in this process: it answers while it is open (a failed write is reported where it fails). */
  ping(): Promise<void> {
    if (!this.db.open) return Promise.reject(new StoreError('io', this.location, `the database ${this.location} is closed`, 'restart burnwatch'));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
