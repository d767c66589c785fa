import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { startStubServer } from '../../../test/support/http-stub.js';
import type { StubResponse, StubServer } from '../../../test/support/http-stub.js';
import { capturingLogger, contractNotification, describeNotifierContract, errorText, failed } from '../contract.js';
import type { CapturingLogger } from '../contract.js';
import type { Notifier, NotifierDeps } from '../notifier.js';
import type { AlertmanagerNotifier } from './index.js';
import { AlertmanagerConfig, alertmanagerNotifier } from './index.js';

/**
 * The Alertmanager notifier against a local HTTP stub (real sockets). The wire format is checked against a
 * real Alertmanager 0.25 in test/notify-alertmanager.spec.ts.
 */

const TOKEN = 'am-bearer-T0KEN-0123456789';
const PASSWORD = 'am-basic-PASSW0RD-987654';

function deps(logger: CapturingLogger): NotifierDeps {
  return {
    logger,
    secrets: (ref) => {
      if ('env' in ref && ref.env === 'AM_TOKEN') return TOKEN;
      if ('env' in ref && ref.env === 'AM_PASSWORD') return PASSWORD;
      throw new Error('unexpected secret reference');
    },
  };
}

function makeNotifier(url: string, logger: CapturingLogger, extra: Record<string, unknown> = {}): AlertmanagerNotifier {
  const config = AlertmanagerConfig.parse({ url, bearerToken: { env: 'AM_TOKEN' }, timeoutMs: 2000, ...extra });
  return alertmanagerNotifier.create('am', config, deps(logger)) as AlertmanagerNotifier;
}

/** Bodies Alertmanager 0.25 sends with each status (integrations.md §5.1); the rest plain text. */
function answerFor(status: number | 'success', retryAfterSeconds?: number): StubResponse {
  const headers = retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
  if (status === 'success') return { status: 200, body: '' };
  if (status === 400) return { status, body: 'invalid label set: invalid name "bad-name"', headers };
  if (status === 422) return { status, body: { code: 602, message: '0.labels in body is required' }, headers };
  if (status === 415) return { status, body: { code: 415, message: 'unsupported media type "text/plain"' }, headers };
  return { status, body: `status ${status}`, headers };
}

function scripted(server: StubServer): { answerNext: (status: number | 'success', retryAfterSeconds?: number) => void } {
  const queue: StubResponse[] = [];
  server.handle(() => queue.shift() ?? { status: 200, body: '' });
  return { answerNext: (status, retryAfterSeconds) => queue.push(answerFor(status, retryAfterSeconds)) };
}

const ctx = () => ({ signal: new AbortController().signal });

describeNotifierContract('alertmanager', {
  secrets: [TOKEN],
  async start(logger) {
    const server = await startStubServer();
    const script = scripted(server);
    return {
      notifier: makeNotifier(server.url, logger),
      server: { answerNext: script.answerNext, requestCount: () => server.requests.length },
      close: () => server.close(),
    };
  },
  async unreachable(logger) {
    return makeNotifier(`http://127.0.0.1:${await freePort()}`, logger);
  },
});

