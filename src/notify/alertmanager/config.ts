import { z } from 'zod';
import { parseDuration } from '../../slo/duration.js';
import { secretRef } from '../secret-ref.js';
import { requestTimeoutMs } from '../request-timeout.js';

/**
 * An Alertmanager receiver (`alertmanager:` in a receiver config): burnwatch posts its alerts to an
 * Alertmanager (API v2, `POST <url>/api/v2/alerts`) the way Prometheus does, and Alertmanager's own routing,
 * grouping, inhibition and silences take over from there.
 *
 * Messages follow the project convention: first line what is wrong, second line what to write instead.
 */

/** An http(s) URL without credentials in it (they would be printed and logged with the URL). */
export function httpUrl(field: string, example: string) {
  return z
    .string({ error: `must be an http(s) URL\nwrite e.g. ${field}: ${example}` })
    .refine((url) => {
      try {
        const u = new URL(url);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
      } catch {
        return false;
      }
    }, { error: `is not an http(s) URL\nwrite e.g. ${field}: ${example}`, abort: true })
    .refine((url) => {
      const u = new URL(url);
      return u.username === '' && u.password === '';
    }, { error: `must not contain a user name or password (it would show in logs)\nremove them from ${field} and use basicAuth or bearerToken` });
}

export const TimeoutMs = requestTimeoutMs('Time limit of one request in milliseconds (connecting and answering). A request that takes longer fails and is retried by the outbox.');

/** HTTP basic authentication; `example` names the env var and file in messages. */
export function basicAuth(example: { readonly env: string; readonly file: string }) {
  return z
    .strictObject({
      username: z.string({ error: 'must be a user name\nwrite e.g. username: burnwatch' }).min(1, { error: 'is empty\nwrite e.g. username: burnwatch' }),
      password: secretRef('password', example),
    })
    .meta({ description: 'HTTP basic authentication; the password is read from an environment variable or a file.' });
}


/** A positive Prometheus duration (`1m`, `30s`), read as milliseconds. */
function positiveDuration(field: string, example: string) {
  return z
    .string({ error: `must be a duration such as ${example}\nwrite e.g. ${field}: ${example}` })
    .refine((text) => (parseDuration(text) ?? 0) > 0, { error: `is not a positive duration\nwrite e.g. ${field}: ${example} (units: ms, s, m, h, d)` })
    .transform((text) => parseDuration(text) ?? 0);
}

export const AlertmanagerConfig = z.strictObject({
  url: httpUrl('url', 'http://alertmanager:9093')
    .meta({ description: 'Base URL of the Alertmanager (with its --web.route-prefix, if any); alerts go to <url>/api/v2/alerts.' }),
  resendDelay: positiveDuration('resendDelay', '1m')
    .default(60_000)
    .meta({ description: 'Firing alerts are re-sent this often, and resolved ones for 15 minutes, as Prometheus does (--rules.alert.resend-delay, default 1m).' }),
  evaluationInterval: positiveDuration('evaluationInterval', '1m')
    .default(60_000)
    .meta({ description: 'burnwatch\'s evaluation interval. Firing alerts are posted with endsAt = now + 4 x max(resendDelay, evaluationInterval), so Alertmanager resolves them by itself if burnwatch stops.' }),
  bearerToken: secretRef('bearerToken', { env: 'ALERTMANAGER_TOKEN', file: '/run/secrets/alertmanager-token' })
    .optional()
    .meta({ description: 'Sent as "Authorization: Bearer <token>" (an Alertmanager behind an authenticating proxy).' }),
  basicAuth: basicAuth({ env: 'ALERTMANAGER_PASSWORD', file: '/run/secrets/alertmanager-password' }).optional(),
  timeoutMs: TimeoutMs,
}).refine((c) => c.bearerToken === undefined || c.basicAuth === undefined, {
  error: 'give bearerToken or basicAuth, not both\nremove one of them',
  path: ['basicAuth'],
});
export type AlertmanagerConfig = z.infer<typeof AlertmanagerConfig>;
