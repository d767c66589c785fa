import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { FetchFunction } from '@slack/web-api';
import nodeFetch from 'node-fetch';
import type { Deadline } from '../../http/deadline.js';
import { KEEP_ALIVE_AGENT } from '../keep-alive.js';

/**
 * The HTTP client of a Slack receiver, given to `@slack/web-api` as its `fetch`: node-fetch over the
 * receiver's own kept-alive connections (node:http / node:https agents), not Node's global fetch.
 *
 * - Cost. In a storm of pages the sends are CPU bound, and the global fetch (undici, web streams, the body
 *   written as a stream) took most of a Slack send's CPU: measured against the Slack emulator, one
 *   chat.postMessage took about 2.8 ms of CPU on Node 20 and 1 to 2 ms on Node 24 through it, 0.9 and 0.7 ms
 *   through node-fetch, which writes the request in one piece. The PagerDuty client (pdjs) goes through
 *   node-fetch as well.
 * - A receiver's sends share one WebClient (building one binds its few hundred API methods, about 0.2 ms), so
 *   the client learns which send an API call belongs to from `withSendSignal`, which hands the send's signal
 *   to the `fetch` call the SDK makes within the same synchronous step (in @slack/web-api 8, `apiCall` reaches
 *   `fetch` without awaiting anything while its queue, 100 calls at once, has room: the dispatcher sends at
 *   most a few at a time per receiver). Not an AsyncLocalStorage: on Node 20 the first `run` of one makes
 *   every promise of the process two to three times slower (async hooks); Node 24 has no such cost.
 * - Each call ends at its time limit (a `deadline` of `timeoutMs`, made per call), at its send's signal, or at
 *   the SDK's own signal, if any.
 * - When a signal ends a call, the call rejects with the signal's reason (a `TimeoutError` for the time
 *   limit), as the global fetch does: node-fetch's own AbortError would not say which one fired.
 * - Redirects are errors (the SDK asks for `redirect: 'error'`); proxies from the environment are not used.
 */
export interface SlackTransport {
  readonly fetch: FetchFunction;
  /**
   * Makes one API call (`run` calls the SDK) that follows `signal`. A call the SDK would make later (its queue
   * full) follows only its own time limit.
   */
  withSendSignal<T>(signal: AbortSignal, run: () => Promise<T>): Promise<T>;
}

export function slackTransport(options: { readonly deadline: Deadline; readonly timeoutMs: number }): SlackTransport {
  /** The signal of the API call being made, for the `fetch` the SDK calls in the same synchronous step. */
  let handedOver: AbortSignal | undefined;
  const agents = { http: new HttpAgent(KEEP_ALIVE_AGENT), https: new HttpsAgent(KEEP_ALIVE_AGENT) };
  const fetch: FetchFunction = async (url, init) => {
    // The SDK sends FormData only for file uploads, which burnwatch never makes.
    if (init?.body !== undefined && typeof init.body !== 'string') throw new TypeError('slack transport: only form-encoded bodies are sent');
    const sendSignal = handedOver;
    handedOver = undefined;
    const signals = [options.deadline(options.timeoutMs), sendSignal, init?.signal].filter((s) => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    try {
      return await nodeFetch(String(url), {
        ...(init?.method === undefined ? {} : { method: init.method }),
        ...(init?.headers === undefined ? {} : { headers: init.headers }),
        ...(init?.body === undefined ? {} : { body: init.body }),
        ...(init?.redirect === undefined ? {} : { redirect: init.redirect }),
        agent: (parsed: URL) => (parsed.protocol === 'http:' ? agents.http : agents.https),
        // node-fetch types its own AbortSignal; Node's is the one it accepts at run time.
        ...(signal === undefined ? {} : { signal: signal as never }),
      });
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason;
      throw err;
    }
  };
  const withSendSignal = <T>(signal: AbortSignal, run: () => Promise<T>): Promise<T> => {
    handedOver = signal;
    try {
      return run();
    } finally {
      handedOver = undefined;
    }
  };
  return { fetch, withSendSignal };
}