describe('alertmanager notifier', () => {
  const logger = capturingLogger();
  let server: StubServer;
  let script: ReturnType<typeof scripted>;
  let notifier: Notifier;

  beforeAll(async () => {
    server = await startStubServer();
    script = scripted(server);
    notifier = makeNotifier(`${server.url}/am-prefix/`, logger);
  });
  afterAll(() => server.close());

  it('POSTs a JSON array to <url>/api/v2/alerts with the bearer token', async () => {
    const before = server.requests.length;
    const outcome = await notifier.send(contractNotification(), ctx());
    expect(outcome).toEqual({ ok: true });
    const req = server.requests[before]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/am-prefix/api/v2/alerts');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const body = JSON.parse(req.body) as unknown[];
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ labels: { alertname: 'CheckoutAvailability' }, endsAt: '2026-01-01T12:09:00.000Z' });
  });

  it('sends basic auth when configured', async () => {
    const basic = alertmanagerNotifier.create('am-basic', AlertmanagerConfig.parse({ url: server.url, basicAuth: { username: 'bw', password: { env: 'AM_PASSWORD' } } }), deps(logger));
    const before = server.requests.length;
    expect((await basic.send(contractNotification(), ctx())).ok).toBe(true);
    expect(server.requests[before]?.headers.authorization).toBe(`Basic ${Buffer.from(`bw:${PASSWORD}`).toString('base64')}`);
  });

  it('exposes its resend timing for the dispatcher', () => {
    const am = makeNotifier(server.url, logger, { resendDelay: '2m' });
    expect([am.kind, am.resendDelayMs, am.resolvedRetentionMs]).toEqual(['alertmanager', 120_000, 900_000]);
  });

  const statuses: readonly (readonly [number, boolean, string, RegExp])[] = [
    [400, false, 'client-error', /answered 400: invalid label set: invalid name "bad-name"\n.*label names must match/],
    [404, false, 'client-error', /answered 404.*\n.*burnwatch appends \/api\/v2\/alerts/],
    [408, true, 'timeout', /answered 408/],
    [415, false, 'client-error', /answered 415: unsupported media type.*\n.*this is a bug/],
    [422, false, 'client-error', /answered 422: 0\.labels in body is required/],
    [301, false, 'client-error', /redirects are not followed/],
    [503, true, 'server-error', /answered 503/],
  ];
  it.each(statuses)('HTTP %i -> retryable %s (%s)', async (status, retryable, reason, message) => {
    script.answerNext(status);
    const outcome = failed(await notifier.send(contractNotification(), ctx()));
    expect([outcome.retryable, outcome.reason]).toEqual([retryable, reason]);
    expect(outcome.error.message).toMatch(message);
    expect(outcome.error.message).toContain('Alertmanager receiver "am": POST http://127.0.0.1:');
  });

  it('honours Retry-After on a 503', async () => {
    script.answerNext(503, 30);
    expect(failed(await notifier.send(contractNotification(), ctx())).retryAfterMs).toBe(30_000);
  });

  it('gives up after timeoutMs and calls it a retryable timeout', async () => {
    server.handle(() => ({ status: 200, body: '', delayMs: 1500 }));
    const quick = makeNotifier(server.url, logger, { timeoutMs: 200 });
    const started = Date.now();
    const outcome = failed(await quick.send(contractNotification(), ctx()));
    expect(Date.now() - started).toBeLessThan(1400);
    expect([outcome.retryable, outcome.reason]).toEqual([true, 'timeout']);
    expect(outcome.error.message).toMatch(/no answer within 200 ms/);
    script = scripted(server);
  });

  it('stops when the caller\'s signal fires (retryable: the outbox keeps it)', async () => {
    server.handle(() => ({ status: 200, body: '', delayMs: 1500 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = failed(await notifier.send(contractNotification(), { signal: controller.signal }));
    expect([outcome.retryable, outcome.reason]).toEqual([true, 'other']);
    script = scripted(server);
  });

  it('never shows the token or the password, even when the server echoes them', async () => {
    server.handle((req) => ({ status: 400, body: `bad request with ${req.headers.authorization ?? ''}` }));
    const basic = alertmanagerNotifier.create('am-basic', AlertmanagerConfig.parse({ url: server.url, basicAuth: { username: 'bw', password: { env: 'AM_PASSWORD' } } }), deps(logger));
    const outcomes = [await notifier.send(contractNotification(), ctx()), await basic.send(contractNotification(), ctx())];
    const base64 = Buffer.from(`bw:${PASSWORD}`).toString('base64');
    for (const o of outcomes) {
      const text = errorText(failed(o).error);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(PASSWORD);
      // The echoed Basic header carries the password base64-encoded: redacted as well.
      expect(text).not.toContain(base64);
      expect(text).toContain('[REDACTED]');
    }
    script = scripted(server);
  });
});

describe('alertmanager config', () => {
  it('rejects a URL with credentials in it, and both bearerToken and basicAuth', () => {
    const withCreds = AlertmanagerConfig.safeParse({ url: 'http://user:pw@am:9093' });
    expect(withCreds.success).toBe(false);
    expect(withCreds.error?.issues[0]?.message).toMatch(/must not contain a user name or password/);
    const both = AlertmanagerConfig.safeParse({ url: 'http://am:9093', bearerToken: { env: 'A' }, basicAuth: { username: 'u', password: { env: 'B' } } });
    expect(both.error?.issues[0]?.message).toMatch(/bearerToken or basicAuth, not both/);
    expect(AlertmanagerConfig.safeParse({ url: 'http://am:9093', resendDelay: '0s' }).success).toBe(false);
  });
});
