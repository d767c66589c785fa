import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger as SlackSdkLogger } from '@slack/web-api';
import { z } from 'zod';
import type { AlertNotification, Notifier, NotifierFactory, SendContext, SendOutcome } from '../notifier.js';
import { redactSecrets, secretSource } from '../secret-ref.js';
import type { FailedOutcome, SlackCallSite } from './classify.js';
import { SlackDeliveryError, UNEDITABLE_ERRORS, classifySlackError } from './classify.js';
import { SlackConfig } from './config.js';
import type { ReportDigest } from '../../report/digest.js';
import { renderSlackDigest } from './render-digest.js';
import { renderSlackFiring, renderSlackResolved, renderSlackResolvedReply } from './render.js';
import type { SlackMessage } from './render.js';
import { slackTransport } from './transport.js';
import type { SlackTransport } from './transport.js';
import type { Logger } from '../../logger.js';
import type { Deadline } from '../../http/deadline.js';
import { clockDeadline } from '../../http/deadline.js';

/**
 * Slack destination: `chat.postMessage` for a firing alert; on resolve, `chat.update` of that same message
 * (its channel ID and `ts` come back as `previousRef`) plus a short reply in its thread.
 *
 * - Exactly one HTTP request per API call: the SDK's retries are off (`retryConfig: { retries: 0 }`) and a
 *   429 is returned at once (`rejectRateLimitedCalls`) with its Retry-After, so the outbox is the only retry
 *   policy. The time limit (`timeoutMs`, a `deadline` signal) applies per API call (a resolve makes up
 *   to three); it and the caller's signal are joined to each request through the SDK's `fetch` option, our
 *   transport (transport.ts).
 * - `externalRef` is `{"channel":"C..","ts":"1503435956.000247"}`; `ts` stays a string (as a number it
 *   would lose digits and no longer name the message).
 * - Resolve without a usable `previousRef` (the trigger was never delivered, or the ref is not ours): a new
 *   resolved message. Resolve whose message cannot be edited (`message_not_found`, `cant_update_message`,
 *   `edit_window_closed`): a new resolved message too, so the resolve is still seen.
 * - The thread reply is best effort: once the update succeeded the send counts as delivered. A failed reply
 *   is logged (warn) and not reported as a failure, because a retry would redo the update for nothing and
 *   the message itself already says RESOLVED.
 * - Firing with a `previousRef` (a re-notification) posts a new message: a reminder should be seen.
 */

const MessageRef = z.object({ channel: z.string().min(1), ts: z.string().min(1) });
type MessageRef = z.infer<typeof MessageRef>;

/** Parses a Slack `externalRef`; undefined when it is not one. */
export function parseSlackRef(ref: string | undefined): MessageRef | undefined {
  if (ref === undefined) return undefined;
  try {
    const parsed = MessageRef.safeParse(JSON.parse(ref));
    return parsed.success ? { channel: parsed.data.channel, ts: parsed.data.ts } : undefined;
  } catch {
    return undefined;
  }
}

function formatSlackRef(ref: MessageRef): string {
  return JSON.stringify({ channel: ref.channel, ts: ref.ts });
}

type CallResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly outcome: FailedOutcome };

