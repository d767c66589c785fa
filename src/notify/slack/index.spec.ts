import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runChildScript } from '../../../test/support/child-script.js';
import { freePort } from '../../../test/support/free-port.js';
import { startSlackEmulator } from '../../../test/support/slack-emulator.js';
import type { SlackEmulator } from '../../../test/support/slack-emulator.js';
import { ManualDeadlines, eventually } from '../../../test/support/deadlines.js';
import type { Deadline } from '../../http/deadline.js';
import { capturingLogger, contractNotification, describeNotifierContract, emulatorServer, errorText, failed, resolvedNotification, sendContext } from '../contract.js';
import type { CapturingLogger } from '../contract.js';
import type { Notifier } from '../notifier.js';
import { SlackConfig, slackNotifier } from './index.js';
import { renderSlackFiring, renderSlackResolved } from './render.js';

/**
 * The Slack notifier with the real @slack/web-api WebClient against the local Slack emulator
 * (test/support/slack-emulator.ts), over real sockets.
 */

const TOKEN = 'xoxb-111111111111-2222222222222-secretSecretSecret42';
const CHANNEL_ID = 'C0ALERTS01';

function makeNotifier(apiUrl: string, logger: CapturingLogger, extra: Record<string, unknown> = {}, deadline: Deadline = new ManualDeadlines().deadline): Notifier {
  const config = SlackConfig.parse({ token: { env: 'SLACK_BOT_TOKEN' }, channel: '#alerts', apiUrl, timeoutMs: 10_000, ...extra });
  return slackNotifier.create('oncall', config, {
    secrets: (ref) => {
      if ('env' in ref && ref.env === 'SLACK_BOT_TOKEN') return TOKEN;
      throw new Error('unexpected secret reference');
    },
    logger,
    deadline,
  });
}

describeNotifierContract('slack', {
  secrets: [TOKEN],
  async start(logger) {
    const emulator = await startSlackEmulator({ token: TOKEN });
    return {
      notifier: makeNotifier(emulator.apiUrl, logger),
      server: emulatorServer(emulator),
      close: () => emulator.close(),
    };
  },
  async unreachable(logger) {
    return makeNotifier(`http://127.0.0.1:${await freePort()}/api/`, logger);
  },
});

