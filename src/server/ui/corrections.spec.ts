import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopSlo, shopTraffic, startStatusPage } from '../../../test/support/status-page.js';
import type { StatusPageHarness } from '../../../test/support/status-page.js';
import type { BudgetCorrection } from '../../slo/model.js';
import { sqliteOf } from '../../../test/support/sqlite-engine.js';

/**
 * Budget corrections through the daemon's view: a real engine and ledger fed by synthetic traffic. Both SLOs
 * get 10 requests/s, none failing but half of them from 13:00 to 13:30. checkout-availability has a correction
 * over exactly that half hour; cart-availability, the same traffic, has none. Every expected figure follows
 * from the traffic: outside the outage nothing fails, so the corrected budget is untouched.
 */

const T = Date.parse('2026-03-10T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const dns: BudgetCorrection = {
  name: '2026-03-10-dns-outage',
  startMs: T + HOUR,
  durationMs: 30 * MINUTE,
  reason: 'upstream DNS provider outage, not ours',
  source: { file: 'slos/corrections.yaml', line: 4 },
};

let h: StatusPageHarness;
const get = (path: string): Promise<Response> => fetch(`${h.base}${path}`);
const outage = (t: number): number => (t > T + HOUR && t <= T + 90 * MINUTE ? 0.5 : 0);

interface Detail {
  corrections: unknown[];
  instances: { correction?: string; budget: { remaining: number; events: number } }[];
}

beforeAll(async () => {
  h = await startStatusPage({
    slos: [shopSlo('checkout-availability', { corrections: [dns] }), shopSlo('cart-availability')],
    series: [...shopTraffic('checkout-availability', T - 8 * HOUR, outage), ...shopTraffic('cart-availability', T - 8 * HOUR, outage)],
    startMs: T,
  });
});

afterAll(async () => {
  await h?.close();
});

describe('a budget correction on the status page and in the API', () => {
  it('while it covers the current time: the API names it on the instance and marks it active', async () => {
    await h.runTo(T + 70 * MINUTE);
    const detail = await (await get('/api/v1/slos/checkout-availability')).json() as Detail;
    expect(detail.instances[0]?.correction).toBe('2026-03-10-dns-outage');
    expect(detail.corrections).toEqual([{
      name: '2026-03-10-dns-outage',
      reason: 'upstream DNS provider outage, not ours',
      start: '2026-03-10T13:00:00.000Z',
      end: '2026-03-10T13:30:00.000Z',
      file: 'slos/corrections.yaml',
      line: 4,
      location: 'slos/corrections.yaml:4',
      active: true,
    }]);
    const cart = await (await get('/api/v1/slos/cart-availability')).json() as Detail;
    expect(cart.instances[0]?.correction).toBeUndefined();
    expect(cart.corrections).toEqual([]);
  });

  it('leaves the corrected half hour out of the budget: nothing else failed, so none of it is spent', async () => {
    await h.runTo(T + 3 * HOUR);
    const checkout = await (await get('/api/v1/slos/checkout-availability')).json() as Detail;
    const cart = await (await get('/api/v1/slos/cart-availability')).json() as Detail;
    expect(checkout.instances[0]?.correction).toBeUndefined();
    expect(checkout.instances[0]?.budget.remaining).toBe(1);
    // 30 minutes x 60 s x 10 requests fewer events than the uncorrected SLO counts.
    expect((cart.instances[0]?.budget.events ?? 0) - (checkout.instances[0]?.budget.events ?? 0)).toBeCloseTo(18_000, 6);
    // The uncorrected one spent its budget several times over: 9,000 bad requests.
    expect(cart.instances[0]?.budget.remaining).toBeLessThan(0);
  });

  it('never paged for the corrected outage (alerts held during it, its events out of the windows after), while the other SLO did', () => {
    const fired = (slo: string) => sqliteOf(h.engine).alerts.history(slo, 1000).filter((t) => t.to === 'firing').map((t) => t.alertKey);
    expect(fired('checkout-availability')).toEqual([]);
    expect(fired('cart-availability')).toContain('cart-availability/{}/page');
  });

  it('lets a deploy through the release gate, which freezes the uncorrected SLO', async () => {
    const gate = (slo: string) => get(`/api/v1/gate?slo=${slo}`).then((r) => r.json() as Promise<{ allow: boolean; reasons: { budgetRemaining: number | null }[] }>);
    const checkout = await gate('checkout-availability');
    expect(checkout.allow).toBe(true);
    expect(checkout.reasons[0]?.budgetRemaining).toBe(1);
    expect((await gate('cart-availability')).allow).toBe(false);
  });

  it('draws the corrected budget on the SLO page\'s chart, and lists the correction with its reason and file', async () => {
    const series = await (await get(`/api/v1/slos/checkout-availability/series?from=${(T + 30 * MINUTE) / 1000}&to=${(T + 3 * HOUR) / 1000}&step=600`)).json() as { budgetRemaining: (number | null)[]; corrections: unknown[] };
    expect(series.budgetRemaining.length).toBeGreaterThan(0);
    expect(series.budgetRemaining.every((b) => b === 1)).toBe(true);
    // Shaded on the charts as it is in the range.
    expect(series.corrections).toEqual([{ start: (T + HOUR) / 1000, end: (T + 90 * MINUTE) / 1000, name: '2026-03-10-dns-outage', reason: 'upstream DNS provider outage, not ours' }]);
    const html = await (await get('/slos/checkout-availability')).text();
    expect(html).toContain('<strong>2026-03-10-dns-outage</strong>');
    expect(html).toContain('upstream DNS provider outage, not ours <code>slos/corrections.yaml:4</code>');
    expect(await (await get('/slos/cart-availability')).text()).toContain('<h3>Budget corrections</h3>\n<p class="corrections">None.</p>');
  });
});
