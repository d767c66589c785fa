import type { AlertNotification } from './notification.js';

/**
 * Receives the notifications a cycle decided, inside the cycle's transaction `tx` (the store's): the outbox (a
 * transactional outbox: a decision to notify is stored together with the state change that caused it). Its
 * calls await only what they do with `tx`.
 */
export interface NotificationSink<Tx> {
  enqueue(tx: Tx, notifications: readonly AlertNotification[], atMs: number): Promise<void>;
  /**
   * Every cycle, each alert that fires, was notified and is not suppressed: for reminders (repeat_interval)
   * and re-posts, which depend on what the outbox delivered and when.
   */
  heartbeat?(tx: Tx, firing: readonly FiringAlert[], atMs: number): Promise<void>;
}

/** A firing alert as the heartbeat gets it: what routing and the outbox's history need, the rest on demand. */
export interface FiringAlert {
  readonly alertKey: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The alert's notification as of this cycle: built only when a reminder or a re-post is due. */
  notification(): AlertNotification;
}