describe('slack notifier against the emulator', () => {
  let emulator: SlackEmulator;
  let logger: CapturingLogger;
  let notifier: Notifier;
  let deadlines: ManualDeadlines;

  // A fresh emulator per test: a request a loaded machine delivers late (after its test's abort or timeout)
  // must not consume the scripted answer of the next test.
  beforeEach(async () => {
    emulator = await startSlackEmulator({ token: TOKEN });
  });
  afterEach(async () => {
    await emulator.close();
  });

  // The time limit of each request fires only when a test says so (`deadlines.fire()`).
  const setUp = (extra: Record<string, unknown> = {}): void => {
    logger = capturingLogger();
    deadlines = new ManualDeadlines();
    notifier = makeNotifier(emulator.apiUrl, logger, extra, deadlines.deadline);
  };

  it('trigger then resolve: one postMessage, one update of the same message, one thread reply', async () => {
    setUp({ mentions: { page: '<!subteam^S0123ABC>' } });
    const firing = contractNotification();
    const fired = await notifier.send(firing, sendContext());
    expect(fired.ok).toBe(true);
    const ref = fired.ok ? fired.externalRef : undefined;
    const posted = emulator.messages[0];
    expect(posted).toBeDefined();
    // The ts string exactly as Slack sent it, and the channel ID although a name was configured.
    expect(ref).toBe(JSON.stringify({ channel: CHANNEL_ID, ts: posted?.ts }));
    expect(JSON.parse(ref ?? '{}')).toEqual({ channel: CHANNEL_ID, ts: expect.stringMatching(/^\d+\.\d{6}$/) });

    const post = emulator.calls('chat.postMessage')[0];
    expect(post?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(post?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const expectedFiring = renderSlackFiring(firing, '<!subteam^S0123ABC>');
    expect(post?.form).toEqual({
      channel: '#alerts',
      text: expectedFiring.text,
      blocks: JSON.stringify(expectedFiring.blocks),
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
    expect(post?.blocks).toEqual(expectedFiring.blocks);

    const resolved = resolvedNotification(firing);
    const outcome = await notifier.send(resolved, sendContext(ref));
    expect(outcome).toEqual({ ok: true, externalRef: ref });

    expect(emulator.requests.map((r) => r.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    const update = emulator.calls('chat.update')[0];
    const expectedResolved = renderSlackResolved(resolved);
    expect(update?.form).toEqual({
      channel: CHANNEL_ID,
      ts: posted?.ts,
      text: expectedResolved.text,
      blocks: JSON.stringify(expectedResolved.blocks),
      parse: 'none',
    });
    expect(emulator.messages[0]?.edits).toHaveLength(1);
    expect(emulator.messages[0]?.blocks).toEqual(expectedResolved.blocks);

    const reply = emulator.calls('chat.postMessage')[1];
    expect(reply?.form).toEqual({
      channel: CHANNEL_ID,
      thread_ts: posted?.ts,
      text: 'Resolved after 1h 5m; it spent 2.1% of the error budget.',
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
    expect(emulator.messages).toHaveLength(2);
    expect(emulator.messages[1]?.threadTs).toBe(posted?.ts);
    for (const r of emulator.requests) expect(r.form.link_names).toBeUndefined();
  });

  it('keeps its connections open: six calls in a row over at most two', async () => {
    setUp();
    for (let i = 0; i < 2; i++) {
      const fired = await notifier.send(contractNotification(), sendContext());
      expect(fired.ok).toBe(true);
      expect((await notifier.send(resolvedNotification(contractNotification()), sendContext(fired.ok ? fired.externalRef : undefined))).ok).toBe(true);
    }
    expect(emulator.requests).toHaveLength(6);
    // A second connection opens when the next call starts before the answer's connection is handed back.
    expect(emulator.connections).toBeLessThanOrEqual(2);
  });

  it('sends no mention and no ping from label values over the wire', async () => {
    setUp();
    await notifier.send(contractNotification({ instance: { tenant: '<!channel>' }, annotations: { summary: '<@U123> <!here>' } }), sendContext());
    const body = decodeURIComponent(emulator.requests[0]?.body.replace(/\+/g, ' ') ?? '');
    expect(body).toContain('&lt;!channel&gt;');
    for (const ping of ['<!channel>', '<!here>', '<@U123>']) expect(body).not.toContain(ping);
  });

  it('does not send a thread reply when threadReplies is false', async () => {
    setUp({ threadReplies: false });
    const fired = await notifier.send(contractNotification(), sendContext());
    const ref = fired.ok ? fired.externalRef : undefined;
    expect((await notifier.send(resolvedNotification(contractNotification()), sendContext(ref))).ok).toBe(true);
    expect(emulator.requests.map((r) => r.method)).toEqual(['chat.postMessage', 'chat.update']);
  });

  it('posts a new resolved message when there is no previous reference', async () => {
    setUp();
    const outcome = await notifier.send(resolvedNotification(contractNotification()), sendContext());
    expect(outcome).toEqual({ ok: true, externalRef: JSON.stringify({ channel: CHANNEL_ID, ts: emulator.messages[0]?.ts }) });
    expect(emulator.requests.map((r) => r.method)).toEqual(['chat.postMessage']);
    expect(emulator.requests[0]?.blocks).toEqual(renderSlackResolved(resolvedNotification(contractNotification())).blocks);
  });

  it('posts a new resolved message, with a warning, when the previous reference is not a Slack one', async () => {
    setUp();
    const outcome = await notifier.send(resolvedNotification(contractNotification()), sendContext('slo:checkout/dedup'));
    expect(outcome.ok).toBe(true);
    expect(emulator.requests.map((r) => r.method)).toEqual(['chat.postMessage']);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('posts a new resolved message when the firing message is gone (message_not_found)', async () => {
    setUp();
    const ref = JSON.stringify({ channel: CHANNEL_ID, ts: '1000000000.000001' });
    const outcome = await notifier.send(resolvedNotification(contractNotification()), sendContext(ref));
    expect(emulator.requests.map((r) => [r.method, r.answer.error])).toEqual([
      ['chat.update', 'message_not_found'],
      ['chat.postMessage', undefined],
    ]);
    expect(outcome).toEqual({ ok: true, externalRef: JSON.stringify({ channel: CHANNEL_ID, ts: emulator.messages[0]?.ts }) });
  });

  it('counts the resolve as delivered when only the thread reply fails, and logs a warning', async () => {
    setUp();
    const fired = await notifier.send(contractNotification(), sendContext());
    const ref = fired.ok ? fired.externalRef : undefined;
    emulator.failNext({ kind: 'pass' });
    emulator.failNext({ kind: 'http', status: 500 });
    const outcome = await notifier.send(resolvedNotification(contractNotification()), sendContext(ref));
    expect(outcome).toEqual({ ok: true, externalRef: ref });
    expect(emulator.requests.map((r) => [r.method, r.answer.status])).toEqual([
      ['chat.postMessage', 200],
      ['chat.update', 200],
      ['chat.postMessage', 500],
    ]);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => w.message)).toEqual(['resolved message updated but the thread reply failed (not retried)']);
    expect(warnings[0]?.fields).toMatchObject({ receiver: 'oncall', reason: 'server-error' });
  });

  it('reports a failed update (not an edit problem) as the outcome, without a thread reply', async () => {
    setUp();
    const fired = await notifier.send(contractNotification(), sendContext());
    const ref = fired.ok ? fired.externalRef : undefined;
    emulator.failNext({ kind: 'http', status: 503 });
    const outcome = failed(await notifier.send(resolvedNotification(contractNotification()), sendContext(ref)));
    expect(outcome).toMatchObject({ retryable: true, reason: 'server-error' });
    expect(emulator.requests.map((r) => r.method)).toEqual(['chat.postMessage', 'chat.update']);
  });

  // Were the SDK to honour the 429 itself, it would wait the 30 s (past the test's time limit) and try again.
  it('429: one request, rate-limited with retryAfterMs from Retry-After, without waiting', async () => {
    setUp();
    emulator.failNext({ kind: 'rate-limited', retryAfterSeconds: 30 });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'rate-limited', retryAfterMs: 30_000 });
    expect(emulator.requests).toHaveLength(1);
  });

  it('429 without a usable Retry-After: one request, rate-limited without retryAfterMs', async () => {
    setUp();
    emulator.failNext({ kind: 'rate-limited' });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'rate-limited' });
    expect(outcome.retryAfterMs).toBeUndefined();
    expect(emulator.requests).toHaveLength(1);
  });

  it('500: one request, retryable server error', async () => {
    setUp();
    emulator.failNext({ kind: 'http', status: 500 });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'server-error' });
    expect(emulator.requests).toHaveLength(1);
  });

  it.each([
    ['channel_not_found', false, 'client-error', /check slack\.channel/],
    ['not_in_channel', false, 'client-error', /invite the bot/],
    ['is_archived', false, 'client-error', /archived/],
    ['invalid_auth', false, 'auth-error', /slack\.token/],
    ['token_revoked', false, 'auth-error', /revoked/],
    ['missing_scope', false, 'auth-error', /chat:write/],
    ['invalid_blocks', false, 'client-error', /bug/],
    ['ratelimited', true, 'rate-limited', /rate-limiting/],
    ['internal_error', true, 'server-error', /retrying/],
    ['fatal_error', true, 'server-error', /retrying/],
    ['service_unavailable', true, 'server-error', /retrying/],
  ] as const)('platform error %s -> retryable %s (%s)', async (error, retryable, reason, hint) => {
    setUp();
    emulator.failNext({ kind: 'platform', error });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable, reason });
    expect(outcome.error.message).toContain(`Slack receiver "oncall": chat.postMessage to channel #alerts failed: ${error}`);
    expect(outcome.error.message).toMatch(hint);
    expect(emulator.requests).toHaveLength(1);
  });

  it('a real channel_not_found from the emulator for an unknown channel is permanent', async () => {
    setUp({ channel: '#nope' });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: false, reason: 'client-error' });
    expect(emulator.requests[0]?.answer.error).toBe('channel_not_found');
  });

  it('a wrong token is a permanent auth error that never shows either token', async () => {
    logger = capturingLogger();
    const config = SlackConfig.parse({ token: { file: '/run/secrets/slack' }, channel: '#alerts', apiUrl: emulator.apiUrl });
    const wrong = 'xoxb-999999999999-8888888888888-wrongWrongWrong77';
    const n = slackNotifier.create('oncall', config, { secrets: () => wrong, logger });
    const outcome = failed(await n.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: false, reason: 'auth-error' });
    expect(emulator.requests[0]?.answer.error).toBe('invalid_auth');
    const everything = `${errorText(outcome.error)} ${JSON.stringify(logger.lines)}`;
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(TOKEN);
  });

  it('timeout: an answer that does not come within timeoutMs is a retryable timeout, ended by the time limit', async () => {
    setUp({ timeoutMs: 300 });
    emulator.failNext({ kind: 'slow', delayMs: 600_000 });
    const sending = notifier.send(contractNotification(), sendContext());
    await eventually(() => emulator.requests.length === 1);
    expect(deadlines.waiting).toEqual([300]);
    deadlines.fire();
    const outcome = failed(await sending);
    expect(outcome).toMatchObject({ retryable: true, reason: 'timeout' });
    expect(outcome.error.message).toMatch(/no answer within 300 ms/);
    expect(emulator.requests).toHaveLength(1);
  });

  it('each API call has its own time limit, as the SDK\'s timeout had (a resolve makes two calls)', async () => {
    setUp({ timeoutMs: 300 });
    const fired = await notifier.send(contractNotification(), sendContext());
    expect(deadlines.waiting).toEqual([300]);
    const resolved = await notifier.send(resolvedNotification(contractNotification()), sendContext(fired.ok ? fired.externalRef : undefined));
    expect(resolved.ok).toBe(true);
    expect(emulator.requests.map((r) => r.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    expect(deadlines.waiting).toEqual([300, 300, 300]);
  });

  it("the caller's signal ends a send that is waiting for its answer", async () => {
    setUp({ timeoutMs: 10_000 });
    emulator.failNext({ kind: 'slow', delayMs: 600_000 });
    const controller = new AbortController();
    const sending = notifier.send(contractNotification(), sendContext(undefined, controller.signal));
    await eventually(() => emulator.requests.length === 1);
    controller.abort(new Error('shutting down'));
    const outcome = failed(await sending);
    expect(outcome).toMatchObject({ retryable: true });
    expect(outcome.error.message).toMatch(/aborted/);
  });

  it('sends at once each follow their own signal: aborting one ends only that one', async () => {
    setUp();
    emulator.failNext({ kind: 'slow', delayMs: 1500 }, 3);
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const settled: number[] = [];
    const sends = controllers.map(async (c, i) => {
      const outcome = await notifier.send(contractNotification({ alertKey: `checkout-availability/{}/burn/page#${i}` }), sendContext(undefined, c.signal));
      settled.push(i);
      return outcome;
    });
    await eventually(() => emulator.requests.length === 3); // all three wait for their answers
    controllers[1]?.abort(new Error('shutting down'));
    await eventually(() => settled.length > 0);
    expect(settled).toEqual([1]); // the others still wait
    const [a, b, c] = await Promise.all(sends);
    expect(b).toMatchObject({ ok: false, retryable: true });
    expect([a?.ok, c?.ok]).toEqual([true, true]);
  });

  it('forwards the SDK log lines at debug level, the Authorization header redacted', async () => {
    setUp();
    await notifier.send(contractNotification(), sendContext());
    const sdk = logger.lines.filter((l) => l.message === 'slack client log');
    expect(sdk.length).toBeGreaterThan(0);
    expect(new Set(sdk.map((l) => l.level))).toEqual(new Set(['debug']));
    const headers = sdk.map((l) => (l.fields as { sdk: string }).sdk).find((t) => t.startsWith('http request headers'));
    expect(headers).toContain('"Authorization":"[[REDACTED]]"');
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });

  it('a signal that fired before the send sends nothing', async () => {
    setUp();
    const controller = new AbortController();
    controller.abort();
    const outcome = failed(await notifier.send(contractNotification(), sendContext(undefined, controller.signal)));
    expect(outcome).toMatchObject({ retryable: true, reason: 'other' });
    expect(emulator.requests).toHaveLength(0);
  });

  it('network error (closed port): retryable, one attempt', async () => {
    logger = capturingLogger();
    const n = makeNotifier(`http://127.0.0.1:${await freePort()}/api/`, logger);
    const outcome = failed(await n.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'network' });
    expect(outcome.error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('slack notifier in a process of its own', () => {
  it('leaves nothing that keeps Node alive: a child process has no timer or socket left after its sends, its connection open and idle', async () => {
    const emulator = await startSlackEmulator({ token: TOKEN });
    try {
      emulator.failNext({ kind: 'pass' }, 2);
      emulator.failNext({ kind: 'slow', delayMs: 600_000 });
      const moduleUrl = new URL('./index.ts', import.meta.url).href;
      const contractUrl = new URL('../contract.ts', import.meta.url).href;
      const script = `
        const { slackNotifier, SlackConfig } = await import(${JSON.stringify(moduleUrl)});
        const { contractNotification } = await import(${JSON.stringify(contractUrl)});
        const logger = { warn() {}, info() {}, debug() {} };
        // The third send's time limit is fired by hand once its request waits for the answer.
        const limits = [];
        const deadline = (ms) => { const c = new AbortController(); limits.push(c); return c.signal; };
        const notifier = slackNotifier.create('child', SlackConfig.parse({ token: { env: 'T' }, channel: '#alerts', apiUrl: ${JSON.stringify(emulator.apiUrl)} }), { secrets: () => ${JSON.stringify(TOKEN)}, logger, deadline });
        const signal = new AbortController().signal;
        const outcomes = [];
        for (const n of [1, 2, 3]) {
          const sending = notifier.send(contractNotification({ alertKey: 'checkout-availability/{}/burn/page#' + n }), { signal });
          if (n === 3) {
            process.stdout.write('waiting\\n');
            await new Promise((resolve) => process.stdin.once('data', resolve));
            process.stdin.pause();
            limits.at(-1).abort(new DOMException('time limit', 'TimeoutError'));
          }
          const o = await sending;
          outcomes.push(o.ok ? 'ok' : o.reason);
        }
        await printWhatIsLeft({ outcomes });
      `;
      const child = await runChildScript(script, (line, running) => {
        // The third send's request is at the emulator, waiting for its answer: let the child time it out.
        if (line === 'waiting') void eventually(() => emulator.requests.length >= 3).then(() => running.stdin.end('go\n'));
      });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.lines[1] ?? '{}')).toEqual({ outcomes: ['ok', 'ok', 'timeout'], left: [] });
      expect(child.code).toBe(0);
    } finally {
      await emulator.close();
    }
  }, 180_000); // starting Node with tsx takes long on a loaded machine
});

describe('SlackConfig', () => {
  it('applies the defaults', () => {
    expect(SlackConfig.parse({ token: { env: 'SLACK_BOT_TOKEN' }, channel: 'C0123ABCDEF' })).toEqual({
      token: { env: 'SLACK_BOT_TOKEN' },
      channel: 'C0123ABCDEF',
      apiUrl: 'https://slack.com/api/',
      timeoutMs: 10_000,
      threadReplies: true,
    });
  });

  it('rejects a literal token and says to use env or file, without repeating it', () => {
    const result = SlackConfig.safeParse({ token: 'xoxb-literal-token-value', channel: '#alerts' });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages).toEqual([
      'token: must not hold the secret itself (it would sit in the config file and could leak)\nwrite token: { env: SLACK_BOT_TOKEN } or token: { file: /run/secrets/slack-bot-token }',
    ]);
    expect(JSON.stringify(result.error?.issues)).not.toContain('xoxb-literal-token-value');
  });

  it.each([
    [{ token: { env: 'A', file: '/x' }, channel: '#a' }, 'token', /exactly one of env or file/],
    [{ token: {}, channel: '#a' }, 'token', /exactly one of env or file/],
    [{ token: { env: 'not a name' }, channel: '#a' }, 'token.env', /environment variable name/],
    [{ token: { value: 'xoxb-1' }, channel: '#a' }, 'token', /Unrecognized key|value/],
    [{ token: { env: 'T' }, channel: 'two words' }, 'channel', /not a Slack channel/],
    [{ token: { env: 'T' }, channel: '#a', mentions: { page: '@oncall' } }, 'mentions.page', /Slack mentions/],
    [{ token: { env: 'T' }, channel: '#a', apiUrl: 'ftp://x' }, 'apiUrl', /http\(s\) URL/],
    [{ token: { env: 'T' }, channel: '#a', timeoutMs: 10 }, 'timeoutMs', /too short/],
    [{ token: { env: 'T' }, channel: '#a', chanel: '#b' }, '', /chanel/],
  ])('rejects %j at %s', (input, path, message) => {
    const result = SlackConfig.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.join('.')).toBe(path);
    expect(`${issue?.message ?? ''} ${JSON.stringify(issue)}`).toMatch(message);
  });

  it('accepts user group, user and here mentions', () => {
    const config = SlackConfig.parse({ token: { env: 'T' }, channel: '#a', mentions: { page: '<!subteam^S0123ABC> <@U0456DEF>', ticket: '<!here>' } });
    expect(config.mentions).toEqual({ page: '<!subteam^S0123ABC> <@U0456DEF>', ticket: '<!here>' });
  });

  it('resolves the token through deps.secrets when the notifier is created, naming the receiver and field', () => {
    const asked: unknown[] = [];
    slackNotifier.create('oncall', SlackConfig.parse({ token: { file: '/run/secrets/slack' }, channel: '#a' }), {
      secrets: (ref, what) => {
        asked.push([ref, what]);
        return TOKEN;
      },
      logger: capturingLogger(),
    });
    expect(asked).toEqual([[{ file: '/run/secrets/slack' }, 'receiver "oncall": slack.token']]);
  });
});
