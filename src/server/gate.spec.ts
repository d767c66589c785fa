import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopSlo, shopTraffic, startStatusPage } from '../../test/support/status-page.js';
import type { StatusPageHarness } from '../../test/support/status-page.js';
import type { SloStatus } from '../engine/engine.js';
import { createSelfMetrics } from './self-metrics.js';
import { fixtureStatuses, FakeView, NOW } from './fake-view.fixture.js';
import { gateRoutes } from './gate.js';
import type { GateReader } from './gate.js';
import { createServer } from './server.js';
import { UnavailableError } from './view.js';
import { silentLogger } from '../../test/support/logger.js';

/**
 * GET /api/v1/gate over a real engine and ledger fed by synthetic traffic (10 requests/s per SLO instance).
 * checkout-availability (99.9 %, rolling 30 d) loses half of its requests from 13:00 to 13:30; its ledger
 * starts at 06:00. By hand: at 13:00 + x s it has 5x bad of 252,000 + 10x events, so its budget is below 25 %
 * (error ratio above 0.075 %) from x = 38 s on and below 0 from x = 51 s on: the first evaluation below is the
 * slot 13:01:00 for every threshold used here. At 15:00: 9,000 bad of 324,000, 1 - 27.8 = -26.8 budgets left.
 * cart-availability (grouped by route, policy freezeBelow 50 %) has no errors.
 */

