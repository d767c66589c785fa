import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { event } from '@pagerduty/pdjs';
import type { Deadline } from '../../http/deadline.js';
import { clockDeadline } from '../../http/deadline.js';
import { KEEP_ALIVE_AGENT } from '../keep-alive.js';

/**
 * One POST to the Events API through `@pagerduty/pdjs` (`event()`), in exactly one HTTP request, over the
 * receiver's kept-alive connections (`PagerDutyAgent`).
 *
 * pdjs 2.2.4 traps (build/src/common.js, events.js) and how they are handled:
 * - It retries a 429 by itself, with `retries` hard-coded to 3 (4 attempts) and `retryTimeout` (default
 *   20 s) between them; no option turns that off. Bypass: `agent` is passed through to node-fetch, which
 *   calls it (when it is a function) for every attempt before sending anything. Our function hands out the
 *   agent once and throws on the second call, so a retry fails before a byte is sent and pdjs rejects with
 *   our `SecondAttemptRefused` (with `retryTimeout: 0` it does so at once instead of after 20 s).
 *   Since pdjs then never shows us the 429 response, its status and Retry-After are read from the request
 *   itself: node-fetch makes the request right after calling our function, and the agent hands that request
 *   to us (`PagerDutyAgent.nextRequest`), so each send reads its own answer even when several sends share
 *   the agent's connections at once.
 * - The URL is always `https://${server}/v2/enqueue`; extra CAs go into a TLS context (added to the
 *   system ones, not replacing them) that the receiver makes once (`pagerDutyTlsContext`): making one parses
 *   every root certificate, tens of milliseconds that would otherwise be spent on each page.
 * - `requestTimeout` never aborts anything and its timer is not cleared on errors (it kept Node alive for
 *   30 s): `requestTimeout: 0`, and our own AbortSignal ends the request at `timeoutMs` (the `deadline`
 *   signal) or when the caller's signal fires. The signal is ours and detached afterwards, so nothing can abort a finished request later.
 * - A non-2xx answer resolves (status in `res.status`); a non-JSON body rejects with FetchError
 *   `invalid-json` (the status then comes from the request too).
 * - Nothing of a send outlives it: the listeners are removed; an answer pdjs did not read (the 429 it would
 *   have retried) is destroyed, and its connection with it when its body had not arrived in full, so no
 *   connection stays stuck on an unread body. Idle connections do not keep Node alive and close after
 *   `IDLE_CONNECTION_MS` (keep-alive.ts).
 */

/** Node's http.Agent#addRequest (not in @types/node): puts a request on a free connection or a new one. */
const baseAddRequest = (Agent.prototype as unknown as { addRequest: (this: Agent, req: ClientRequest, options: unknown) => void }).addRequest;

/**
 * The HTTPS connections of one PagerDuty receiver: kept open between events (a new connection per event
 * costs the TCP and TLS handshakes, two or three round trips, and the certificate check), and each request
 * it carries handed to the send that asked for it.
 */
export class PagerDutyAgent extends Agent {
  /** Receives the next request this agent is given (set by a send just before pdjs makes its request). */
  nextRequest: ((req: ClientRequest) => void) | undefined;

  constructor(secureContext?: SecureContext) {
    super({ ...KEEP_ALIVE_AGENT, ...(secureContext === undefined ? {} : { secureContext }) });
  }

  /** Called by Node's ClientRequest for every request made through this agent, synchronously in its constructor. */
  addRequest(req: ClientRequest, options: unknown): void {
    const take = this.nextRequest;
    this.nextRequest = undefined;
    take?.(req);
    baseAddRequest.call(this, req, options);
  }
}

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
  /** The receiver's connections (with its extra CA certificates, if any). */
  readonly agent: PagerDutyAgent;
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
  const { agent } = options;
  let answer: IncomingMessage | undefined;
  const ownRequest = (req: ClientRequest): void => {
    req.once('response', (res: IncomingMessage) => {
      answer = res;
    });
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
  const agentForOneAttempt = (): PagerDutyAgent => {
    attempts += 1;
    if (attempts > 1) throw new SecondAttemptRefused('pdjs retry suppressed: the outbox owns retries');
    // node-fetch makes its request right after this call, in the same synchronous step.
    agent.nextRequest = ownRequest;
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

  /** The status and Retry-After of an answer pdjs did not hand over. */
  const unread = (): PdExchange => {
    const retryAfter = headerValue(answer?.headers, 'retry-after');
    return { kind: 'answer', status: answer?.statusCode ?? 429, body: undefined, ...(retryAfter === undefined ? {} : { retryAfter }) };
  };

  let bodyRead = false;
  try {
    const response = await event(parameters);
    bodyRead = true;
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    return { kind: 'answer', status: response.status, body: response.data, ...(retryAfter === undefined ? {} : { retryAfter }) };
  } catch (err) {
    // Only a 429 makes pdjs try again.
    if (err instanceof SecondAttemptRefused) return unread();
    const type = isRecord(err) ? err.type : undefined;
    if (type === 'invalid-json' && answer !== undefined) {
      bodyRead = true;
      return unread();
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
    if (agent.nextRequest === ownRequest) agent.nextRequest = undefined;
    if (!bodyRead) answer?.destroy();
  }
}
