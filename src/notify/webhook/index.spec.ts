import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { startStubServer } from '../../../test/support/http-stub.js';
import type { StubResponse, StubServer } from '../../../test/support/http-stub.js';
import { capturingLogger, contractNotification, describeNotifierContract, errorText, failed } from '../contract.js';
import type { CapturingLogger } from '../contract.js';
import type { Notifier, NotifierDeps } from '../notifier.js';
import { signBody, WebhookConfig, webhookNotifier } from './index.js';

const SIGNING_SECRET = 'whsec-S1GN1NG-secret-0123456789';
const TOKEN = 'wh-bearer-T0KEN-abcdef';

function deps(logger: CapturingLogger): NotifierDeps {
  return {
    logger,
    secrets: (ref) => {
      if ('env' in ref && ref.env === 'HOOK_SECRET') return SIGNING_SECRET;
      if ('env' in ref && ref.env === 'HOOK_TOKEN') return TOKEN;
      throw new Error('unexpected secret reference');
    },
  };
}

function makeNotifier(url: string, logger: CapturingLogger, extra: Record<string, unknown> = {}): Notifier {
  const config = WebhookConfig.parse({ url, signature: { secret: { env: 'HOOK_SECRET' } }, bearerToken: { env: 'HOOK_TOKEN' }, timeoutMs: 2000, ...extra });
  return webhookNotifier.create('audit', config, deps(logger));
}

function scripted(server: StubServer): { answerNext: (status: number | 'success', retryAfterSeconds?: number) => void } {
  const queue: StubResponse[] = [];
  server.handle(() => queue.shift() ?? { status: 200, body: 'ok' });
  return {
    answerNext: (status, retryAfterSeconds) =>
      queue.push(status === 'success'
        ? { status: 204 }
        : { status, body: `status ${status}`, ...(retryAfterSeconds === undefined ? {} : { headers: { 'Retry-After': String(retryAfterSeconds) } }) }),
  };
}

const ctx = () => ({ signal: new AbortController().signal });

describeNotifierContract('webhook', {
  secrets: [SIGNING_SECRET, TOKEN],
  async start(logger) {
    const server = await startStubServer();
    const script = scripted(server);
    return {
      notifier: makeNotifier(`${server.url}/hook`, logger),
      server: { answerNext: script.answerNext, requestCount: () => server.requests.length },
      close: () => server.close(),
    };
  },
  async unreachable(logger) {
    return makeNotifier(`http://127.0.0.1:${await freePort()}/hook`, logger);
  },
});