const T = Date.parse('2026-03-10T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const INCIDENT_BELOW = new Date(T + HOUR + MINUTE).toISOString();

let h: StatusPageHarness;

beforeAll(async () => {
  h = await startStatusPage({
    slos: [
      shopSlo('checkout-availability'),
      shopSlo('cart-availability', { groupBy: ['route'], policy: { freezeBelow: 0.5 } }),
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

interface Reason {
  slo: string;
  service: string;
  labels: Record<string, string>;
  state: string;
  budgetRemaining: number | null;
  threshold: number;
  thresholdFrom: string;
  evaluatedAt: string | null;
  since?: string;
  sinceAtLeast?: boolean;
  why?: string;
  message: string;
}
interface Answer {
  allow: boolean;
  state: string;
  at?: string;
  reasons: Reason[];
  error?: string;
  hint?: string;
}

async function gate(query: string, base = h.base): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${base}/api/v1/gate${query}`);
  return { status: res.status, body: (await res.json()) as Answer };
}

describe('GET /api/v1/gate: the decision', () => {
  it('freezes an SLO below the requested budget, saying which, how much is left, the threshold and since when', async () => {
    const { status, body } = await gate('?slo=checkout-availability&minBudget=25%25');
    expect(status).toBe(200);
    expect(body.allow).toBe(false);
    expect(body.state).toBe('frozen');
    expect(body.at).toBe(new Date(T + 3 * HOUR).toISOString());
    expect(body.reasons).toHaveLength(1);
    const [r] = body.reasons;
    expect(r).toMatchObject({ slo: 'checkout-availability', service: 'shop', labels: {}, state: 'frozen', threshold: 0.25, thresholdFrom: 'request', since: INCIDENT_BELOW, sinceAtLeast: false, evaluatedAt: new Date(T + 3 * HOUR).toISOString() });
    expect(r?.budgetRemaining).toBeCloseTo(1 - 9_000 / 324_000 / 0.001, 1);
    expect(r?.message).toBe(`checkout-availability: -2677.8% of the error budget left, below 25% (requested) since ${INCIDENT_BELOW} (1h59m ago)`);
  });

  it('freezes on an exhausted budget with no threshold anywhere (the default)', async () => {
    const { status, body } = await gate('?slo=checkout-availability');
    expect(status).toBe(200);
    expect(body.allow).toBe(false);
    expect(body.reasons[0]).toMatchObject({ state: 'frozen', threshold: 0, thresholdFrom: 'default', since: INCIDENT_BELOW });
  });

  it('allows an SLO whose every instance has budget, judged by its policy.freezeBelow', async () => {
    const { status, body } = await gate('?slo=cart-availability');
    expect(status).toBe(200);
    expect(body.allow).toBe(true);
    expect(body.state).toBe('allowed');
    expect(body.reasons.map((r) => [r.labels, r.state, r.budgetRemaining, r.threshold, r.thresholdFrom])).toEqual([
      [{ route: '/cart' }, 'allowed', 1, 0.5, 'policy'],
      [{ route: '/pay' }, 'allowed', 1, 0.5, 'policy'],
    ]);
    expect(body.reasons[0]?.since).toBeUndefined();
  });

  it('lets the request override the policy, both ways', async () => {
    expect((await gate('?slo=cart-availability&minBudget=100%25')).body.allow).toBe(true); // untouched budget: 1 is not below 1
    expect((await gate('?slo=checkout-availability&minBudget=0.0')).body.allow).toBe(false); // exhausted freezes whatever the threshold
  });

  it('selects by service, listing frozen instances first', async () => {
    const { status, body } = await gate('?service=shop&minBudget=10%25');
    expect(status).toBe(200);
    expect(body.allow).toBe(false);
    expect(body.reasons.map((r) => [r.slo, r.state])).toEqual([
      ['checkout-availability', 'frozen'],
      ['cart-availability', 'allowed'],
      ['cart-availability', 'allowed'],
    ]);
  });

  it('selects instances by label matchers (SLO, routing and instance labels), all of which must hold', async () => {
    const one = await gate(`?matcher=${encodeURIComponent('route="/cart"')}`);
    expect(one.status).toBe(200);
    expect(one.body.reasons.map((r) => [r.slo, r.labels])).toEqual([['cart-availability', { route: '/cart' }]]);
    const both = await gate(`?matcher=${encodeURIComponent('team="shop"')}&matcher=${encodeURIComponent('slo!="cart-availability"')}`);
    expect(both.body.reasons.map((r) => r.slo)).toEqual(['checkout-availability']);
    const list = await gate(`?matcher=${encodeURIComponent('{service="shop", route="/pay"}')}`);
    expect(list.body.reasons.map((r) => r.labels)).toEqual([{ route: '/pay' }]);
    expect(list.body.allow).toBe(true);
  });
});

describe('GET /api/v1/gate: cannot tell', () => {
  it.each([
    ['an unknown SLO', '?slo=nope', 404, /no SLO with id "nope"/],
    ['an unknown service', '?service=nope', 404, /no SLO of service "nope"/],
    ['matchers that match nothing', `?matcher=${encodeURIComponent('route="/nope"')}`, 404, /no SLO instance matches/],
    ['no selector', '', 400, /name the SLOs/],
    ['a misspelt parameter', '?slo=checkout-availability&minbudget=25%25', 400, /unknown parameter "minbudget"/],
    ['an ambiguous threshold', '?slo=checkout-availability&minBudget=25', 400, /ambiguous/],
    ['two thresholds', '?slo=checkout-availability&minBudget=25%25&minBudget=10%25', 400, /minBudget.*once/],
    ['a regular-expression matcher', `?matcher=${encodeURIComponent('slo=~"check.*"')}`, 400, /regular-expression/],
    ['a broken matcher', `?matcher=${encodeURIComponent('route=="x')}`, 400, /matcher/],
  ])('%s: %s, never allow', async (_name, query, status, error) => {
    const res = await gate(query);
    expect(res.status).toBe(status);
    expect(res.body.allow).toBe(false);
    expect(res.body.state).toBe('unknown');
    expect(res.body.error).toMatch(error);
    expect(res.body.hint).toBeTruthy();
  });

  it('answers 503 for an SLO that is not evaluated yet, and freezes when another one is known to be below', async () => {
    await h.engine.setSlos([...h.engine.slos(), shopSlo('search-availability', { service: 'search' })], h.now());
    try {
      const waiting = await gate('?slo=search-availability');
      expect(waiting.status).toBe(503);
      expect(waiting.body.allow).toBe(false);
      expect(waiting.body.state).toBe('unknown');
      expect(waiting.body.error).toMatch(/cannot tell/);
      expect(waiting.body.reasons).toMatchObject([{ slo: 'search-availability', state: 'unknown', budgetRemaining: null, why: expect.stringMatching(/not evaluated yet/) as unknown }]);
      const mixed = await gate('?slo=search-availability&slo=checkout-availability');
      expect(mixed.status).toBe(200);
      expect(mixed.body.allow).toBe(false);
      expect(mixed.body.reasons.map((r) => r.state)).toEqual(['frozen', 'unknown']);
      const withCart = await gate('?slo=search-availability&slo=cart-availability');
      expect(withCart.status).toBe(503);
    } finally {
      await h.engine.setSlos(h.engine.slos().filter((s) => s.id !== 'search-availability'), h.now());
    }
  });
});

describe('GET /api/v1/slos: the gate state of every SLO', () => {
  it('shows allowed or frozen and the SLO\'s own threshold', async () => {
    const slos = (await (await fetch(`${h.base}/api/v1/slos`)).json()) as { id: string; gate: unknown }[];
    expect(slos.map((s) => [s.id, s.gate])).toEqual([
      ['cart-availability', { state: 'allowed', freezeBelow: 0.5, thresholdFrom: 'policy' }],
      ['checkout-availability', { state: 'frozen', freezeBelow: 0, thresholdFrom: 'default' }],
    ]);
  });
});

describe('GET /api/v1/gate over a reader that fails or lags', () => {
  const statuses = (): SloStatus[] => fixtureStatuses();
  async function serve(reader: GateReader): Promise<{ base: string; close: () => Promise<void> }> {
    const server = createServer(new FakeView(), { registry: createSelfMetrics({ version: 'test', now: () => 0 }).registry, collect: () => Promise.resolve() }, {
      logger: silentLogger,
      routes: gateRoutes(reader),
    });
    const bound = await server.listen('127.0.0.1', 0);
    return { base: `http://127.0.0.1:${bound.port}`, close: () => server.close() };
  }

  it('cannot tell from figures older than three evaluation intervals', async () => {
    const first = statuses()[0];
    expect(first?.evaluatedAtMs).toBeDefined();
    const at = (first?.evaluatedAtMs ?? 0) + 3 * 30_000 + 30_001;
    const s = await serve({ now: () => at, intervalMs: 30_000, slos: statuses, ledgerRows: () => Promise.resolve([]) });
    try {
      const res = await gate(`?slo=${first?.slo.id ?? ''}`, s.base);
      expect(res.status).toBe(503);
      expect(res.body.allow).toBe(false);
      expect(res.body.reasons[0]?.why).toMatch(/2m ago .* behind/);
      const fresh = await serve({ now: () => at - 1, intervalMs: 30_000, slos: statuses, ledgerRows: () => Promise.resolve([]) });
      try {
        expect((await gate(`?slo=${first?.slo.id ?? ''}`, fresh.base)).status).toBe(200);
      } finally {
        await fresh.close();
      }
    } finally {
      await s.close();
    }
  });

  it('reads since when once per evaluation, instance and threshold, and for at most 20 new instances per request', async () => {
    const [, api] = statuses();
    const cart = api?.instances[0];
    expect(cart?.observation.budget.remaining).toBeLessThan(0);
    if (api === undefined || cart === undefined) return;
    const many: SloStatus[] = [{ ...api, instances: Array.from({ length: 25 }, (_, i) => ({ ...cart, key: `{"route":"/r${i}"}`, labels: { route: `/r${i}` } })) }];
    const reads: string[] = [];
    const s = await serve({
      now: () => NOW,
      intervalMs: 30_000,
      slos: () => many,
      ledgerRows: (_slo, labels) => {
        reads.push(labels['route'] ?? '');
        return Promise.resolve([{ slotMs: NOW - 60_000, sum: { bad: 10, total: 10, sliceBad: 0, slices: 0, dataSlots: 1 } }, { slotMs: NOW, sum: { bad: 20, total: 20, sliceBad: 0, slices: 0, dataSlots: 2 } }]);
      },
    });
    try {
      const first = await gate(`?slo=${api.slo.id}`, s.base);
      expect(first.status).toBe(200);
      expect(reads).toHaveLength(20);
      expect(first.body.reasons.filter((r) => r.since === null)).toHaveLength(5);
      // The same question again: the 20 answers are kept, 5 more are read.
      const again = await gate(`?slo=${api.slo.id}`, s.base);
      expect(reads).toHaveLength(25);
      expect(again.body.reasons.every((r) => typeof r.since === 'string')).toBe(true);
      // Another threshold is another question.
      await gate(`?slo=${api.slo.id}&minBudget=50%25&matcher=${encodeURIComponent('route="/r1"')}`, s.base);
      expect(reads).toHaveLength(26);
    } finally {
      await s.close();
    }
  });

  it('looks back no further than the start of a calendar period: the budget starts afresh there', async () => {
    // api-latency: 99.5 % per calendar month (UTC). Ledger rows at half past each hour (none on the boundary) at
    // 10 requests/s: half of them fail in February, 1.2 % from March on, so the March budget (0.5 %) is exhausted
    // from its first row on, while every February instant is far below too.
    const api = statuses().find((x) => x.slo.period.kind === 'calendar');
    expect(api?.slo.objective).toBe(99.5);
    const rows: { slotMs: number; sum: { bad: number; total: number; sliceBad: number; slices: number; dataSlots: number } }[] = [];
    let bad = 0;
    let total = 0;
    for (let t = Date.parse('2026-02-25T00:30:00Z'); t <= NOW; t += 3_600_000) {
      bad += 36_000 * (t <= Date.parse('2026-03-01T00:00:00Z') ? 0.5 : 0.012);
      total += 36_000;
      rows.push({ slotMs: t, sum: { bad, total, sliceBad: 0, slices: 0, dataSlots: rows.length + 1 } });
    }
    const s = await serve({ now: () => NOW, intervalMs: 30_000, slos: statuses, ledgerRows: () => Promise.resolve(rows) });
    try {
      const res = await gate(`?slo=api-latency&matcher=${encodeURIComponent('route="/cart"')}`, s.base);
      expect(res.status).toBe(200);
      expect(res.body.reasons[0]).toMatchObject({ state: 'frozen', since: '2026-03-01T00:30:00.000Z', sinceAtLeast: false });
    } finally {
      await s.close();
    }
  });

  it('answers 503 without allowing when the database cannot be read for since when', async () => {
    const frozen = statuses().find((x) => x.instances.some((i) => i.observation.budget.remaining <= 0));
    expect(frozen).toBeDefined();
    const s = await serve({
      now: () => NOW,
      intervalMs: 30_000,
      slos: statuses,
      ledgerRows: () => {
        throw new UnavailableError('the database cannot be read: disk I/O error', 'check the volume');
      },
    });
    try {
      const res = await gate(`?slo=${frozen?.slo.id ?? ''}`, s.base);
      expect(res.status).toBe(503);
      expect(res.body.allow).toBe(false);
      expect(res.body.error).toMatch(/disk I\/O error/);
    } finally {
      await s.close();
    }
  });
});
