import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createSelfMetrics } from './self-metrics.js';
import { UnavailableError } from './view.js';
import { parseExposition, seriesKey, seriesOf } from './exposition.fixture.js';
import { FakeView, NOW } from './fake-view.fixture.js';
import type { BurnwatchServer } from './server.js';
import { createServer } from './server.js';
import type { LogLine } from '../../test/support/logger.js';
import { recordingLogger, silentLogger } from '../../test/support/logger.js';

const TOKEN = 's3cret-token-value';

interface Started {
  readonly base: string;
  readonly port: number;
  readonly view: FakeView;
  readonly logs: LogLine[];
}

const servers: BurnwatchServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: { apiToken?: string; view?: FakeView } = {}): Promise<Started> {
  const view = options.view ?? new FakeView();
  const { logger, lines: logs } = recordingLogger();
  const server = createServer(view, createSelfMetrics({ version: '1.2.3', now: () => NOW }), { logger, ...(options.apiToken === undefined ? {} : { apiToken: options.apiToken }) });
  servers.push(server);
  const { port } = await server.listen('127.0.0.1', 0);
  return { base: `http://127.0.0.1:${port}`, port, view, logs };
}

/** A JSON response body, typed by the caller for the fields a test reads. */
async function json<T = unknown>(res: Response): Promise<T> {
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await res.json()) as T;
}

interface ErrorBody {
  error: string;
  hint?: string;
  problems: { field: string; message: string; hint: string }[];
}

interface InstanceBody {
  windows: Record<string, number | null>;
  budget: Record<string, unknown>;
  tiers: Record<string, unknown>;
  alerts: Record<string, string>;
  currentBurnRate: number | null;
}

interface SloBody {
  instances: InstanceBody[];
  history: unknown[];
}

const auth = { Authorization: `Bearer ${TOKEN}` };

