import { ErrorCode } from '@slack/web-api';
import { parseRetryAfter } from '../../http/retry-after.js';
import type { FailureReason, SendOutcome } from '../notifier.js';
import { redactSecrets } from '../secret-ref.js';

/**
 * Turns what `@slack/web-api` throws into a classified `SendOutcome` (the outbox decides about retrying;
 * the SDK's own retries are off). Facts about the SDK (v8.2.0, dist/WebClient.js, errors.js):
 * - 200 `{"ok":false,"error":X}` -> `WebAPIPlatformError`, `data.error === X`;
 * - 429 with a numeric Retry-After and `rejectRateLimitedCalls` -> `WebAPIRateLimitedError`, `retryAfter` in s;
 *   429 without a numeric Retry-After -> a plain Error "Retry header did not contain a valid timeout ...";
 * - any other non-200 -> `WebAPIHTTPError { statusCode, headers }`;
 * - network failure or time limit -> `WebAPIRequestError { original }` (a `TimeoutError` for the time limit).
 *
 * Messages name the receiver, the API method, the channel, what Slack said and what to do. They are built
 * from codes and statuses, never from request headers, and pass through `redactSecrets` as well.
 */

export type FailedOutcome = Extract<SendOutcome, { ok: false }>;

/** Where a call failed, for messages. */
export interface SlackCallSite {
  readonly receiver: string;
  readonly method: 'chat.postMessage' | 'chat.update';
  readonly channel: string;
  /** Secrets that must never appear in a message. */
  readonly secrets: readonly string[];
  /** The caller's signal had fired (shutdown), as opposed to our time limit. */
  readonly aborted: boolean;
  readonly timeoutMs: number;
}

