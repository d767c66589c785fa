import { parseRetryAfter } from '../../http/retry-after.js';
import type { FailureReason, SendOutcome } from '../notifier.js';
import { redactSecrets } from '../secret-ref.js';
import type { PdExchange } from './transport.js';

/**
 * Turns one Events API exchange into a classified `SendOutcome`, following PagerDuty's retry table
 * (developer docs, events-API-v2 overview): 202 done; 400 never retry; 429 retry later; 5xx and network
 * errors retry. Messages name the receiver, the event, the URL and what to do; they never hold the routing
 * key (it is only in the request body, and every message passes through `redactSecrets` as well).
 */

export type FailedOutcome = Extract<SendOutcome, { ok: false }>;

export interface PdCallSite {
  readonly receiver: string;
  readonly action: 'trigger' | 'resolve';
  readonly dedupKey: string;
  /** `https://events.pagerduty.com/v2/enqueue` */
  readonly url: string;
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
}

export class PagerDutyDeliveryError extends Error {
  override readonly name = 'PagerDutyDeliveryError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** `Event object is invalid: Length of 'routing_key' is incorrect ...` from a PagerDuty error body. */
function bodyDetail(body: unknown): string {
  if (!isRecord(body)) return '';
  const message = typeof body.message === 'string' ? body.message : typeof body.status === 'string' ? body.status : '';
  const errors = Array.isArray(body.errors) ? body.errors.filter((e): e is string => typeof e === 'string') : [];
  const text = [message, errors.join('; ')].filter((s) => s !== '').join(': ');
  return text === '' ? '' : ` ${text.slice(0, 600)}`;
}

const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH$)/;

function fail(site: PdCallSite, retryable: boolean, reason: FailureReason, detail: string, todo: string, extra: { status?: number; code?: string; retryAfterMs?: number } = {}): FailedOutcome {
  const head = `PagerDuty receiver "${site.receiver}": ${site.action} event (dedup_key ${site.dedupKey}) to ${site.url} failed: ${detail}`;
  return {
    ok: false,
    retryable,
    reason,
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    error: new PagerDutyDeliveryError(redactSecrets(`${head}\n  ${todo}`, site.secrets), extra.status, extra.code),
  };
}

export function classifyPagerDutyExchange(exchange: PdExchange, site: PdCallSite): SendOutcome {
  if (exchange.kind === 'failure') {
    const code = exchange.code === undefined ? '' : ` (${exchange.code})`;
    switch (exchange.cause) {
      case 'timeout':
        return fail(site, true, 'timeout', `no answer within ${site.timeoutMs} ms`, 'retrying; if it keeps happening raise pagerduty.timeoutMs');
      case 'aborted':
        return fail(site, true, 'other', 'aborted', 'the send was cancelled (shutdown); it is retried later');
      case 'network':
        if (exchange.code !== undefined && TLS_CODE.test(exchange.code)) {
          return fail(site, true, 'network', `TLS failed${code}: ${exchange.message}`, 'check pagerduty.caFile (a proxy that inspects TLS needs its CA there) and pagerduty.eventsHost; retrying', exchange.code === undefined ? {} : { code: exchange.code });
        }
        return fail(site, true, 'network', exchange.code === undefined || exchange.message.includes(exchange.code) ? exchange.message : `${exchange.message}${code}`, 'check pagerduty.eventsHost and the network path to PagerDuty (proxy, DNS, firewall); retrying', exchange.code === undefined ? {} : { code: exchange.code });
      default: {
        const unreachable: never = exchange.cause;
        return unreachable;
      }
    }
  }

  const { status, body } = exchange;
  const retryAfterMs = parseRetryAfter({ 'retry-after': exchange.retryAfter });
  const extra = { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  const detail = `HTTP ${status}${bodyDetail(body)}`;

  if (status >= 200 && status < 300) {
    if (!isRecord(body)) {
      return fail(site, false, 'other', `HTTP ${status} with a body that is not JSON`, 'check pagerduty.eventsHost: it must be the Events API host (events.pagerduty.com), not a proxy or web page', extra);
    }
    const dedupKey = typeof body.dedup_key === 'string' && body.dedup_key !== '' ? body.dedup_key : site.dedupKey;
    return { ok: true, externalRef: dedupKey };
  }
  if (status === 429) {
    return fail(site, true, 'rate-limited', `${detail}${retryAfterMs === undefined ? '' : `, retry after ${retryAfterMs / 1000} s`}`, 'PagerDuty is rate-limiting this routing key (about 120 events per minute); retrying later', extra);
  }
  if (status >= 500) {
    return fail(site, true, 'server-error', detail, 'PagerDuty failed; retrying', extra);
  }
  if (status === 400) {
    return fail(site, false, 'client-error', detail, 'PagerDuty rejected the event: if the errors name routing_key, check the secret behind pagerduty.routingKey (a 32-character Events API v2 integration key); otherwise this is a bug, please report it', extra);
  }
  if (status === 401 || status === 403) {
    return fail(site, false, 'auth-error', detail, 'the Events API needs no credentials besides the routing key: check pagerduty.routingKey and any proxy in front of PagerDuty', extra);
  }
  if (status === 413) {
    return fail(site, false, 'client-error', detail, 'the event is larger than PagerDuty accepts: this is a bug, please report it', extra);
  }
  if (status >= 400) {
    return fail(site, false, 'client-error', detail, 'check pagerduty.eventsHost: it must be the Events API host (events.pagerduty.com)', extra);
  }
  return fail(site, false, 'other', detail, 'unexpected answer (redirects are not followed): check pagerduty.eventsHost', extra);
}
