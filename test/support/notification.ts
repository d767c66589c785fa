import type { AlertNotification } from '../../src/notify/notifier.js';

/** A page of the `checkout` SLO as the outbox and the destinations get it; `over` replaces fields. */
export function sampleNotification(alertKey: string, status: 'firing' | 'resolved', atMs: number, startsAtMs: number, over: Partial<AlertNotification> = {}): AlertNotification {
  return {
    id: `${alertKey}@${atMs}/${status}`,
    alertKey,
    status,
    kind: 'burn',
    severity: 'page',
    slo: { id: 'checkout', name: 'checkout', service: 'checkout', objective: 99.9, period: '30d' },
    instance: {},
    labels: { alertname: 'SLOBurnRate', slo: 'checkout', service: 'checkout', severity: 'page', team: 'payments' },
    annotations: {},
    tiers: [],
    budget: { remaining: 0.5, timeToExhaustionMs: null },
    startsAt: new Date(startsAtMs),
    ...(status === 'resolved' ? { endsAt: new Date(atMs) } : {}),
    links: {},
    createdAt: new Date(atMs),
    ...over,
  };
}

/** A notification sink that keeps what it is given, in order (engine tests). */
export class RecordingSink {
  readonly sent: AlertNotification[] = [];
  enqueue(_tx: unknown, n: readonly AlertNotification[]): Promise<void> {
    this.sent.push(...n);
    return Promise.resolve();
  }
}
