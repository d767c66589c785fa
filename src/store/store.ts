import type { AlertTransition, StoredAlert } from '../alerting/cycle.js';
import type { Matcher } from '../routing/matchers.js';
import type { Silence } from '../routing/silence.js';
import type { WindowSum } from '../slo/evaluate.js';
import type { HistoryRow } from './alerts.js';
import type { CumulativeRow, Instance, LedgerCursor, LedgerExtent, SlotIncrement } from './ledger.js';
import type { InFlightScope, NewOutboxRow, OutboxRow, OutboxRowHead, OutboxStats, SloDelivery } from './outbox.js';

export type { InFlightScope } from './outbox.js';
import type { ReportDigest } from '../report/digest.js';

/**
 * The store boundary: what burnwatch keeps (the error-budget ledger, alert states and their history, the
 * outbox, silences), whatever holds it. Two implementations: SQLite (sqlite-store.ts, the default: one file,
 * one writer) and PostgreSQL (postgres/, shared by several replicas). Every operation is asynchronous, since
 * a PostgreSQL one is a round trip; SQLite's resolve at once.
 *
 * A `transaction` is the unit of the transactional outbox: an alert's state change and the notifications it
 * causes commit together or not at all. Its function may await only the operations of the `tx` it gets (no
 * HTTP, no timers): SQLite holds the database for the whole function, and every other store call waits.
 */
