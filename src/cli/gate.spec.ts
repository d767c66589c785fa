import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer } from '../../test/support/http-stub.js';
import type { StubServer } from '../../test/support/http-stub.js';
import { gateCommand } from './gate.js';
import type { CliIo } from './io.js';

/**
 * `burnwatch gate` against a stub burnwatch on 127.0.0.1: the exit status is the contract a pipeline relies on
 * (0 deploy, 1 frozen, 2 cannot tell), and 0 only for an answer that says so in every part.
 */

const NOW = Date.parse('2026-11-22T12:00:00Z');

function io(env: Record<string, string> = {}): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => { out += t; },
    err: (t) => { err += t; },
    cwd: '/',
    env,
    now: () => new Date(NOW),
    stdout: () => out,
    stderr: () => err,
  };
}

const allowedReason = { slo: 'checkout-availability', service: 'checkout', labels: {}, state: 'allowed', budgetRemaining: 0.873, threshold: 0.25, thresholdFrom: 'request', evaluatedAt: '2026-11-22T11:59:30.000Z', message: 'm' };
const frozenReason = { ...allowedReason, slo: 'payments-availability', labels: { route: '/pay' }, state: 'frozen', budgetRemaining: 0.083, since: '2026-11-22T08:50:00.000Z', sinceAtLeast: false };
const unknownReason = { ...allowedReason, slo: 'search-availability', state: 'unknown', budgetRemaining: null, why: 'not evaluated yet' };

let stub: StubServer;
beforeAll(async () => {
  stub = await startStubServer();
});
afterAll(async () => {
  await stub.close();
});

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const streams = io(env);
  const code = await gateCommand(args, streams);
  return { code, out: streams.stdout(), err: streams.stderr() };
}

