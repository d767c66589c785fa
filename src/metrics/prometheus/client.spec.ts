import { createServer } from 'node:http';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualDeadlines, eventually } from '../../../test/support/deadlines.js';
import { freePort } from '../../../test/support/free-port.js';
import { startStubServer } from '../../../test/support/http-stub.js';
import type { StubResponse, StubServer } from '../../../test/support/http-stub.js';
import type { MetricsErrorKind } from '../errors.js';
import { MetricsSourceError } from '../errors.js';
import { PrometheusSource } from './client.js';
import type { PrometheusClientOptions } from './config.js';
import type { Deadline } from '../../http/deadline.js';

/**
 * The client against a local HTTP server that answers like Prometheus 2.42 does (bodies as observed on a real
 * 2.42, see the integration reference), so requests go over real sockets through axios unchanged.
 */

let stub: StubServer;
const sources: PrometheusSource[] = [];

beforeAll(async () => {
  stub = await startStubServer();
});
afterAll(async () => {
  await stub.close();
});
afterEach(() => {
  stub.requests.length = 0;
  for (const s of sources.splice(0)) s.close();
});

/** Time limits fire only when a test says so (`deadlines.fire()`); made fresh for each test. */
let deadlines = new ManualDeadlines();
beforeEach(() => {
  deadlines = new ManualDeadlines();
});

function source(options: Partial<PrometheusClientOptions> = {}): PrometheusSource {
  const s = new PrometheusSource({ url: stub.url, deadline: deadlines.deadline, ...options });
  sources.push(s);
  return s;
}

const AT = new Date('2026-11-24T08:00:00.000Z');

function vector(result: unknown[], extra: object = {}): StubResponse {
  return { body: { status: 'success', data: { resultType: 'vector', result }, ...extra } };
}

async function failure(promise: Promise<unknown>): Promise<MetricsSourceError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof MetricsSourceError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('values', () => {
  it('maps Prometheus value strings, including +Inf, -Inf, NaN and exponent forms', async () => {
    const texts = ['42', '-0.5', '+Inf', '-Inf', 'NaN', '1e-07', '1.5e+21', '0'];
    const expected = [42, -0.5, Infinity, -Infinity, NaN, 0.0000001, 1.5e21, 0];
    stub.handle(() => vector(texts.map((v, i) => ({ metric: { i: String(i) }, value: [1795485600, v] }))));
    const result = await source().instantQuery('x', AT);
    expect(result.kind).toBe('vector');
    if (result.kind !== 'vector') return;
    expect(result.samples.map((s) => s.value)).toEqual(expected);
  });

  it('turns second timestamps with millisecond decimals into exact epoch milliseconds', async () => {
    stub.handle(() => vector([{ metric: {}, value: [1795507670.075, '1'] }]));
    const result = await source().instantQuery('x', AT);
    expect(result.kind === 'vector' ? result.samples[0]?.tsMs : undefined).toBe(1795507670075);
  });

  it('reads scalar and matrix results', async () => {
    stub.handle(() => ({ body: { status: 'success', data: { resultType: 'scalar', result: [1795485600.5, '-Inf'] } } }));
    expect(await source().instantQuery('-1/0', AT)).toEqual({ kind: 'scalar', value: -Infinity, tsMs: 1795485600500 });

    stub.handle(() => ({
      body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: { __name__: 'x', job: 'a' }, values: [[1795485600, '1'], [1795485615, '2']] }] } },
    }));
    expect(await source().instantQuery('x[1m]', AT)).toEqual({
      kind: 'matrix',
      series: [{ labels: { __name__: 'x', job: 'a' }, points: [[1795485600000, 1], [1795485615000, 2]] }],
    });
  });

  it('returns an empty vector as no samples (absent is not zero)', async () => {
    stub.handle(() => vector([]));
    expect(await source().instantQuery('x', AT)).toEqual({ kind: 'vector', samples: [] });
  });

  it('reads stats when asked, and asks for them with stats=all', async () => {
    stub.handle(() => ({
      body: {
        status: 'success',
        data: { resultType: 'vector', result: [], stats: { timings: { evalTotalTime: 0.001 }, samples: { totalQueryableSamples: 12, peakSamples: 8 } } },
      },
    }));
    const result = await source().instantQuery('x', AT, { stats: true });
    expect(result.stats).toEqual({ totalQueryableSamples: 12, peakSamples: 8 });
    expect(stub.requests[0]?.form.get('stats')).toBe('all');
  });

  it('rejects a value that is not a number, and a string result', async () => {
    stub.handle(() => vector([{ metric: {}, value: [1, 'abc'] }]));
    expect((await failure(source().instantQuery('x', AT))).kind).toBe('invalid_response');
    stub.handle(() => ({ body: { status: 'success', data: { resultType: 'string', result: [1, 'hello'] } } }));
    expect((await failure(source().instantQuery('"hello"', AT))).kind).toBe('invalid_response');
  });
});