/** A failed Slack call. `slackError` is Slack's error code (`channel_not_found`) when Slack sent one. */
export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';
  constructor(
    message: string,
    readonly method: string,
    readonly slackError: string | undefined,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

interface Rule {
  readonly retryable: boolean;
  readonly reason: FailureReason;
  readonly todo: string;
}

const TOKEN_TODO = 'check the secret behind slack.token: it must be the bot token (xoxb-...) of an installed Slack app';
const BUG_TODO = 'Slack refused the message burnwatch built: this is a bug, please report it with this error';
const EDIT_TODO = 'the firing message cannot be edited any more; a new message is posted instead';

/** Slack platform error codes (chat.postMessage / chat.update) and what they mean for delivery. */
const PLATFORM_ERRORS: Readonly<Record<string, Rule>> = {
  invalid_auth: { retryable: false, reason: 'auth-error', todo: TOKEN_TODO },
  not_authed: { retryable: false, reason: 'auth-error', todo: TOKEN_TODO },
  account_inactive: { retryable: false, reason: 'auth-error', todo: `the token belongs to a deleted user or an uninstalled app: ${TOKEN_TODO}` },
  token_revoked: { retryable: false, reason: 'auth-error', todo: `the token was revoked: ${TOKEN_TODO}` },
  token_expired: { retryable: false, reason: 'auth-error', todo: `the token expired: ${TOKEN_TODO}` },
  missing_scope: { retryable: false, reason: 'auth-error', todo: 'add the chat:write scope to the Slack app and reinstall it' },
  channel_not_found: { retryable: false, reason: 'client-error', todo: 'check slack.channel (prefer the channel ID, e.g. C0123ABCDEF) and that the bot can see the channel (invite it to private channels)' },
  not_in_channel: { retryable: false, reason: 'client-error', todo: 'invite the bot to the channel (/invite @your-bot), or give the app the chat:write.public scope' },
  is_archived: { retryable: false, reason: 'client-error', todo: 'the channel is archived: unarchive it or point slack.channel at another channel' },
  restricted_action: { retryable: false, reason: 'client-error', todo: 'a workspace setting keeps the bot from posting in this channel: ask a Slack admin' },
  msg_too_long: { retryable: false, reason: 'client-error', todo: BUG_TODO },
  no_text: { retryable: false, reason: 'client-error', todo: BUG_TODO },
  invalid_blocks: { retryable: false, reason: 'client-error', todo: BUG_TODO },
  invalid_blocks_format: { retryable: false, reason: 'client-error', todo: BUG_TODO },
  message_not_found: { retryable: false, reason: 'client-error', todo: EDIT_TODO },
  cant_update_message: { retryable: false, reason: 'client-error', todo: EDIT_TODO },
  edit_window_closed: { retryable: false, reason: 'client-error', todo: EDIT_TODO },
  ratelimited: { retryable: true, reason: 'rate-limited', todo: 'Slack is rate-limiting the app; retrying later' },
  rate_limited: { retryable: true, reason: 'rate-limited', todo: 'Slack is rate-limiting the app; retrying later' },
  internal_error: { retryable: true, reason: 'server-error', todo: 'Slack failed; retrying' },
  fatal_error: { retryable: true, reason: 'server-error', todo: 'Slack failed; retrying' },
  service_unavailable: { retryable: true, reason: 'server-error', todo: 'Slack is unavailable; retrying' },
  request_timeout: { retryable: true, reason: 'timeout', todo: 'Slack timed out; retrying' },
};

/** Slack error codes after which a resolve posts a new message instead of editing the firing one. */
export const UNEDITABLE_ERRORS: ReadonlySet<string> = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

function fail(site: SlackCallSite, rule: Rule, detail: string, extra: { slackError?: string; status?: number; retryAfterMs?: number } = {}): FailedOutcome {
  const head = `Slack receiver "${site.receiver}": ${site.method} to channel ${site.channel} failed: ${detail}`;
  const message = redactSecrets(`${head}\n  ${rule.todo}`, site.secrets);
  return {
    ok: false,
    retryable: rule.retryable,
    reason: rule.reason,
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    error: new SlackDeliveryError(message, site.method, extra.slackError, extra.status),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The `code` of an error or of its causes (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`). */
function networkCode(err: unknown): string | undefined {
  for (let current: unknown = err, depth = 0; isRecord(current) && depth < 5; current = current.cause, depth++) {
    if (typeof current.code === 'string') return current.code;
  }
  return undefined;
}

/** The outcome for whatever a WebClient call threw. */
export function classifySlackError(err: unknown, site: SlackCallSite): FailedOutcome {
  const code = isRecord(err) ? err.code : undefined;

  if (code === ErrorCode.PlatformError && isRecord(err) && isRecord(err.data)) {
    const slackError = typeof err.data.error === 'string' ? err.data.error : 'unknown_error';
    const rule = PLATFORM_ERRORS[slackError] ?? { retryable: false, reason: 'other', todo: 'Slack refused the call: look the error code up at https://docs.slack.dev/reference/methods/chat.postMessage' };
    const needed = typeof err.data.needed === 'string' ? ` (needed: ${err.data.needed})` : '';
    const metadata = isRecord(err.data.response_metadata) && Array.isArray(err.data.response_metadata.messages)
      ? `: ${err.data.response_metadata.messages.filter((m): m is string => typeof m === 'string').join('; ').slice(0, 300)}`
      : '';
    return fail(site, rule, `${slackError}${needed}${metadata}`, { slackError });
  }

  if (code === ErrorCode.RateLimitedError && isRecord(err)) {
    const seconds = typeof err.retryAfter === 'number' ? err.retryAfter : undefined;
    return fail(
      site,
      { retryable: true, reason: 'rate-limited', todo: 'Slack is rate-limiting the app (about one message per second per channel); retrying later' },
      `HTTP 429 rate limited${seconds === undefined ? '' : `, retry after ${seconds} s`}`,
      { status: 429, ...(seconds === undefined ? {} : { retryAfterMs: seconds * 1000 }) },
    );
  }

  if (code === ErrorCode.HTTPError && isRecord(err)) {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 0;
    const retryAfter = isRecord(err.headers) ? err.headers['retry-after'] : undefined;
    const retryAfterMs = parseRetryAfter({ 'retry-after': typeof retryAfter === 'string' ? retryAfter : undefined });
    const extra = { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    if (status >= 500) return fail(site, { retryable: true, reason: 'server-error', todo: 'Slack (or a proxy in front of it) failed; retrying' }, `HTTP ${status}`, extra);
    if (status === 408) return fail(site, { retryable: true, reason: 'timeout', todo: 'retrying' }, `HTTP ${status}`, extra);
    if (status === 401 || status === 403) return fail(site, { retryable: false, reason: 'auth-error', todo: `${TOKEN_TODO}; also check any proxy in front of ${site.method}` }, `HTTP ${status}`, extra);
    if (status >= 400) return fail(site, { retryable: false, reason: 'client-error', todo: 'check slack.apiUrl (it must point at the Web API, https://slack.com/api/)' }, `HTTP ${status}`, extra);
    return fail(site, { retryable: false, reason: 'other', todo: 'check slack.apiUrl: redirects are not followed' }, `HTTP ${status}`, extra);
  }

  if (code === ErrorCode.RequestError && isRecord(err)) {
    const original = isRecord(err.original) ? err.original : undefined;
    if (site.aborted) {
      return fail(site, { retryable: true, reason: 'other', todo: 'the send was cancelled (shutdown); it is retried later' }, 'aborted');
    }
    if (original?.name === 'TimeoutError') {
      return fail(site, { retryable: true, reason: 'timeout', todo: 'retrying; if it keeps happening raise slack.timeoutMs' }, `no answer within ${site.timeoutMs} ms`);
    }
    const netCode = networkCode(original);
    const why = typeof original?.message === 'string' ? original.message : 'request failed';
    return fail(
      site,
      { retryable: true, reason: 'network', todo: 'check slack.apiUrl and the network path to Slack (proxy, DNS, firewall); retrying' },
      `${why}${netCode === undefined ? '' : ` (${netCode})`}`,
    );
  }

  const message = err instanceof Error ? err.message : String(err);
  if (/Retry header did not contain a valid timeout/.test(message)) {
    return fail(site, { retryable: true, reason: 'rate-limited', todo: 'Slack is rate-limiting the app; retrying later' }, 'HTTP 429 rate limited without a usable Retry-After', { status: 429 });
  }
  return fail(site, { retryable: false, reason: 'other', todo: 'unexpected error from the Slack client: please report it' }, message.slice(0, 300));
}
