import { createHmac } from 'node:crypto';
import { basicAuthHeaderValue, classifyExchange, postOnce } from '../alertmanager/http-post.js';
import type { AlertNotification, Notifier, NotifierDeps, NotifierFactory, SendContext, SendOutcome } from '../notifier.js';
import { secretSource } from '../secret-ref.js';
import { WebhookConfig } from './config.js';
import type { ReportDigest } from '../../report/digest.js';
import { renderWebhookPayload } from './render.js';

/**
 * The webhook destination: POST Alertmanager's webhook payload (version 4) as JSON, in exactly one request
 * per send. Classification: 2xx delivered; 408, 429, 5xx, network errors and the time limit retryable
 * (Retry-After honoured); 401/403 permanent (credentials); any other 3xx/4xx permanent.
 *
 * With `signature`, the header (default `X-Burnwatch-Signature`) carries `sha256=<hex>`: the HMAC-SHA256 of
 * the exact bytes of the body, keyed with the shared secret. A receiver verifies it by computing the same
 * over the raw body it read (before parsing it) and comparing in constant time.
 */

/** `sha256=<hex>`: HMAC-SHA256 of the raw body. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The `type` of a digest body (webhook) or line (console). */
export const DIGEST_RECORD_TYPE = 'burnwatch.report-digest';

function createWebhookNotifier(name: string, config: WebhookConfig, deps: NotifierDeps): Notifier {
  const what = `webhook receiver "${name}"`;
  const signingSecret = config.signature === undefined ? undefined : deps.secrets(secretSource(config.signature.secret), `${what}: signature.secret`);
  const token = config.bearerToken === undefined ? undefined : deps.secrets(secretSource(config.bearerToken), `${what}: bearerToken`);
  const password = config.basicAuth === undefined ? undefined : deps.secrets(secretSource(config.basicAuth.password), `${what}: basicAuth.password`);
  const secrets = [signingSecret, token, password, basicAuthHeaderValue(config.basicAuth?.username, password)].filter((s): s is string => s !== undefined);
  const signatureHeader = config.signature?.header;
  const log = deps.logger;

  /** One POST of a JSON body, signed and authenticated as configured, classified. */
  async function post(body: string, signal: AbortSignal): Promise<SendOutcome> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'burnwatch' };
    if (signingSecret !== undefined && signatureHeader !== undefined) headers[signatureHeader] = signBody(body, signingSecret);
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const exchange = await postOnce({
      url: config.url,
      body,
      headers,
      timeoutMs: config.timeoutMs,
      signal,
      ...(config.basicAuth === undefined || password === undefined ? {} : { basicAuth: { username: config.basicAuth.username, password } }),
    });
    return classifyExchange(exchange, { what, url: config.url, secrets });
  }

  return {
    kind: 'webhook',
    name,
    async send(notification: AlertNotification, context: SendContext): Promise<SendOutcome> {
      const payload = renderWebhookPayload(notification, {
        receiver: name,
        ...(config.externalUrl === undefined ? {} : { externalUrl: config.externalUrl }),
      });
      const outcome = await post(JSON.stringify(payload), context.signal);
      if (outcome.ok) log.debug({ receiver: name, alertKey: notification.alertKey, status: notification.status }, 'webhook delivered');
      return outcome;
    },
    /** A report digest: `{ "type": "burnwatch.report-digest", "version": 1, "receiver", "digest" }` (not Alertmanager's format). */
    async sendDigest(digest: ReportDigest, context: SendContext): Promise<SendOutcome> {
      const outcome = await post(JSON.stringify({ type: DIGEST_RECORD_TYPE, version: 1, receiver: name, digest }), context.signal);
      if (outcome.ok) log.debug({ receiver: name, digest: digest.id }, 'webhook digest delivered');
      return outcome;
    },
  };
}

export const webhookNotifier: NotifierFactory<WebhookConfig> = {
  kind: 'webhook',
  config: WebhookConfig,
  create: createWebhookNotifier,
};

export { WebhookConfig } from './config.js';
