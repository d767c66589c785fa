import type { AlertEffect, AlertInstance } from './state.js';

/**
 * Whether an alert's state change (or a lifted suppression) is to be notified. An alert that fired while
 * suppressed (inhibited by a firing page, silenced, or its severity routed nowhere) is notified when the
 * suppression ends if it still fires; a resolve is sent only for an alert whose firing was sent, and it is
 * always sent then (so a PagerDuty incident or Slack message never stays open behind a silence).
 */
export interface DeliveryDecision {
  readonly send?: 'firing' | 'resolved';
  /** Whether a firing notification of the current episode has been sent. */
  readonly notified: boolean;
}

export function decideDelivery(state: AlertInstance, effect: AlertEffect | undefined, notified: boolean, suppressed: boolean): DeliveryDecision {
  if (effect === 'resolve') return notified ? { send: 'resolved', notified: false } : { notified: false };
  if (state.phase === 'firing') {
    if (!notified && !suppressed) return { send: 'firing', notified: true };
    return { notified };
  }
  if (state.phase === 'nodata') return { notified };
  return { notified: false };
}