function post(base: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${base}/api/v1/silences`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

describe('health endpoints', () => {
  it('GET /healthz answers 200 ok', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('ok\n');
  });

  it('HEAD /healthz answers 200 without a body', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it.each([
    { ready: true, status: 200 },
    { ready: false, status: 503 },
  ])('GET /readyz answers $status when ready is $ready, with the checks', async ({ ready, status }) => {
    const { base, view } = await start();
    const checks = { slos: { ok: true, detail: '2 SLOs loaded' }, database: { ok: true, detail: 'open' }, cycle: { ok: ready, detail: ready ? 'last successful cycle 3 s ago' : 'no successful evaluation cycle yet' } };
    view.readinessValue = { ready, checks };
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(status);
    expect(await json(res)).toEqual({ ready, checks });
  });
});

describe('GET /api/v1/cluster', () => {
  it('shows this replica, the live replicas with their shards, and the shard of every loaded SLO', async () => {
    const { base, view } = await start();
    view.clusterValue = {
      replica: 'pod-b',
      shardCount: 64,
      replicas: [{ id: 'pod-a', shards: [0, 1, 2] }, { id: 'pod-b', shards: [3, 20, 31] }],
      session: { ok: true, detail: 'lock session open' },
      shardsHeld: 3,
      lockLosses: 0,
      failovers: 0,
    };
    const res = await fetch(`${base}/api/v1/cluster`);
    expect(res.status).toBe(200);
    // FNV-1a 32 of the UTF-8 id, mod 64, computed outside burnwatch: checkout-availability 31, api-latency 20.
    expect(await json(res)).toEqual({
      replica: 'pod-b',
      shardCount: 64,
      replicas: [{ id: 'pod-a', shards: [0, 1, 2] }, { id: 'pod-b', shards: [3, 20, 31] }],
      slos: { 'api-latency': 20, 'checkout-availability': 31 },
    });
  });

  it('on SQLite shows one replica holding all 64 shards', async () => {
    const { base } = await start();
    const body = await json<{ replica: string; replicas: { id: string; shards: number[] }[] }>(await fetch(`${base}/api/v1/cluster`));
    expect(Object.keys(body)).toEqual(['replica', 'shardCount', 'replicas', 'slos']);
    expect(body.replicas).toEqual([{ id: 'replica-1', shards: Array.from({ length: 64 }, (_, i) => i) }]);
  });
});

describe('GET /metrics', () => {
  it('serves the text format with per-SLO and self-metrics refreshed from the view', async () => {
    const { base, view } = await start();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const e = parseExposition(await res.text());
    expect(seriesOf(e, 'burnwatch_slo_budget_remaining_ratio').get(seriesKey({ slo: 'api-latency', service: 'api', slo_instance: 'route="/cart"' }))).toBe(-0.1);
    expect(seriesOf(e, 'burnwatch_build_info').get(seriesKey({ version: '1.2.3' }))).toBe(1);
    expect(e.types.get('process_cpu_seconds_total')).toBe('counter');

    view.statuses = view.statuses.slice(0, 1);
    view.healthValue = { ...view.healthValue, slosLoaded: 1 };
    const again = parseExposition(await (await fetch(`${base}/metrics`)).text());
    expect(seriesOf(again, 'burnwatch_slo_up').size).toBe(1);
    expect(seriesOf(again, 'burnwatch_slos_loaded').get('{}')).toBe(1);
  });
});

describe('GET /api/v1/slos', () => {
  it('lists every SLO by id with objective, period, state and per-instance budget and alert states', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/api/v1/slos`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual([
      {
        id: 'api-latency',
        service: 'api',
        displayName: 'API latency',
        objective: 99.5,
        period: { kind: 'calendar', unit: 'month', timezone: 'UTC', seconds: 2_592_000 },
        state: 'ok',
        evaluatedAt: '2026-03-10T12:00:00.000Z',
        instances: [
          { labels: { route: '/cart' }, budgetRemaining: -0.1, noData: false, alerts: { page: 'firing', ticket: 'inactive', exhaustion: 'firing' } },
          { labels: { route: '/pay' }, budgetRemaining: 1, noData: true, alerts: { page: 'nodata', ticket: 'nodata', exhaustion: 'inactive' } },
        ],
        // /cart is overspent: the release gate is frozen (no policy: frozen when exhausted).
        gate: { state: 'frozen', freezeBelow: 0, thresholdFrom: 'default' },
      },
      {
        id: 'checkout-availability',
        service: 'checkout',
        objective: 99.9,
        period: { kind: 'rolling', duration: '30d', seconds: 2_592_000 },
        state: 'ok',
        evaluatedAt: '2026-03-10T12:00:00.000Z',
        instances: [{ labels: {}, budgetRemaining: 0.75, noData: false, alerts: { page: 'inactive', ticket: 'pending', nodata: 'inactive' } }],
        gate: { state: 'allowed', freezeBelow: 0, thresholdFrom: 'default' },
      },
    ]);
  });

  it('shows a waiting SLO with no evaluation time and no instances', async () => {
    const { base, view } = await start();
    view.statuses = [{ slo: view.statuses[0]!.slo, state: 'waiting', instances: [] }];
    const [slo] = await json<unknown[]>(await fetch(`${base}/api/v1/slos`));
    expect(slo).toMatchObject({ id: 'checkout-availability', state: 'waiting', evaluatedAt: null, instances: [], gate: { state: 'unknown' } });
  });
});