describe('webhook notifier', () => {
  const logger = capturingLogger();
  let server: StubServer;
  let script: ReturnType<typeof scripted>;
  let notifier: Notifier;

  beforeAll(async () => {
    server = await startStubServer();
    script = scripted(server);
    notifier = makeNotifier(`${server.url}/hook?team=payments`, logger);
  });
  afterAll(() => server.close());

  it('POSTs the Alertmanager v4 payload as JSON, signed with HMAC-SHA256 over the raw body', async () => {
    const before = server.requests.length;
    expect(await notifier.send(contractNotification(), ctx())).toEqual({ ok: true });
    const req = server.requests[before]!;
    expect([req.method, req.url, req.headers['content-type']]).toEqual(['POST', '/hook?team=payments', 'application/json']);
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // A receiver's check: HMAC-SHA256 of the bytes as received, keyed with the shared secret.
    const expected = `sha256=${createHmac('sha256', SIGNING_SECRET).update(Buffer.from(req.body, 'utf8')).digest('hex')}`;
    const got = String(req.headers['x-burnwatch-signature']);
    expect(got).toBe(expected);
    expect(timingSafeEqual(Buffer.from(got), Buffer.from(expected))).toBe(true);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'audit', groupKey: expect.stringMatching(/^\{\}:\{/) });
  });

  it('POSTs a report digest as a burnwatch.report-digest record, signed the same way; a 500 is retryable', async () => {
    const digest = { id: 'digest:weekly@2026-11-08T23:00:00Z', name: 'weekly', every: 'week' as const, title: 'SLO weekly report: week of 2026-11-09', from: '2026-11-08T23:00:00Z', to: '2026-11-15T23:00:00Z', timezone: 'Europe/Berlin', label: 'week of 2026-11-09', groupBy: 'service', createdAt: '2026-11-16T08:00:00Z', slos: [], groups: [], warnings: [] };
    const before = server.requests.length;
    expect(await notifier.sendDigest!(digest, ctx())).toEqual({ ok: true });
    const req = server.requests[before]!;
    expect(req.headers['x-burnwatch-signature']).toBe(`sha256=${createHmac('sha256', SIGNING_SECRET).update(Buffer.from(req.body, 'utf8')).digest('hex')}`);
    expect(JSON.parse(req.body)).toEqual({ type: 'burnwatch.report-digest', version: 1, receiver: 'audit', digest });
    script.answerNext(500);
    expect(failed(await notifier.sendDigest!(digest, ctx()))).toMatchObject({ retryable: true, reason: 'server-error' });
  });

  it('signs with a known vector', () => {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    expect(signBody('what do ya want for nothing?', 'Jefe')).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('uses the configured signature header and no signature without a secret', async () => {
    const custom = webhookNotifier.create('custom', WebhookConfig.parse({ url: server.url, signature: { secret: { env: 'HOOK_SECRET' }, header: 'X-Hub-Signature-256' } }), deps(logger));
    const plain = webhookNotifier.create('plain', WebhookConfig.parse({ url: server.url }), deps(logger));
    const before = server.requests.length;
    await custom.send(contractNotification(), ctx());
    await plain.send(contractNotification(), ctx());
    const [signed, unsigned] = server.requests.slice(before);
    expect(signed?.headers['x-hub-signature-256']).toBe(signBody(signed!.body, SIGNING_SECRET));
    expect(signed?.headers['x-burnwatch-signature']).toBeUndefined();
    expect(unsigned?.headers['x-burnwatch-signature']).toBeUndefined();
    expect(unsigned?.headers.authorization).toBeUndefined();
  });

  const statuses: readonly (readonly [number, boolean, string])[] = [
    [408, true, 'timeout'],
    [409, false, 'client-error'],
    [413, false, 'client-error'],
    [422, false, 'client-error'],
    [302, false, 'client-error'],
    [501, true, 'server-error'],
  ];
  it.each(statuses)('HTTP %i -> retryable %s (%s)', async (status, retryable, reason) => {
    script.answerNext(status);
    const outcome = failed(await notifier.send(contractNotification(), ctx()));
    expect([outcome.retryable, outcome.reason]).toEqual([retryable, reason]);
    // The URL is printed without its query string.
    expect(outcome.error.message).toContain(`webhook receiver "audit": POST ${server.url}/hook answered ${status}`);
    expect(outcome.error.message).not.toContain('team=payments');
  });

  it('reads Retry-After given as an HTTP date against the response\'s Date header', async () => {
    server.handle(() => ({ status: 429, body: 'slow down', headers: { Date: 'Thu, 01 Jan 2026 12:00:00 GMT', 'Retry-After': 'Thu, 01 Jan 2026 12:00:45 GMT' } }));
    expect(failed(await notifier.send(contractNotification(), ctx())).retryAfterMs).toBe(45_000);
    script = scripted(server);
  });

  it('never shows the signing secret or token, even when the server echoes the request', async () => {
    server.handle((req) => ({ status: 400, body: `you sent ${JSON.stringify(req.headers)} ${SIGNING_SECRET}` }));
    const text = errorText(failed(await notifier.send(contractNotification(), ctx())).error);
    expect(text).not.toContain(SIGNING_SECRET);
    expect(text).not.toContain(TOKEN);
    expect(text).toContain('[REDACTED]');
    script = scripted(server);
  });
});
