import { formatLabelSet, labelsFingerprint, withoutEmptyLabels } from '../../routing/labels.js';
import type { AlertNotification } from '../notifier.js';
import { alertAnnotations } from '../alertmanager/render.js';

/**
 * Alertmanager's webhook payload, version 4 (notify/webhook/webhook.go `Message` and template.Data,
 * v0.25.0), for one notification. Pure.
 *
 * burnwatch sends one alert per notification, which is what Alertmanager sends for a route with
 * `group_by: ['...']`; so the group labels are all of the alert's labels, the common labels and annotations
 * are the alert's own, and `groupKey` has Alertmanager's shape for that case: `{}:{<labels>}`.
 * As in Alertmanager, a firing alert's `endsAt` is Go's zero time `0001-01-01T00:00:00Z`, and empty-valued
 * labels are left out (Alertmanager drops them on ingest).
 */

export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

export interface WebhookMessage {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly WebhookAlert[];
  readonly groupLabels: Record<string, string>;
  readonly commonLabels: Record<string, string>;
  readonly commonAnnotations: Record<string, string>;
  readonly externalURL: string;
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
}

export interface WebhookRenderOptions {
  /** The receiver's name. */
  readonly receiver: string;
  readonly externalUrl?: string;
}

/** The endsAt Alertmanager shows: Go's zero time while firing, the resolve time once resolved. */
function endsAtOf(n: AlertNotification): string {
  if (n.status === 'firing') return GO_ZERO_TIME;
  return (n.endsAt ?? n.createdAt).toISOString();
}

export function renderWebhookPayload(n: AlertNotification, options: WebhookRenderOptions): WebhookMessage {
  const labels = withoutEmptyLabels(n.labels);
  const annotations = alertAnnotations(n);
  return {
    receiver: options.receiver,
    status: n.status,
    alerts: [
      {
        status: n.status,
        labels,
        annotations,
        startsAt: n.startsAt.toISOString(),
        endsAt: endsAtOf(n),
        generatorURL: n.links.sliQuery ?? '',
        fingerprint: labelsFingerprint(labels),
      },
    ],
    groupLabels: { ...labels },
    commonLabels: { ...labels },
    commonAnnotations: { ...annotations },
    externalURL: options.externalUrl ?? '',
    version: '4',
    groupKey: `{}:${formatLabelSet(labels)}`,
    truncatedAlerts: 0,
  };
}