describe('burnwatch gate: exit status from the answer', () => {
  it('exits 0 when every selected instance has budget, and asks with the selectors and threshold given', async () => {
    stub.handle(() => ({ status: 200, body: { allow: true, state: 'allowed', at: '2026-11-22T12:00:00.000Z', reasons: [allowedReason] } }));
    const r = await run(['--url', `${stub.url}/`, '--service', 'checkout', '--min-budget', '25%']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('deploy allowed: 1 SLO instance has enough error budget\n  checkout-availability: 87.3% of the error budget left, not below 25% (requested)\n');
    const asked = new URL(stub.requests.at(-1)?.url ?? '', 'http://x');
    expect(asked.pathname).toBe('/api/v1/gate');
    expect([...asked.searchParams]).toEqual([['service', 'checkout'], ['minBudget', '25%']]);
  });

  it('exits 1 when one is frozen, printing which SLO, the budget left and since when', async () => {
    stub.handle(() => ({ status: 200, body: { allow: false, state: 'frozen', reasons: [frozenReason, allowedReason] } }));
    const r = await run(['--url', stub.url, '--slo', 'payments-availability', '--slo', 'checkout-availability', '--matcher', 'team="payments"']);
    expect(r.code).toBe(1);
    expect(r.out).toBe([
      'deploy frozen: 1 of 2 SLO instances is below its error-budget threshold',
      '  payments-availability{route="/pay"}: 8.3% of the error budget left, below 25% (requested) since 2026-11-22T08:50:00.000Z (3h10m ago)',
      '  checkout-availability: 87.3% of the error budget left, not below 25% (requested)',
      '',
    ].join('\n'));
    const asked = new URL(stub.requests.at(-1)?.url ?? '', 'http://x');
    expect([...asked.searchParams]).toEqual([['slo', 'payments-availability'], ['slo', 'checkout-availability'], ['matcher', 'team="payments"']]);
  });

  it('exits 2 when burnwatch cannot tell, with its error, hint and each reason', async () => {
    stub.handle(() => ({ status: 503, body: { allow: false, state: 'unknown', error: 'burnwatch cannot tell whether the error budget allows a deploy: 1 of 2 selected SLO instances have no current figures', hint: 'retry after the next evaluation', reasons: [unknownReason, allowedReason] } }));
    const r = await run(['--url', stub.url, '--service', 'search']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('burnwatch gate: cannot tell: burnwatch cannot tell whether the error budget allows a deploy: 1 of 2');
    expect(r.err).toContain('hint: retry after the next evaluation');
    expect(r.err).toContain('search-availability: cannot tell: not evaluated yet');
  });

  it('exits 2 for an unknown SLO, with burnwatch\'s message', async () => {
    stub.handle(() => ({ status: 404, body: { error: 'no SLO with id "nope"', hint: 'GET /api/v1/slos lists the loaded SLOs and their ids', allow: false, state: 'unknown', reasons: [] } }));
    const r = await run(['--url', stub.url, '--slo', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('burnwatch gate: cannot tell: no SLO with id "nope" (HTTP 404)');
    expect(r.err).toContain('hint: GET /api/v1/slos lists');
  });

  it.each<[string, { status: number; body: string | object }, RegExp]>([
    ['not JSON', { status: 200, body: 'hello' }, /not a burnwatch gate answer/],
    ['allow is not a boolean', { status: 200, body: { allow: 'yes', state: 'allowed', reasons: [allowedReason] } }, /not a burnwatch gate answer.*allow/],
    ['allow without a state that agrees', { status: 200, body: { allow: true, state: 'frozen', reasons: [allowedReason] } }, /contradicts itself/],
    ['allow with a reason that is not allowed', { status: 200, body: { allow: true, state: 'allowed', reasons: [allowedReason, frozenReason] } }, /contradicts itself/],
    ['allow with no reasons', { status: 200, body: { allow: true, state: 'allowed', reasons: [] } }, /contradicts itself/],
    ['frozen with no frozen reason', { status: 200, body: { allow: false, state: 'frozen', reasons: [allowedReason] } }, /contradicts itself/],
    ['a proxy error page', { status: 502, body: '<html>Bad Gateway</html>' }, /HTTP 502/],
    ['a redirect loop target that is not burnwatch', { status: 200, body: { hello: 'world' } }, /not a burnwatch gate answer/],
  ])('exits 2 on a bad answer: %s', async (_name, answer, message) => {
    stub.handle(() => answer);
    const r = await run(['--url', stub.url, '--slo', 'checkout-availability']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it('exits 2 on an answer larger than it reads', async () => {
    stub.handle(() => ({ status: 200, body: { allow: true, state: 'allowed', reasons: [allowedReason], padding: 'x'.repeat(9 * 1024 * 1024) } }));
    const r = await run(['--url', stub.url, '--slo', 'checkout-availability']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/larger than 8 MiB/);
  });

  it('prints the answer as JSON with --format json, with the same exit status', async () => {
    const answer = { allow: false, state: 'frozen', reasons: [frozenReason] };
    stub.handle(() => ({ status: 200, body: answer }));
    const r = await run(['--url', stub.url, '--slo', 'payments-availability', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual(answer);
    const unknown = { allow: false, state: 'unknown', error: 'cannot tell', hint: 'h', reasons: [unknownReason] };
    stub.handle(() => ({ status: 503, body: unknown }));
    const u = await run(['--url', stub.url, '--slo', 'search-availability', '--format', 'json']);
    expect(u.code).toBe(2);
    expect(JSON.parse(u.out)).toEqual(unknown);
    expect(u.err).toContain('cannot tell');
  });

  it('takes the URL from BURNWATCH_URL, keeps a path prefix, and sends credentials of the URL as basic auth, never in a message', async () => {
    stub.handle(() => ({ status: 200, body: { allow: true, state: 'allowed', reasons: [allowedReason] } }));
    const withPrefix = stub.url.replace('http://', 'http://ci:s3cret@');
    const r = await run(['--slo', 'checkout-availability'], { BURNWATCH_URL: `${withPrefix}/burnwatch/` });
    expect(r.code).toBe(0);
    const req = stub.requests.at(-1);
    expect(req?.url.startsWith('/burnwatch/api/v1/gate?')).toBe(true);
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('ci:s3cret').toString('base64')}`);
    stub.handle(() => ({ status: 500, body: { error: 'boom', hint: 'h' } }));
    const failed = await run(['--slo', 'checkout-availability'], { BURNWATCH_URL: withPrefix });
    expect(failed.code).toBe(2);
    expect(failed.err).not.toContain('s3cret');
  });
});

describe('burnwatch gate: burnwatch unreachable or slow', () => {
  it('exits 2 when nothing listens on the port', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await run(['--url', `http://127.0.0.1:${port}`, '--slo', 'checkout-availability']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`burnwatch gate: cannot tell: cannot reach burnwatch at http://127.0.0.1:${port}`);
    expect(r.err).toMatch(/ECONNREFUSED/);
  });

  it('exits 2 within --timeout when burnwatch does not answer', async () => {
    stub.handle(() => ({ status: 200, body: { allow: true, state: 'allowed', reasons: [allowedReason] }, delayMs: 5_000 }));
    const started = performance.now();
    const r = await run(['--url', stub.url, '--slo', 'checkout-availability', '--timeout', '300ms']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no answer within 300ms');
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

describe('burnwatch gate: usage', () => {
  it.each([
    [[], /--url/],
    [['--url', 'http://x:9099'], /--slo, --service or --matcher/],
    [['--url', 'ftp://x', '--slo', 'a'], /http\(s\) URL/],
    [['--url', 'http://x:9099', '--slo', 'a', '--min-budget', '25'], /--min-budget: "25" is ambiguous/],
    [['--url', 'http://x:9099', '--slo', 'a', '--timeout', 'soon'], /--timeout/],
    [['--url', 'http://x:9099', '--slo', 'a', '--format', 'yaml'], /--format/],
    [['--url', 'http://x:9099', '--slo', 'a', '--nope'], /Unknown option/],
  ])('exits 2 for %j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('Usage: burnwatch gate');
  });

  it('prints its usage with --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: burnwatch gate');
  });
});