describe('GET /api/v1/slos/:id', () => {
  it('gives windows, burn rates, budget, tiers with thresholds and active flags, alert states and history', async () => {
    const { base, view } = await start();
    view.historyList = Array.from({ length: 150 }, (_, i) => ({ alertKey: 'checkout-availability/{}/ticket', sloId: 'checkout-availability', atMs: NOW - i * 60_000, from: i % 2 === 0 ? 'inactive' : 'pending', to: i % 2 === 0 ? 'pending' : 'inactive' }));
    const res = await fetch(`${base}/api/v1/slos/checkout-availability`);
    expect(res.status).toBe(200);
    const body = await json<SloBody>(res);
    expect(body).toMatchObject({
      id: 'checkout-availability',
      slo: 'checkout-availability',
      service: 'checkout',
      objective: 99.9,
      state: 'ok',
      period: { kind: 'rolling', duration: '30d', seconds: 2_592_000 },
      groupBy: [],
      source: { file: 'slos/checkout-availability.yaml', line: 4, location: 'slos/checkout-availability.yaml:4', format: 'burnwatch/v1' },
      tiers: [
        { name: 'page-1h-5m', severity: 'page', longWindow: '1h', shortWindow: '5m', threshold: 14.4, for: '0s' },
        { name: 'page-6h-30m', severity: 'page', longWindow: '6h', shortWindow: '30m', threshold: 6, for: '0s' },
        { name: 'ticket-1d-2h', severity: 'ticket', longWindow: '1d', shortWindow: '2h', threshold: 3, for: '0s' },
        { name: 'ticket-3d-6h', severity: 'ticket', longWindow: '3d', shortWindow: '6h', threshold: 1, for: '0s' },
      ],
    });
    const inst = body.instances[0]!;
    expect(inst.windows).toEqual({ '1h': 2.5, '5m': 3.1, '6h': 1.2, '30m': 2, '1d': 0.8, '2h': 1.5, '3d': 0.5 });
    expect(inst.budget).toMatchObject({ remaining: 0.75, timeToExhaustionSeconds: 648_000 });
    expect(inst.tiers['page-1h-5m']).toEqual({ severity: 'page', longWindow: '1h', shortWindow: '5m', long: 2.5, short: 3.1, threshold: 14.4, active: false, longEvents: 5000 });
    expect(inst.alerts).toEqual({ page: 'inactive', ticket: 'pending', nodata: 'inactive' });
    expect(view.historyCalls).toEqual([{ sloId: 'checkout-availability', limit: 100 }]);
    expect(body.history).toHaveLength(100);
    expect(body.history[0]).toEqual({ alert: 'checkout-availability/{}/ticket', at: '2026-03-10T12:00:00.000Z', from: 'inactive', to: 'pending' });
  });

  it('marks active tiers and writes numbers that are not finite as null', async () => {
    const { base } = await start();
    const body = await json<SloBody>(await fetch(`${base}/api/v1/slos/api-latency`));
    const [cart, pay] = [body.instances[0]!, body.instances[1]!];
    expect(cart.tiers['page-1h-5m']).toMatchObject({ long: 20, short: 18, threshold: 14.4, active: true });
    expect(cart.budget.timeToExhaustionSeconds).toBe(0);
    // /pay has no data: NaN burn rates and error ratio.
    expect(pay.windows).toEqual({ '1h': null, '5m': null, '1d': null, '2h': null });
    expect(pay.tiers['page-1h-5m']).toMatchObject({ long: null, short: null, active: false });
    expect(pay.budget).toMatchObject({ errorRatio: null, timeToExhaustionSeconds: null, remaining: 1 });
    expect(pay.currentBurnRate).toBeNull();
  });

  it('decodes percent-encoded ids', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/api/v1/slos/api%2Dlatency`)).status).toBe(200);
  });

  it.each([
    ['/api/v1/slos/nope', 404, 'no SLO with id "nope"'],
    ['/api/v1/slos/%E0%A4%A', 400, 'the path segment "%E0%A4%A" is not valid percent-encoding'],
  ])('GET %s answers %d with a JSON error and a hint', async (path, status, error) => {
    const { base } = await start();
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(status);
    const body = await json<ErrorBody>(res);
    expect(body.error).toBe(error);
    expect(body.hint).toEqual(expect.any(String));
  });
});

describe('GET /api/v1/alerts', () => {
  it('lists firing, no-data and pending alerts (in that order) with their labels, since, severity and notified', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/api/v1/alerts`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual([
      {
        alert: 'api-latency/{"route":"/cart"}/page',
        slo: 'api-latency',
        kind: 'burn',
        severity: 'page',
        state: 'firing',
        labels: { alertname: 'ApiLatency', slo: 'api-latency', service: 'api', severity: 'page', route: '/cart' },
        since: '2026-03-10T11:10:00.000Z',
        firedAt: '2026-03-10T11:10:00.000Z',
        notified: true,
        budgetAtFire: 0.2,
        updatedAt: '2026-03-10T12:00:00.000Z',
      },
      {
        alert: 'api-latency/{"route":"/pay"}/page',
        slo: 'api-latency',
        kind: 'burn',
        severity: 'page',
        state: 'nodata',
        labels: { alertname: 'ApiLatency', slo: 'api-latency', service: 'api', severity: 'page', route: '/pay' },
        since: '2026-03-10T11:40:00.000Z',
        noDataSince: '2026-03-10T11:40:00.000Z',
        notified: false,
        updatedAt: '2026-03-10T12:00:00.000Z',
      },
      {
        alert: 'checkout-availability/{}/ticket',
        slo: 'checkout-availability',
        kind: 'burn',
        severity: 'ticket',
        state: 'pending',
        labels: { alertname: 'CheckoutAvailability', slo: 'checkout-availability', service: 'checkout', severity: 'ticket', team: 'shop' },
        since: '2026-03-10T11:50:00.000Z',
        notified: false,
        updatedAt: '2026-03-10T12:00:00.000Z',
      },
    ]);
  });
});

