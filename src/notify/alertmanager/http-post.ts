import axios from 'axios';
import { parseRetryAfter } from '../../http/retry-after.js';
import { redactUrl } from '../../redact-url.js';
import type { FailureReason, SendOutcome } from '../notifier.js';
import { redactSecrets } from '../secret-ref.js';

/**
 * One HTTP POST and its classification into a `SendOutcome`, shared by the webhook and Alertmanager
 * destinations (both POST JSON to a configured URL; the outbox owns every retry).
 *
 * - Exactly one request per call: no retries, redirects are not followed (a 3xx is a permanent failure:
 *   credentials and signatures must not travel to another address).
 * - A total time limit (`timeoutMs`, connection and response together) and the caller's signal both end the
 *   request; which of the two fired is reported apart (timeout: retryable; shutdown: retryable as well).
 * - HTTP(S) proxies from the standard environment variables are honoured, as axios does by default.
 * - Messages name the receiver, the URL without credentials or query string, the status and what to do;
 *   the response body (truncated) is included, passed through `redactSecrets` like the whole message.
 *   Request headers are never copied into a message.
 */

export type HttpExchange =
  | { readonly kind: 'answer'; readonly status: number; readonly body: string; readonly headers: Readonly<Record<string, string | undefined>> }
  | { readonly kind: 'failure'; readonly cause: 'timeout' | 'aborted' | 'network'; readonly code?: string; readonly message: string };

export interface PostRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

function lowerCaseHeaders(headers: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (headers === null || typeof headers !== 'object') return out;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.map(String).join(', ');
    else if (typeof value === 'number') out[name.toLowerCase()] = String(value);
  }
  return out;
}

function errorCode(err: unknown): string | undefined {
  for (let current: unknown = err, depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_CANCELED' && code !== 'ECONNABORTED') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** POSTs once; never throws. */
export async function postOnce(req: PostRequest): Promise<HttpExchange> {
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, deadline]);
  try {
    const res = await axios.post<string>(req.url, req.body, {
      headers: { ...req.headers },
      signal,
      timeout: req.timeoutMs,
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: MAX_RESPONSE_BYTES,
      ...(req.basicAuth === undefined ? {} : { auth: { username: req.basicAuth.username, password: req.basicAuth.password } }),
    });
    return { kind: 'answer', status: res.status, body: typeof res.data === 'string' ? res.data : '', headers: lowerCaseHeaders(res.headers) };
  } catch (err) {
    if (req.signal.aborted) return { kind: 'failure', cause: 'aborted', message: 'the request was cancelled (shutting down)' };
    const code = errorCode(err);
    const timedOut = deadline.aborted || (err as { code?: unknown }).code === 'ECONNABORTED' || code === 'ETIMEDOUT';
    if (timedOut) return { kind: 'failure', cause: 'timeout', message: `no answer within ${req.timeoutMs} ms` };
    const message = err instanceof Error ? err.message : String(err);
    return code === undefined ? { kind: 'failure', cause: 'network', message } : { kind: 'failure', cause: 'network', code, message };
  }
}

/**
 * The base64 `user:password` of a Basic Authorization header: as secret as the password (a server that
 * echoes request headers would otherwise put it into our messages), so it is redacted too.
 */
export function basicAuthHeaderValue(username: string | undefined, password: string | undefined): string | undefined {
  if (username === undefined || password === undefined) return undefined;
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

export function truncateBody(text: string, limit = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= limit ? oneLine : `${oneLine.slice(0, limit - 1)}…`;
}

/** A failed delivery: the HTTP status or network error code, for logs and metrics. */
export class HttpDeliveryError extends Error {
  override readonly name = 'HttpDeliveryError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Where a request went, for messages. */
export interface CallSite {
  /** `webhook receiver "audit"`, `Alertmanager receiver "am"`. */
  readonly what: string;
  /** The URL, printed through `redactUrl`. */
  readonly url: string;
  /** Secrets that must never appear in a message. */
  readonly secrets: readonly string[];
}

/** How one status is classified, and what the user should do about it. */
export interface StatusRule {
  readonly retryable: boolean;
  readonly reason: FailureReason;
  readonly todo: string;
}

type Failed = Extract<SendOutcome, { ok: false }>;

/** Classes shared by both destinations; `overrides` replace the rule of a status (Alertmanager's 400). */
export function ruleForStatus(status: number, overrides: Readonly<Record<number, StatusRule>> = {}): StatusRule {
  const own = overrides[status];
  if (own !== undefined) return own;
  if (status === 408) return { retryable: true, reason: 'timeout', todo: 'the server timed out reading the request; retrying' };
  if (status === 429) return { retryable: true, reason: 'rate-limited', todo: 'the server is rate-limiting burnwatch; retrying after the delay it asked for' };
  if (status >= 500) return { retryable: true, reason: 'server-error', todo: 'the server failed; retrying' };
  if (status === 401 || status === 403) {
    return { retryable: false, reason: 'auth-error', todo: 'check the credentials of this receiver (bearerToken, basicAuth) and what the server expects' };
  }
  if (status >= 300 && status < 400) {
    return { retryable: false, reason: 'client-error', todo: 'redirects are not followed: set url to the address the server redirects to' };
  }
  if (status >= 400) return { retryable: false, reason: 'client-error', todo: 'the server refused the request; check url and the server\'s log' };
  return { retryable: false, reason: 'other', todo: 'unexpected answer; check url' };
}

/** The outcome of one exchange: 2xx delivered, the rest classified by `ruleForStatus`. */
export function classifyExchange(ex: HttpExchange, site: CallSite, overrides: Readonly<Record<number, StatusRule>> = {}): SendOutcome {
  const where = `${site.what}: POST ${redactUrl(site.url)}`;
  if (ex.kind === 'failure') {
    const rule: StatusRule = ex.cause === 'timeout'
      ? { retryable: true, reason: 'timeout', todo: 'retrying; raise timeoutMs if the server is slow' }
      : ex.cause === 'aborted'
        ? { retryable: true, reason: 'other', todo: 'burnwatch is shutting down; the notification stays in the outbox' }
        : { retryable: true, reason: 'network', todo: 'check that url is right and the server is reachable from burnwatch; retrying' };
    const detail = ex.cause === 'network' ? `network error${ex.code === undefined ? '' : ` ${ex.code}`}: ${ex.message}` : ex.message;
    return fail(`${where} failed: ${detail}`, rule, site, undefined, ex.code);
  }
  if (ex.status >= 200 && ex.status < 300) return { ok: true };
  const rule = ruleForStatus(ex.status, overrides);
  const body = truncateBody(ex.body);
  const retryAfterMs = rule.retryable ? parseRetryAfter(ex.headers) : undefined;
  return fail(`${where} answered ${ex.status}${body === '' ? '' : `: ${body}`}`, rule, site, ex.status, undefined, retryAfterMs);
}

function fail(headline: string, rule: StatusRule, site: CallSite, status: number | undefined, code: string | undefined, retryAfterMs?: number): Failed {
  const message = redactSecrets(`${headline}\n  ${rule.todo}`, site.secrets);
  return {
    ok: false,
    retryable: rule.retryable,
    reason: rule.reason,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    error: new HttpDeliveryError(message, status, code),
  };
}
