import { z } from 'zod';
import { basicAuth, httpUrl, TimeoutMs } from '../alertmanager/config.js';
import { secretRef } from '../secret-ref.js';

/**
 * A webhook receiver (`webhook:` in a receiver config): POSTs Alertmanager's webhook payload (version 4)
 * to a URL, so anything that takes Alertmanager webhooks (alert bridges, chat bots, ticketing glue) takes
 * burnwatch's notifications as they are. Optionally signed with HMAC-SHA256 over the raw body.
 *
 * URL, time limit and basic auth are written as for the Alertmanager destination (alertmanager/config.ts).
 *
 * Messages follow the project convention: first line what is wrong, second line what to write instead.
 */

/** `X-Burnwatch-Signature`: a header name (RFC 7230 token characters). */
const HeaderName = z
  .string({ error: 'must be a header name\nwrite e.g. X-Burnwatch-Signature' })
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'is not an HTTP header name\nwrite e.g. X-Burnwatch-Signature (letters, digits and -)' });

export const DEFAULT_SIGNATURE_HEADER = 'X-Burnwatch-Signature';

export const WebhookConfig = z.strictObject({
  url: httpUrl('url', 'https://hooks.example.com/burnwatch')
    .meta({ description: 'Where to POST the payload (http or https).' }),
  signature: z
    .strictObject({
      secret: secretRef('secret', { env: 'WEBHOOK_SIGNING_SECRET', file: '/run/secrets/webhook-signing-secret' })
        .meta({ description: 'Shared secret of the HMAC-SHA256 signature, read from an environment variable or a file.' }),
      header: HeaderName.default(DEFAULT_SIGNATURE_HEADER)
        .meta({ description: `Header that carries "sha256=<hex HMAC-SHA256 of the raw body>" (default ${DEFAULT_SIGNATURE_HEADER}).` }),
    })
    .optional()
    .meta({ description: 'Sign every request: the header holds sha256=<hex> of the raw body keyed with the secret; the receiver recomputes and compares it.' }),
  bearerToken: secretRef('bearerToken', { env: 'WEBHOOK_TOKEN', file: '/run/secrets/webhook-token' })
    .optional()
    .meta({ description: 'Sent as "Authorization: Bearer <token>"; read from an environment variable or a file.' }),
  basicAuth: basicAuth({ env: 'WEBHOOK_PASSWORD', file: '/run/secrets/webhook-password' }).optional(),
  externalUrl: z
    .string()
    .optional()
    .meta({ description: 'externalURL of the payload: where people reach burnwatch (default: empty).' }),
  timeoutMs: TimeoutMs,
}).refine((c) => c.bearerToken === undefined || c.basicAuth === undefined, {
  error: 'give bearerToken or basicAuth, not both\nremove one of them',
  path: ['basicAuth'],
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;
