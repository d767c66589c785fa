import { z } from 'zod';
import { secretRef } from '../secret-ref.js';
import { requestTimeoutMs } from '../request-timeout.js';

/**
 * A PagerDuty receiver (`pagerduty:` in a receiver config): Events API v2 with the integration key of a
 * service (or a global ruleset) as routing key. Trigger and resolve share a dedup_key, so PagerDuty
 * resolves the alert it opened.
 *
 * Messages follow the project convention: first line what is wrong, second line what to write instead.
 */

const PdSeverity = z.enum(['critical', 'error', 'warning', 'info'], {
  error: 'is not a PagerDuty severity\nwrite critical, error, warning or info',
});
export type PdSeverity = z.infer<typeof PdSeverity>;

export const DEFAULT_SEVERITY_MAP = { page: 'critical', ticket: 'warning', nodata: 'warning' } as const;

export const PagerDutyConfig = z.strictObject({
  routingKey: secretRef('routingKey', { env: 'PAGERDUTY_ROUTING_KEY', file: '/run/secrets/pagerduty-routing-key' })
    .meta({ description: 'Integration key (32 characters) of an Events API v2 integration, read from an environment variable or a file.' }),
  eventsHost: z
    .string()
    .regex(/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/, {
      error: 'must be a host name with an optional port, without scheme or path\nwrite events.pagerduty.com (the default) or events.eu.pagerduty.com',
    })
    .default('events.pagerduty.com')
    .meta({ description: 'Host of the Events API (always HTTPS): events.pagerduty.com, or events.eu.pagerduty.com for EU accounts.' }),
  caFile: z
    .string()
    .min(1, { error: 'is empty\nwrite the path of a PEM file with the extra CA certificates, or leave caFile out' })
    .optional()
    .meta({ description: 'PEM file with CA certificates trusted in addition to the system ones (e.g. a TLS-inspecting proxy).' }),
  timeoutMs: requestTimeoutMs('Time limit of one event request in milliseconds. A request that takes longer fails and is retried by the outbox.'),
  severityMap: z
    .strictObject({
      page: PdSeverity.default(DEFAULT_SEVERITY_MAP.page),
      ticket: PdSeverity.default(DEFAULT_SEVERITY_MAP.ticket),
      nodata: PdSeverity.default(DEFAULT_SEVERITY_MAP.nodata),
      exhaustion: PdSeverity.optional(),
    })
    .default({ ...DEFAULT_SEVERITY_MAP })
    .meta({
      description:
        'PagerDuty severity per burnwatch severity (page: critical, ticket: warning), for no-data alerts (warning: missing data is not evidence of an outage) and for budget-exhaustion alerts (default: by the alert\'s severity).',
    }),
  source: z
    .string()
    .min(1, { error: 'is empty\nwrite e.g. burnwatch.prod.example.com, or leave source out' })
    .max(255, { error: 'is too long\nwrite at most 255 characters' })
    .default('burnwatch')
    .meta({ description: 'payload.source: where the alert comes from (shown in PagerDuty).' }),
  client: z
    .string()
    .min(1, { error: 'is empty\nwrite e.g. burnwatch, or leave client out' })
    .default('burnwatch')
    .meta({ description: 'Name of the monitoring client shown in PagerDuty.' }),
  clientUrl: z
    .string()
    .refine((url) => /^https?:\/\/\S+$/.test(url), { error: 'is not an http(s) URL\nwrite e.g. https://burnwatch.example.com/' })
    .optional()
    .meta({ description: 'Link from PagerDuty back to burnwatch (e.g. its status page).' }),
});
export type PagerDutyConfig = z.infer<typeof PagerDutyConfig>;
