import type { SloStatus } from '../../engine/engine.js';
import type { Silence } from '../../routing/silence.js';
import type { AlertTransition, StoredAlert } from '../../store/alerts.js';
import type { CumulativeRow } from '../../store/ledger.js';
import type { OutboxKind, OutboxState } from '../../store/outbox.js';

/**
 * Everything the status page reads of the running daemon, and nothing else: the status of the last cycle,
 * alert states and their history, silences, ledger rows and queued notifications. Read-only; the daemon
 * implements it over its engine and database (runtime/status-reader.ts), tests over hand-made data. A read
 * the database cannot answer throws UnavailableError (answered 503).
 */
export interface StatusReader {
  /** Wall clock (ms). */
  now(): number;
  /** The evaluation interval: how often new figures arrive (the page refreshes as often). */
  readonly intervalMs: number;
  /** Link bases of the daemon's settings (links.prometheusUrl, links.runbookBaseUrl). */
  readonly links: { readonly prometheusUrl?: string; readonly runbookBaseUrl?: string };
  /** Status of every SLO as of the last cycle. */
  slos(): readonly SloStatus[];
  /** Alerts in a firing, pending or no-data state. */
  alerts(): Promise<readonly StoredAlert[]>;
  /** Alert state changes of one SLO, newest first. */
  history(sloId: string, limit: number): Promise<readonly AlertTransition[]>;
  silences(): Promise<readonly Silence[]>;
  /**
   * The ledger rows of one instance of an SLO covering [fromMs, toMs] (with the rows just outside), oldest
   * first; undefined when the SLO has no such instance.
   */
  ledgerRows(sloId: string, labels: Readonly<Record<string, string>>, fromMs: number, toMs: number): Promise<readonly CumulativeRow[] | undefined>;
  /** State-change notifications of an SLO's alerts queued in [fromMs, toMs], newest first, at most `limit`. */
  deliveries(sloId: string, fromMs: number, toMs: number, limit: number): Promise<readonly DeliveryRecord[]>;
}

/** One notification to one receiver, as the outbox holds it. */
export interface DeliveryRecord {
  readonly alertKey: string;
  readonly receiver: string;
  readonly kind: OutboxKind;
  readonly status: 'firing' | 'resolved';
  readonly state: OutboxState;
  readonly createdMs: number;
  readonly deliveredMs?: number;
  readonly lastError?: string;
}