describe('silences', () => {
  it('POST answers 403 with a clear error when no token is configured, and creates nothing', async () => {
    const { base, view } = await start();
    const res = await post(base, { matchers: ['slo="checkout-availability"'], comment: 'deploy' });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ error: 'mutating endpoints are disabled: configure server.apiToken' });
    expect(view.silenceList).toEqual([]);
  });

  it('DELETE answers 403 when no token is configured', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/api/v1/silences/silence-1`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(403);
    expect((await json<ErrorBody>(res)).error).toBe('mutating endpoints are disabled: configure server.apiToken');
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { Authorization: 'Bearer not-the-token' }],
    ['a token that is a prefix of the right one', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the right token with Basic', { Authorization: `Basic ${TOKEN}` }],
    ['an empty bearer', { Authorization: 'Bearer ' }],
  ])('POST with %s answers 401 and creates nothing', async (_name, headers: Record<string, string>) => {
    const { base, view, logs } = await start({ apiToken: TOKEN });
    const res = await post(base, { matchers: ['slo="checkout-availability"'], comment: 'deploy' }, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="burnwatch"');
    expect((await json<ErrorBody>(res)).hint).toBe('send the header Authorization: Bearer <server.apiToken>');
    expect(view.silenceList).toEqual([]);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it('DELETE with a wrong token answers 401 and expires nothing', async () => {
    const { base, view } = await start({ apiToken: TOKEN });
    await view.addSilence({ matchers: ['slo="x"'], startsAt: new Date(NOW), endsAt: new Date(NOW + 3_600_000), createdBy: 'a', comment: 'c' });
    const res = await fetch(`${base}/api/v1/silences/silence-1`, { method: 'DELETE', headers: { Authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
    expect(view.silenceList[0]?.endsAt.getTime()).toBe(NOW + 3_600_000);
  });

  it.each([
    { name: 'default duration (2h from now)', body: { matchers: ['slo="checkout-availability"'], comment: 'deploy' }, startsAt: '2026-03-10T12:00:00.000Z', endsAt: '2026-03-10T14:00:00.000Z', createdBy: 'api' },
    { name: 'a duration', body: { matchers: ['slo="checkout-availability"', 'severity="page"'], duration: '30m', comment: 'deploy', createdBy: 'alice' }, startsAt: '2026-03-10T12:00:00.000Z', endsAt: '2026-03-10T12:30:00.000Z', createdBy: 'alice' },
    { name: 'startsAt and endsAt', body: { matchers: ['slo=~"api-.+"'], startsAt: '2026-03-11T08:00:00+01:00', endsAt: '2026-03-11T09:00:00Z', comment: 'maintenance' }, startsAt: '2026-03-11T07:00:00.000Z', endsAt: '2026-03-11T09:00:00.000Z', createdBy: 'api' },
  ])('POST creates a silence with $name: 201, Location and the silence', async ({ body, startsAt, endsAt, createdBy }) => {
    const { base, view } = await start({ apiToken: TOKEN });
    const res = await post(base, body);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/v1/silences/silence-1');
    const created = await json(res);
    expect(created).toEqual({ id: 'silence-1', matchers: body.matchers, startsAt, endsAt, state: startsAt === '2026-03-10T12:00:00.000Z' ? 'active' : 'pending', createdBy, comment: body.comment });
    expect(view.silenceList).toHaveLength(1);
  });

  it.each([
    { name: 'no matcher', body: { matchers: [], comment: 'x' }, field: 'matchers' },
    { name: 'a matcher that does not parse', body: { matchers: ['slo="a"', 'slo=~"("'], comment: 'x' }, field: 'matchers[1]' },
    { name: 'matchers that match everything', body: { matchers: ['slo=~".*"'], comment: 'x' }, field: 'matchers' },
    { name: 'matchers not a list', body: { matchers: 'slo="a"', comment: 'x' }, field: 'matchers' },
    { name: 'a matcher that is not a string', body: { matchers: [3], comment: 'x' }, field: 'matchers[0]' },
    { name: 'no comment', body: { matchers: ['slo="a"'] }, field: 'comment' },
    { name: 'a blank comment', body: { matchers: ['slo="a"'], comment: '  ' }, field: 'comment' },
    { name: 'a bad duration', body: { matchers: ['slo="a"'], comment: 'x', duration: '2 hours' }, field: 'duration' },
    { name: 'a bad time', body: { matchers: ['slo="a"'], comment: 'x', endsAt: 'tomorrow' }, field: 'endsAt' },
    { name: 'endsAt and duration', body: { matchers: ['slo="a"'], comment: 'x', endsAt: '2026-03-10T13:00:00Z', duration: '1h' }, field: 'duration' },
    { name: 'endsAt before startsAt', body: { matchers: ['slo="a"'], comment: 'x', startsAt: '2026-03-10T13:00:00Z', endsAt: '2026-03-10T12:00:00Z' }, field: 'endsAt' },
    { name: 'an unknown field', body: { matchers: ['slo="a"'], comment: 'x', until: '2h' }, field: 'until' },
    { name: 'a body that is not an object', body: ['slo="a"'], field: 'body' },
  ])('POST with $name answers 400 naming the field $field', async ({ body, field }) => {
    const { base, view } = await start({ apiToken: TOKEN });
    const res = await post(base, body);
    expect(res.status).toBe(400);
    const answer = await json<ErrorBody>(res);
    expect(answer.problems.map((p) => p.field)).toContain(field);
    for (const p of answer.problems) {
      expect(p.message).toEqual(expect.any(String));
      expect(p.hint).not.toBe('');
    }
    expect(answer.error).toEqual(expect.any(String));
    expect(answer.hint).toEqual(expect.any(String));
    expect(view.silenceList).toEqual([]);
  });

  it.each([
    ['not JSON', '{"matchers": [', 'the request body is not valid JSON'],
    ['empty', '', 'the request body is empty'],
  ])('POST with a body that is %s answers 400', async (_name, body, error) => {
    const { base } = await start({ apiToken: TOKEN });
    const res = await post(base, body);
    expect(res.status).toBe(400);
    expect((await json<ErrorBody>(res)).error).toContain(error);
  });

  it('POST and DELETE answer 503 with the daemon\'s message and hint when its database cannot take the write', async () => {
    const view = new FakeView();
    const { base } = await start({ apiToken: TOKEN, view });
    const gone = new UnavailableError('the database file /data/burnwatch.db was deleted or replaced while burnwatch was running', 'burnwatch stops so that it starts again on the file now at that path');
    view.addSilence = () => {
      throw gone;
    };
    view.expireSilence = () => {
      throw gone;
    };
    const res = await post(base, { matchers: ['slo="a"'], comment: 'deploy' });
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({ error: gone.message, hint: gone.hint });
    const del = await fetch(`${base}/api/v1/silences/x`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(503);
    expect(view.silenceList).toEqual([]);
  });

  it('POST with a body over 64 KiB answers 413', async () => {
    const { base, view } = await start({ apiToken: TOKEN });
    const res = await post(base, { matchers: ['slo="a"'], comment: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect((await json<ErrorBody>(res)).error).toBe('the request body is larger than 65536 bytes');
    expect(view.silenceList).toEqual([]);
  });

  it('POST with a streamed (chunked) body over 64 KiB answers 413', async () => {
    const { port } = await start({ apiToken: TOKEN });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/silences', headers: { ...auth, 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = 'x'.repeat(16 * 1024);
      req.write(`{"comment":"`);
      for (let i = 0; i < 5; i++) req.write(chunk);
      req.end('"}');
    });
    expect(status).toBe(413);
  });

  it('GET lists current silences; ?all=true adds expired ones', async () => {
    const { base, view } = await start({ apiToken: TOKEN });
    await view.addSilence({ matchers: ['slo="old"'], startsAt: new Date(NOW - 7_200_000), endsAt: new Date(NOW - 3_600_000), createdBy: 'bob', comment: 'done' });
    await view.addSilence({ matchers: ['slo="now"', 'route=~"/c.*"'], startsAt: new Date(NOW - 60_000), endsAt: new Date(NOW + 3_600_000), createdBy: 'alice', comment: 'deploy' });
    const current = await json(await fetch(`${base}/api/v1/silences`));
    expect(current).toEqual([{ id: 'silence-2', matchers: ['slo="now"', 'route=~"/c.*"'], startsAt: '2026-03-10T11:59:00.000Z', endsAt: '2026-03-10T13:00:00.000Z', state: 'active', createdBy: 'alice', comment: 'deploy' }]);
    const all = await json<{ id: string; state: string }[]>(await fetch(`${base}/api/v1/silences?all=true`));
    expect(all.map((s) => [s.id, s.state])).toEqual([['silence-1', 'expired'], ['silence-2', 'active']]);
    const one = await fetch(`${base}/api/v1/silences/silence-2`);
    expect(one.status).toBe(200);
    expect((await json<{ id: string }>(one)).id).toBe('silence-2');
  });

  it('DELETE expires a silence (204), then answers 404 for it', async () => {
    const { base, view, logs } = await start({ apiToken: TOKEN });
    await view.addSilence({ matchers: ['slo="x"'], startsAt: new Date(NOW), endsAt: new Date(NOW + 3_600_000), createdBy: 'a', comment: 'c' });
    const res = await fetch(`${base}/api/v1/silences/silence-1`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(view.silenceList[0]?.endsAt.getTime()).toBe(NOW);
    expect(logs.some((l) => l.message === 'silence expired through the API')).toBe(true);
    const again = await fetch(`${base}/api/v1/silences/silence-1`, { method: 'DELETE', headers: auth });
    expect(again.status).toBe(404);
    expect((await json<ErrorBody>(again)).error).toBe('no active or pending silence with id "silence-1"');
  });
});

