import type { ClusterStatus } from '../cluster/status.js';
import type { SloStatus } from '../engine/engine.js';
import type { StoredAlert, AlertTransition } from '../store/alerts.js';
import type { Silence } from '../routing/silence.js';
import type { OutboxStats } from '../store/outbox.js';
import type { LocatedProblem } from '../formats/located.js';

/**
 * What the HTTP server (metrics, health, JSON API) may see and do of the running daemon. The daemon
 * implements it; the server never touches the engine, the database or the clock directly.
 */
export interface DaemonView {
  readonly version: string;
  /** Wall clock (ms). */
  now(): number;
  /**
   * Readiness: SLOs loaded, the database open and working (still the file at its path, the last cycle's writes
   * succeeded), a recent successful cycle (within 3 intervals).
   */
  readiness(): Promise<{ readonly ready: boolean; readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly detail: string }>> }>;
  /** Status of every SLO as of the last cycle. */
  slos(): readonly SloStatus[];
  /** Alert state history of one SLO, newest first. */
  history(sloId: string, limit: number): Promise<readonly AlertTransition[]>;
  /** Alerts in a firing, pending or no-data state. */
  alerts(): Promise<readonly StoredAlert[]>;
  silences(): Promise<readonly Silence[]>;
  /** Creates a silence; returns it, or the problems (field, message, hint) with the request. */
  addSilence(draft: { matchers: readonly string[]; startsAt: Date; endsAt: Date; createdBy: string; comment: string }): Promise<{ ok: true; silence: Silence } | { ok: false; problems: readonly { field: string; message: string; hint: string }[] }>;
  expireSilence(id: string): Promise<boolean>;
  /** Who holds which shard (PostgreSQL: the shard lease; SQLite: this replica holds all). */
  cluster(): Promise<ClusterStatus>;
  /** Engine and delivery health for /metrics and /readyz. */
  health(): Promise<DaemonHealth>;
}

export interface DaemonHealth {
  readonly slosLoaded: number;
  readonly lastCycleMs?: number;
  readonly lastSuccessfulCycleMs?: number;
  readonly intervalMs: number;
  readonly prometheusUp: boolean;
  readonly outbox: OutboxStats;
  /** The last reload failed: its errors (the previous good set keeps running). */
  readonly reloadErrors: readonly LocatedProblem[];
  readonly databaseOpen: boolean;
}

/** The daemon cannot do what was asked now (its database cannot take the write): the server answers 503. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(message: string, readonly hint: string, options?: ErrorOptions) {
    super(message, options);
  }
}
