import type { AlertNotification } from './notification.js';

/**
 * Receives the notifications a cycle decided, inside the cycle's SQLite transaction: the outbox (a
 * transactional outbox: a decision to notify is stored together with the state change that caused it).
 */
export interface NotificationSink {
  enqueue(notifications: readonly AlertNotification[], atMs: number): void;
  /** Every cycle, a fresh notification for each firing, notified alert (for reminders and re-sends). */
  heartbeat?(firing: readonly AlertNotification[], atMs: number): void;
}