/** Forwards the SDK's log lines to our logger at debug level, secrets removed. */
function sdkLogger(logger: Logger, receiver: string, secrets: readonly string[]): SlackSdkLogger {
  let level = LogLevel.DEBUG;
  const forward = (...msg: unknown[]): void => {
    const text = msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
    logger.debug({ receiver, destination: 'slack', sdk: redactSecrets(text, secrets) }, 'slack client log');
  };
  return {
    debug: forward,
    info: forward,
    warn: forward,
    error: forward,
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

class SlackNotifier implements Notifier {
  readonly kind = 'slack';
  private readonly secrets: readonly string[];
  private readonly client: WebClient;
  private readonly transport: SlackTransport;

  constructor(
    readonly name: string,
    private readonly config: SlackConfig,
    token: string,
    private readonly logger: Logger,
    deadline: Deadline,
  ) {
    this.secrets = [token];
    this.transport = slackTransport({ deadline, timeoutMs: config.timeoutMs });
    this.client = new WebClient(token, {
      slackApiUrl: config.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      fetch: this.transport.fetch,
      logger: sdkLogger(logger, name, this.secrets),
    });
  }

  send(notification: AlertNotification, context: SendContext): Promise<SendOutcome> {
    return this.withSignal(context, (client, signal) => {
      if (notification.status === 'firing') {
        const mentions = this.config.mentions?.[notification.severity];
        return this.postNew(client, renderSlackFiring(notification, mentions), signal);
      }
      return this.resolve(client, notification, context.previousRef, signal);
    });
  }

  /** A report digest: one new message in the channel. */
  sendDigest(digest: ReportDigest, context: SendContext): Promise<SendOutcome> {
    return this.withSignal(context, (client, signal) => this.postNew(client, renderSlackDigest(digest), signal));
  }

  /**
   * Runs one send with a signal of our own, linked to the caller's for this send only and unlinked afterwards,
   * so a long-lived caller signal (e.g. shutdown) collects no listeners from finished sends.
   */
  private async withSignal(context: SendContext, run: (client: WebClient, signal: AbortSignal) => Promise<SendOutcome>): Promise<SendOutcome> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(context.signal.reason);
    if (context.signal.aborted) onAbort();
    else context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await run(this.client, controller.signal);
    } finally {
      context.signal.removeEventListener('abort', onAbort);
    }
  }

  private async call<T>(method: SlackCallSite['method'], channel: string, signal: AbortSignal, run: () => Promise<T>): Promise<CallResult<T>> {
    try {
      return { ok: true, value: await this.transport.withSendSignal(signal, run) };
    } catch (err) {
      const site: SlackCallSite = { receiver: this.name, method, channel, secrets: this.secrets, aborted: signal.aborted, timeoutMs: this.config.timeoutMs };
      return { ok: false, outcome: classifySlackError(err, site) };
    }
  }

  private async postNew(client: WebClient, message: SlackMessage, signal: AbortSignal): Promise<SendOutcome> {
    const channel = this.config.channel;
    const posted = await this.call('chat.postMessage', channel, signal, () =>
      client.chat.postMessage({ channel, text: message.text, blocks: [...message.blocks], unfurl_links: false, unfurl_media: false }),
    );
    if (!posted.ok) return posted.outcome;
    const { channel: channelId, ts } = posted.value;
    if (typeof channelId !== 'string' || typeof ts !== 'string') {
      this.logger.warn({ receiver: this.name, destination: 'slack' }, 'slack accepted the message but sent no channel/ts: a resolve will post a new message');
      return { ok: true };
    }
    return { ok: true, externalRef: formatSlackRef({ channel: channelId, ts }) };
  }

  private async resolve(client: WebClient, notification: AlertNotification, previousRef: string | undefined, signal: AbortSignal): Promise<SendOutcome> {
    const message = renderSlackResolved(notification);
    const ref = parseSlackRef(previousRef);
    if (previousRef !== undefined && ref === undefined) {
      this.logger.warn({ receiver: this.name, destination: 'slack', alertKey: notification.alertKey }, 'previous delivery reference is not a Slack message reference: posting a new resolved message');
    }
    if (ref === undefined) return this.postNew(client, message, signal);

    const updated = await this.call('chat.update', ref.channel, signal, () =>
      client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: [...message.blocks], parse: 'none' }),
    );
    if (!updated.ok) {
      const error = updated.outcome.error;
      const slackError = error instanceof SlackDeliveryError ? error.slackError : undefined;
      if (slackError === undefined || !UNEDITABLE_ERRORS.has(slackError)) return updated.outcome;
      this.logger.info({ receiver: this.name, destination: 'slack', alertKey: notification.alertKey, slackError }, 'firing message cannot be edited: posting a new resolved message');
      return this.postNew(client, message, signal);
    }

    if (this.config.threadReplies) {
      const reply = await this.call('chat.postMessage', ref.channel, signal, () =>
        client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text: renderSlackResolvedReply(notification), unfurl_links: false, unfurl_media: false }),
      );
      if (!reply.ok) {
        this.logger.warn(
          { receiver: this.name, destination: 'slack', alertKey: notification.alertKey, reason: reply.outcome.reason, error: reply.outcome.error.message },
          'resolved message updated but the thread reply failed (not retried)',
        );
      }
    }
    return { ok: true, externalRef: formatSlackRef(ref) };
  }
}

export const slackNotifier: NotifierFactory<SlackConfig> = {
  kind: 'slack',
  config: SlackConfig,
  create(name, config, deps) {
    const token = deps.secrets(secretSource(config.token), `receiver "${name}": slack.token`);
    return new SlackNotifier(name, config, token, deps.logger, deps.deadline ?? clockDeadline);
  },
};

export { SlackConfig } from './config.js';