describe('partial answers', () => {
  it('treats a success with warnings as a retryable partial error, not a result', async () => {
    stub.handle(() => vector([{ metric: {}, value: [1, '1'] }], { warnings: ['store 10.0.0.1:10901 unavailable'] }));
    const err = await failure(source().instantQuery('x', AT));
    expect(err.kind).toBe('partial');
    expect(err.retryable).toBe(true);
    expect(err.warnings).toEqual(['store 10.0.0.1:10901 unavailable']);
    expect(err.message).toContain('store 10.0.0.1:10901 unavailable');
  });

  it('treats VictoriaMetrics isPartial: true as partial', async () => {
    stub.handle(() => vector([], { isPartial: true }));
    expect((await failure(source().instantQuery('x', AT))).kind).toBe('partial');
  });

  it('accepts an empty warnings list', async () => {
    stub.handle(() => vector([], { warnings: [] }));
    expect(await source().instantQuery('x', AT)).toEqual({ kind: 'vector', samples: [] });
  });
});

describe('error classes', () => {
  const cases: { name: string; answer: StubResponse; kind: MetricsErrorKind; retryable: boolean; text: string }[] = [
    {
      name: '400 bad_data JSON',
      answer: { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis' } },
      kind: 'bad_data', retryable: false, text: 'unclosed left parenthesis',
    },
    {
      name: '422 execution JSON',
      answer: { status: 422, body: { status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed: matching labels must be unique on one side' } },
      kind: 'execution', retryable: false, text: 'many-to-many matching',
    },
    {
      name: '503 timeout JSON',
      answer: { status: 503, body: { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' } },
      kind: 'timeout', retryable: true, text: 'query timed out',
    },
    {
      name: '503 canceled JSON',
      answer: { status: 503, body: { status: 'error', errorType: 'canceled', error: 'query was canceled in expression evaluation' } },
      kind: 'timeout', retryable: true, text: 'canceled',
    },
    {
      name: '422 execution that is really a timeout (series expansion ran out of time)',
      answer: { status: 422, body: { status: 'error', errorType: 'execution', error: 'expanding series: context deadline exceeded' } },
      kind: 'timeout', retryable: true, text: 'context deadline exceeded',
    },
    { name: '503 plain text during start-up', answer: { status: 503, body: 'Service Unavailable' }, kind: 'unavailable', retryable: true, text: 'Service Unavailable' },
    {
      name: '500 internal JSON',
      answer: { status: 500, body: { status: 'error', errorType: 'internal', error: 'expanding series: storage error' } },
      kind: 'server', retryable: true, text: 'storage error',
    },
    { name: '502 from a proxy, HTML', answer: { status: 502, body: '<html><body>Bad Gateway</body></html>' }, kind: 'server', retryable: true, text: 'Bad Gateway' },
    { name: '404 plain text', answer: { status: 404, body: '404 page not found\n' }, kind: 'not_found', retryable: false, text: 'path prefix' },
    { name: '401', answer: { status: 401, body: 'Unauthorized' }, kind: 'auth', retryable: false, text: 'credentials' },
    { name: '403', answer: { status: 403, body: 'Forbidden' }, kind: 'auth', retryable: false, text: 'credentials' },
    { name: '405 plain text', answer: { status: 405, body: 'Method Not Allowed' }, kind: 'http', retryable: false, text: 'POST' },
    { name: '429', answer: { status: 429, body: 'too many requests', headers: { 'Retry-After': '7' } }, kind: 'rate_limited', retryable: true, text: 'rate-limiting' },
    { name: '302 redirect', answer: { status: 302, body: '', headers: { Location: 'https://user:pw@login.example/sso?token=abc' } }, kind: 'http', retryable: false, text: 'https://login.example/sso' },
    { name: '200 HTML login page', answer: { status: 200, body: '<!doctype html><title>Sign in</title>' }, kind: 'invalid_response', retryable: false, text: 'not a Prometheus API response' },
    { name: '200 with a malformed result', answer: { status: 200, body: { status: 'success', data: { resultType: 'vector', result: 'nope' } } }, kind: 'invalid_response', retryable: false, text: 'not a query result' },
    { name: '200 with an empty body', answer: { status: 200, body: '' }, kind: 'invalid_response', retryable: false, text: '(empty)' },
  ];

  it.each(cases)('$name -> $kind', async ({ answer, kind, retryable, text }) => {
    stub.handle(() => answer);
    const err = await failure(source().instantQuery('sum(rate(http_requests_total[5m]))', AT));
    expect(err.kind).toBe(kind);
    expect(err.retryable).toBe(retryable);
    expect(err.status).toBe(answer.status ?? 200);
    expect(err.message).toContain(text);
    expect(err.message).toContain(`${stub.url}/api/v1/query`);
    expect(err.message).toContain('sum(rate(http_requests_total[5m]))');
  });

  it('carries Retry-After of a 429 in ms', async () => {
    stub.handle(() => ({ status: 429, body: '', headers: { 'Retry-After': '7' } }));
    expect((await failure(source().instantQuery('x', AT))).retryAfterMs).toBe(7000);
  });

  it('keeps the Prometheus errorType', async () => {
    stub.handle(() => ({ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'x' } }));
    expect((await failure(source().instantQuery('x', AT))).errorType).toBe('bad_data');
  });

  it('truncates a long query in the message', async () => {
    stub.handle(() => ({ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'bad' } }));
    const long = `sum(${'a_very_long_metric_name + '.repeat(100)}1)`;
    const err = await failure(source().instantQuery(long, AT));
    expect(err.message.length).toBeLessThan(1200);
    expect(err.message).toContain('…');
  });

  it('reports a closed port as a retryable network error naming the URL', async () => {
    const port = await freePort();
    const s = new PrometheusSource({ url: `http://127.0.0.1:${port}` });
    sources.push(s);
    const err = await failure(s.instantQuery('up', AT));
    expect(err.kind).toBe('network');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`http://127.0.0.1:${port}/api/v1/query`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('gives up at its own time limit with a retryable client_timeout', async () => {
    stub.handle(() => ({ delayMs: 600_000, body: { status: 'success', data: { resultType: 'vector', result: [] } } }));
    const querying = failure(source({ timeoutMs: 200 }).instantQuery('x', AT));
    await eventually(() => stub.requests.length === 1);
    expect(deadlines.waiting).toEqual([200]);
    deadlines.fire();
    const err = await querying;
    expect(err.kind).toBe('client_timeout');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('within 200 ms');
  });

  it('honours the caller\'s AbortSignal', async () => {
    stub.handle(() => ({ delayMs: 600_000, body: { status: 'success', data: { resultType: 'vector', result: [] } } }));
    const controller = new AbortController();
    const querying = failure(source().instantQuery('x', AT, { signal: controller.signal }));
    await eventually(() => stub.requests.length === 1);
    controller.abort();
    const err = await querying;
    expect(err.kind).toBe('client_timeout');
    expect(err.message).toContain('aborted');

    const already = AbortSignal.abort();
    const count = stub.requests.length;
    expect((await failure(source().instantQuery('x', AT, { signal: already }))).kind).toBe('client_timeout');
    expect(stub.requests.length).toBe(count);
  });
});

describe('requests', () => {
  it('POSTs a form-encoded query with time in unix seconds and the partial-response flags', async () => {
    stub.handle(() => vector([]));
    const query = 'sum(rate(http_requests_total{code=~"5..",path="/a&b+c"}[5m])) / 2';
    await source({ timeoutMs: 30_000 }).instantQuery(query, new Date(1795485600123));
    // A request an earlier test aborted can reach the stub late on a loaded machine: pick this test's by its time.
    const mine = stub.requests.filter((r) => r.form.get('time') === '1795485600.123');
    expect(mine).toHaveLength(1);
    const req = mine[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/v1/query');
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(req.form.get('query')).toBe(query);
    expect(req.form.get('time')).toBe('1795485600.123');
    expect(req.form.get('timeout')).toBe('29s');
    expect(req.form.get('partial_response')).toBe('false');
    expect(req.form.get('deny_partial_response')).toBe('1');
    expect(req.form.has('stats')).toBe(false);
  });

  it('leaves out the partial-response flags when disabled and sends extra params', async () => {
    stub.handle(() => vector([]));
    await source({ denyPartialResponse: { thanos: false, victoriaMetrics: false }, params: { nocache: '1' } }).instantQuery('x', AT);
    const form = stub.requests[0]!.form;
    expect(form.has('partial_response')).toBe(false);
    expect(form.has('deny_partial_response')).toBe(false);
    expect(form.get('nocache')).toBe('1');
  });

  it('puts the path prefix between the URL and /api/v1', async () => {
    stub.handle(() => vector([]));
    const s = source({ url: `${stub.url}/`, pathPrefix: '/select/0/prometheus' });
    await s.instantQuery('x', AT);
    expect(stub.requests[0]?.url).toBe('/select/0/prometheus/api/v1/query');
    expect(s.url).toBe(`${stub.url}/select/0/prometheus`);
  });

  it('sends extra headers such as X-Scope-OrgID', async () => {
    stub.handle(() => vector([]));
    await source({ headers: { 'X-Scope-OrgID': 'tenant-1' } }).instantQuery('x', AT);
    expect(stub.requests[0]?.headers['x-scope-orgid']).toBe('tenant-1');
  });

  it('sends basic auth from the options and from user:password@ in the URL', async () => {
    stub.handle(() => vector([]));
    await source({ basicAuth: { username: 'alice', password: 'p@ss:word' } }).instantQuery('x', AT);
    expect(stub.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('alice:p@ss:word').toString('base64')}`);

    const withUserInfo = source({ url: stub.url.replace('http://', 'http://bob:hunter2@') });
    await withUserInfo.instantQuery('x', AT);
    expect(stub.requests[1]?.headers.authorization).toBe(`Basic ${Buffer.from('bob:hunter2').toString('base64')}`);
    expect(withUserInfo.url).toBe(stub.url);
  });

  it('sends a bearer token, reading a token function on every request', async () => {
    stub.handle(() => vector([]));
    let n = 0;
    const s = source({ bearerToken: () => `token-${++n}` });
    await s.instantQuery('x', AT);
    await s.instantQuery('x', AT);
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('reports an unreadable token as auth without sending anything', async () => {
    const s = source({ bearerToken: () => { throw new Error('ENOENT: no such file /run/secrets/token'); } });
    const err = await failure(s.instantQuery('x', AT));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('/run/secrets/token');
    expect(stub.requests).toHaveLength(0);
  });
});

describe('credentials never appear in errors', () => {
  const TOKEN = 'tok-9f8e7d6c5b4a';
  const PASSWORD = 'pw-0a1b2c3d4e';
  // The time limit is over before the answer comes: a deadline that has already fired.
  const expired = (): AbortSignal => AbortSignal.abort(new DOMException('time limit', 'TimeoutError'));
  const failures: { name: string; answer?: StubResponse; deadline?: Deadline; kind: MetricsErrorKind }[] = [
    { name: '401', answer: { status: 401, body: 'Unauthorized' }, kind: 'auth' },
    { name: '404', answer: { status: 404, body: '404 page not found' }, kind: 'not_found' },
    { name: '400', answer: { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' } }, kind: 'bad_data' },
    { name: 'warnings', answer: vector([], { warnings: ['partial'] }), kind: 'partial' },
    { name: 'client timeout', answer: { delayMs: 600_000, body: '' }, deadline: expired, kind: 'client_timeout' },
    { name: 'network', kind: 'network' },
  ];

  function assertClean(err: MetricsSourceError, secrets: readonly string[]): void {
    const renderings = [err.message, String(err), inspect(err, { depth: Infinity, showHidden: true }), JSON.stringify(err), err.stack ?? '', err.url];
    for (const text of renderings) for (const secret of secrets) expect(text).not.toContain(secret);
  }

  it.each(failures)('$name, bearer token', async ({ answer, deadline, kind }) => {
    const url = answer === undefined ? `http://127.0.0.1:${await freePort()}` : stub.url;
    if (answer !== undefined) stub.handle(() => answer);
    const s = source({ url, bearerToken: TOKEN, timeoutMs: 200, ...(deadline === undefined ? {} : { deadline }) });
    const err = await failure(s.instantQuery('x', AT));
    expect(err.kind).toBe(kind);
    assertClean(err, [TOKEN]);
  });

  it.each(failures)('$name, basic auth in the URL and in the options', async ({ answer, deadline, kind }) => {
    const base = answer === undefined ? `http://127.0.0.1:${await freePort()}` : stub.url;
    if (answer !== undefined) stub.handle(() => answer);
    const inUrl = source({ url: base.replace('http://', `http://carol:${PASSWORD}@`), timeoutMs: 200, ...(deadline === undefined ? {} : { deadline }) });
    const fromUrl = await failure(inUrl.instantQuery('x', AT));
    expect(fromUrl.kind).toBe(kind);
    assertClean(fromUrl, [PASSWORD, 'carol:']);
    const inOptions = source({ url: base, basicAuth: { username: 'dave', password: PASSWORD }, timeoutMs: 200, ...(deadline === undefined ? {} : { deadline }) });
    const fromOptions = await failure(inOptions.instantQuery('x', AT));
    expect(fromOptions.kind).toBe(kind);
    assertClean(fromOptions, [PASSWORD, Buffer.from(`dave:${PASSWORD}`).toString('base64')]);
  });
});

describe('range queries', () => {
  /** Answers query_range like Prometheus would for a series whose value at t (seconds) is t / 10. */
  function evaluateRange(): (req: { form: URLSearchParams }) => StubResponse {
    return ({ form }) => {
      const start = Number(form.get('start'));
      const end = Number(form.get('end'));
      const step = Number(form.get('step'));
      const values: [number, string][] = [];
      for (let t = start; t <= end + 1e-9; t += step) values.push([Math.round(t * 1000) / 1000, String(Math.round(t) / 10)]);
      return {
        body: {
          status: 'success',
          data: { resultType: 'matrix', result: [{ metric: { job: 'a' }, values }], stats: { samples: { totalQueryableSamples: values.length, peakSamples: 5 } } },
        },
      };
    };
  }

  it('splits a long range into requests of at most maxPoints points and merges them', async () => {
    stub.handle(evaluateRange());
    const start = new Date(1_800_000_000_000);
    const end = new Date(1_800_000_000_000 + 24 * 60_000); // 25 points at 1m
    const result = await source({ maxPointsPerRequest: 10 }).rangeQuery('x', start, end, 60_000, { stats: true });
    expect(stub.requests).toHaveLength(3);
    const bounds = stub.requests.map((r) => [r.form.get('start'), r.form.get('end'), r.form.get('step')]);
    expect(bounds).toEqual([
      ['1800000000.000', '1800000540.000', '60.000'],
      ['1800000600.000', '1800001140.000', '60.000'],
      ['1800001200.000', '1800001440.000', '60.000'],
    ]);
    expect(result.series).toHaveLength(1);
    const expected = Array.from({ length: 25 }, (_, i) => [1_800_000_000_000 + i * 60_000, (1_800_000_000 + i * 60) / 10]);
    expect(result.series[0]?.points).toEqual(expected);
    expect(result.stats).toEqual({ totalQueryableSamples: 25, peakSamples: 5 });
  });

  it('sends a range within the limit as one request', async () => {
    stub.handle(evaluateRange());
    const start = new Date(1_800_000_000_000);
    await source().rangeQuery('x', start, new Date(start.getTime() + 10_999 * 1000), 1000);
    expect(stub.requests).toHaveLength(1);
  });

  it('rejects a non-positive step without asking the backend', async () => {
    const err = await failure(source().rangeQuery('x', AT, AT, 0));
    expect(err.kind).toBe('bad_data');
    expect(stub.requests).toHaveLength(0);
  });
});

describe('raw samples', () => {
  /** A stored series (one sample every 15 s) served like Prometheus 2.42 serves `x[range]`: samples in [time - range, time]. */
  const T0 = 1_800_000_000_000;
  const stored: [number, number][] = Array.from({ length: 200 }, (_, i) => [T0 + i * 15_000, i * 3]);

  function serveRangeSelector(): (req: { form: URLSearchParams }) => StubResponse {
    return ({ form }) => {
      const match = /^x\[(\d+)([hms])\]$/.exec(form.get('query') ?? '');
      if (!match) return { status: 400, body: { status: 'error', errorType: 'bad_data', error: `unexpected query ${form.get('query')}` } };
      const unit = { h: 3_600_000, m: 60_000, s: 1000 }[match[2] as 'h' | 'm' | 's'];
      const rangeMs = Number(match[1]) * unit;
      const time = Math.round(Number(form.get('time')) * 1000);
      const values = stored.filter(([t]) => t >= time - rangeMs && t <= time).map(([t, v]) => [t / 1000, String(v)]);
      return { body: { status: 'success', data: { resultType: 'matrix', result: values.length === 0 ? [] : [{ metric: { __name__: 'x' }, values }] } } };
    };
  }

  it('returns exactly the stored samples in (start, end] across chunk boundaries', async () => {
    stub.handle(serveRangeSelector());
    const start = T0 + 10 * 15_000; // a sample sits exactly at start: excluded
    const end = T0 + 130 * 15_000; // and one at end: included
    const result = await source().rawSamples('x', new Date(start), new Date(end), { chunkMs: 5 * 60_000 });
    expect(stub.requests).toHaveLength(6); // 30 min in 5 min chunks
    expect(stub.requests[0]?.form.get('query')).toBe('x[5m]');
    expect(stub.requests[0]?.form.get('time')).toBe(((start + 5 * 60_000) / 1000).toFixed(3));
    expect(result.series).toHaveLength(1);
    expect(result.series[0]?.points).toEqual(stored.filter(([t]) => t > start && t <= end));
  });

  it('uses one request when the range fits in a chunk', async () => {
    stub.handle(serveRangeSelector());
    const result = await source().rawSamples('x', new Date(T0), new Date(T0 + 60 * 60_000));
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]?.form.get('query')).toBe('x[1h]');
    expect(result.series[0]?.points).toEqual(stored.slice(1)); // all but the sample exactly at start
  });

  it('refuses a selector that already has a range', async () => {
    const err = await failure(source().rawSamples('x[5m]', new Date(T0), new Date(T0 + 1000)));
    expect(err.kind).toBe('bad_data');
    expect(stub.requests).toHaveLength(0);
  });
});

describe('readiness and build info', () => {
  it('is ready on 200 and not ready on 503 or a closed port', async () => {
    stub.handle(() => ({ body: 'Prometheus Server is Ready.\n' }));
    expect(await source().ready()).toBe(true);
    expect(stub.requests[0]?.url).toBe('/-/ready');
    expect(stub.requests[0]?.method).toBe('GET');

    stub.handle(() => ({ status: 503, body: 'Service Unavailable' }));
    expect(await source().ready()).toBe(false);

    const closed = new PrometheusSource({ url: `http://127.0.0.1:${await freePort()}` });
    sources.push(closed);
    expect(await closed.ready()).toBe(false);
  });

  it('asks the configured ready path at the root, not under the path prefix (Mimir /ready)', async () => {
    stub.handle(() => ({ body: 'ready' }));
    await source({ pathPrefix: '/prometheus', readyPath: '/ready' }).ready();
    expect(stub.requests[0]?.url).toBe('/ready');
  });

  it('throws instead of answering "not ready" forever when the path or credentials are wrong', async () => {
    stub.handle(() => ({ status: 404, body: '404 page not found' }));
    expect((await failure(source().ready())).kind).toBe('not_found');
    stub.handle(() => ({ status: 401, body: 'Unauthorized' }));
    expect((await failure(source().ready())).kind).toBe('auth');
  });

  it('reads build info and tells Prometheus by its Go build fields', async () => {
    stub.handle(() => ({ body: { status: 'success', data: { version: '2.42.0+ds', revision: '2.42.0+ds-5+deb12u1', goVersion: 'go1.19.8' } } }));
    expect(await source({ pathPrefix: '/prometheus' }).buildInfo()).toEqual({ kind: 'prometheus', version: '2.42.0+ds', revision: '2.42.0+ds-5+deb12u1' });
    expect(stub.requests[0]?.url).toBe('/prometheus/api/v1/status/buildinfo');
  });

  it.each([
    ['VictoriaMetrics without a version (Debian build)', { data: {}, headers: { 'X-Server-Hostname': 'vm' } }, { kind: 'victoriametrics', version: 'unknown' }],
    ['VictoriaMetrics with a version', { data: { version: '1.93.4' }, headers: { 'X-Server-Hostname': 'vm-0' } }, { kind: 'victoriametrics', version: '1.93.4' }],
    ['Grafana Mimir', { data: { application: 'Grafana Mimir', version: 'r249-5bedc7a1', revision: '5bedc7a1', goVersion: 'go1.20.5' }, headers: {} }, { kind: 'mimir', version: 'r249-5bedc7a1', revision: '5bedc7a1' }],
    ['something else', { data: { version: '1.0' }, headers: {} }, { kind: 'unknown', version: '1.0' }],
  ])('tells %s from its build info', async (_what, answer, expected) => {
    stub.handle(() => ({ headers: answer.headers, body: { status: 'success', data: answer.data } }));
    expect(await source().buildInfo()).toEqual(expected);
  });
});

describe('requests in flight', () => {
  /** A server that holds every query until told to answer, counting how many it holds at once. */
  async function holdingServer(): Promise<{ url: string; held: () => number; most: () => number; answerAll: () => void; close: () => Promise<void> }> {
    const waiting: (() => void)[] = [];
    let most = 0;
    const server = createServer((req, res) => {
      req.resume();
      waiting.push(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      });
      most = Math.max(most, waiting.length);
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${port}`,
      held: () => waiting.length,
      most: () => most,
      answerAll: () => { for (const answer of waiting.splice(0)) answer(); },
      close: () => new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
    };
  }

  /** Waits until the server holds n queries, then lets more arrive if the client would send them. */
  async function heldReaches(server: { held: () => number }, n: number): Promise<void> {
    for (let i = 0; i < 2000 && server.held() < n; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 100));
    expect(server.held()).toBe(n);
  }

  it.each([[undefined, 4], [2, 2]])('sends at most maxConcurrentRequests (%s) queries at once and the rest in turn', async (limit, expected) => {
    const server = await holdingServer();
    try {
      const s = new PrometheusSource({ url: server.url, ...(limit === undefined ? {} : { maxConcurrentRequests: limit }), timeoutMs: 60_000 });
      sources.push(s);
      const all = Promise.all(Array.from({ length: 10 }, (_, i) => s.instantQuery(`up{i="${i}"}`, AT)));
      let answered = 0;
      while (answered < 10) {
        await heldReaches(server, Math.min(expected, 10 - answered));
        answered += server.held();
        server.answerAll();
      }
      expect(await all).toHaveLength(10);
      expect(server.most()).toBe(expected);
    } finally {
      await server.close();
    }
  });
});

describe('answer size', () => {
  /** A server that streams `bytes` of a valid-looking matrix answer (or endlessly), counting what it wrote. */
  async function streamingServer(bytes: number): Promise<{ url: string; written: () => number; close: () => Promise<void> }> {
    let written = 0;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const head = '{"status":"success","data":{"resultType":"matrix","result":[';
      const series = `{"metric":{"__name__":"x","pad":"${'p'.repeat(1000)}"},"values":[[1800000000,"1"]]}`;
      res.write(head);
      written += head.length;
      let first = true;
      const pump = (): void => {
        while (written < bytes) {
          const chunk = `${first ? '' : ','}${series}`.repeat(first ? 1 : 64);
          first = false;
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end(']}}');
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${port}`,
      written: () => written,
      close: () => new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
    };
  }

  it('refuses a 50 MB answer with the default limit, naming the query, the limit and the setting', async () => {
    const server = await streamingServer(50 * 1024 * 1024);
    try {
      const s = new PrometheusSource({ url: server.url });
      sources.push(s);
      const err = await failure(s.instantQuery('sum by (pod) (container_memory_working_set_bytes)', AT));
      expect(err.kind).toBe('too_large');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('sum by (pod) (container_memory_working_set_bytes)');
      expect(err.message).toContain('8 MiB');
      expect(err.message).toContain('prometheus.maxResponseSize');
      // The client stopped reading at the limit: the server never got to write the 50 MB.
      expect(server.written()).toBeLessThan(40 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  it('stops reading an endless answer at maxResponseBytes', async () => {
    const server = await streamingServer(Number.MAX_SAFE_INTEGER);
    try {
      const s = new PrometheusSource({ url: server.url, maxResponseBytes: 1024 * 1024 });
      sources.push(s);
      const err = await failure(s.instantQuery('x', AT));
      expect(err.kind).toBe('too_large');
      expect(err.message).toContain('1 MiB');
    } finally {
      await server.close();
    }
  });

  /** Pads an answer with a junk series when `big` says so, to push it over a 64 KiB limit. */
  function padded(inner: (req: { form: URLSearchParams }) => StubResponse, big: (form: URLSearchParams) => boolean): (req: { form: URLSearchParams }) => StubResponse {
    return (req) => {
      const answer = inner(req);
      if (!big(req.form)) return answer;
      const body = answer.body as { data: { result: unknown[] } };
      body.data.result.push({ metric: { __name__: 'pad', pad: 'p'.repeat(100 * 1024) }, values: [] });
      return answer;
    };
  }

  const T0 = 1_800_000_000_000;
  const stored: [number, number][] = Array.from({ length: 200 }, (_, i) => [T0 + i * 15_000, i * 3]);
  function serveRangeSelector(): (req: { form: URLSearchParams }) => StubResponse {
    return ({ form }) => {
      const match = /^x\[(\d+)([hms])\]$/.exec(form.get('query') ?? '');
      const unit = { h: 3_600_000, m: 60_000, s: 1000 }[(match?.[2] ?? 's') as 'h' | 'm' | 's'];
      const rangeMs = Number(match?.[1]) * unit;
      const time = Math.round(Number(form.get('time')) * 1000);
      const values = stored.filter(([t]) => t >= time - rangeMs && t <= time).map(([t, v]) => [t / 1000, String(v)]);
      return { body: { status: 'success', data: { resultType: 'matrix', result: values.length === 0 ? [] : [{ metric: { __name__: 'x' }, values }] } } };
    };
  }

  it('splits a raw-samples range whose answer is too large into halves until they fit, and merges them', async () => {
    // Ranges over 10 minutes answer too much: a 40-minute chunk goes 40 -> 20 -> 10 + 10.
    stub.handle(padded(serveRangeSelector(), (form) => !/^x\[(\d+s|[1-9]m|10m)\]$/.test(form.get('query') ?? '')));
    const start = T0 + 10 * 15_000;
    const end = start + 40 * 60_000;
    const split: string[] = [];
    const s = source({ maxResponseBytes: 64 * 1024, onAnswerTooLarge: (info) => split.push(`${info.query} ${info.when}`) });
    const result = await s.rawSamples('x', new Date(start), new Date(end));
    expect(stub.requests.map((r) => r.form.get('query'))).toEqual(['x[40m]', 'x[20m]', 'x[10m]', 'x[10m]', 'x[20m]', 'x[10m]', 'x[10m]']);
    expect(result.series.map((x) => x.labels)).toEqual([{ __name__: 'x' }]);
    expect(result.series[0]?.points).toEqual(stored.filter(([t]) => t > start && t <= end));
    expect(split).toHaveLength(3);
    expect(split[0]).toContain('x[40m]');
  });

  it('splits a range query whose answer is too large on its step grid and merges the halves', async () => {
    const evaluate = ({ form }: { form: URLSearchParams }): StubResponse => {
      const values: [number, string][] = [];
      for (let t = Number(form.get('start')); t <= Number(form.get('end')) + 1e-9; t += Number(form.get('step'))) values.push([t, String(t / 10)]);
      return { body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: { job: 'a' }, values }] } } };
    };
    // More than 6 points answer too much: 25 -> 13 + 12, 13 -> 7 + 6, 7 -> 4 + 3, 12 -> 6 + 6 (depth first).
    stub.handle(padded(evaluate, (form) => (Number(form.get('end')) - Number(form.get('start'))) / Number(form.get('step')) + 1 > 6));
    const start = new Date(T0);
    const end = new Date(T0 + 24 * 60_000);
    const result = await source({ maxResponseBytes: 64 * 1024 }).rangeQuery('x', start, end, 60_000);
    const expected = Array.from({ length: 25 }, (_, i) => [T0 + i * 60_000, (T0 / 1000 + i * 60) / 10]);
    expect(result.series.map((x) => x.labels)).toEqual([{ job: 'a' }]);
    expect(result.series[0]?.points).toEqual(expected);
    const answered = stub.requests.map((r) => (Number(r.form.get('end')) - Number(r.form.get('start'))) / 60 + 1);
    expect(answered).toEqual([25, 13, 7, 4, 3, 6, 12, 6, 6]);
  });

  it('gives up with too_large when a piece cannot be split any further, saying what to do', async () => {
    stub.handle(padded(serveRangeSelector(), () => true));
    const err = await failure(source({ maxResponseBytes: 64 * 1024 }).rawSamples('x', new Date(T0), new Date(T0 + 4 * 60_000)));
    expect(err.kind).toBe('too_large');
    // 4 m -> 2 m -> 1 m: a minute is not split.
    expect(stub.requests.map((r) => r.form.get('query'))).toEqual(['x[4m]', 'x[2m]', 'x[1m]']);
    expect(err.message).toContain('x[1m]');
    expect(err.message).toMatch(/fewer series|recording rule/);
    expect(err.message).toContain('prometheus.maxResponseSize');
  });
});