export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** Where the data is, as it may be shown (a file path, or a URL without its password). */
  readonly location: string;
  readonly ledger: LedgerStore;
  readonly alerts: AlertStates;
  readonly outbox: OutboxQueue;
  readonly silences: Silences;
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Resolves when the database answers (readiness); a StoreError when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What a report reads of a store (`report --db`, the daemon's digests): ledgers and alert history, nothing written. */
export interface ReportReads {
  readonly ledger: Pick<LedgerStore, 'sloIds' | 'cursor' | 'instancesOf' | 'extent' | 'cumulativeRows'>;
  readonly alerts: Pick<AlertStates, 'historyAround'>;
}

/** The same operations, inside one transaction. */
export interface StoreTx {
  readonly ledger: LedgerStore;
  readonly alerts: AlertStates;
  readonly outbox: OutboxQueue;
  readonly silences: Silences;
  /**
   * Runs `fn` once the transaction has committed (in the order registered; never after a rollback): what
   * must not see the transaction's rows before others can, such as waking the outbox dispatcher, whose next
   * read on another connection would miss uncommitted rows.
   */
  afterCommit(fn: () => void): void;
}

export interface SlotAppend {
  readonly slotMs: number;
  readonly inc: SlotIncrement;
}

/** The error-budget ledger (see ledger.ts for what its rows hold and how they are thinned). */
export interface LedgerStore {
  /** The instance for an SLO and label set, created on first use. */
  instance(sloId: string, labels: Readonly<Record<string, string>>, slotMs: number): Promise<Instance>;
  instancesOf(sloId: string): Promise<Instance[]>;
  /** Appends one slot's increments (slots in time order per instance; the same slot again replaces it). */
  append(instanceId: number, slotMs: number, inc: SlotIncrement): Promise<void>;
  /** The same as `append` for each slot in turn (slots ascending), in fewer round trips. */
  appendAll(instanceId: number, slots: readonly SlotAppend[]): Promise<void>;
  /**
   * The sums of an instance over (start, atMs] for each start (only rows up to `atMs` count); edges in the
   * thinned region are interpolated between the kept rows around them.
   */
  sumsSince(instanceId: number, atMs: number, startsMs: readonly number[]): Promise<Map<number, WindowSum>>;
  cursor(sloId: string): Promise<LedgerCursor | undefined>;
  setCursor(sloId: string, fingerprint: string, firstSlotMs: number, lastSlotMs: number): Promise<void>;
  dropSlo(sloId: string): Promise<void>;
  sloIds(): Promise<string[]>;
  /** Thins aged rows and expires rows beyond each SLO's retention (see Ledger.rollup). */
  rollup(nowMs: number, retention: ReadonlyMap<string, number>): Promise<void>;
  cumulativeRows(instanceId: number, fromMs: number, toMs: number): Promise<CumulativeRow[]>;
  /** The first and last slot the ledger holds for an instance (undefined: no rows). */
  extent(instanceId: number): Promise<LedgerExtent | undefined>;
  rowCount(sloId?: string): Promise<number>;
  /** Forgets what this process cached (after a rolled-back transaction). */
  resetCache(): void;
}

export interface AlertStates {
  loadAll(): Promise<StoredAlert[]>;
  /** The stored alerts of these SLOs (what another replica, or this one before, decided for them). */
  ofSlos(sloIds: readonly string[]): Promise<StoredAlert[]>;
  save(alert: StoredAlert): Promise<void>;
  record(transition: AlertTransition): Promise<void>;
  history(sloId: string, limit?: number): Promise<AlertTransition[]>;
  /**
   * The alert changes of an SLO that matter for (fromMs, toMs]: every change inside it, oldest first, preceded by
   * each alert's last change at or before fromMs other than to `nodata` (which keeps an episode as it was), so an
   * alert that was firing when the range began is known to be (reports).
   */
  historyAround(sloId: string, fromMs: number, toMs: number): Promise<HistoryRow[]>;
  remove(alertKey: string): Promise<void>;
  removeSlo(sloId: string): Promise<void>;
}

/** The outbox table (see outbox.ts): rows per receiver, delivered in order per alert and receiver. */
export interface OutboxQueue {
  /** Inserts rows, ignoring a notification already queued for that receiver; returns those inserted. */
  insert(rows: readonly NewOutboxRow[]): Promise<NewOutboxRow[]>;
  insertDigest(digest: ReportDigest, alertKey: string, receiver: string, createdMs: number): Promise<boolean>;
  receiversOf(notificationId: string): Promise<string[]>;
  waitingFor(alertKey: string): Promise<number>;
  /**
   * The heads of the alerts' queues that are due; with `shards`, only those of SLOs in these shards (PostgreSQL:
   * several replicas split the shards; SQLite has one replica, which holds every shard, and ignores it).
   */
  due(nowMs: number, limit: number, shards?: readonly number[]): Promise<OutboxRow[]>;
  nextDueMs(shards?: readonly number[]): Promise<number | undefined>;
  /** Claims a row for sending; false when another dispatcher (or replica) claimed it first. PostgreSQL notes who and when. */
  claim(id: number): Promise<boolean>;
  markDelivered(id: number, atMs: number, externalRef: string | undefined): Promise<void>;
  markRetry(id: number, nextAttemptMs: number, error: string): Promise<void>;
  markDead(id: number, error: string): Promise<void>;
  /**
   * Puts rows left `sending` back to pending: all of them (no scope: one replica, at its start), or, when
   * replicas share the outbox (PostgreSQL), the rows of `scope.shards` but those in `scope.except` (the rows this
   * replica is sending). The caller passes only shards whose previous holder cannot be sending any more (held
   * for longer than a send may take). SQLite ignores the scope.
   */
  recoverInFlight(scope?: InFlightScope): Promise<number>;
  lastFiringRef(alertKey: string, receiver: string): Promise<string | undefined>;
  lastOf(alertKey: string, receiver: string): Promise<OutboxRowHead | undefined>;
  groupActive(receiver: string, groupKey: string, alertKey: string, sinceMs: number): Promise<boolean>;
  stats(): Promise<OutboxStats>;
  recent(limit: number): Promise<OutboxRow[]>;
  ofSlo(sloId: string, fromMs: number, toMs: number, limit: number): Promise<SloDelivery[]>;
  prune(beforeMs: number): Promise<number>;
}

export interface NewSilence {
  readonly matchers: readonly Matcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly comment: string;
}

export interface Silences {
  add(silence: NewSilence, nowMs: number): Promise<Silence>;
  list(): Promise<Silence[]>;
  /** Silences not yet ended at `nowMs` (active or pending). */
  current(nowMs: number): Promise<Silence[]>;
  get(id: string): Promise<Silence | undefined>;
  /** Ends a silence now; false when there is none with that id or it has already ended. */
  expire(id: string, nowMs: number): Promise<boolean>;
  prune(beforeMs: number): Promise<number>;
}
