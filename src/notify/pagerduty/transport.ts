import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { event } from '@pagerduty/pdjs';
import type { Deadline } from '../../http/deadline.js';
import { clockDeadline } from '../../http/deadline.js';

/**
 * One POST to the Events API through `@pagerduty/pdjs` (`event()`), in exactly one HTTP request.
 *
 * pdjs 2.2.4 traps (build/src/common.js, events.js) and how they are handled:
 * - It retries a 429 by itself, with `retries` hard-coded to 3 (4 attempts) and `retryTimeout` (default
 *   20 s) between them; no option turns that off. Bypass: `agent` is passed through to node-fetch, which
 *   calls it (when it is a function) for every attempt before sending anything. Our function hands out the
 *   agent once and throws on the second call, so a retry fails before a byte is sent and pdjs rejects with
 *   our `SecondAttemptRefused` (with `retryTimeout: 0` it does so at once instead of after 20 s).
 *   Since pdjs then never shows us the 429 response, its status and Retry-After are read from Node's
 *   `http.client.response.finish` diagnostics channel, filtered by our per-request agent.
 * - The URL is always `https://${server}/v2/enqueue`; extra CAs go into a TLS context (added to the
 *   system ones, not replacing them) that the receiver makes once (`pagerDutyTlsContext`): making one parses
 *   every root certificate, tens of milliseconds that would otherwise be spent on each page.
 * - `requestTimeout` never aborts anything and its timer is not cleared on errors (it kept Node alive for
 *   30 s): `requestTimeout: 0`, and our own AbortSignal ends the request at `timeoutMs` (the `deadline`
 *   signal) or when the caller's signal fires. The signal is ours and detached afterwards, so nothing can abort a finished request later.
 * - A non-2xx answer resolves (status in `res.status`); a non-JSON body rejects with FetchError
 *   `invalid-json` (the status then comes from the diagnostics channel too).
 * - Nothing outlives the call: the listeners are removed, the agent destroyed (no keep-alive socket), the
 *   diagnostics subscription removed.
 */

/** What the Events API answered, or why it did not. */
export type PdExchange =
  | {
      readonly kind: 'answer';
      readonly status: number;
      /** Parsed JSON body; undefined when the body was not JSON or was not read (429). */
      readonly body: unknown;
      /** Raw Retry-After header, when sent. */
      readonly retryAfter?: string;
    }
  | {
      readonly kind: 'failure';
      /** timeout: our time limit; aborted: the caller's signal; network: no HTTP answer. */
      readonly cause: 'timeout' | 'aborted' | 'network';
      readonly code?: string;
      readonly message: string;
    };

export interface PdTransportOptions {
  /** Host (and port) of the Events API, e.g. `events.pagerduty.com`. */
  readonly server: string;
  /** The TLS context with extra CA certificates (`pagerDutyTlsContext`); the system's when left out. */
  readonly secureContext?: SecureContext;
  readonly timeoutMs: number;
  /** Makes the time limit of `timeoutMs` (the clock's when left out). */
  readonly deadline?: Deadline;
  readonly signal: AbortSignal;
}

type EventParameters = Parameters<typeof event>[0];

/** Thrown by our agent function when pdjs tries a second attempt (it only retries 429s). */
class SecondAttemptRefused extends Error {
  override readonly name = 'SecondAttemptRefused';
}

const RESPONSE_CHANNEL = 'http.client.response.finish';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!isRecord(headers)) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** A TLS context that trusts `ca` (PEM) in addition to the system's root certificates. */
export function pagerDutyTlsContext(ca: string): SecureContext {
  return createSecureContext({ ca: [...rootCertificates, ca] });
}

/** POSTs `data` (a complete event, routing_key included) once. Never rejects. */
export async function postEventOnce(data: object, options: PdTransportOptions): Promise<PdExchange> {
  const agent = new Agent({ keepAlive: false, ...(options.secureContext === undefined ? {} : { secureContext: options.secureContext }) });

  let firstAnswer: { status: number; retryAfter?: string } | undefined;
  const onResponse = (message: unknown): void => {
    if (firstAnswer !== undefined || !isRecord(message) || !isRecord(message.request) || message.request.agent !== agent) return;
    const response = message.response;
    if (!isRecord(response) || typeof response.statusCode !== 'number') return;
    const retryAfter = headerValue(response.headers, 'retry-after');
    firstAnswer = { status: response.statusCode, ...(retryAfter === undefined ? {} : { retryAfter }) };
  };

  const controller = new AbortController();
  let timedOut = false;
  const limit = (options.deadline ?? clockDeadline)(options.timeoutMs);
  const onTimeLimit = (): void => {
    timedOut = true;
    controller.abort();
  };
  if (limit.aborted) onTimeLimit();
  else limit.addEventListener('abort', onTimeLimit, { once: true });
  const onCallerAbort = (): void => controller.abort();
  if (options.signal.aborted) controller.abort();
  else options.signal.addEventListener('abort', onCallerAbort, { once: true });

  let attempts = 0;
  const agentForOneAttempt = (): Agent => {
    attempts += 1;
    if (attempts > 1) throw new SecondAttemptRefused('pdjs retry suppressed: the outbox owns retries');
    return agent;
  };

  // pdjs's types know neither node-fetch's `agent` nor `client`/`client_url`; both pass through as-is.
  const parameters = {
    server: options.server,
    data,
    agent: agentForOneAttempt,
    signal: controller.signal,
    requestTimeout: 0,
    retryTimeout: 0,
  } as unknown as EventParameters;

  subscribe(RESPONSE_CHANNEL, onResponse);
  try {
    const response = await event(parameters);
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    return { kind: 'answer', status: response.status, body: response.data, ...(retryAfter === undefined ? {} : { retryAfter }) };
  } catch (err) {
    if (err instanceof SecondAttemptRefused) {
      // Only a 429 makes pdjs try again.
      return { kind: 'answer', status: firstAnswer?.status ?? 429, body: undefined, ...(firstAnswer?.retryAfter === undefined ? {} : { retryAfter: firstAnswer.retryAfter }) };
    }
    const type = isRecord(err) ? err.type : undefined;
    if (type === 'invalid-json' && firstAnswer !== undefined) {
      return { kind: 'answer', status: firstAnswer.status, body: undefined, ...(firstAnswer.retryAfter === undefined ? {} : { retryAfter: firstAnswer.retryAfter }) };
    }
    const message = err instanceof Error ? err.message : String(err);
    if (controller.signal.aborted) {
      return { kind: 'failure', cause: timedOut ? 'timeout' : 'aborted', message };
    }
    const code = isRecord(err) && typeof err.code === 'string' ? err.code : undefined;
    return { kind: 'failure', cause: 'network', message, ...(code === undefined ? {} : { code }) };
  } finally {
    limit.removeEventListener('abort', onTimeLimit);
    options.signal.removeEventListener('abort', onCallerAbort);
    unsubscribe(RESPONSE_CHANNEL, onResponse);
    agent.destroy();
  }
}
