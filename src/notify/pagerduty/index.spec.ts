import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runChildScript } from '../../../test/support/child-script.js';
import { freePort } from '../../../test/support/free-port.js';
import { startPagerDutyEmulator } from '../../../test/support/pagerduty-emulator.js';
import type { PagerDutyEmulator } from '../../../test/support/pagerduty-emulator.js';
import { createTestPki, sharedTestPki } from '../../../test/support/tls.js';
import { ManualDeadlines, eventually } from '../../../test/support/deadlines.js';
import type { Deadline } from '../../http/deadline.js';
import { capturingLogger, contractNotification, describeNotifierContract, emulatorServer, errorText, failed, resolvedNotification, sendContext } from '../contract.js';
import type { CapturingLogger } from '../contract.js';
import type { Notifier } from '../notifier.js';
import { PagerDutyConfig, pagerDutyNotifier } from './index.js';
import { PagerDutyAgent, pagerDutyTlsContext, postEventOnce } from './transport.js';

/**
 * The PagerDuty notifier with the real @pagerduty/pdjs against the local HTTPS Events API emulator
 * (test/support/pagerduty-emulator.ts), over real TLS sockets with a CA generated for the test run.
 */

const ROUTING_KEY = 'R0UT1NGK3Ysecret0123456789abcdef';
const DEDUP = 'checkout-availability{route="/cart"}/page';

