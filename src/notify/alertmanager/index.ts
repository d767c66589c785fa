import type { AlertNotification, Notifier, NotifierDeps, NotifierFactory, SendContext, SendOutcome } from '../notifier.js';
import { secretSource } from '../secret-ref.js';
import { AlertmanagerConfig } from './config.js';
import type { HttpExchange, StatusRule } from './http-post.js';
import { basicAuthHeaderValue, classifyExchange, postOnce } from './http-post.js';
import { renderAlertmanagerBody } from './render.js';
import { RESOLVED_RETENTION_MS } from './resend.js';

/**
 * The Alertmanager destination: `POST <url>/api/v2/alerts` with a JSON array of one postable alert, in
 * exactly one request per send. Classification (Alertmanager 0.25, api/v2/api.go):
 * - 200 (any 2xx): delivered;
 * - 400: some alerts of the batch are invalid (bad label name, end before start); Alertmanager still
 *   ingests the valid ones, but ours is the only one, so it was refused: permanent, with Alertmanager's
 *   reason in the message;
 * - 415 / 422: the request itself is malformed (a burnwatch bug): permanent;
 * - 401 / 403 (an authenticating proxy): permanent; 404: wrong url or route prefix: permanent;
 * - 408, 429, 5xx, network errors and the time limit: retryable (Retry-After honoured).
 *
 * Re-sending firing and recently resolved alerts is the engine's/outbox's decision (`needsResend` in
 * resend.ts, with this notifier's `resendDelayMs`).
 */

export interface AlertmanagerNotifier extends Notifier {
  readonly kind: 'alertmanager';
  /** How often firing alerts are to be re-posted (for `needsResend`). */
  readonly resendDelayMs: number;
  /** How long resolved alerts are re-posted after resolving. */
  readonly resolvedRetentionMs: number;
}

const BUG_TODO = 'Alertmanager refused the request burnwatch built: this is a bug, please report it with this error';

const STATUS_RULES: Readonly<Record<number, StatusRule>> = {
  400: {
    retryable: false,
    reason: 'client-error',
    todo: 'Alertmanager refused the alert (it keeps the valid alerts of a batch, not this one): label names must match [a-zA-Z_][a-zA-Z0-9_]*; fix the SLO\'s labels named above',
  },
  404: { retryable: false, reason: 'client-error', todo: 'check url: it must be the Alertmanager base URL (with its --web.route-prefix, if any); burnwatch appends /api/v2/alerts' },
  415: { retryable: false, reason: 'client-error', todo: BUG_TODO },
  422: { retryable: false, reason: 'client-error', todo: BUG_TODO },
};

/** Alertmanager answers errors as a JSON string or `{code, message}`: show the text itself. */
function readableBody(ex: HttpExchange): HttpExchange {
  if (ex.kind !== 'answer' || ex.body.trim() === '') return ex;
  try {
    const parsed: unknown = JSON.parse(ex.body);
    if (typeof parsed === 'string') return { ...ex, body: parsed };
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      return { ...ex, body: (parsed as { message: string }).message };
    }
  } catch {
    // not JSON: keep the text
  }
  return ex;
}

export function alertsEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '')}/api/v2/alerts`;
}

function createAlertmanagerNotifier(name: string, config: AlertmanagerConfig, deps: NotifierDeps): AlertmanagerNotifier {
  const what = `Alertmanager receiver "${name}"`;
  const token = config.bearerToken === undefined ? undefined : deps.secrets(secretSource(config.bearerToken), `${what}: bearerToken`);
  const password = config.basicAuth === undefined ? undefined : deps.secrets(secretSource(config.basicAuth.password), `${what}: basicAuth.password`);
  const secrets = [token, password, basicAuthHeaderValue(config.basicAuth?.username, password)].filter((s): s is string => s !== undefined);
  const endpoint = alertsEndpoint(config.url);
  const timing = { resendDelayMs: config.resendDelay, evaluationIntervalMs: config.evaluationInterval };
  const log = deps.logger;

  return {
    kind: 'alertmanager',
    name,
    resendDelayMs: config.resendDelay,
    resolvedRetentionMs: RESOLVED_RETENTION_MS,
    async send(notification: AlertNotification, context: SendContext): Promise<SendOutcome> {
      const body = JSON.stringify(renderAlertmanagerBody(notification, timing));
      const exchange = await postOnce({
        url: endpoint,
        body,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'User-Agent': 'burnwatch',
          ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
        },
        timeoutMs: config.timeoutMs,
        signal: context.signal,
        ...(config.basicAuth === undefined || password === undefined ? {} : { basicAuth: { username: config.basicAuth.username, password } }),
      });
      const outcome = classifyExchange(readableBody(exchange), { what, url: endpoint, secrets }, STATUS_RULES);
      if (outcome.ok) {
        log.debug({ receiver: name, alertKey: notification.alertKey, status: notification.status }, 'alert posted to Alertmanager');
      }
      return outcome;
    },
  };
}

export const alertmanagerNotifier: NotifierFactory<AlertmanagerConfig> = {
  kind: 'alertmanager',
  config: AlertmanagerConfig,
  create: createAlertmanagerNotifier,
};

export { AlertmanagerConfig } from './config.js';
export { needsResend, RESOLVED_RETENTION_MS } from './resend.js';
export type { AlertSendState } from './resend.js';