describe('errors', () => {
  it.each([
    ['GET', '/nope'],
    ['GET', '/api/v2/slos'],
    ['POST', '/api/v1'],
  ])('%s %s answers 404 JSON listing the endpoints', async (method, path) => {
    const { base } = await start();
    const res = await fetch(`${base}${path}`, { method });
    expect(res.status).toBe(404);
    const body = await json<ErrorBody>(res);
    expect(body.error).toBe(`no such endpoint: ${path}`);
    expect(body.hint).toContain('/api/v1/slos');
  });

  it.each([
    ['PUT', '/api/v1/slos', 'GET, HEAD'],
    ['POST', '/api/v1/slos/checkout-availability', 'GET, HEAD'],
    ['DELETE', '/metrics', 'GET, HEAD'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['PATCH', '/api/v1/silences', 'GET, POST, HEAD'],
    ['POST', '/api/v1/silences/x', 'GET, DELETE, HEAD'],
  ])('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
    const { base } = await start({ apiToken: TOKEN });
    const res = await fetch(`${base}${path}`, { method, headers: auth });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect((await json<ErrorBody>(res)).error).toBe(`${method} is not allowed on ${path.replace('checkout-availability', ':id').replace(/\/x$/, '/:id')}`);
  });

  it('answers 500 JSON without internals when the daemon throws, and logs the error', async () => {
    const { base, view, logs } = await start();
    view.slos = () => {
      throw new Error('database is locked');
    };
    const res = await fetch(`${base}/api/v1/slos`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal error while answering the request', hint: 'the burnwatch log has the details' });
    expect(text).not.toContain('database is locked');
    expect(text).not.toContain('at ');
    expect(logs.find((l) => l.level === 'error')?.message).toBe('API request failed');
  });
});

describe('listen and close', () => {
  it('rejects with a message naming the port when it is in use', async () => {
    const { port } = await start();
    const second = createServer(new FakeView(), createSelfMetrics({ version: 'x', now: () => NOW }), { logger: silentLogger });
    await expect(second.listen('127.0.0.1', port)).rejects.toThrow(`port ${port} is in use: set server.port / BURNWATCH_PORT or stop the other process`);
  });

  it('close stops the server even with a keep-alive connection open', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/healthz`, { keepalive: true })).status).toBe(200);
    await servers.splice(0)[0]?.close();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