const dir = mkdtempSync(join(tmpdir(), 'pd-spec-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, sharedTestPki().caCert);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeNotifier(host: string, logger: CapturingLogger, extra: Record<string, unknown> = {}, deadline: Deadline = new ManualDeadlines().deadline): Notifier {
  const config = PagerDutyConfig.parse({ routingKey: { env: 'PAGERDUTY_ROUTING_KEY' }, eventsHost: host, caFile, timeoutMs: 10_000, ...extra });
  return pagerDutyNotifier.create('pd-main', config, {
    secrets: (ref) => {
      if ('env' in ref && ref.env === 'PAGERDUTY_ROUTING_KEY') return ROUTING_KEY;
      throw new Error('unexpected secret reference');
    },
    logger,
    deadline,
  });
}

describeNotifierContract('pagerduty', {
  secrets: [ROUTING_KEY],
  async start(logger) {
    const emulator = await startPagerDutyEmulator();
    return {
      notifier: makeNotifier(emulator.host, logger),
      server: emulatorServer(emulator),
      close: () => emulator.close(),
    };
  },
  async unreachable(logger) {
    return makeNotifier(`127.0.0.1:${await freePort()}`, logger);
  },
});

describe('pagerduty notifier against the emulator', () => {
  let emulator: PagerDutyEmulator;
  let logger: CapturingLogger;
  let notifier: Notifier;
  let deadlines: ManualDeadlines;

  // A fresh emulator per test: a request a loaded machine delivers late (after its test's abort or timeout)
  // must not consume the scripted answer of the next test.
  beforeEach(async () => {
    emulator = await startPagerDutyEmulator();
  });
  afterEach(async () => {
    await emulator.close();
  });

  // The time limit of a send fires only when a test says so (`deadlines.fire()`).
  const setUp = (extra: Record<string, unknown> = {}): void => {
    logger = capturingLogger();
    deadlines = new ManualDeadlines();
    notifier = makeNotifier(emulator.host, logger, extra, deadlines.deadline);
  };

  it('trigger then resolve: one incident opened, then resolved by the same dedup_key', async () => {
    setUp();
    const fired = await notifier.send(contractNotification(), sendContext());
    expect(fired).toEqual({ ok: true, externalRef: DEDUP });
    expect(emulator.incidents).toMatchObject([{ dedupKey: DEDUP, status: 'triggered', triggers: 1 }]);

    const trigger = emulator.requests[0];
    expect(trigger?.path).toBe('/v2/enqueue');
    expect(trigger?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(trigger?.json).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: DEDUP,
      payload: { severity: 'critical', source: 'burnwatch', component: 'checkout' },
      client: 'burnwatch',
    });

    const resolved = await notifier.send(resolvedNotification(contractNotification()), sendContext(fired.ok ? fired.externalRef : undefined));
    expect(resolved).toEqual({ ok: true, externalRef: DEDUP });
    expect(emulator.requests[1]?.json).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: DEDUP });
    expect(emulator.incidents).toMatchObject([{ dedupKey: DEDUP, status: 'resolved', triggers: 1 }]);
    expect(emulator.requests).toHaveLength(2);
  });

  it('a re-sent trigger updates the open incident; a trigger after resolve opens a new one', async () => {
    setUp();
    await notifier.send(contractNotification(), sendContext());
    await notifier.send(contractNotification(), sendContext());
    expect(emulator.incidentsFor(DEDUP)).toMatchObject([{ status: 'triggered', triggers: 2 }]);
    await notifier.send(resolvedNotification(contractNotification()), sendContext(DEDUP));
    await notifier.send(contractNotification(), sendContext());
    expect(emulator.incidentsFor(DEDUP).map((a) => a.status)).toEqual(['resolved', 'triggered']);
  });

  it('re-triggers (a reminder) and resolves an incident under the key it was opened with, not a new one', async () => {
    setUp();
    // Opened by an earlier release, under its key format; the outbox keeps the key PagerDuty answered.
    const legacy = 'checkout-availability/{"route":"/cart"}/page';
    const earlier = { routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: legacy, payload: { summary: 'burn', source: 'burnwatch', severity: 'critical' } };
    const seeded = await postEventOnce(earlier, { server: emulator.host, timeoutMs: 5000, signal: new AbortController().signal, agent: new PagerDutyAgent(pagerDutyTlsContext(sharedTestPki().caCert)) });
    expect(seeded).toMatchObject({ kind: 'answer', status: 202 });

    expect(await notifier.send(contractNotification(), sendContext(legacy))).toEqual({ ok: true, externalRef: legacy });
    expect(await notifier.send(resolvedNotification(contractNotification()), sendContext(legacy))).toEqual({ ok: true, externalRef: legacy });
    expect(emulator.requests.slice(1).map((r) => (r.json as { dedup_key: string }).dedup_key)).toEqual([legacy, legacy]);
    expect(emulator.incidents.map((a) => [a.dedupKey, a.status, a.triggers])).toEqual([[legacy, 'resolved', 2]]);
  });

  it('resolves by the derived dedup_key without a previous reference', async () => {
    setUp();
    await notifier.send(contractNotification(), sendContext());
    expect(await notifier.send(resolvedNotification(contractNotification()), sendContext())).toEqual({ ok: true, externalRef: DEDUP });
    expect(emulator.incidentsFor(DEDUP)).toMatchObject([{ status: 'resolved' }]);
  });

  it('different severities and instances are different incidents', async () => {
    setUp();
    await notifier.send(contractNotification(), sendContext());
    await notifier.send(contractNotification({ severity: 'ticket', alertKey: 'checkout-availability/route="/cart"/burn/ticket' }), sendContext());
    await notifier.send(contractNotification({ instance: { route: '/pay' }, alertKey: 'checkout-availability/route="/pay"/burn/page' }), sendContext());
    expect(emulator.incidents.map((a) => a.dedupKey)).toEqual([DEDUP, 'checkout-availability{route="/cart"}/ticket', 'checkout-availability{route="/pay"}/page']);
    expect(emulator.requests.map((r) => (r.json as { payload: { severity: string } }).payload.severity)).toEqual(['critical', 'warning', 'critical']);
  });

  it('keeps its connection open: consecutive events go over one TLS connection', async () => {
    setUp();
    const fired = await notifier.send(contractNotification(), sendContext());
    await notifier.send(contractNotification(), sendContext());
    const resolved = await notifier.send(resolvedNotification(contractNotification()), sendContext(fired.ok ? fired.externalRef : undefined));
    expect([fired.ok, resolved.ok]).toEqual([true, true]);
    expect(emulator.requests).toHaveLength(3);
    expect(emulator.connections).toBe(1);
  });

  it('a 429 with Retry-After on a kept-alive connection is rate-limited with its delay, sent once, and the next event goes out', async () => {
    setUp();
    expect((await notifier.send(contractNotification(), sendContext())).ok).toBe(true);
    emulator.failNext({ kind: 'rate-limited', retryAfterSeconds: 42 });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'rate-limited', retryAfterMs: 42_000 });
    expect(emulator.connections).toBe(1); // the 429 came over the connection of the first event
    expect(emulator.requests.map((r) => r.answer.status)).toEqual([202, 429]);
    expect((await notifier.send(contractNotification(), sendContext())).ok).toBe(true);
    expect(emulator.requests.map((r) => r.answer.status)).toEqual([202, 429, 202]);
  });

  it('sends at once over shared connections: each reads its own answer (status and Retry-After)', async () => {
    setUp();
    // All five answered at once: the client reads every answer before any send learns from pdjs that its
    // request was rate-limited.
    emulator.answerTogether(5);
    emulator.failNext({ kind: 'rate-limited', retryAfterSeconds: 7 });
    emulator.failNext({ kind: 'rate-limited', retryAfterSeconds: 9 });
    emulator.failNext({ kind: 'http', status: 503, headers: { 'Retry-After': '5' } });
    const routes = ['/a', '/b', '/c', '/d', '/e'];
    const outcomes = await Promise.all(routes.map((route) =>
      notifier.send(contractNotification({ instance: { route }, alertKey: `checkout-availability/route="${route}"/burn/page` }), sendContext())));
    // The emulator answered in the order the requests arrived: 429 (7 s), 429 (9 s), 503 (5 s), then 202s.
    const expected = new Map<string, object>();
    emulator.requests.forEach((r, i) => {
      const key = (r.json as { dedup_key: string }).dedup_key;
      expected.set(key, [
        { ok: false, reason: 'rate-limited', retryAfterMs: 7_000 },
        { ok: false, reason: 'rate-limited', retryAfterMs: 9_000 },
        { ok: false, reason: 'server-error', retryAfterMs: 5_000 },
      ][i] ?? { ok: true, externalRef: key });
    });
    expect(emulator.requests).toHaveLength(5);
    outcomes.forEach((outcome, i) => {
      const key = `checkout-availability{route="${routes[i] ?? ''}"}/page`;
      expect(outcome).toMatchObject(expected.get(key) ?? { missing: key });
    });
  });

  // pdjs retries a 429 inside event(), before its promise settles: were the retry not refused, the emulator
  // would hold its requests by the time send resolves (and with pdjs's 20 s sleep, the send would outlast the
  // test's time limit).
  it('429: hit exactly once (pdjs retry bypassed), rate-limited with retryAfterMs, without pdjs\'s 20 s wait', async () => {
    setUp();
    emulator.failNext({ kind: 'rate-limited', retryAfterSeconds: 42 }, 4);
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'rate-limited', retryAfterMs: 42_000 });
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.incidents).toEqual([]);
  });

  it('429 without Retry-After: rate-limited without retryAfterMs, hit once', async () => {
    setUp();
    emulator.failNext({ kind: 'rate-limited' });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'rate-limited' });
    expect(outcome.retryAfterMs).toBeUndefined();
    expect(emulator.requests).toHaveLength(1);
  });

  it('400: permanent client error that quotes PagerDuty\'s errors[]', async () => {
    setUp();
    emulator.failNext({
      kind: 'http',
      status: 400,
      body: { status: 'invalid event', message: 'Event object is invalid', errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"] },
    });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: false, reason: 'client-error' });
    expect(outcome.error.message).toContain(
      `PagerDuty receiver "pd-main": trigger event (dedup_key ${DEDUP}) to https://${emulator.host}/v2/enqueue failed: HTTP 400 Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters)`,
    );
    expect(outcome.error.message).toMatch(/pagerduty\.routingKey/);
  });

  it('500 and 503: retryable server errors, hit once', async () => {
    setUp();
    emulator.failNext({ kind: 'http', status: 500 });
    expect(failed(await notifier.send(contractNotification(), sendContext()))).toMatchObject({ retryable: true, reason: 'server-error' });
    emulator.failNext({ kind: 'http', status: 503, headers: { 'Retry-After': '5' } });
    expect(failed(await notifier.send(contractNotification(), sendContext()))).toMatchObject({ retryable: true, reason: 'server-error', retryAfterMs: 5000 });
    expect(emulator.requests).toHaveLength(2);
  });

  it('a 502 with an HTML body (pdjs rejects: invalid-json) is still a retryable 502', async () => {
    setUp();
    emulator.failNext({ kind: 'http', status: 502, body: '<html><body>Bad Gateway</body></html>' });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'server-error' });
    expect(outcome.error.message).toMatch(/HTTP 502/);
  });

  it('a 200 with an HTML body (a proxy page) is a permanent failure naming eventsHost', async () => {
    setUp();
    emulator.failNext({ kind: 'http', status: 200, body: '<html>login</html>' });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: false, reason: 'other' });
    expect(outcome.error.message).toMatch(/pagerduty\.eventsHost/);
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
  });

  it("the caller's signal ends a send that is waiting for its answer", async () => {
    setUp({ timeoutMs: 10_000 });
    emulator.failNext({ kind: 'slow', delayMs: 600_000 });
    const controller = new AbortController();
    const sending = notifier.send(contractNotification(), sendContext(undefined, controller.signal));
    await eventually(() => emulator.requests.length === 1);
    controller.abort();
    const outcome = failed(await sending);
    expect(outcome).toMatchObject({ retryable: true, reason: 'other' });
    expect(outcome.error.message).toMatch(/aborted/);
    expect(deadlines.waiting).toEqual([10_000]);
  });

  it('a signal that fired before the send sends nothing', async () => {
    setUp();
    const controller = new AbortController();
    controller.abort();
    const outcome = failed(await notifier.send(contractNotification(), sendContext(undefined, controller.signal)));
    expect(outcome).toMatchObject({ retryable: true, reason: 'other' });
    expect(emulator.requests).toHaveLength(0);
  });

  it('network error (closed port): retryable, naming the address', async () => {
    logger = capturingLogger();
    const port = await freePort();
    const outcome = failed(await makeNotifier(`127.0.0.1:${port}`, logger).send(contractNotification(), sendContext()));
    expect(outcome).toMatchObject({ retryable: true, reason: 'network' });
    expect(outcome.error.message).toContain(`https://127.0.0.1:${port}/v2/enqueue`);
    expect(outcome.error.message).toMatch(/ECONNREFUSED/);
  });

  it('an untrusted server certificate is a network error that points at caFile', async () => {
    const stranger = await startPagerDutyEmulator({ pki: createTestPki() });
    try {
      logger = capturingLogger();
      const outcome = failed(await makeNotifier(stranger.host, logger).send(contractNotification(), sendContext()));
      expect(outcome).toMatchObject({ retryable: true, reason: 'network' });
      expect(outcome.error.message).toMatch(/TLS failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
      expect(outcome.error.message).toMatch(/pagerduty\.caFile/);
      expect(stranger.requests).toEqual([]);
    } finally {
      await stranger.close();
    }
  });

  it('never shows the routing key, also not when PagerDuty echoes it', async () => {
    setUp();
    emulator.failNext({ kind: 'http', status: 400, body: { status: 'invalid event', message: `bad key ${ROUTING_KEY}`, errors: [ROUTING_KEY] } });
    const outcome = failed(await notifier.send(contractNotification(), sendContext()));
    expect(errorText(outcome.error)).not.toContain(ROUTING_KEY);
    expect(outcome.error.message).toContain('[REDACTED]');
  });

  // The child reports what would keep its event loop alive once its sends are done (pdjs alone leaves a
  // 30 s requestTimeout timer, or sleeps 20 s before retrying a 429); if anything would, the test ends it.
  it('leaves nothing that keeps Node alive: a child process has no timer or socket left after its sends, its connection open and idle', async () => {
    emulator.failNext({ kind: 'pass' });
    emulator.failNext({ kind: 'rate-limited', retryAfterSeconds: 30 });
    emulator.failNext({ kind: 'http', status: 500 });
    emulator.failNext({ kind: 'slow', delayMs: 600_000 });
    const closedPort = await freePort();
    const moduleUrl = new URL('./index.ts', import.meta.url).href;
    const contractUrl = new URL('../contract.ts', import.meta.url).href;
    const script = `
      const { pagerDutyNotifier, PagerDutyConfig } = await import(${JSON.stringify(moduleUrl)});
      const { contractNotification } = await import(${JSON.stringify(contractUrl)});
      const logger = { warn() {}, info() {}, debug() {} };
      // The fourth send's time limit is fired by hand once its request waits for the answer.
      const limits = [];
      const deadline = (ms) => { const c = new AbortController(); limits.push(c); return c.signal; };
      const make = (host) => pagerDutyNotifier.create('child', PagerDutyConfig.parse({ routingKey: { env: 'K' }, eventsHost: host, caFile: ${JSON.stringify(caFile)}, timeoutMs: 8000 }), { secrets: () => ${JSON.stringify(ROUTING_KEY)}, logger, deadline });
      const signal = new AbortController().signal;
      const outcomes = [];
      // One notifier for the first three: the connection of the 500 is kept open, idle, at the end.
      const kept = make(${JSON.stringify(emulator.host)});
      for (const notifier of [kept, kept, kept, make(${JSON.stringify(emulator.host)}), make('127.0.0.1:${closedPort}')]) {
        const sending = notifier.send(contractNotification(), { signal });
        if (outcomes.length === 3) {
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
      // The fourth send's request is at the emulator, waiting for its answer: let the child time it out.
      if (line === 'waiting') void eventually(() => emulator.requests.length >= 4).then(() => running.stdin.end('go\n'));
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.lines[1] ?? '{}')).toEqual({ outcomes: ['ok', 'rate-limited', 'server-error', 'timeout', 'network'], left: [] });
    expect(child.code).toBe(0);
    // One request per send, no retry inside the SDK.
    expect(emulator.requests.map((r) => r.answer.status)).toEqual([202, 429, 500, 202]);
  }, 180_000); // starting Node with tsx takes long on a loaded machine
});

describe('PagerDutyConfig and create', () => {
  it('applies the defaults', () => {
    expect(PagerDutyConfig.parse({ routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } })).toEqual({
      routingKey: { env: 'PAGERDUTY_ROUTING_KEY' },
      eventsHost: 'events.pagerduty.com',
      timeoutMs: 10_000,
      severityMap: { page: 'critical', ticket: 'warning', nodata: 'warning' },
      source: 'burnwatch',
      client: 'burnwatch',
    });
  });

  it('rejects a literal routing key and says to use env or file, without repeating it', () => {
    const result = PagerDutyConfig.safeParse({ routingKey: ROUTING_KEY });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'routingKey: must not hold the secret itself (it would sit in the config file and could leak)\nwrite routingKey: { env: PAGERDUTY_ROUTING_KEY } or routingKey: { file: /run/secrets/pagerduty-routing-key }',
    ]);
    expect(JSON.stringify(result.error?.issues)).not.toContain(ROUTING_KEY);
  });

  it.each([
    [{ routingKey: { env: 'K' }, eventsHost: 'https://events.pagerduty.com' }, 'eventsHost', /without scheme or path/],
    [{ routingKey: { env: 'K' }, eventsHost: 'events.pagerduty.com/v2' }, 'eventsHost', /without scheme or path/],
    [{ routingKey: { env: 'K' }, severityMap: { page: 'high' } }, 'severityMap.page', /critical, error, warning or info/],
    [{ routingKey: { env: 'K' }, clientUrl: 'burnwatch.local' }, 'clientUrl', /http\(s\) URL/],
    [{ routingKey: { env: 'K' }, timeoutMs: 1.5 }, 'timeoutMs', /whole number/],
    [{ routingKey: { env: 'K' }, routing_key: 'x' }, '', /routing_key/],
  ])('rejects %j at %s', (input, path, message) => {
    const result = PagerDutyConfig.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.join('.')).toBe(path);
    expect(`${issue?.message ?? ''} ${JSON.stringify(issue)}`).toMatch(message);
  });

  it('accepts host:port and IPv6 hosts', () => {
    expect(PagerDutyConfig.parse({ routingKey: { env: 'K' }, eventsHost: '127.0.0.1:8443' }).eventsHost).toBe('127.0.0.1:8443');
    expect(PagerDutyConfig.parse({ routingKey: { env: 'K' }, eventsHost: '[::1]:8443' }).eventsHost).toBe('[::1]:8443');
  });

  it('refuses a secret that is not a routing key, without showing it', () => {
    const config = PagerDutyConfig.parse({ routingKey: { file: '/run/secrets/pd' } });
    const secret = 'not-a-routing-key-but-a-secret';
    let message = '';
    try {
      pagerDutyNotifier.create('pd-main', config, { secrets: () => secret, logger: capturingLogger() });
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    expect(message).toMatch(/^receiver "pd-main": pagerduty\.routingKey: the secret is not a routing key \(30 characters/);
    expect(message).not.toContain(secret);
  });

  it('resolves the routing key through deps.secrets, naming the receiver and field', () => {
    const asked: unknown[] = [];
    pagerDutyNotifier.create('pd-main', PagerDutyConfig.parse({ routingKey: { env: 'PD_KEY' } }), {
      secrets: (ref, what) => {
        asked.push([ref, what]);
        return ROUTING_KEY;
      },
      logger: capturingLogger(),
    });
    expect(asked).toEqual([[{ env: 'PD_KEY' }, 'receiver "pd-main": pagerduty.routingKey']]);
  });

  it('names caFile when it cannot be read or holds no certificate', () => {
    const deps = { secrets: () => ROUTING_KEY, logger: capturingLogger() };
    const missing = join(dir, 'missing.pem');
    expect(() => pagerDutyNotifier.create('pd-main', PagerDutyConfig.parse({ routingKey: { env: 'K' }, caFile: missing }), deps)).toThrow(
      `receiver "pd-main": pagerduty.caFile: cannot read ${missing} (ENOENT)`,
    );
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(() => pagerDutyNotifier.create('pd-main', PagerDutyConfig.parse({ routingKey: { env: 'K' }, caFile: notPem }), deps)).toThrow(/holds no PEM certificate/);
  });
});
