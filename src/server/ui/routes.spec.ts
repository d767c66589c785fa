import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopSlo, shopTraffic, startStatusPage } from '../../../test/support/status-page.js';
import type { StatusPageHarness } from '../../../test/support/status-page.js';
import { CONTENT_SECURITY_POLICY } from './routes.js';

/**
 * The status page's routes over a real engine and ledger fed by synthetic traffic (no browser): headers,
 * files, the JSON endpoints and their refusals. checkout-availability (99.9 %, 30 d, workbook tiers) gets
 * 10 requests/s; from 13:00 to 13:30 half of them fail. cart-availability is grouped by route.
 */

const T = Date.parse('2026-03-10T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let h: StatusPageHarness;

beforeAll(async () => {
  h = await startStatusPage({
    slos: [
      shopSlo('checkout-availability', { displayName: '<script>alert(1)</script>', source: { file: 'slos/shop.yaml', document: 1, line: 12, format: 'burnwatch/v1' } }),
      shopSlo('cart-availability', { groupBy: ['route'] }),
    ],
    series: [
      ...shopTraffic('checkout-availability', T - 8 * HOUR, (t) => (t > T + HOUR && t <= T + 90 * MINUTE ? 0.5 : 0)),
      ...shopTraffic('cart-availability', T - 8 * HOUR, () => 0, ['/cart', '/pay']),
    ],
    startMs: T,
  });
  await h.runTo(T + 3 * HOUR);
});

afterAll(async () => {
  await h?.close();
});

const get = (path: string): Promise<Response> => fetch(`${h.base}${path}`);

describe('pages', () => {
  it.each(['/', '/alerts', '/silences', '/slos/checkout-availability'])('%s is HTML with a strict CSP, revalidated on every visit', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style|style="|\son[a-z]+="/);
    // Nothing the page loads comes from elsewhere (links people follow may point anywhere).
    expect(html).not.toMatch(/src="(https?:)?\/\/|<link[^>]+href="(https?:)?\/\//);
  });

  it('writes names from SLO files as text, never as markup', async () => {
    const html = await (await get('/slos/checkout-availability')).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('says where the SLO is written: file and line, in the page and in the API', async () => {
    const html = await (await get('/slos/checkout-availability')).text();
    expect(html).toContain('<dt>Defined in</dt><dd><code data-source>slos/shop.yaml:12</code> (burnwatch/v1)</dd>');
    const detail = await (await get('/api/v1/slos/checkout-availability')).json() as { source: unknown };
    expect(detail.source).toEqual({ file: 'slos/shop.yaml', line: 12, location: 'slos/shop.yaml:12', format: 'burnwatch/v1' });
    // An SLO not read from a file (no line): the file and the document.
    expect(await (await get('/slos/cart-availability')).text()).toContain('<code data-source>slos/checkout.yaml</code> (document 1, burnwatch/v1)');
  });

  it('answers an unknown SLO with a 404 page', async () => {
    const res = await get('/slos/nope');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('There is no SLO with the id &quot;nope&quot;.');
  });

  it('names in its head the JSON the SLO page reads first, so that the browser fetches it while the scripts load', async () => {
    const path = `/slos/cart-availability?instance=${encodeURIComponent('{"route":"/pay"}')}&range=6h`;
    const html = await (await get(path)).text();
    const head = html.slice(0, html.indexOf('</head>'));
    const feeds = [...head.matchAll(/<link rel="preload" as="fetch" crossorigin="anonymous" href="([^"]+)" data-feed="([a-z]+)">/g)].map((m) => [m[2], m[1]?.replaceAll('&amp;', '&')]);
    const query = `instance=${encodeURIComponent('{"route":"/pay"}')}&range=21600`;
    expect(feeds).toEqual([
      ['series', `../api/v1/slos/cart-availability/series?${query}`],
      ['timeline', `../api/v1/slos/cart-availability/timeline?${query}`],
      ['detail', '../api/v1/slos/cart-availability'],
      ['gate', '../api/v1/gate?slo=cart-availability'],
    ]);
    // Before the scripts and style sheets, so the requests start first.
    expect(head.indexOf('rel="preload"')).toBeLessThan(head.indexOf('<script'));
    expect(head.indexOf('rel="preload"')).toBeLessThan(head.indexOf('rel="stylesheet"'));
    // Each is an answer of the API for this instance and range (relative to the page, as the browser reads it).
    const series = await (await fetch(new URL(feeds[0]?.[1] ?? '', `${h.base}${path}`))).json() as { labels: Record<string, string>; times: number[] };
    expect(series.labels).toEqual({ route: '/pay' });
    expect(series.times).toHaveLength(6 * 120 + 1);
    for (const [name, href] of feeds) expect((await fetch(new URL(href ?? '', `${h.base}${path}`))).status, name).toBe(200);
  });

  it('says what each chart draws, so that the page makes its charts before the series arrives', async () => {
    const html = await (await get('/slos/checkout-availability?range=6h')).text();
    // The SRE workbook's four tiers (windows and burn-rate factors of a 30-day budget).
    const tiers = [...html.matchAll(/data-chart="burn-rate" data-tier="[^"]+" data-long-window="([^"]+)" data-short-window="([^"]+)" data-threshold="([^"]+)"/g)].map((m) => m.slice(1));
    expect(tiers).toEqual([['1h', '5m', '14.4'], ['6h', '30m', '6'], ['1d', '2h', '3'], ['3d', '6h', '1']]);
    const sli = /data-chart="sli" data-objective="([^"]+)" data-step="([^"]+)"/.exec(html);
    const series = await (await get('/api/v1/slos/checkout-availability/series?instance=%7B%7D&range=21600')).json() as { step: string; objective: number };
    expect(sli?.slice(1)).toEqual([String(series.objective), series.step]);
    expect(series.objective).toBe(99.9);
  });

  it('charts the instance with the least budget left when a grouped SLO is opened without one', async () => {
    const html = await (await get('/slos/cart-availability')).text();
    expect(html).toMatch(/data-instance="\{&quot;route&quot;:&quot;\/(cart|pay)&quot;\}"/);
  });
});

describe('files', () => {
  it('serves the page scripts and uPlot under a versioned path, cached for good', async () => {
    const html = await (await get('/')).text();
    const version = /ui\/([0-9a-f]{12})\/app\.css/.exec(html)?.[1];
    expect(version).toBeDefined();
    for (const [path, type] of [['app.css', 'text/css'], ['overview.js', 'text/javascript'], ['vendor/uPlot.iife.min.js', 'text/javascript'], ['vendor/uPlot.min.css', 'text/css']] as const) {
      const res = await get(`/ui/${version}/${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect(await (await get(`/ui/${version}/vendor/uPlot.iife.min.js`)).text()).toContain('uPlot');
  });

  it('does not let an old version be cached, and knows no other file', async () => {
    expect((await get('/ui/000000000000/app.css')).headers.get('cache-control')).toBe('no-cache');
    expect((await get('/ui/000000000000/tsconfig.json')).status).toBe(404);
    expect((await get('/ui/000000000000/..%2F..%2Fpackage.json')).status).toBe(404);
  });
});

describe('GET /api/v1/slos/:id/series', () => {
  it('has one point per step from the first multiple of step in the range to the last', async () => {
    const res = await get(`/api/v1/slos/checkout-availability/series?from=${(T + HOUR) / 1000 - 1}&to=${(T + 2 * HOUR) / 1000}&step=5m`);
    expect(res.status).toBe(200);
    const s = await res.json() as { times: number[]; step: string; burnRates: Record<string, number[]>; budgetRemaining: number[] };
    // 13:00 - 1 s is not a multiple of 5 minutes: the first point is 13:00; 13 points to 14:00.
    expect(s.times[0]).toBe((T + HOUR) / 1000);
    expect(s.times).toHaveLength(13);
    expect(s.step).toBe('5m');
    // 13:30: the last 5 minutes had 50 % errors, the error budget is 0.1 %: burn rate 500.
    expect(s.burnRates['5m']?.[6]).toBeCloseTo(500, 6);
    // 13:00: no error yet in the last hour.
    expect(s.burnRates['1h']?.[0]).toBe(0);
  });

  it.each([
    ['step=0.5', 'step must be a duration of at least 1s'],
    ['step=1s&range=30d', 'more than 11000 per request'],
    ['from=yesterday', 'from must be an RFC 3339 time or unix seconds'],
    ['from=2026-03-10T12:00:00Z&to=2026-03-10T11:00:00Z', 'to must be after from'],
    ['instance=route', 'instance must be the instance\'s labels as a JSON object'],
  ])('refuses %s with 400', async (query, message) => {
    const res = await get(`/api/v1/slos/checkout-availability/series?${query}`);
    expect(res.status).toBe(400);
    expect((await res.json() as { error: string }).error).toContain(message);
  });

  it('answers from the ledger rows as they are now: a repeated request is the same answer, changed rows a new one', async () => {
    const path = `/api/v1/slos/checkout-availability/series?from=${(T + HOUR) / 1000}&to=${(T + 2 * HOUR) / 1000}&step=5m`;
    const first = await (await get(path)).text();
    expect(await (await get(path)).text()).toBe(first);
    // The rows of the range rewritten (as a rebuilt ledger would): 100 more bad events from 13:30 on.
    const shift = h.db.prepare('UPDATE ledger SET bad = bad + ? WHERE slot_ms >= ? AND instance_id = (SELECT id FROM slo_instances WHERE slo_id = ?)');
    shift.run(100, T + 90 * MINUTE, 'checkout-availability');
    try {
      const changed = await (await get(path)).json() as { budgetRemaining: number[] };
      const before = JSON.parse(first) as { budgetRemaining: number[] };
      // 100 more bad events in a budget of 0.1 % of the period's events: the budget left at 14:00 drops.
      expect(changed.budgetRemaining.at(-1)).toBeLessThan((before.budgetRemaining.at(-1) ?? 0) - 0.01);
      expect(changed.budgetRemaining.slice(0, 6)).toEqual(before.budgetRemaining.slice(0, 6));
    } finally {
      shift.run(-100, T + 90 * MINUTE, 'checkout-availability');
    }
    expect(await (await get(path)).text()).toBe(first);
  });

  it('asks for the instance of a grouped SLO, and says when it has no such instance', async () => {
    expect((await get('/api/v1/slos/cart-availability/series')).status).toBe(400);
    expect((await get(`/api/v1/slos/cart-availability/series?instance=${encodeURIComponent('{"route":"/cart"}')}&range=1h`)).status).toBe(200);
    expect((await get(`/api/v1/slos/cart-availability/series?instance=${encodeURIComponent('{"route":"/x"}')}`)).status).toBe(404);
    expect((await get('/api/v1/slos/nope/series')).status).toBe(404);
  });
});

describe('GET /api/v1/slos/:id/timeline', () => {
  it('lists the state changes with the receivers notified, and the firing periods', async () => {
    const t = await (await get(`/api/v1/slos/checkout-availability/timeline?from=${T / 1000}&to=${(T + 3 * HOUR) / 1000}`)).json() as {
      events: { at: string; alert: string; from: string; to: string; notifications: { receiver: string; status: string; state: string }[] }[];
      firing: { severity: string; start: number; end: number | null }[];
    };
    const page = t.events.filter((e) => e.alert === 'checkout-availability/{}/page');
    expect(page.map((e) => [e.from, e.to])).toEqual([['inactive', 'firing'], ['firing', 'inactive']]);
    expect(page[0]?.notifications).toEqual([{ receiver: 'console', status: 'firing', state: 'delivered', deliveredAt: page[0]?.at }]);
    expect(page[1]?.notifications.map((n) => n.status)).toEqual(['resolved']);
    const band = t.firing.find((b) => b.severity === 'page');
    expect(band?.start).toBe(Date.parse(page[0]?.at ?? '') / 1000);
    expect(band?.end).toBe(Date.parse(page[1]?.at ?? '') / 1000);
    // It fired during the incident and resolved after it.
    expect(Date.parse(page[0]?.at ?? '')).toBeGreaterThan(T + HOUR);
    expect(Date.parse(page[0]?.at ?? '')).toBeLessThan(T + 90 * MINUTE);
    expect(Date.parse(page[1]?.at ?? '')).toBeGreaterThan(T + 90 * MINUTE);
  });
});

describe('GET /api/v1/instances', () => {
  it('has one entry per SLO instance with the budget /api/v1/slos reports', async () => {
    const list = await (await get('/api/v1/instances')).json() as { slo: string; labels: Record<string, string>; budgetRemaining: number }[];
    const slos = await (await get('/api/v1/slos')).json() as { id: string; instances: { labels: Record<string, string>; budgetRemaining: number }[] }[];
    expect(list.map((i) => [i.slo, i.labels, i.budgetRemaining])).toEqual(slos.flatMap((s) => s.instances.map((i) => [s.id, i.labels, i.budgetRemaining])));
    expect(list).toHaveLength(3);
  });
});

describe('/api/v1/slos/:id/backtest', () => {
  it('runs no backtest on a server without them, and says so', async () => {
    const list = await (await get('/api/v1/slos/checkout-availability/backtest')).json() as { available: boolean; days: number[]; backtests: unknown[] };
    expect(list).toEqual({ slo: 'checkout-availability', available: false, days: [1, 7, 30], backtests: [] });
    const res = await fetch(`${h.base}/api/v1/slos/checkout-availability/backtest?days=1`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect((await res.json() as { hint: string }).hint).toContain('burnwatch backtest');
  });

  describe('on a server that runs them', () => {
    let b: StatusPageHarness;
    beforeAll(async () => {
      b = await startStatusPage({
        slos: [shopSlo('checkout-availability'), shopSlo('cart-availability', { groupBy: ['route'] })],
        series: [
          ...shopTraffic('checkout-availability', T - 8 * HOUR, (t) => (t > T + HOUR && t <= T + 90 * MINUTE ? 0.5 : 0)),
          ...shopTraffic('cart-availability', T - 8 * HOUR, () => 0, ['/cart', '/pay', '/list']),
        ],
        startMs: T,
        backtests: { maxInstanceDays: 20 },
      });
      await b.runTo(T + 3 * HOUR);
    });
    afterAll(async () => {
      await b?.close();
    });

    const post = (path: string): Promise<Response> => fetch(`${b.base}${path}`, { method: 'POST' });

    it('starts one when asked, and shows the page the daemon itself fired, at the same times', async () => {
      const started = await post('/api/v1/slos/checkout-availability/backtest?days=1');
      expect(started.status).toBe(202);
      expect(await started.json()).toMatchObject({ days: 1, state: 'running' });
      type Listed = { backtests: { days: number; state: string; from: string; to: string; pages: number; episodes: { severity: string; kind: string; start: string; end: string | null; durationSeconds: number }[] }[] };
      let listed: Listed | undefined;
      await expect.poll(async () => {
        listed = await (await fetch(`${b.base}/api/v1/slos/checkout-availability/backtest`)).json() as Listed;
        return listed.backtests[0]?.state;
      }, { timeout: 60_000, interval: 200 }).toBe('done');
      const done = listed?.backtests[0];
      expect([done?.from, done?.to]).toEqual([new Date(T + 3 * HOUR - DAY).toISOString(), new Date(T + 3 * HOUR).toISOString()]);
      // The daemon's own page, as its alert timeline shows it.
      const timeline = await (await fetch(`${b.base}/api/v1/slos/checkout-availability/timeline?from=${T / 1000}&to=${(T + 3 * HOUR) / 1000}`)).json() as { firing: { severity: string; start: number; end: number | null }[] };
      const fired = timeline.firing.filter((f) => f.severity === 'page');
      expect(fired).toHaveLength(1);
      expect(done?.pages).toBe(1);
      const page = done?.episodes.find((e) => e.severity === 'page');
      expect([page?.start, page?.end]).toEqual([new Date((fired[0]?.start ?? 0) * 1000).toISOString(), new Date((fired[0]?.end ?? 0) * 1000).toISOString()]);
      expect(page?.durationSeconds).toBe((fired[0]?.end ?? 0) - (fired[0]?.start ?? 0));
      expect(page?.kind).toBe('burn');
      // Asked again, the result kept: no second run.
      const again = await post('/api/v1/slos/checkout-availability/backtest?days=1');
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ state: 'done', pages: 1 });
    }, 90_000);

    it.each([
      ['days=2', 400, 'days must be one of 1, 7, 30'],
      ['', 400, 'days must be one of 1, 7, 30'],
    ])('refuses %s', async (query, status, message) => {
      const res = await post(`/api/v1/slos/checkout-availability/backtest?${query}`);
      expect(res.status).toBe(status);
      expect((await res.json() as { error: string }).error).toContain(message);
    });

    it('refuses an SLO with too many instances for the days asked, and names the CLI command instead', async () => {
      const res = await post('/api/v1/slos/cart-availability/backtest?days=7');
      expect(res.status).toBe(422);
      const body = await res.json() as { error: string; hint: string };
      expect(body.error).toContain('3 instances: a backtest over 7 days would replay 21 instance-days');
      expect(body.hint).toContain('burnwatch backtest --slos');
      expect((await post('/api/v1/slos/nope/backtest?days=1')).status).toBe(404);
    });
  });
});
