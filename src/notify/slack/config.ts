import { z } from 'zod';
import { secretRef } from '../secret-ref.js';
import { requestTimeoutMs } from '../request-timeout.js';

/**
 * A Slack receiver (`slack:` in a receiver config): a bot token with `chat:write`, posting to one channel
 * through the Web API (chat.postMessage / chat.update), so a resolve edits the message of its trigger.
 *
 * Messages follow the project convention: first line what is wrong, second line what to write instead.
 */

/** One or more Slack mentions, space-separated: `<!subteam^S0123ABC>`, `<@U0123ABC>`, `<!here>`, `<!channel>`. */
const MENTION_RE = /^<(?:!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+|!here|!channel)>(?: <(?:!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+|!here|!channel)>)*$/;

const Mention = z
  .string()
  .regex(MENTION_RE, { error: 'is not a list of Slack mentions\nwrite e.g. "<!subteam^S0123ABC>" (a user group), "<@U0123ABC>" (a user) or "<!here>", separated by spaces' });

export const SlackConfig = z.strictObject({
  token: secretRef('token', { env: 'SLACK_BOT_TOKEN', file: '/run/secrets/slack-bot-token' })
    .meta({ description: 'Bot token (xoxb-...) with the chat:write scope, read from an environment variable or a file.' }),
  channel: z
    .string({ error: 'must be a channel ID or name\nwrite e.g. C0123ABCDEF or "#alerts"' })
    .regex(/^#?[^\s#,]{1,80}$/, { error: 'is not a Slack channel ID or name\nwrite e.g. C0123ABCDEF or "#alerts" (names have no spaces)' })
    .meta({ description: 'Channel ID (C0123ABCDEF, preferred: survives renames) or name (#alerts). The bot must be a member.' }),
  apiUrl: z
    .string()
    .refine((url) => /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(url), { error: 'is not an http(s) URL\nwrite https://slack.com/api/ (the default) or leave it out' })
    .default('https://slack.com/api/')
    .meta({ description: 'Base URL of the Web API (tests point it at an emulator).' }),
  timeoutMs: requestTimeoutMs('Time limit of one API call in milliseconds. A call that takes longer fails and is retried by the outbox.'),
  mentions: z
    .strictObject({
      page: Mention.optional(),
      ticket: Mention.optional(),
    })
    .optional()
    .meta({ description: 'Who to mention in firing messages, per severity, e.g. page: "<!subteam^S0123ABC>". Sent as written.' }),
  threadReplies: z
    .boolean()
    .default(true)
    .meta({ description: 'On resolve, also post a short reply in the thread of the firing message (the message itself is always edited).' }),
});
export type SlackConfig = z.infer<typeof SlackConfig>;
